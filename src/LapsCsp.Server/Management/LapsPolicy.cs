using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.Server.Management;

/// <summary>The settings of an Intune-style LAPS policy: one per LAPS CSP policy node, null when not configured.</summary>
/// <remarks>Ranges are the DDF's (ddf/LAPS.xml). Two rules are Intune's, not the device's: PasswordAgeDays is 7-365 when backing
/// up to Entra ID (digest D1: Intune models the 7-day floor as a child of BackupDirectory=1), and the AD-only settings exist
/// only under BackupDirectory=2 (digest C.4). The AutomaticAccountManagement* settings other than Enabled need Enabled
/// (digest D5).</remarks>
internal sealed record LapsPolicySettings
{
    /// <summary>0 disabled, 1 Entra ID, 2 Active Directory.</summary>
    public int? BackupDirectory { get; init; }

    public int? PasswordAgeDays { get; init; }

    public int? PasswordComplexity { get; init; }

    public int? PasswordLength { get; init; }

    public int? PassphraseLength { get; init; }

    public string? AdministratorAccountName { get; init; }

    public bool? PasswordExpirationProtectionEnabled { get; init; }

    public bool? AdPasswordEncryptionEnabled { get; init; }

    public string? AdPasswordEncryptionPrincipal { get; init; }

    public int? AdEncryptedPasswordHistorySize { get; init; }

    public int? PostAuthenticationResetDelay { get; init; }

    public int? PostAuthenticationActions { get; init; }

    public bool? AutomaticAccountManagementEnabled { get; init; }

    public int? AutomaticAccountManagementTarget { get; init; }

    public string? AutomaticAccountManagementNameOrPrefix { get; init; }

    public bool? AutomaticAccountManagementEnableAccount { get; init; }

    public bool? AutomaticAccountManagementRandomizeName { get; init; }

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Range(string name, int? value, int min, int max)
        {
            if (value is { } v && (v < min || v > max)) problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {v} is outside [{min}-{max}]"));
        }

        if (BackupDirectory is null) problems.Add("backupDirectory is required (0 disabled, 1 Entra ID, 2 Active Directory)");
        Range("backupDirectory", BackupDirectory, 0, 2);
        Range("passwordAgeDays", PasswordAgeDays, BackupDirectory == 1 ? 7 : 1, 365);
        Range("passwordComplexity", PasswordComplexity, 1, 8);
        Range("passwordLength", PasswordLength, 8, 64);
        Range("passphraseLength", PassphraseLength, 3, 10);
        Range("adEncryptedPasswordHistorySize", AdEncryptedPasswordHistorySize, 0, 12);
        Range("postAuthenticationResetDelay", PostAuthenticationResetDelay, 0, 24);
        Range("automaticAccountManagementTarget", AutomaticAccountManagementTarget, 0, 1);
        if (PostAuthenticationActions is { } actions && actions is not (1 or 3 or 5 or 11))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"postAuthenticationActions {actions} is not one of 1, 3, 5, 11"));
        }

        // Characters Windows refuses in account names. No length cap: SAM names stop at 20 characters, yet the CSP
        // document's own sample names the 21-character ContosoLocalLapsAdmin, so the device is left to judge.
        if (AdministratorAccountName is { } name && (name.Length is 0 or > 256 || name.IndexOfAny(['"', '/', '\\', '[', ']', ':', ';', '|', '=', ',', '+', '*', '?', '<', '>', '@']) >= 0))
        {
            problems.Add($"administratorAccountName '{name}' is not a local account name (none of \"/\\[]:;|=,+*?<>@)");
        }

        if (BackupDirectory != 2)
        {
            foreach (var (setting, set) in new[]
            {
                ("passwordExpirationProtectionEnabled", PasswordExpirationProtectionEnabled is not null),
                ("adPasswordEncryptionEnabled", AdPasswordEncryptionEnabled is not null),
                ("adPasswordEncryptionPrincipal", AdPasswordEncryptionPrincipal is not null),
                ("adEncryptedPasswordHistorySize", AdEncryptedPasswordHistorySize is not null),
            })
            {
                if (set) problems.Add($"{setting} applies only to Active Directory backup (backupDirectory 2)");
            }
        }

        if (AutomaticAccountManagementEnabled != true
            && (AutomaticAccountManagementTarget is not null || AutomaticAccountManagementNameOrPrefix is not null
                || AutomaticAccountManagementEnableAccount is not null || AutomaticAccountManagementRandomizeName is not null))
        {
            problems.Add("automaticAccountManagement* settings need automaticAccountManagementEnabled true");
        }

        return problems;
    }

    /// <summary>The CSP nodes this policy sets, in the order they are sent (BackupDirectory first).</summary>
    public IEnumerable<(string Node, string Format, string Value)> Nodes()
    {
        static string B(bool value) => value ? "true" : "false";
        static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
        if (BackupDirectory is { } backup) yield return ("BackupDirectory", "int", I(backup));
        if (PasswordAgeDays is { } age) yield return ("PasswordAgeDays", "int", I(age));
        if (PasswordComplexity is { } complexity) yield return ("PasswordComplexity", "int", I(complexity));
        if (PasswordLength is { } length) yield return ("PasswordLength", "int", I(length));
        if (PassphraseLength is { } passphrase) yield return ("PassphraseLength", "int", I(passphrase));
        if (AdministratorAccountName is { } name) yield return ("AdministratorAccountName", "chr", name);
        if (PasswordExpirationProtectionEnabled is { } protection) yield return ("PasswordExpirationProtectionEnabled", "bool", B(protection));
        if (AdPasswordEncryptionEnabled is { } encryption) yield return ("ADPasswordEncryptionEnabled", "bool", B(encryption));
        if (AdPasswordEncryptionPrincipal is { } principal) yield return ("ADPasswordEncryptionPrincipal", "chr", principal);
        if (AdEncryptedPasswordHistorySize is { } history) yield return ("ADEncryptedPasswordHistorySize", "int", I(history));
        if (PostAuthenticationResetDelay is { } delay) yield return ("PostAuthenticationResetDelay", "int", I(delay));
        if (PostAuthenticationActions is { } actions) yield return ("PostAuthenticationActions", "int", I(actions));
        if (AutomaticAccountManagementEnabled is { } enabled) yield return ("AutomaticAccountManagementEnabled", "bool", B(enabled));
        if (AutomaticAccountManagementTarget is { } target) yield return ("AutomaticAccountManagementTarget", "int", I(target));
        if (AutomaticAccountManagementNameOrPrefix is { } prefix) yield return ("AutomaticAccountManagementNameOrPrefix", "chr", prefix);
        if (AutomaticAccountManagementEnableAccount is { } enable) yield return ("AutomaticAccountManagementEnableAccount", "bool", B(enable));
        if (AutomaticAccountManagementRandomizeName is { } randomize) yield return ("AutomaticAccountManagementRandomizeName", "bool", B(randomize));
    }
}

/// <summary>A LAPS policy and the devices it is assigned to.</summary>
internal sealed record LapsPolicy(
    string Id,
    string DisplayName,
    string? Description,
    LapsPolicySettings Settings,
    bool Atomic,
    DateTimeOffset CreatedDateTime,
    DateTimeOffset LastModifiedDateTime,
    ImmutableArray<string> AssignedDeviceIds)
{
    /// <summary>Assigned to all devices (Intune's allDevicesAssignmentTarget): devices that enroll later get it too.</summary>
    public bool AssignedToAllDevices { get; init; }

    /// <summary>Device groups it is assigned to (<see cref="DeviceGroup"/>): their members now and devices added later.</summary>
    public ImmutableArray<string> AssignedGroupIds { get; init; } = [];
}

/// <summary>The body of <c>POST .../lapsPolicies</c>.</summary>
/// <param name="Atomic">Wrap the Replaces in one Atomic (default): the DDF marks Policies <c>MSFT:AtomicRequired</c> (digest D2).</param>
internal sealed record LapsPolicyRequest(string? DisplayName, string? Description, LapsPolicySettings? Settings, bool? Atomic);

/// <summary>Builds the SyncML packages the server sends to devices.</summary>
internal static class ManagementSyncML
{
    public const string ServerUri = "https://lapscsp.local/ManagementServer/MDM.svc";
    private const string PoliciesPath = "./Device/Vendor/MSFT/LAPS/Policies/";

    /// <summary>One Replace per configured setting (Replace works whether or not the device has the node yet, where Add would
    /// answer 418 the second time), inside one Atomic unless <paramref name="atomic"/> is false.</summary>
    public static SyncMLMessage Policy(LapsPolicySettings settings, bool atomic, string deviceId, string sessionId)
    {
        var id = atomic ? 2 : 1;
        var replaces = settings.Nodes()
            .Select(n => (SyncCommand)new ItemCommand(
                ItemCommandKind.Replace,
                (id++).ToString(CultureInfo.InvariantCulture),
                [new Item(PoliciesPath + n.Node, Meta: new Meta(Format: n.Format, Type: "text/plain"), Data: new ItemData(n.Value))]))
            .ToImmutableArray();
        ImmutableArray<SyncCommand> body = atomic ? [new AtomicCommand("1", replaces)] : replaces;
        return Message(deviceId, sessionId, body);
    }

    /// <summary>The "Rotate local admin password" device action (000): Exec Actions/ResetPassword (LAPS CSP). The device
    /// rotates after the session and reports the result in Actions/ResetPasswordStatus (digest C.6).</summary>
    public static SyncMLMessage RotatePassword(string deviceId, string sessionId) => Message(deviceId, sessionId,
    [
        new ItemCommand(ItemCommandKind.Exec, "1", [new Item("./Device/Vendor/MSFT/LAPS/Actions/ResetPassword")]),
    ]);

    private static SyncMLMessage Message(string deviceId, string sessionId, ImmutableArray<SyncCommand> body) =>
        new(new SyncHeader(sessionId, "1", deviceId, ServerUri), body, Final: true);
}
