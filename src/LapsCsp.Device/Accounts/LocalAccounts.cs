using System.Collections.Immutable;
using System.Globalization;

namespace LapsCsp.Device.Accounts;

/// <summary>A local account of the simulated device.</summary>
/// <remarks>The built-in Administrator has RID 500 and its name depends on locale and may be renamed, so LAPS finds it by
/// RID, never by name (digest C.11).</remarks>
/// <param name="Description">The account's comment; automatic account management rewrites it (digest C.11).</param>
/// <param name="PasswordNeverExpires">UF_DONT_EXPIRE_PASSWD; automatic account management clears it.</param>
/// <param name="PasswordNotRequired">UF_PASSWD_NOTREQD; automatic account management clears it.</param>
public sealed record LocalAccount(
    string Name,
    int Rid,
    string Sid,
    bool Enabled,
    ImmutableArray<string> Groups,
    string? Password = null,
    DateTimeOffset? PasswordLastSet = null,
    string? Description = null,
    bool PasswordNeverExpires = false,
    bool PasswordNotRequired = false)
{
    public const string AdministratorsGroup = "Administrators";

    public bool IsAdministrator => !Groups.IsDefault && Groups.Contains(AdministratorsGroup, StringComparer.OrdinalIgnoreCase);

    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        // The password never reaches logs through ToString.
        builder.Append("Name = ").Append(Name)
            .Append(", Rid = ").Append(Rid.ToString(CultureInfo.InvariantCulture))
            .Append(", Sid = ").Append(Sid)
            .Append(", Enabled = ").Append(Enabled)
            .Append(", Groups = [").Append(Groups.IsDefault ? string.Empty : string.Join(", ", Groups)).Append(']')
            .Append(", Password = ").Append(Password is null ? "null" : "***")
            .Append(", PasswordLastSet = ").Append(PasswordLastSet?.ToString("O", CultureInfo.InvariantCulture));
        return true;
    }
}

/// <summary>A change someone other than LAPS makes to a local account (net user, lusrmgr, the Accounts CSP).</summary>
public enum AccountChangeKind
{
    Rename,
    Enable,
    Disable,
    ChangePassword,
    Delete,
    RemoveFromAdministrators,
    ChangeSecurityDescriptor,
}

/// <summary>Decides whether an outside change to an account may proceed (Windows LAPS protects its managed account).</summary>
public interface IAccountChangeGuard
{
    /// <summary>Null to allow; otherwise the Win32 error the change fails with.</summary>
    AccountChangeResult? Check(LocalAccount account, AccountChangeKind change);
}

/// <summary>The result of an outside account change: a Win32 error code (0 = success) and a message.</summary>
public sealed record AccountChangeResult(int Win32Error, string Message)
{
    /// <summary>ERROR_POLICY_CONTROLLED_ACCOUNT 0x21CE (8654): Windows LAPS blocks changes to the account it manages
    /// (STATUS_POLICY_CONTROLLED_ACCOUNT 0xC000A08B; digest C.5).</summary>
    public const int PolicyControlledAccount = 8654;

    /// <summary>NERR_UserNotFound (2221).</summary>
    public const int UserNotFound = 2221;

    /// <summary>NERR_UserExists (2224).</summary>
    public const int UserExists = 2224;

    /// <summary>ERROR_MEMBER_NOT_IN_ALIAS (1377).</summary>
    public const int MemberNotInAlias = 1377;

    public static AccountChangeResult Ok { get; } = new(0, "The command completed successfully.");

    public bool Succeeded => Win32Error == 0;
}

/// <summary>The local security accounts database of a simulated device.</summary>
/// <remarks>Two kinds of writers: the privileged ones (<see cref="Add"/>, <see cref="Update"/>, <see cref="Remove"/>,
/// <see cref="SetPassword"/>, <see cref="Create"/>) are the device itself (LAPS, the Accounts CSP after its checks, restoring
/// a snapshot); the <c>...Account</c> methods (<see cref="RenameAccount"/>, <see cref="ChangeAccountPassword"/>, ...) are an
/// administrator or program acting from outside, and go through the <see cref="Guard"/> first, which is how LAPS blocks
/// changes to its managed account (digest C.5 10031, 10101-10104).</remarks>
public sealed class LocalAccountStore
{
    public const int AdministratorRid = 500;
    public const int GuestRid = 501;
    private readonly Dictionary<string, LocalAccount> _accounts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();

    public LocalAccountStore(string machineSid, string administratorName = "Administrator", bool createBuiltIns = true, string guestName = "Guest")
    {
        MachineSid = machineSid;
        if (!createBuiltIns) return;
        Add(new LocalAccount(administratorName, AdministratorRid, $"{machineSid}-{AdministratorRid}", Enabled: false, [LocalAccount.AdministratorsGroup],
            Description: "Built-in account for administering the computer/domain"));
        Add(new LocalAccount(guestName, GuestRid, $"{machineSid}-{GuestRid}", Enabled: false, ["Guests"]));
        Add(new LocalAccount("DefaultAccount", 503, $"{machineSid}-503", Enabled: false, ["System Managed Accounts Group"]));
        Add(new LocalAccount("WDAGUtilityAccount", 504, $"{machineSid}-504", Enabled: false, []));
    }

    /// <summary>The machine's domain SID, e.g. S-1-5-21-1111-2222-3333.</summary>
    public string MachineSid { get; }

    /// <summary>Consulted before every outside change; null allows everything.</summary>
    public IAccountChangeGuard? Guard { get; set; }

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

    public LocalAccount? FindBySid(string sid)
    {
        lock (_gate) return _accounts.Values.FirstOrDefault(a => string.Equals(a.Sid, sid, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Creates an account with the next free RID (from 1000, as Windows does). Returns null when the name exists.</summary>
    public LocalAccount? Create(string name, string? password, bool administrator, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_accounts.ContainsKey(name)) return null;
            var rid = Math.Max(1000, _accounts.Values.Select(a => a.Rid).DefaultIfEmpty(999).Max() + 1);
            var account = new LocalAccount(name, rid, $"{MachineSid}-{rid}", Enabled: true,
                administrator ? [LocalAccount.AdministratorsGroup] : ["Users"], password, password is null ? null : now);
            _accounts[name] = account;
            return account;
        }
    }

    public void Add(LocalAccount account)
    {
        lock (_gate) _accounts[account.Name] = account;
    }

    /// <summary>Replaces the account with the same RID (renaming it when the name changed).</summary>
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

    /// <summary>Removes every account (restoring a snapshot).</summary>
    public void Clear()
    {
        lock (_gate) _accounts.Clear();
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

    /// <summary>An outside rename (<c>Rename-LocalUser</c>).</summary>
    public AccountChangeResult RenameAccount(string name, string newName) =>
        Change(name, AccountChangeKind.Rename, account =>
        {
            if (!string.Equals(name, newName, StringComparison.OrdinalIgnoreCase) && _accounts.ContainsKey(newName))
            {
                return new AccountChangeResult(AccountChangeResult.UserExists, $"The account {newName} already exists.");
            }

            _accounts.Remove(account.Name);
            _accounts[newName] = account with { Name = newName };
            return AccountChangeResult.Ok;
        });

    /// <summary>An outside enable or disable (<c>Enable-LocalUser</c>, <c>Disable-LocalUser</c>).</summary>
    public AccountChangeResult SetAccountEnabled(string name, bool enabled) =>
        Change(name, enabled ? AccountChangeKind.Enable : AccountChangeKind.Disable, account =>
        {
            _accounts[account.Name] = account with { Enabled = enabled };
            return AccountChangeResult.Ok;
        });

    /// <summary>An outside password change (<c>net user NAME *</c>).</summary>
    public AccountChangeResult ChangeAccountPassword(string name, string password, DateTimeOffset now) =>
        Change(name, AccountChangeKind.ChangePassword, account =>
        {
            _accounts[account.Name] = account with { Password = password, PasswordLastSet = now };
            return AccountChangeResult.Ok;
        });

    /// <summary>An outside delete (<c>Remove-LocalUser</c>).</summary>
    public AccountChangeResult DeleteAccount(string name) =>
        Change(name, AccountChangeKind.Delete, account =>
        {
            _accounts.Remove(account.Name);
            return AccountChangeResult.Ok;
        });

    /// <summary>An outside removal from a local group (<c>Remove-LocalGroupMember</c>).</summary>
    public AccountChangeResult RemoveAccountFromGroup(string name, string group)
    {
        var kind = string.Equals(group, LocalAccount.AdministratorsGroup, StringComparison.OrdinalIgnoreCase)
            ? AccountChangeKind.RemoveFromAdministrators
            : AccountChangeKind.ChangeSecurityDescriptor;
        return Change(name, kind, account =>
        {
            if (account.Groups.IsDefault || !account.Groups.Contains(group, StringComparer.OrdinalIgnoreCase))
            {
                return new AccountChangeResult(AccountChangeResult.MemberNotInAlias, $"{account.Name} is not a member of {group}.");
            }

            _accounts[account.Name] = account with { Groups = account.Groups.RemoveAll(g => string.Equals(g, group, StringComparison.OrdinalIgnoreCase)) };
            return AccountChangeResult.Ok;
        });
    }

    /// <summary>An outside change of the account object's security descriptor (its DACL).</summary>
    public AccountChangeResult ChangeAccountSecurityDescriptor(string name) =>
        Change(name, AccountChangeKind.ChangeSecurityDescriptor, _ => AccountChangeResult.Ok);

    /// <summary>The guard's verdict on an outside change, without making it (the Accounts CSP asks before it commits).</summary>
    public AccountChangeResult? Check(LocalAccount account, AccountChangeKind change) => Guard?.Check(account, change);

    private AccountChangeResult Change(string name, AccountChangeKind kind, Func<LocalAccount, AccountChangeResult> apply)
    {
        // The guard runs outside the store's lock: it may take the LAPS engine's lock, which holds ours while it works.
        var account = Find(name);
        if (account is null) return new AccountChangeResult(AccountChangeResult.UserNotFound, $"The user name {name} could not be found.");
        if (Guard?.Check(account, kind) is { Succeeded: false } refused) return refused;
        lock (_gate)
        {
            var current = _accounts.GetValueOrDefault(name);
            return current is null
                ? new AccountChangeResult(AccountChangeResult.UserNotFound, $"The user name {name} could not be found.")
                : apply(current);
        }
    }
}
