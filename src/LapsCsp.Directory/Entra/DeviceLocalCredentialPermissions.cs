using System.Collections.Immutable;

namespace LapsCsp.Directory.Entra;

/// <summary>Who may read Entra LAPS metadata and passwords (digest C.13; Entra LAPS doc "Recovering local administrator
/// password and password metadata").</summary>
public static class DeviceLocalCredentialPermissions
{
    /// <summary>Directory role action needed to read passwords (<c>credentials</c>).</summary>
    public const string PasswordReadAction = "microsoft.directory/deviceLocalCredentials/password/read";

    /// <summary>Directory role action needed to read metadata (device name, last and next rotation).</summary>
    public const string StandardReadAction = "microsoft.directory/deviceLocalCredentials/standard/read";

    /// <summary>Graph permission for <c>$select=credentials</c>.</summary>
    public const string GraphReadAll = "DeviceLocalCredential.Read.All";

    /// <summary>Graph permission for metadata only.</summary>
    public const string GraphReadBasicAll = "DeviceLocalCredential.ReadBasic.All";

    /// <summary>Built-in roles granted both actions.</summary>
    public static ImmutableArray<string> PasswordReaderRoles { get; } =
        ["Global Administrator", "Cloud Device Administrator", "Intune Service Administrator"];

    /// <summary>Built-in roles granted the standard (metadata) read action; "Any roles not listed are granted neither action."</summary>
    public static ImmutableArray<string> MetadataReaderRoles { get; } =
    [
        .. PasswordReaderRoles,
        "Global Reader", "Helpdesk Administrator", "Security Administrator", "Security Reader",
    ];

    public static bool RoleCanReadPassword(string roleName) =>
        PasswordReaderRoles.Contains(roleName, StringComparer.OrdinalIgnoreCase);

    public static bool RoleCanReadMetadata(string roleName) =>
        MetadataReaderRoles.Contains(roleName, StringComparer.OrdinalIgnoreCase);
}
