using System.Collections.Frozen;

namespace LapsCsp.Device.Policy;

/// <summary>The names of the LAPS settings as the CSP, Group Policy and local configuration spell them, and the legacy
/// Microsoft LAPS (AdmPwd) names.</summary>
public static class LapsSettingNames
{
    public const string BackupDirectory = "BackupDirectory";
    public const string PasswordAgeDays = "PasswordAgeDays";
    public const string PasswordComplexity = "PasswordComplexity";
    public const string PasswordLength = "PasswordLength";
    public const string PassphraseLength = "PassphraseLength";
    public const string AdministratorAccountName = "AdministratorAccountName";
    public const string PasswordExpirationProtectionEnabled = "PasswordExpirationProtectionEnabled";
    public const string AdPasswordEncryptionEnabled = "ADPasswordEncryptionEnabled";
    public const string AdPasswordEncryptionPrincipal = "ADPasswordEncryptionPrincipal";
    public const string AdEncryptedPasswordHistorySize = "ADEncryptedPasswordHistorySize";
    public const string PostAuthenticationResetDelay = "PostAuthenticationResetDelay";
    public const string PostAuthenticationActions = "PostAuthenticationActions";
    public const string AutomaticAccountManagementEnabled = "AutomaticAccountManagementEnabled";
    public const string AutomaticAccountManagementTarget = "AutomaticAccountManagementTarget";
    public const string AutomaticAccountManagementNameOrPrefix = "AutomaticAccountManagementNameOrPrefix";
    public const string AutomaticAccountManagementEnableAccount = "AutomaticAccountManagementEnableAccount";
    public const string AutomaticAccountManagementRandomizeName = "AutomaticAccountManagementRandomizeName";

    /// <summary>Group Policy only (never CSP): back up the DSRM password on domain controllers (digest C.4). Accepted, and
    /// ignored: a simulated device is never a domain controller.</summary>
    public const string AdBackupDsrmPassword = "ADBackupDSRMPassword";

    /// <summary>Legacy Microsoft LAPS: 1 enables password management (backup to AD in the legacy attributes).</summary>
    public const string LegacyAdmPwdEnabled = "AdmPwdEnabled";

    /// <summary>Legacy Microsoft LAPS: the managed account's name (empty = built-in Administrator).</summary>
    public const string LegacyAdminAccountName = "AdminAccountName";

    /// <summary>Legacy Microsoft LAPS: PasswordExpirationProtectionEnabled.</summary>
    public const string LegacyPwdExpirationProtectionEnabled = "PwdExpirationProtectionEnabled";

    /// <summary>Settings of the CSP root (the leaves under <c>./Device/Vendor/MSFT/LAPS/Policies</c>).</summary>
    public static FrozenSet<string> Windows { get; } = new[]
    {
        BackupDirectory, PasswordAgeDays, PasswordComplexity, PasswordLength, PassphraseLength, AdministratorAccountName,
        PasswordExpirationProtectionEnabled, AdPasswordEncryptionEnabled, AdPasswordEncryptionPrincipal, AdEncryptedPasswordHistorySize,
        PostAuthenticationResetDelay, PostAuthenticationActions, AutomaticAccountManagementEnabled, AutomaticAccountManagementTarget,
        AutomaticAccountManagementNameOrPrefix, AutomaticAccountManagementEnableAccount, AutomaticAccountManagementRandomizeName,
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Settings of the Group Policy and local configuration roots.</summary>
    public static FrozenSet<string> GroupPolicy { get; } = Windows.Append(AdBackupDsrmPassword).ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Settings of the legacy Microsoft LAPS root.</summary>
    public static FrozenSet<string> Legacy { get; } = new[]
    {
        LegacyAdmPwdEnabled, LegacyAdminAccountName, PasswordComplexity, PasswordLength, PasswordAgeDays, LegacyPwdExpirationProtectionEnabled,
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public static FrozenSet<string> For(PolicySource source) => source switch
    {
        PolicySource.Csp => Windows,
        PolicySource.GroupPolicy or PolicySource.LocalConfiguration => GroupPolicy,
        PolicySource.LegacyMicrosoftLaps => Legacy,
        _ => FrozenSet<string>.Empty,
    };
}

/// <summary>The policy roots other than the CSP (whose values live in the DM tree): Group Policy, local configuration and
/// legacy Microsoft LAPS, as registry values a test or user sets (digest C.3). Thread-safe.</summary>
/// <remarks>Values are registry-style text: numbers in decimal, booleans as 1/0 (true/false is accepted too).</remarks>
public sealed class LapsPolicyRoots
{
    private static readonly PolicySource[] s_settable = [PolicySource.GroupPolicy, PolicySource.LocalConfiguration, PolicySource.LegacyMicrosoftLaps];
    private readonly Lock _gate = new();
    private readonly Dictionary<PolicySource, SortedDictionary<string, string>> _roots = s_settable.ToDictionary(
        s => s, _ => new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase));

    /// <summary>Raised after any value changed (the device treats it as a Group Policy change notification, digest C.2).</summary>
    public event Action? Changed;

    /// <summary>Sets one value of a root; null removes it.</summary>
    /// <exception cref="ArgumentException">The root is the CSP (write it through the DM tree) or None, or the name is not a
    /// setting of that root.</exception>
    public void Set(PolicySource root, string setting, string? value)
    {
        var values = RootOf(root);
        if (!LapsSettingNames.For(root).TryGetValue(setting, out var canonical))
        {
            throw new ArgumentException($"{setting} is not a setting of the {LapsPolicy.SourceName(root)} root", nameof(setting));
        }

        lock (_gate)
        {
            if (value is null) values.Remove(canonical);
            else values[canonical] = value;
        }

        Changed?.Invoke();
    }

    /// <summary>Removes every value of a root.</summary>
    public void Clear(PolicySource root)
    {
        var values = RootOf(root);
        lock (_gate) values.Clear();
        Changed?.Invoke();
    }

    /// <summary>The explicitly set values of a root.</summary>
    public IReadOnlyDictionary<string, string> Values(PolicySource root)
    {
        var values = RootOf(root);
        lock (_gate) return new SortedDictionary<string, string>(values, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>All roots with at least one value, keyed by the source's name (for the device snapshot).</summary>
    public SortedDictionary<string, SortedDictionary<string, string>> Snapshot()
    {
        lock (_gate)
        {
            var snapshot = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
            foreach (var (source, values) in _roots)
            {
                if (values.Count > 0) snapshot[source.ToString()] = new SortedDictionary<string, string>(values, StringComparer.OrdinalIgnoreCase);
            }

            return snapshot;
        }
    }

    public void Restore(IReadOnlyDictionary<string, SortedDictionary<string, string>>? snapshot)
    {
        lock (_gate)
        {
            foreach (var values in _roots.Values) values.Clear();
            foreach (var (name, values) in snapshot ?? new Dictionary<string, SortedDictionary<string, string>>())
            {
                if (!Enum.TryParse<PolicySource>(name, out var source) || !_roots.TryGetValue(source, out var root)) continue;
                foreach (var (key, value) in values) root[key] = value;
            }
        }
    }

    private SortedDictionary<string, string> RootOf(PolicySource root) =>
        _roots.TryGetValue(root, out var values)
            ? values
            : throw new ArgumentException($"the {LapsPolicy.SourceName(root)} root cannot be set here (CSP values are written through the DM tree)", nameof(root));
}
