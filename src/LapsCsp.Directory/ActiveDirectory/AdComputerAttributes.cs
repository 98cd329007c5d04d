using System.Collections.Immutable;
using System.Text;
using System.Text.Json.Serialization;

namespace LapsCsp.Directory.ActiveDirectory;

/// <summary>The LAPS attributes of one computer object as an LDAP reader sees them: raw values, the encrypted blobs as
/// bytes (never the clear password when encryption is on). Arrays are copies.</summary>
/// <param name="DeviceId">The emulator's key for the computer (not an AD attribute).</param>
public sealed record AdComputerAttributes(
    [property: JsonPropertyName("deviceId")] string DeviceId,
    [property: JsonPropertyName(LapsAttributeNames.DistinguishedName)] string DistinguishedName,
    [property: JsonPropertyName(LapsAttributeNames.SamAccountName)] string SamAccountName,
    [property: JsonPropertyName(LapsAttributeNames.PasswordExpirationTime)] long? PasswordExpirationTime,
    [property: JsonPropertyName(LapsAttributeNames.Password)] string? Password,
    [property: JsonPropertyName(LapsAttributeNames.EncryptedPassword)] byte[]? EncryptedPassword,
    [property: JsonPropertyName(LapsAttributeNames.EncryptedPasswordHistory)] ImmutableArray<byte[]> EncryptedPasswordHistory,
    [property: JsonPropertyName(LapsAttributeNames.CurrentPasswordVersion)] Guid? CurrentPasswordVersion)
{
    /// <summary>Read-only alias <c>ms-Mcs-AdmPwd</c> ([L-tech] legacy mapping to <c>msLAPS-Password</c>): legacy LAPS stored
    /// the bare password, so the alias is the "p" of the clear JSON; <c>null</c> when the password is encrypted.</summary>
    [JsonPropertyName(LapsAttributeNames.LegacyPassword)]
    public string? LegacyAdmPwd => Password is null ? null : LapsPasswordPayload.TryParse(Password)?.Password;

    /// <summary>Read-only alias <c>ms-Mcs-AdmPwdExpirationTime</c> of <c>msLAPS-PasswordExpirationTime</c>.</summary>
    [JsonPropertyName(LapsAttributeNames.LegacyPasswordExpirationTime)]
    public long? LegacyAdmPwdExpirationTime => PasswordExpirationTime;

    /// <summary>The expiry as a date (from the FILETIME).</summary>
    [JsonIgnore]
    public DateTimeOffset? PasswordExpiration => PasswordExpirationTime is { } ft ? FileTime.ToDateTimeOffset(ft) : null;

    /// <summary>A value by LDAP attribute name (case-insensitive, aliases included); <c>null</c> when absent or unknown.</summary>
    public object? GetAttribute(string ldapName)
    {
        bool Is(string name) => string.Equals(ldapName, name, StringComparison.OrdinalIgnoreCase);
        if (Is(LapsAttributeNames.DistinguishedName)) return DistinguishedName;
        if (Is(LapsAttributeNames.SamAccountName)) return SamAccountName;
        if (Is(LapsAttributeNames.PasswordExpirationTime)) return PasswordExpirationTime;
        if (Is(LapsAttributeNames.Password)) return Password;
        if (Is(LapsAttributeNames.EncryptedPassword)) return EncryptedPassword;
        if (Is(LapsAttributeNames.EncryptedPasswordHistory)) return EncryptedPasswordHistory.IsDefaultOrEmpty ? null : EncryptedPasswordHistory;
        if (Is(LapsAttributeNames.CurrentPasswordVersion)) return CurrentPasswordVersion;
        if (Is(LapsAttributeNames.LegacyPassword)) return LegacyAdmPwd;
        if (Is(LapsAttributeNames.LegacyPasswordExpirationTime)) return LegacyAdmPwdExpirationTime;
        return null;
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("DeviceId = ").Append(DeviceId)
            .Append(", DistinguishedName = ").Append(DistinguishedName)
            .Append(", PasswordExpirationTime = ").Append(PasswordExpirationTime)
            .Append(", Password = ").Append(Password is null ? "null" : "***")
            .Append(", EncryptedPassword = ").Append(EncryptedPassword is null ? "null" : $"{EncryptedPassword.Length} bytes")
            .Append(", EncryptedPasswordHistory = ").Append(EncryptedPasswordHistory.IsDefault ? 0 : EncryptedPasswordHistory.Length)
            .Append(", CurrentPasswordVersion = ").Append(CurrentPasswordVersion);
        return true;
    }
}
