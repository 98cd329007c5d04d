using System.Collections.Immutable;
using System.Globalization;

namespace LapsCsp.Device.Accounts;

/// <summary>A local account of the simulated device.</summary>
/// <remarks>The built-in Administrator has RID 500 and its name depends on locale and may be renamed, so LAPS finds it by
/// RID, never by name (digest C.11).</remarks>
public sealed record LocalAccount(
    string Name,
    int Rid,
    string Sid,
    bool Enabled,
    ImmutableArray<string> Groups,
    string? Password = null,
    DateTimeOffset? PasswordLastSet = null)
{
    public bool IsAdministrator => Groups.Contains("Administrators", StringComparer.OrdinalIgnoreCase);
}

/// <summary>The local security accounts database of a simulated device.</summary>
public sealed class LocalAccountStore
{
    public const int AdministratorRid = 500;
    private readonly Dictionary<string, LocalAccount> _accounts = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _gate = new();

    public LocalAccountStore(string machineSid, string administratorName = "Administrator", bool createBuiltIns = true)
    {
        MachineSid = machineSid;
        if (!createBuiltIns) return;
        Add(new LocalAccount(administratorName, AdministratorRid, $"{machineSid}-{AdministratorRid}", Enabled: false, ["Administrators"]));
        Add(new LocalAccount("Guest", 501, $"{machineSid}-501", Enabled: false, ["Guests"]));
        Add(new LocalAccount("DefaultAccount", 503, $"{machineSid}-503", Enabled: false, ["System Managed Accounts Group"]));
        Add(new LocalAccount("WDAGUtilityAccount", 504, $"{machineSid}-504", Enabled: false, []));
    }

    /// <summary>The machine's domain SID, e.g. S-1-5-21-1111-2222-3333.</summary>
    public string MachineSid { get; }

    public IReadOnlyList<LocalAccount> All
    {
        get
        {
            lock (_gate) return [.. _accounts.Values.OrderBy(a => a.Rid)];
        }
    }

    /// <summary>Derives a machine SID from a seed, for reproducible simulated devices.</summary>
    public static string MachineSidFor(int seed)
    {
        var random = new Random(seed);
        return string.Create(CultureInfo.InvariantCulture,
            $"S-1-5-21-{random.Next(100_000_000, int.MaxValue)}-{random.Next(100_000_000, int.MaxValue)}-{random.Next(100_000_000, int.MaxValue)}");
    }

    public LocalAccount? Find(string name)
    {
        lock (_gate) return _accounts.GetValueOrDefault(name);
    }

    public LocalAccount? FindByRid(int rid)
    {
        lock (_gate) return _accounts.Values.FirstOrDefault(a => a.Rid == rid);
    }

    /// <summary>Creates an account with the next free RID (from 1000, as Windows does). Returns null when the name exists.</summary>
    public LocalAccount? Create(string name, string? password, bool administrator, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_accounts.ContainsKey(name)) return null;
            var rid = Math.Max(1000, _accounts.Values.Select(a => a.Rid).DefaultIfEmpty(999).Max() + 1);
            var account = new LocalAccount(name, rid, $"{MachineSid}-{rid}", Enabled: true,
                administrator ? ["Administrators"] : ["Users"], password, password is null ? null : now);
            _accounts[name] = account;
            return account;
        }
    }

    public void Add(LocalAccount account)
    {
        lock (_gate) _accounts[account.Name] = account;
    }

    public LocalAccount Update(LocalAccount account)
    {
        lock (_gate)
        {
            var existing = _accounts.Values.FirstOrDefault(a => a.Rid == account.Rid);
            if (existing is not null) _accounts.Remove(existing.Name);
            _accounts[account.Name] = account;
            return account;
        }
    }

    public bool Remove(string name)
    {
        lock (_gate) return _accounts.Remove(name);
    }

    /// <summary>Sets an account's password; false when the account does not exist.</summary>
    public bool SetPassword(string name, string password, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_accounts.TryGetValue(name, out var account)) return false;
            _accounts[name] = account with { Password = password, PasswordLastSet = now };
            return true;
        }
    }

    /// <summary>True when the password opens the account (a simulated logon check).</summary>
    public bool CheckPassword(string name, string password)
    {
        lock (_gate) return _accounts.TryGetValue(name, out var a) && a.Password is not null && string.Equals(a.Password, password, StringComparison.Ordinal);
    }
}
