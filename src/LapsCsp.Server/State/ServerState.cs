using System.Text.Json;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Entra;
using LapsCsp.Server.Identity;
using LapsCsp.Storage;

namespace LapsCsp.Server.State;

/// <summary>The server's durable state: the SQLite store, the emulated Entra ID tenant and AD domain kept in it, and small
/// server documents (registrations, policies, rotation history) in its settings table.</summary>
/// <remarks>Directories live in memory and are written back in the same transaction as the device whose session changed
/// them (<see cref="Commit"/>): a backup, its audit record and the device's new state are stored all or nothing. Only the
/// audit records not yet stored travel with each save, so a save costs the same however long the log is.</remarks>
internal sealed class ServerState : IDisposable
{
    private readonly Lock _gate = new();
    private long _generation;
    private long _savedGeneration;
    private int _entraAuditSaved;
    private int _adAuditSaved;

    private ServerState(LapsStore store, EntraIdDirectory entra, ActiveDirectoryDomain ad, TimeProvider time)
    {
        Store = store;
        Entra = entra;
        ActiveDirectory = ad;
        Time = time;
        _entraAuditSaved = entra.AuditLog.Count;
        _adAuditSaved = ad.AuditLog.Count;
    }

    public LapsStore Store { get; }

    public EntraIdDirectory Entra { get; }

    public ActiveDirectoryDomain ActiveDirectory { get; }

    public TimeProvider Time { get; }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>Opens the state in <paramref name="store"/>, loading or creating the tenant and the domain.</summary>
    /// <param name="shared">Directories to use instead of the stored ones (an in-process fleet's, which its devices back up
    /// to); the store then keeps a copy of them.</param>
    public static ServerState Open(LapsStore store, TimeProvider time, ActiveDirectoryConfig adConfig, LapsCsp.Device.Processing.LapsDirectories? shared = null)
    {
        var entra = shared?.EntraIdTenant ?? (store.LoadEntra() is { } e ? EntraIdDirectory.FromSnapshot(e, time) : new EntraIdDirectory(time));
        var ad = shared?.ActiveDirectoryDomain ?? (store.LoadActiveDirectory(adConfig.DnsDomainName) is { } a
            ? ActiveDirectoryDomain.FromSnapshot(a, time)
            : new ActiveDirectoryDomain(time, new ActiveDirectoryOptions(adConfig.DnsDomainName)));
        foreach (var (group, members) in adConfig.Groups)
        {
            foreach (var member in members) ad.AddGroupMember(group, member);
        }

        var state = new ServerState(store, entra, ad, time);
        state.MarkChanged();
        state.Commit(null);
        return state;
    }

    /// <summary>Says that a directory changed outside a device session (a registration, a password read with its audit).</summary>
    public void MarkChanged() => Interlocked.Increment(ref _generation);

    /// <summary>True when a directory changed since the last save.</summary>
    public bool HasUnsavedChanges => Interlocked.Read(ref _generation) != Interlocked.Read(ref _savedGeneration);

    /// <summary>Runs <paramref name="work"/> and saves the directories if anything marked them changed, in one transaction.</summary>
    public void Commit(Action<LapsStoreTransaction>? work)
    {
        var generation = Interlocked.Read(ref _generation);
        var directoriesChanged = generation != Interlocked.Read(ref _savedGeneration);
        if (work is null && !directoriesChanged) return;
        int entraCount = 0, adCount = 0;
        Store.InTransaction(tx =>
        {
            work?.Invoke(tx);
            if (!directoriesChanged) return;
            // Snapshots are taken inside the write transaction: transactions are serialised, so a later commit never
            // carries an older snapshot than an earlier one.
            var entra = Entra.Snapshot();
            var ad = ActiveDirectory.Snapshot();
            lock (_gate)
            {
                entraCount = entra.Audit.Length;
                adCount = ad.Audit.Length;
                tx.SaveEntra(entra with { Audit = entra.Audit[Math.Min(_entraAuditSaved, entraCount)..] });
                tx.SaveActiveDirectory(ad with { Audit = ad.Audit[Math.Min(_adAuditSaved, adCount)..] });
            }
        });
        if (!directoriesChanged) return;
        lock (_gate)
        {
            _entraAuditSaved = Math.Max(_entraAuditSaved, entraCount);
            _adAuditSaved = Math.Max(_adAuditSaved, adCount);
        }

        // Only move forward: a concurrent commit may already have saved a later generation.
        long saved;
        do
        {
            saved = Interlocked.Read(ref _savedGeneration);
            if (saved >= generation) break;
        }
        while (Interlocked.CompareExchange(ref _savedGeneration, generation, saved) != saved);
    }

    public T? GetDocument<T>(string key) where T : class =>
        Store.GetSetting(key) is { } json ? JsonSerializer.Deserialize<T>(json, Json) : null;

    public static void SetDocument<T>(LapsStoreTransaction tx, string key, T? value) where T : class =>
        tx.SetSetting(key, value is null ? null : JsonSerializer.Serialize(value, Json));

    public void Dispose() => Store.Dispose();
}
