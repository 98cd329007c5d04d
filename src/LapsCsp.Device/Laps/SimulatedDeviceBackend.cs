using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Device.Accounts;
using LapsCsp.Device.Processing;
using LapsCsp.Tree;
using LapsCsp.Tree.Backend;
using LapsCsp.Tree.Commands;
using LapsCsp.Tree.Paths;

namespace LapsCsp.Device.Laps;

/// <summary>The device behind the tree: local accounts (Accounts CSP) and the LAPS actions (ResetPassword, ResetPasswordStatus),
/// handing LAPS policy changes to the device's LAPS engine.</summary>
/// <remarks>
/// Exec on <c>Actions/ResetPassword</c> asks for a rotation: <c>ResetPasswordStatus</c> reads E_PENDING until the device
/// runs its pending work (<see cref="RunPendingWork"/>, called by the host after the DM session) and the rotation
/// finishes, then 0 on success or the failure's HRESULT (digest C.6; table in <see cref="HResults"/>). Writes through the
/// Accounts CSP that would change the account LAPS manages are refused before they are staged, as Windows LAPS blocks
/// them (digest C.5, 10031 / 10101-10104).
/// </remarks>
public sealed class SimulatedDeviceBackend : IDeviceBackend
{
    private static readonly CspPath s_policies = CspPath.Parse("./Device/Vendor/MSFT/LAPS/Policies");
    private static readonly CspPath s_resetPassword = CspPath.Parse("./Device/Vendor/MSFT/LAPS/Actions/ResetPassword");
    private static readonly CspPath s_resetPasswordStatus = CspPath.Parse("./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus");
    private static readonly CspPath s_accountsUsers = CspPath.Parse("./Device/Vendor/MSFT/Accounts/Users");

    private readonly LapsEngine _engine;
    private readonly TimeProvider _time;
    private long _treeChanges;
    private ManagedAccountMemo? _managedAccount;

    internal SimulatedDeviceBackend(LocalAccountStore accounts, LapsEngine engine, TimeProvider time)
    {
        Accounts = accounts;
        _engine = engine;
        _time = time;
        _engine.PasswordRotated += (account, password) => PasswordRotated?.Invoke(account, password);
    }

    public LocalAccountStore Accounts { get; }

    /// <summary>The HRESULT Actions/ResetPasswordStatus reports.</summary>
    public int ResetPasswordStatus => _engine.ResetPasswordStatus;

    /// <summary>True while a ResetPassword is waiting to start.</summary>
    public bool ResetPending => _engine.ResetPending;

    /// <summary>Called after every committed rotation with the account and the new password.</summary>
    public event Action<LocalAccount, string>? PasswordRotated;

    public CspOutcome Execute(CspPath path, string? data)
    {
        if (path == s_resetPassword)
        {
            _engine.RequestReset();
            return CspOutcome.Ok;
        }

        return CspOutcome.Fail(CspFault.BackendFailure, $"the device has no action behind {path}");
    }

    public string? ReadLive(CspPath path) =>
        path == s_resetPasswordStatus ? ResetPasswordStatus.ToString(CultureInfo.InvariantCulture) : null;

    public CspOutcome? Validate(TreeChange change, TreeState staged)
    {
        var path = change.Path;
        if (!path.IsUnder(s_accountsUsers) || path.Depth <= s_accountsUsers.Depth) return null;
        var userName = path.Segments[s_accountsUsers.Depth];
        var account = Accounts.Find(userName);

        // Accounts CSP: a user node may only be added for a name no local account has yet.
        if (path.Depth == s_accountsUsers.Depth + 1 && change.Operation == CspOperation.Add && account is not null)
        {
            return CspOutcome.Fail(CspFault.AlreadyExists, $"a local account named {userName} already exists");
        }

        if (account is null) return null;
        AccountChangeKind? kind = path.Depth switch
        {
            _ when path.Depth == s_accountsUsers.Depth + 1 && change.Operation == CspOperation.Delete => AccountChangeKind.Delete,
            _ when path.Depth == s_accountsUsers.Depth + 2 && path.Name == "Password" && change.Value is not null => AccountChangeKind.ChangePassword,
            _ when path.Depth == s_accountsUsers.Depth + 2 && path.Name == "LocalUserGroup" && account.IsAdministrator
                && !string.Equals(change.Value, "2", StringComparison.Ordinal) => AccountChangeKind.RemoveFromAdministrators,
            _ => null,
        };
        return kind is { } k && Accounts.Check(account, k) is { Succeeded: false } refused
            ? CspOutcome.Fail(CspFault.BackendFailure, $"{refused.Message} (Win32 error {refused.Win32Error})")
            : null;
    }

    public void OnCommitted(ImmutableArray<TreeChange> changes, TreeState state)
    {
        _engine.OnTreeCommitted(state, changes.Any(c => c.Path.IsUnder(s_policies)));
        foreach (var change in changes)
        {
            ApplyAccountsChange(change, state);
        }

        Interlocked.Increment(ref _treeChanges);
    }

    /// <summary>Loads the tree state the backend judges policy on (after restoring a saved device).</summary>
    public void Observe(TreeState state)
    {
        _engine.ObserveTree(state);
        Interlocked.Increment(ref _treeChanges);
    }

    /// <summary>Restores the action status of a saved device.</summary>
    public void RestoreStatus(int resetPasswordStatus, bool resetPending) =>
        _engine.Restore(_engine.State with { ResetPasswordStatus = resetPasswordStatus, ResetPending = resetPending });

    /// <summary>Runs what the device does after a session: a requested password reset, processing of changed policy.</summary>
    public void RunPendingWork() => _engine.RunPendingWork();

    /// <summary>The managed account: per policy, AdministratorAccountName, the automatic account, or RID 500.</summary>
    public LocalAccount? ManagedAccount() => _engine.ManagedAccount();

    /// <summary>The name of <see cref="ManagedAccount"/>, without resolving the policy again while nothing it depends on
    /// changed (a dashboard asks it of every device every few seconds; resolving costs ~1.3 KB).</summary>
    /// <remarks>The account found is kept with what it was found from: LAPS's local state (a new record whenever LAPS sets,
    /// creates, renames or forgets its account, or a policy root or a CSP policy changes), the count of tree commits (the
    /// CSP policy, Accounts CSP changes) and the account record itself (accounts are immutable records, replaced on every
    /// change: a rename, a deletion or an outside change shows as a different record under the name). An answer of no
    /// account is not kept: any account created later may be the one the policy names.</remarks>
    public string? ManagedAccountName
    {
        get
        {
            var state = _engine.State;
            var treeChanges = Interlocked.Read(ref _treeChanges);
            if (Volatile.Read(ref _managedAccount) is { } memo && ReferenceEquals(memo.State, state) && memo.TreeChanges == treeChanges
                && ReferenceEquals(Accounts.Find(memo.Account.Name), memo.Account))
            {
                return memo.Account.Name;
            }

            // Taken before resolving: a change meanwhile leaves a memo that no longer matches.
            var account = _engine.ManagedAccount();
            Volatile.Write(ref _managedAccount, account is null ? null : new ManagedAccountMemo(state, treeChanges, account));
            return account?.Name;
        }
    }

    /// <summary>Accounts CSP: adding Users/NAME/Password creates the local account NAME (or sets its password);
    /// LocalUserGroup 2 puts it in Administrators, 1 in Users; deleting Users/NAME removes it.</summary>
    private void ApplyAccountsChange(TreeChange change, TreeState state)
    {
        var path = change.Path;
        if (!path.IsUnder(s_accountsUsers) || path.Depth < s_accountsUsers.Depth + 1) return;
        var userName = path.Segments[s_accountsUsers.Depth];
        var now = _time.GetUtcNow();
        if (path.Depth == s_accountsUsers.Depth + 1 && change.Operation == CspOperation.Delete)
        {
            Accounts.Remove(userName);
            return;
        }

        if (path.Depth != s_accountsUsers.Depth + 2) return;
        var userPath = s_accountsUsers.Child(userName);
        var group = state.ValueOf(userPath.Child("LocalUserGroup"));
        var admin = string.Equals(group, "2", StringComparison.Ordinal);
        switch (path.Name)
        {
            case "Password" when change.Value is not null:
                if (Accounts.Find(userName) is null) Accounts.Create(userName, change.Value, admin, now);
                else Accounts.SetPassword(userName, change.Value, now);
                break;
            case "LocalUserGroup" when Accounts.Find(userName) is { } account:
                Accounts.Update(account with { Groups = admin ? [LocalAccount.AdministratorsGroup] : ["Users"] });
                break;
        }
    }

    private sealed record ManagedAccountMemo(LapsLocalState State, long TreeChanges, LocalAccount Account);
}
