using System.Collections.Frozen;
using LapsCsp.Directory.Entra;

namespace LapsCsp.Server.Identity;

/// <summary>Entra directory role actions the server checks.</summary>
internal static class DirectoryActions
{
    /// <summary>Read LAPS passwords (<c>credentials</c>), Entra LAPS doc.</summary>
    public const string PasswordRead = DeviceLocalCredentialPermissions.PasswordReadAction;

    /// <summary>Read LAPS metadata (device name, last backup, next refresh), Entra LAPS doc.</summary>
    public const string StandardRead = DeviceLocalCredentialPermissions.StandardReadAction;

    /// <summary>Read the directory audit log. Not in our spec folder: Microsoft's role reference names this action for the
    /// audit-reading roles listed in <see cref="DirectoryRoles"/>; our choice.</summary>
    public const string AuditRead = "microsoft.directory/auditLogs/allProperties/read";

    public static FrozenSet<string> Known { get; } = new[] { PasswordRead, StandardRead, AuditRead }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Graph application permissions the server knows.</summary>
internal static class GraphPermissions
{
    public const string ReadBasicAll = DeviceLocalCredentialPermissions.GraphReadBasicAll;
    public const string ReadAll = DeviceLocalCredentialPermissions.GraphReadAll;
    public const string AuditLogReadAll = "AuditLog.Read.All";

    /// <summary>Graph's permission for managedDevice remote actions such as rotateLocalAdminPassword.</summary>
    public const string PrivilegedOperations = "DeviceManagementManagedDevices.PrivilegedOperations.All";
    public const string ConfigurationReadWrite = "DeviceManagementConfiguration.ReadWrite.All";
    public const string ManagedDevicesRead = "DeviceManagementManagedDevices.Read.All";

    /// <summary>What each application permission grants: directory actions and Intune permissions.</summary>
    public static FrozenDictionary<string, string[]> Grants { get; } = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        // "DeviceLocalCredential.ReadBasic.All (metadata) / DeviceLocalCredential.Read.All (needed for $select=credentials)", digest C.13.
        [ReadBasicAll] = [DirectoryActions.StandardRead],
        [ReadAll] = [DirectoryActions.StandardRead, DirectoryActions.PasswordRead],
        [AuditLogReadAll] = [DirectoryActions.AuditRead],
        [PrivilegedOperations] = [IntunePermissions.RotateLocalAdminPassword],
        [ConfigurationReadWrite] = [IntunePermissions.SecurityBaselinesRead, IntunePermissions.SecurityBaselinesWrite],
        [ManagedDevicesRead] = [IntunePermissions.ManagedDevicesRead],
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
}

/// <summary>The Entra built-in roles and the actions they hold.</summary>
/// <remarks>LAPS rows are the table of the Entra LAPS doc (001, "Recovering local administrator password and password
/// metadata"): Global Administrator, Cloud Device Administrator and Intune Service Administrator hold both
/// <c>standard/read</c> and <c>password/read</c>; Global Reader, Helpdesk Administrator, Security Administrator and Security
/// Reader hold <c>standard/read</c> only; "Any roles not listed are granted neither action." Audit reading (Global
/// Administrator, Global Reader, Security Administrator, Security Reader, Security Operator, Reports Reader) follows
/// Graph's directoryAudit permissions page, which is not in our spec folder. Global Administrator and Intune Service
/// Administrator hold every Intune permission (Intune RBAC).</remarks>
internal static class DirectoryRoles
{
    public const string GlobalAdministrator = "Global Administrator";
    public const string CloudDeviceAdministrator = "Cloud Device Administrator";
    public const string IntuneServiceAdministrator = "Intune Service Administrator";

    public static FrozenDictionary<string, string[]> Actions { get; } = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        [GlobalAdministrator] = [DirectoryActions.StandardRead, DirectoryActions.PasswordRead, DirectoryActions.AuditRead, .. IntunePermissions.All],
        [CloudDeviceAdministrator] = [DirectoryActions.StandardRead, DirectoryActions.PasswordRead],
        [IntuneServiceAdministrator] = [DirectoryActions.StandardRead, DirectoryActions.PasswordRead, .. IntunePermissions.All],
        ["Global Reader"] = [DirectoryActions.StandardRead, DirectoryActions.AuditRead],
        ["Helpdesk Administrator"] = [DirectoryActions.StandardRead],
        ["Security Administrator"] = [DirectoryActions.StandardRead, DirectoryActions.AuditRead],
        ["Security Reader"] = [DirectoryActions.StandardRead, DirectoryActions.AuditRead],
        ["Security Operator"] = [DirectoryActions.AuditRead],
        ["Reports Reader"] = [DirectoryActions.AuditRead],
        // Roles outside the LAPS table hold neither LAPS action.
        ["User Administrator"] = [],
        ["Application Administrator"] = [],
        ["Groups Administrator"] = [],
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Roles that may be assigned over an administrative unit (the Entra LAPS doc names Cloud Device Administrator).</summary>
    public static FrozenSet<string> AdministrativeUnitScopable { get; } =
        new[] { CloudDeviceAdministrator, "Helpdesk Administrator" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Intune permissions (Intune LAPS doc, 000: "Role based access controls for LAPS").</summary>
internal static class IntunePermissions
{
    /// <summary>"Rotate Local Admin Password permission, which is part of the Remote tasks category".</summary>
    public const string RotateLocalAdminPassword = "RemoteTasks/RotateLocalAdminPassword";

    /// <summary>"To work with and view LAPS policies, your account must have applicable rights from the Security baseline category".</summary>
    public const string SecurityBaselinesRead = "SecurityBaselines/Read";
    public const string SecurityBaselinesWrite = "SecurityBaselines/Write";

    /// <summary>Device details, account metadata and reports: "permissions equivalent to the built-in Intune role Read Only Operator".</summary>
    public const string ManagedDevicesRead = "ManagedDevices/Read";

    public static string[] All { get; } = [RotateLocalAdminPassword, SecurityBaselinesRead, SecurityBaselinesWrite, ManagedDevicesRead];
}

/// <summary>Intune built-in roles. Read Only Operator is named by the Intune LAPS doc; which permissions Help Desk Operator
/// and Endpoint Security Manager hold beyond that is our reading of Intune's role descriptions (not in our spec folder).</summary>
internal static class IntuneRoles
{
    public static FrozenDictionary<string, string[]> Permissions { get; } = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["Read Only Operator"] = [IntunePermissions.ManagedDevicesRead, IntunePermissions.SecurityBaselinesRead],
        ["Help Desk Operator"] = [IntunePermissions.ManagedDevicesRead, IntunePermissions.SecurityBaselinesRead, IntunePermissions.RotateLocalAdminPassword],
        ["Endpoint Security Manager"] = [IntunePermissions.ManagedDevicesRead, IntunePermissions.SecurityBaselinesRead, IntunePermissions.SecurityBaselinesWrite],
        ["Policy and Profile Manager"] = [IntunePermissions.SecurityBaselinesRead, IntunePermissions.SecurityBaselinesWrite],
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
}
