using System.Globalization;
using System.Text;
using LapsCsp.Passwords;

namespace LapsCsp.Device.Policy;

/// <summary>CSP <c>Policies/BackupDirectory</c>: 0 disabled, 1 Microsoft Entra ID, 2 Active Directory (digest C.1).</summary>
public enum LapsBackupDirectory
{
    Disabled = 0,
    EntraId = 1,
    ActiveDirectory = 2,
}

/// <summary>The policy roots of digest C.3, in precedence order; <see cref="None"/> when no root sets anything.</summary>
public enum PolicySource
{
    /// <summary>LAPS CSP, <c>HKLM\Software\Microsoft\Policies\LAPS</c>.</summary>
    Csp = 1,

    /// <summary>LAPS Group Policy, <c>HKLM\Software\Microsoft\Windows\CurrentVersion\Policies\LAPS</c>.</summary>
    GroupPolicy = 2,

    /// <summary>LAPS local configuration, <c>HKLM\Software\Microsoft\Windows\CurrentVersion\LAPS\Config</c>.</summary>
    LocalConfiguration = 3,

    /// <summary>Legacy Microsoft LAPS, <c>HKLM\Software\Policies\Microsoft Services\AdmPwd</c>.</summary>
    LegacyMicrosoftLaps = 4,

    /// <summary>No root has any value: every setting takes its default (BackupDirectory 0, LAPS disabled).</summary>
    None = 0,
}

/// <summary>CSP <c>Policies/PostAuthenticationActions</c> as bits: 1 reset, 3 reset + log off, 5 reset + reboot,
/// 11 reset + log off + terminate processes (digest C.9).</summary>
[Flags]
public enum PostAuthenticationActions
{
    None = 0,
    ResetPassword = 1,
    LogOff = 2,
    Reboot = 4,
    TerminateProcesses = 8,
}

/// <summary>The AD-only settings (digest C.4), present only when the password goes to Active Directory.</summary>
/// <param name="EncryptionPrincipal">Null: the Domain Admins of the device's domain (the DDF default).</param>
public sealed record ActiveDirectoryPolicy(
    bool PasswordExpirationProtectionEnabled,
    bool EncryptionEnabled,
    string? EncryptionPrincipal,
    int EncryptedPasswordHistorySize);

/// <summary>Automatic account management (24H2, digest C.11), present only when enabled on a build that has it.</summary>
/// <param name="Target">0 the built-in Administrator, 1 an account LAPS creates.</param>
public sealed record AutomaticAccountManagementPolicy(
    int Target,
    string NameOrPrefix,
    bool EnableAccount,
    bool RandomizeName)
{
    public const string DefaultNameOrPrefix = "WLapsAdmin";

    public bool ManagesBuiltInAdministrator => Target == 0;
}

/// <summary>The effective Windows LAPS policy of a device: the values of the winning policy root with defaults for what
/// it leaves unset (digest C.3), trimmed to what applies to the backup directory (digest C.4).</summary>
/// <remarks>When <see cref="BackupDirectory"/> is <see cref="LapsBackupDirectory.Disabled"/> the other values are still
/// resolved (they are what an administrator would read back), but LAPS does not act on them.</remarks>
/// <param name="Source">The root the values come from.</param>
/// <param name="AdministratorAccountName">Null: the built-in Administrator, found by RID 500 (digest C.11).</param>
/// <param name="PostAuthenticationResetDelayHours">0 disables post-authentication actions.</param>
/// <param name="ActiveDirectory">Null unless <see cref="BackupDirectory"/> is Active Directory.</param>
/// <param name="AutomaticAccountManagement">Null unless automatic account management is enabled and applicable.</param>
public sealed record LapsPolicy(
    PolicySource Source,
    LapsBackupDirectory BackupDirectory,
    string? AdministratorAccountName,
    int PasswordAgeDays,
    int PasswordComplexity,
    int PasswordLength,
    int PassphraseLength,
    int PostAuthenticationResetDelayHours,
    PostAuthenticationActions PostAuthenticationActions,
    ActiveDirectoryPolicy? ActiveDirectory,
    AutomaticAccountManagementPolicy? AutomaticAccountManagement)
{
    public bool IsEnabled => BackupDirectory != LapsBackupDirectory.Disabled;

    /// <summary>Windows LAPS emulating legacy Microsoft LAPS (digest C.3).</summary>
    public bool IsLegacyMode => Source == PolicySource.LegacyMicrosoftLaps;

    public bool IsPassphrase => PasswordComplexity >= LapsPasswordSettings.MinPassphraseComplexity;

    public LapsPasswordSettings PasswordSettings => new(PasswordComplexity, PasswordLength, PassphraseLength);

    public TimeSpan PasswordAge => TimeSpan.FromDays(PasswordAgeDays);

    /// <summary>The text of events 10021 (AD), 10022 (Entra) and 10023 (legacy): the policy and the root it came from.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine("The current LAPS policy is configured as follows:");
        Line("Policy source", SourceName(Source));
        Line("Backup directory", BackupDirectory switch
        {
            LapsBackupDirectory.EntraId => "Microsoft Entra ID",
            LapsBackupDirectory.ActiveDirectory => "Active Directory",
            _ => "Disabled",
        });
        Line("Local administrator account name", AdministratorAccountName ?? string.Empty);
        Line("Password age in days", Number(PasswordAgeDays));
        Line("Password complexity", Number(PasswordComplexity));
        if (IsPassphrase) Line("Passphrase length", Number(PassphraseLength));
        else Line("Password length", Number(PasswordLength));
        if (ActiveDirectory is { } ad)
        {
            Line("Password expiration protection enabled", Bool(ad.PasswordExpirationProtectionEnabled));
            Line("Password encryption enabled", Bool(ad.EncryptionEnabled));
            Line("Password encryption target principal", ad.EncryptionPrincipal ?? "Domain Admins");
            Line("Encrypted password history size", Number(ad.EncryptedPasswordHistorySize));
        }

        Line("Post authentication grace period (hours)", Number(PostAuthenticationResetDelayHours));
        Line("Post authentication actions", "0x" + ((int)PostAuthenticationActions).ToString("X", CultureInfo.InvariantCulture));
        if (AutomaticAccountManagement is { } automatic)
        {
            Line("Automatic account management target", automatic.ManagesBuiltInAdministrator ? "Built-in administrator account" : "New account");
            Line("Automatic account management name or prefix", automatic.NameOrPrefix);
            Line("Automatic account management enable account", Bool(automatic.EnableAccount));
            Line("Automatic account management randomize name", Bool(automatic.RandomizeName));
        }

        return text.ToString().TrimEnd();

        void Line(string name, string value) => text.Append(' ').Append(name).Append(": ").AppendLine(value);
        static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
        static string Bool(bool value) => value ? "Enabled" : "Disabled";
    }

    public static string SourceName(PolicySource source) => source switch
    {
        PolicySource.Csp => "CSP",
        PolicySource.GroupPolicy => "GPO",
        PolicySource.LocalConfiguration => "Local Configuration",
        PolicySource.LegacyMicrosoftLaps => "Legacy LAPS",
        _ => "None",
    };
}
