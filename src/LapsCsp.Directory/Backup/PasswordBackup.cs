using System.Text;

namespace LapsCsp.Directory.Backup;

/// <summary>One password the device wants stored before it applies it to the local account.</summary>
/// <param name="DeviceId">Entra device id, or the key under which the AD computer object was added.</param>
/// <param name="UpdateTime">When the device generated the password: AD writes it as the JSON "t" and the blob header.</param>
/// <param name="ExpirationTime">Next scheduled rotation: Entra <c>refreshDateTime</c>, AD <c>msLAPS-PasswordExpirationTime</c>.</param>
/// <param name="Ad">AD-only settings (digest C.4); <c>null</c> means the CSP defaults.</param>
public sealed record PasswordBackup(
    string DeviceId,
    string DeviceName,
    string AccountName,
    string AccountSid,
    string Password,
    DateTimeOffset UpdateTime,
    DateTimeOffset ExpirationTime,
    AdBackupOptions? Ad = null)
{
    private bool PrintMembers(StringBuilder builder)
    {
        // The password never goes to logs through ToString.
        builder.Append("DeviceId = ").Append(DeviceId)
            .Append(", DeviceName = ").Append(DeviceName)
            .Append(", AccountName = ").Append(AccountName)
            .Append(", AccountSid = ").Append(AccountSid)
            .Append(", Password = ***")
            .Append(", UpdateTime = ").Append(UpdateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture))
            .Append(", ExpirationTime = ").Append(ExpirationTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture))
            .Append(", Ad = ").Append(Ad);
        return true;
    }
}

/// <summary>The AD-only LAPS settings that shape what is written (DDF <c>ADPasswordEncryptionEnabled</c>,
/// <c>ADPasswordEncryptionPrincipal</c>, <c>ADEncryptedPasswordHistorySize</c>; defaults True, Domain Admins, 0).</summary>
/// <param name="EncryptionPrincipal">A SID, <c>DOMAIN\name</c>, <c>name@domain</c>, or the plain default <c>Domain Admins</c>.</param>
/// <param name="EncryptedHistorySize">DDF range [0-12]; values outside are clamped by the directory.</param>
public sealed record AdBackupOptions(
    bool EncryptionEnabled = true,
    string EncryptionPrincipal = AdBackupOptions.DefaultEncryptionPrincipal,
    int EncryptedHistorySize = 0)
{
    public const string DefaultEncryptionPrincipal = "Domain Admins";

    /// <summary>DDF <c>ADEncryptedPasswordHistorySize</c> allowed range is [0-12].</summary>
    public const int MaxEncryptedHistorySize = 12;
}
