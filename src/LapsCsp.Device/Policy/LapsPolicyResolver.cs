using System.Globalization;
using LapsCsp.Ddf.Model;
using static LapsCsp.Device.Policy.LapsSettingNames;

namespace LapsCsp.Device.Policy;

/// <summary>Turns the policy roots into the effective <see cref="LapsPolicy"/>.</summary>
/// <remarks>
/// <para>Digest C.3: the roots are read in order CSP, Group Policy, local configuration, legacy Microsoft LAPS; the first
/// with at least one explicitly set value wins, settings it leaves unset take their defaults, and nothing is inherited from
/// the roots below it. In legacy mode PasswordExpirationProtectionEnabled defaults to false, the password is backed up to
/// AD in clear (legacy LAPS had no encryption, so no history either).</para>
/// <para>Digest C.4 / D3 / D4 / D5: settings that do not apply are ignored, never refused: the AD-only settings unless the
/// backup directory is AD; PasswordLength for passphrases and PassphraseLength for passwords; the
/// AutomaticAccountManagement* settings unless AutomaticAccountManagementEnabled is true on build 26100 or later.</para>
/// <para>Values a root may hold but the DDF would refuse (registry values are not validated) fall back to the default; a
/// PasswordAgeDays below 7 with Entra backup is raised to 7 (digest D1: 7 is the Entra minimum; the device's reaction is
/// undocumented, Q4). Build-gated values on an older build fall back to their defaults: complexity 5-8 and
/// PostAuthenticationActions 11 are 24H2 additions (digest C.7, D7; an assumption, the DDF has no per-value applicability).</para>
/// </remarks>
public static class LapsPolicyResolver
{
    /// <summary>Windows 11 24H2 / Server 2025: complexity 5-8, passphrases, action 11, automatic account management.</summary>
    public static OsBuild Build24H2 { get; } = new(10, 0, 26100, 0);

    public const int DefaultPasswordAgeDays = 30;
    public const int EntraMinimumPasswordAgeDays = 7;
    public const int DefaultPasswordComplexity = 4;
    public const int DefaultPasswordLength = 14;
    public const int DefaultPassphraseLength = 6;
    public const int DefaultPostAuthenticationResetDelay = 24;
    public const PostAuthenticationActions DefaultPostAuthenticationActions = PostAuthenticationActions.ResetPassword | PostAuthenticationActions.LogOff;

    /// <summary>Resolves the policy from the CSP values (setting name to value, as stored under LAPS/Policies) and the
    /// other roots, for a device running <paramref name="build"/>.</summary>
    public static LapsPolicy Resolve(IReadOnlyDictionary<string, string> csp, LapsPolicyRoots roots, OsBuild build)
    {
        ArgumentNullException.ThrowIfNull(csp);
        ArgumentNullException.ThrowIfNull(roots);
        if (csp.Count > 0) return FromWindowsRoot(PolicySource.Csp, csp, build);
        foreach (var source in new[] { PolicySource.GroupPolicy, PolicySource.LocalConfiguration })
        {
            var values = roots.Values(source);
            if (values.Count > 0) return FromWindowsRoot(source, values, build);
        }

        var legacy = roots.Values(PolicySource.LegacyMicrosoftLaps);
        return legacy.Count > 0 ? FromLegacyRoot(legacy) : FromWindowsRoot(PolicySource.None, new Dictionary<string, string>(), build);
    }

    private static LapsPolicy FromWindowsRoot(PolicySource source, IReadOnlyDictionary<string, string> values, OsBuild build)
    {
        var r = new Reader(values);
        var is24H2 = build >= Build24H2;
        var directory = (LapsBackupDirectory)r.Int(BackupDirectory, 0, 0, 2);
        var ageDays = r.Int(PasswordAgeDays, DefaultPasswordAgeDays, 1, 365);
        if (directory == LapsBackupDirectory.EntraId) ageDays = Math.Max(ageDays, EntraMinimumPasswordAgeDays);
        var complexity = r.Int(PasswordComplexity, DefaultPasswordComplexity, 1, 8);
        if (complexity > 4 && !is24H2) complexity = DefaultPasswordComplexity;
        var actions = r.Int(LapsSettingNames.PostAuthenticationActions, (int)DefaultPostAuthenticationActions, 1, 11);
        if (actions is not (1 or 3 or 5 or 11) || (actions == 11 && !is24H2)) actions = (int)DefaultPostAuthenticationActions;

        ActiveDirectoryPolicy? ad = directory != LapsBackupDirectory.ActiveDirectory
            ? null
            : new ActiveDirectoryPolicy(
                r.Bool(PasswordExpirationProtectionEnabled, true),
                r.Bool(AdPasswordEncryptionEnabled, true),
                r.Text(AdPasswordEncryptionPrincipal),
                r.Int(AdEncryptedPasswordHistorySize, 0, 0, 12));

        AutomaticAccountManagementPolicy? automatic = !is24H2 || !r.Bool(AutomaticAccountManagementEnabled, false)
            ? null
            : new AutomaticAccountManagementPolicy(
                r.Int(AutomaticAccountManagementTarget, 1, 0, 1),
                r.Text(AutomaticAccountManagementNameOrPrefix) ?? AutomaticAccountManagementPolicy.DefaultNameOrPrefix,
                r.Bool(AutomaticAccountManagementEnableAccount, false),
                r.Bool(AutomaticAccountManagementRandomizeName, false));

        return new LapsPolicy(
            source,
            directory,
            r.Text(AdministratorAccountName),
            ageDays,
            complexity,
            r.Int(PasswordLength, DefaultPasswordLength, 8, 64),
            is24H2 ? r.Int(PassphraseLength, DefaultPassphraseLength, 3, 10) : DefaultPassphraseLength,
            r.Int(PostAuthenticationResetDelay, DefaultPostAuthenticationResetDelay, 0, 24),
            (PostAuthenticationActions)actions,
            ad,
            automatic);
    }

    private static LapsPolicy FromLegacyRoot(IReadOnlyDictionary<string, string> values)
    {
        var r = new Reader(values);
        var enabled = r.Int(LegacyAdmPwdEnabled, 0, 0, 1) == 1;
        var directory = enabled ? LapsBackupDirectory.ActiveDirectory : LapsBackupDirectory.Disabled;
        return new LapsPolicy(
            PolicySource.LegacyMicrosoftLaps,
            directory,
            r.Text(LegacyAdminAccountName),
            r.Int(PasswordAgeDays, DefaultPasswordAgeDays, 1, 365),
            r.Int(PasswordComplexity, DefaultPasswordComplexity, 1, 4),
            r.Int(PasswordLength, DefaultPasswordLength, 8, 64),
            DefaultPassphraseLength,
            DefaultPostAuthenticationResetDelay,
            DefaultPostAuthenticationActions,
            enabled ? new ActiveDirectoryPolicy(r.Bool(LegacyPwdExpirationProtectionEnabled, false), false, null, 0) : null,
            null);
    }

    private readonly struct Reader(IReadOnlyDictionary<string, string> values)
    {
        public int Int(string name, int fallback, int min, int max) =>
            Raw(name) is { } text && int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
                ? v
                : fallback;

        public bool Bool(string name, bool fallback) => Raw(name)?.Trim() switch
        {
            { } t when t == "1" || string.Equals(t, "true", StringComparison.OrdinalIgnoreCase) => true,
            { } t when t == "0" || string.Equals(t, "false", StringComparison.OrdinalIgnoreCase) => false,
            _ => fallback,
        };

        public string? Text(string name) => Raw(name) is { } text && !string.IsNullOrWhiteSpace(text) ? text.Trim() : null;

        private string? Raw(string name)
        {
            if (values.TryGetValue(name, out var direct)) return direct;
            foreach (var (key, value) in values)
            {
                if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) return value;
            }

            return null;
        }
    }
}
