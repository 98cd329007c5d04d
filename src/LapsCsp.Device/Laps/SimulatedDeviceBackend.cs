using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Device.Accounts;
using LapsCsp.Passwords;
using LapsCsp.Tree;
using LapsCsp.Tree.Backend;
using LapsCsp.Tree.Commands;
using LapsCsp.Tree.Paths;

namespace LapsCsp.Device.Laps;

/// <summary>The device behind the tree: local accounts (Accounts CSP) and the LAPS actions (ResetPassword, ResetPasswordStatus).</summary>
/// <remarks>
/// Exec on <c>Actions/ResetPassword</c> asks for a rotation: <c>ResetPasswordStatus</c> reads E_PENDING until the device
/// runs its pending work (<see cref="RunPendingWork"/>, called by the host after the DM session, or by the policy engine),
/// then 0 on success or the failure's HRESULT (digest C.6). The managed account is AdministratorAccountName when set,
/// else the built-in Administrator found by RID 500 (digest C.11).
/// </remarks>
public sealed class SimulatedDeviceBackend : IDeviceBackend
{
    private static readonly CspPath s_lapsRoot = CspPath.Parse("./Device/Vendor/MSFT/LAPS");
    private static readonly CspPath s_resetPassword = CspPath.Parse("./Device/Vendor/MSFT/LAPS/Actions/ResetPassword");
    private static readonly CspPath s_resetPasswordStatus = CspPath.Parse("./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus");
    private static readonly CspPath s_accountsUsers = CspPath.Parse("./Device/Vendor/MSFT/Accounts/Users");

    private readonly LapsPasswordGenerator _generator;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private TreeState _state = TreeState.Empty;

    public SimulatedDeviceBackend(LocalAccountStore accounts, LapsPasswordGenerator generator, TimeProvider time)
    {
        Accounts = accounts;
        _generator = generator;
        _time = time;
    }

    public LocalAccountStore Accounts { get; }

    /// <summary>The HRESULT Actions/ResetPasswordStatus reports.</summary>
    public int ResetPasswordStatus { get; private set; } = HResults.SOk;

    /// <summary>True while a ResetPassword is waiting to run.</summary>
    public bool ResetPending { get; private set; }

    /// <summary>Called after every committed rotation with the account and the new password.</summary>
    public event Action<LocalAccount, string>? PasswordRotated;

    public CspOutcome Execute(CspPath path, string? data)
    {
        if (path == s_resetPassword)
        {
            lock (_gate)
            {
                ResetPending = true;
                ResetPasswordStatus = HResults.EPending;
            }

            return CspOutcome.Ok;
        }

        return CspOutcome.Fail(CspFault.BackendFailure, $"the device has no action behind {path}");
    }

    public string? ReadLive(CspPath path) =>
        path == s_resetPasswordStatus ? ResetPasswordStatus.ToString(CultureInfo.InvariantCulture) : null;

    public CspOutcome? Validate(TreeChange change, TreeState staged)
    {
        // Accounts CSP: a user node may only be added for a name no local account has yet.
        if (change.Operation == CspOperation.Add && change.Path.Parent == s_accountsUsers && Accounts.Find(change.Path.Name) is not null)
        {
            return CspOutcome.Fail(CspFault.AlreadyExists, $"a local account named {change.Path.Name} already exists");
        }

        return null;
    }

    public void OnCommitted(ImmutableArray<TreeChange> changes, TreeState state)
    {
        lock (_gate) _state = state;
        foreach (var change in changes)
        {
            ApplyAccountsChange(change, state);
        }
    }

    /// <summary>Loads the tree state the backend judges policy on (after restoring a saved device).</summary>
    public void Observe(TreeState state)
    {
        lock (_gate) _state = state;
    }

    /// <summary>Restores the action status of a saved device.</summary>
    public void RestoreStatus(int resetPasswordStatus, bool resetPending)
    {
        lock (_gate)
        {
            ResetPasswordStatus = resetPasswordStatus;
            ResetPending = resetPending;
        }
    }

    /// <summary>Runs what the device does after a session: a requested password reset.</summary>
    public void RunPendingWork()
    {
        lock (_gate)
        {
            if (!ResetPending) return;
            ResetPending = false;
            ResetPasswordStatus = Rotate(out _);
        }
    }

    /// <summary>The managed account: AdministratorAccountName when set, else the account with RID 500.</summary>
    public LocalAccount? ManagedAccount()
    {
        var name = Policy("AdministratorAccountName");
        return string.IsNullOrEmpty(name) ? Accounts.FindByRid(LocalAccountStore.AdministratorRid) : Accounts.Find(name);
    }

    private int Rotate(out string? password)
    {
        password = null;
        var account = ManagedAccount();
        if (account is null) return HResults.NoSuchUser;
        var settings = new LapsPasswordSettings(
            Complexity: PolicyInt("PasswordComplexity", 4),
            PasswordLength: PolicyInt("PasswordLength", 14),
            PassphraseLength: PolicyInt("PassphraseLength", 6));
        password = _generator.Generate(settings);
        Accounts.SetPassword(account.Name, password, _time.GetUtcNow());
        PasswordRotated?.Invoke(account, password);
        return HResults.SOk;
    }

    private string? Policy(string name) => _state.ValueOf(s_lapsRoot.Child("Policies").Child(name));

    private int PolicyInt(string name, int fallback) =>
        int.TryParse(Policy(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : fallback;

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
                Accounts.Update(account with { Groups = admin ? ["Administrators"] : ["Users"] });
                break;
        }
    }
}
