using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace LapsCsp.Directory.Audit;

/// <summary>One audit entry, shaped like Microsoft Graph's <c>directoryAudit</c> resource (both directories use it).</summary>
/// <param name="Result">Graph <c>operationResult</c>: <c>success</c> or <c>failure</c>.</param>
public sealed record DirectoryAuditRecord(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("activityDateTime")] DateTimeOffset ActivityDateTime,
    [property: JsonPropertyName("activityDisplayName")] string ActivityDisplayName,
    [property: JsonPropertyName("category")] string Category,
    [property: JsonPropertyName("loggedByService")] string LoggedByService,
    [property: JsonPropertyName("result")] string Result,
    [property: JsonPropertyName("initiatedBy")] AuditInitiator InitiatedBy,
    [property: JsonPropertyName("targetResources")] ImmutableArray<AuditTargetResource> TargetResources,
    [property: JsonPropertyName("additionalDetails")] ImmutableArray<AuditKeyValue> AdditionalDetails,
    [property: JsonPropertyName("resultReason")] string? ResultReason = null)
{
    public const string Success = "success";
    public const string Failure = "failure";
}

/// <summary>Graph <c>auditActivityInitiator</c>: a user (an administrator reading a password) or an app (here: the device
/// itself backing its password up; which identity Entra really logs for device-initiated backups is not in our sources).</summary>
public sealed record AuditInitiator(
    [property: JsonPropertyName("user")] AuditUserIdentity? User,
    [property: JsonPropertyName("app")] AuditAppIdentity? App)
{
    public static AuditInitiator ForUser(string actor) => new(new AuditUserIdentity(null, actor, actor), null);

    public static AuditInitiator ForDevice(string deviceId, string deviceName) => new(null, new AuditAppIdentity(deviceName, deviceId));
}

/// <summary>Graph <c>userIdentity</c> (subset).</summary>
public sealed record AuditUserIdentity(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("displayName")] string DisplayName,
    [property: JsonPropertyName("userPrincipalName")] string? UserPrincipalName);

/// <summary>Graph <c>appIdentity</c> (subset).</summary>
public sealed record AuditAppIdentity(
    [property: JsonPropertyName("displayName")] string DisplayName,
    [property: JsonPropertyName("servicePrincipalId")] string? ServicePrincipalId);

/// <summary>Graph <c>targetResource</c> (subset).</summary>
public sealed record AuditTargetResource(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("displayName")] string DisplayName,
    [property: JsonPropertyName("type")] string Type);

/// <summary>Graph <c>keyValue</c>.</summary>
public sealed record AuditKeyValue(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] string Value);

/// <summary>The activity names and fixed fields of LAPS audit entries.</summary>
/// <remarks>Entra names, category and service from the Entra LAPS doc ("Update device local administrator password",
/// "Recover device local administrator password") and SigmaHQ's rule on the recover event (category Device, service Device
/// Registration Service, AdditionalInfo "Successfully recovered local credential by device id"), digest C.13. The AD entries
/// reuse the activity names so one audit view serves both; their service name and the expiration activity are ours.</remarks>
public static class LapsAuditActivities
{
    public const string UpdatePassword = "Update device local administrator password";
    public const string RecoverPassword = "Recover device local administrator password";
    public const string UpdateExpirationTime = "Update device local administrator password expiration time";

    /// <summary>An AD computer object was renamed (its sAMAccountName, CN and distinguishedName); ours, like the expiration
    /// activity: Windows logs the change as event 4742 "A computer account was changed" (SAM Account Name).</summary>
    public const string RenameComputer = "Rename computer";
    public const string DeviceCategory = "Device";
    public const string EntraService = "Device Registration Service";
    public const string ActiveDirectoryService = "Active Directory Domain Services";
    public const string AdditionalInfoKey = "AdditionalInfo";
    public const string RecoveredByDeviceId = "Successfully recovered local credential by device id";
}
