using System.Text;
using LapsCsp.Device.Accounts;
using LapsCsp.Device.Policy;
using LapsCsp.Passwords.Randomness;

namespace LapsCsp.Device.AccountManagement;

/// <summary>The account side of automatic account management (24H2, digest C.11): names with a random suffix, and the
/// shape LAPS keeps the managed account in.</summary>
/// <remarks>"The account is put in local Administrators, 'password not required' and 'password never expires' cleared,
/// description rewritten"; enabled or disabled per EnableAccount; named NameOrPrefix, or NameOrPrefix plus a random numeric
/// suffix when RandomizeName (digest Q8: the suffix format is undocumented; we use six digits and cut the prefix so the
/// name fits the 20-character SAM limit).</remarks>
internal sealed class AutomaticAccountManager(LocalAccountStore accounts, IRandomSource random)
{
    public const int SuffixDigits = 6;
    public const int MaxAccountNameLength = 20;
    public const string Description = "Local administrator account managed by Windows LAPS";

    /// <summary>NameOrPrefix plus <see cref="SuffixDigits"/> random digits, free on the device and different from
    /// <paramref name="current"/>'s name.</summary>
    public string RandomName(string prefix, LocalAccount? current)
    {
        var stem = Stem(prefix);
        while (true)
        {
            var name = new StringBuilder(stem);
            for (var i = 0; i < SuffixDigits; i++) name.Append((char)('0' + random.NextInt32(10)));
            var candidate = name.ToString();
            if (NameIsFree(candidate, current) && !string.Equals(candidate, current?.Name, StringComparison.OrdinalIgnoreCase)) return candidate;
        }
    }

    /// <summary>The account as the policy wants it; the same instance when nothing needs to change.</summary>
    public LocalAccount Shape(LocalAccount account, AutomaticAccountManagementPolicy policy)
    {
        var desiredName = policy.RandomizeName
            ? (HasRandomSuffix(account.Name, policy.NameOrPrefix) ? account.Name : RandomName(policy.NameOrPrefix, account))
            : policy.NameOrPrefix;
        var shaped = account with
        {
            Name = NameIsFree(desiredName, account) ? desiredName : account.Name,
            Enabled = policy.EnableAccount,
            Groups = account.IsAdministrator ? account.Groups : (account.Groups.IsDefault ? [] : account.Groups).Add(LocalAccount.AdministratorsGroup),
            PasswordNeverExpires = false,
            PasswordNotRequired = false,
            // The built-in Administrator keeps Windows' own description.
            Description = account.Rid == LocalAccountStore.AdministratorRid ? account.Description : Description,
        };
        var unchanged = string.Equals(shaped.Name, account.Name, StringComparison.Ordinal) && shaped.Enabled == account.Enabled
            && shaped.Groups.SequenceEqual(account.Groups) && !account.PasswordNeverExpires && !account.PasswordNotRequired
            && string.Equals(shaped.Description, account.Description, StringComparison.Ordinal);
        return unchanged ? account : shaped;
    }

    /// <summary>True when no other account has the name.</summary>
    public bool NameIsFree(string name, LocalAccount? owner) =>
        accounts.Find(name) is not { } existing || (owner is not null && existing.Rid == owner.Rid);

    private static bool HasRandomSuffix(string name, string prefix)
    {
        var stem = Stem(prefix);
        return name.Length == stem.Length + SuffixDigits
            && name.StartsWith(stem, StringComparison.OrdinalIgnoreCase)
            && name.AsSpan(stem.Length).IndexOfAnyExceptInRange('0', '9') < 0;
    }

    private static string Stem(string prefix) =>
        prefix.Length > MaxAccountNameLength - SuffixDigits ? prefix[..(MaxAccountNameLength - SuffixDigits)] : prefix;
}
