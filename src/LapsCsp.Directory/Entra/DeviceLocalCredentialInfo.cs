using System.Collections.Immutable;
using System.Text;
using System.Text.Json.Serialization;

namespace LapsCsp.Directory.Entra;

/// <summary>Graph <c>deviceLocalCredentialInfo</c>: the LAPS state Entra keeps for one device.</summary>
/// <param name="Id">The Entra <c>deviceId</c> (not the device's object id), digest C.13 [G-res].</param>
/// <param name="RefreshDateTime">When the password will next be refreshed: the device's expiration time.</param>
/// <param name="Credentials">History, newest first (the Graph get sample lists 3 entries newest first).</param>
public sealed record DeviceLocalCredentialInfo(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("deviceName")] string DeviceName,
    [property: JsonPropertyName("lastBackupDateTime")] DateTimeOffset LastBackupDateTime,
    [property: JsonPropertyName("refreshDateTime")] DateTimeOffset RefreshDateTime,
    [property: JsonPropertyName("credentials")] ImmutableArray<DeviceLocalCredential> Credentials);

/// <summary>Graph <c>deviceLocalCredential</c>: one backed-up password of a managed account.</summary>
/// <param name="PasswordBase64">Base64 of the password's UTF-16LE bytes: the Graph doc sample <c>UQBRAEAAZAA4AGYAOABnAFkA</c>
/// decodes as UTF-16LE to <c>QQ@d8f8gY</c> (digest C.13, verified by decoding).</param>
public sealed record DeviceLocalCredential(
    [property: JsonPropertyName("accountName")] string AccountName,
    [property: JsonPropertyName("accountSid")] string AccountSid,
    [property: JsonPropertyName("backupDateTime")] DateTimeOffset BackupDateTime,
    [property: JsonPropertyName("passwordBase64")] string PasswordBase64)
{
    public static string EncodePassword(string password) => Convert.ToBase64String(Encoding.Unicode.GetBytes(password));

    public static string DecodePassword(string passwordBase64) => Encoding.Unicode.GetString(Convert.FromBase64String(passwordBase64));

    public string DecodePassword() => DecodePassword(PasswordBase64);

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("AccountName = ").Append(AccountName)
            .Append(", AccountSid = ").Append(AccountSid)
            .Append(", BackupDateTime = ").Append(BackupDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture))
            .Append(", PasswordBase64 = ***");
        return true;
    }
}
