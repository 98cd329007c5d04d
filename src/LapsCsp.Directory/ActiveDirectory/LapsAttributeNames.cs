namespace LapsCsp.Directory.ActiveDirectory;

/// <summary>LDAP names of the Windows LAPS computer attributes (digest C.12, [L-tech], [ADA2]) and their legacy aliases.</summary>
public static class LapsAttributeNames
{
    public const string DistinguishedName = "distinguishedName";
    public const string SamAccountName = "sAMAccountName";

    /// <summary>Large integer (2.5.5.16): scheduled expiry as UTC FILETIME ticks.</summary>
    public const string PasswordExpirationTime = "msLAPS-PasswordExpirationTime";

    /// <summary>Unicode string: clear JSON <c>{"n":..,"t":..,"p":..}</c>, written when encryption is off.</summary>
    public const string Password = "msLAPS-Password";

    /// <summary>Octet string: MS-ADA2 §2.66 blob, written when encryption is on.</summary>
    public const string EncryptedPassword = "msLAPS-EncryptedPassword";

    /// <summary>Multi-valued octet string: older encrypted blobs, newest first.</summary>
    public const string EncryptedPasswordHistory = "msLAPS-EncryptedPasswordHistory";

    /// <summary>GUID written with each new password for image-rollback detection (Server 2025 schema, digest C.2).</summary>
    public const string CurrentPasswordVersion = "msLAPS-CurrentPasswordVersion";

    /// <summary>Legacy Microsoft LAPS: clear password; maps to <see cref="Password"/> ([L-tech] legacy mapping).</summary>
    public const string LegacyPassword = "ms-Mcs-AdmPwd";

    /// <summary>Legacy Microsoft LAPS expiry; maps to <see cref="PasswordExpirationTime"/>.</summary>
    public const string LegacyPasswordExpirationTime = "ms-Mcs-AdmPwdExpirationTime";
}
