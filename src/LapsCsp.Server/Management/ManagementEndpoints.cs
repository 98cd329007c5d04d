using System.Text.Json;
using System.Text.Json.Nodes;
using LapsCsp.Directory.Entra;
using LapsCsp.Server.Devices;
using LapsCsp.Server.Graph;
using LapsCsp.Server.Identity;
using LapsCsp.Server.State;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Writing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LapsCsp.Server.Management;

/// <summary>Intune-style management under <c>/beta/deviceManagement</c> (000): LAPS policies built from settings and delivered
/// as SyncML, the "Rotate local admin password" action (Graph beta's managedDevice <c>rotateLocalAdminPassword</c>), the managed
/// account's details and the rotation report. Errors are in Graph's shape.</summary>
internal static class ManagementEndpoints
{
    private static readonly JsonSerializerOptions s_json = ServerState.Json;

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/beta/deviceManagement").WithTags("Intune-style management");
        group.MapPost("/lapsPolicies", CreatePolicy).WithSummary("Create a LAPS policy from settings (Security baseline permission)");
        group.MapGet("/lapsPolicies", ListPolicies).WithSummary("List LAPS policies");
        group.MapGet("/lapsPolicies/{id}", GetPolicy).WithSummary("A LAPS policy");
        group.MapGet("/lapsPolicies/{id}/syncml", PolicySyncML).WithSummary("The SyncML package the policy sends to a device");
        group.MapDelete("/lapsPolicies/{id}", DeletePolicy).WithSummary("Delete a LAPS policy (devices keep what they received)");
        group.MapPost("/lapsPolicies/{id}/assign", Assign).WithSummary("Assign the policy to devices and deliver it now");
        group.MapPost("/deviceGroups", CreateGroup).WithSummary("Create a static group of devices, an assignment target (Security baseline permission)");
        group.MapGet("/deviceGroups", ListGroups).WithSummary("Device groups");
        group.MapGet("/deviceGroups/{id}", GetGroup).WithSummary("A device group");
        group.MapDelete("/deviceGroups/{id}", DeleteGroup).WithSummary("Delete a device group (its devices keep what they received)");
        group.MapPost("/deviceGroups/{id}/members", AddMembers).WithSummary("Add devices to a group; they get the policies assigned to it now");
        group.MapDelete("/deviceGroups/{id}/members/{deviceId}", RemoveMember).WithSummary("Remove a device from a group (it keeps what it received)");
        group.MapGet("/managedDevices", ListDevices).WithSummary("Managed devices with their LAPS state");
        group.MapGet("/managedDevices/{deviceId}", GetDevice).WithSummary("A managed device with its LAPS state");
        group.MapPost("/managedDevices/{deviceId}/rotateLocalAdminPassword", Rotate)
            .WithSummary("Rotate local admin password: Exec ResetPassword (Rotate Local Admin Password permission)");
        group.MapGet("/managedDevices/{deviceId}/localAdminAccount", AccountDetails)
            .WithSummary("The managed account: name, SID, last and next rotation; the password with includePassword=true for those allowed (audited)");
        group.MapGet("/reports/localAdminPasswordRotations", RotationReport)
            .WithSummary("Manual and scheduled rotations per device, with results");
        var policies = endpoints.MapGroup("/beta/policies").WithTags("Intune-style management");
        policies.MapGet("/deviceRegistrationPolicy", GetRegistrationPolicy).WithSummary("The tenant's device settings, with the LAPS switch");
        policies.MapPatch("/deviceRegistrationPolicy", PatchRegistrationPolicy)
            .WithSummary("Turn the tenant-wide 'Enable Microsoft Entra LAPS' setting on or off (localAdminPassword.isEnabled)");
    }

    /// <summary>Graph beta <c>deviceRegistrationPolicy</c>, reduced to its <c>localAdminPassword</c> setting: the tenant switch
    /// without which devices cannot back up (001: "Select Yes for the Enable Local Administrator Password Solution (LAPS)
    /// setting ... You may also use the Microsoft Graph API Update deviceRegistrationPolicy").</summary>
    private static IResult GetRegistrationPolicy(HttpContext context, ServerState state)
    {
        if (Authentication.Require(context, out var caller) is { } unauthenticated) return unauthenticated;
        if (!caller.HasAnywhere(DirectoryActions.StandardRead) && !caller.Has(IntunePermissions.ManagedDevicesRead))
        {
            return GraphErrors.Forbidden(context, $"{Authentication.Describe(caller)} may not read device settings.");
        }

        return RegistrationPolicy(state);
    }

    private static async Task<IResult> PatchRegistrationPolicy(HttpContext context, JsonObject? body, ServerState state, CommitQueue commits)
    {
        if (Authentication.Require(context, out var caller) is { } unauthenticated) return unauthenticated;
        // 001: "Sign in ... as at least a Cloud Device Administrator" to change the setting.
        if (!caller.Principal.Roles.Any(r => r is DirectoryRoles.GlobalAdministrator or DirectoryRoles.CloudDeviceAdministrator))
        {
            return GraphErrors.Forbidden(context, $"{Authentication.Describe(caller)} is not a Cloud Device Administrator or Global Administrator.");
        }

        if (body?["localAdminPassword"]?["isEnabled"] is not JsonValue value || !value.TryGetValue<bool>(out var enabled))
        {
            return GraphErrors.BadRequest(context, "The body must be {\"localAdminPassword\":{\"isEnabled\":true|false}}.");
        }

        state.Entra.LapsEnabled = enabled;
        state.MarkChanged();
        await commits.CommitAsync(null).ConfigureAwait(false);
        return RegistrationPolicy(state);
    }

    private static IResult RegistrationPolicy(ServerState state) => Results.Json(new JsonObject
    {
        ["id"] = "deviceRegistrationPolicy",
        ["displayName"] = "Device Registration Policy",
        ["localAdminPassword"] = new JsonObject { ["isEnabled"] = state.Entra.LapsEnabled },
    });

    private static IResult CreatePolicy(HttpContext context, LapsPolicyRequest? request, PolicyService policies)
    {
        if (Require(context, IntunePermissions.SecurityBaselinesWrite, out var caller) is { } denied) return denied;
        if (request is null) return GraphErrors.BadRequest(context, "The body must be a JSON object with displayName and settings.");
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(request.DisplayName)) problems.Add("displayName is required");
        if (request.Settings is null) problems.Add("settings is required");
        else problems.AddRange(request.Settings.Validate());
        if (problems.Count > 0) return GraphErrors.BadRequest(context, string.Join("; ", problems));
        var policy = policies.Create(request.DisplayName!, request.Description, request.Settings!, request.Atomic ?? true);
        return Results.Json(policy, s_json, statusCode: 201);
    }

    private static IResult ListPolicies(HttpContext context, PolicyService policies) =>
        Require(context, IntunePermissions.SecurityBaselinesRead, out _) ?? Results.Json(new { value = policies.List() }, s_json);

    private static IResult GetPolicy(HttpContext context, string id, PolicyService policies)
    {
        if (Require(context, IntunePermissions.SecurityBaselinesRead, out _) is { } denied) return denied;
        return policies.Find(id) is { } policy ? Results.Json(policy, s_json) : GraphErrors.NotFound(context, $"No LAPS policy '{id}'.");
    }

    private static IResult PolicySyncML(HttpContext context, string id, string? deviceId, PolicyService policies)
    {
        if (Require(context, IntunePermissions.SecurityBaselinesRead, out _) is { } denied) return denied;
        if (policies.Find(id) is not { } policy) return GraphErrors.NotFound(context, $"No LAPS policy '{id}'.");
        var message = ManagementSyncML.Policy(policy.Settings, policy.Atomic, deviceId ?? "DEVICE-ID", "1");
        return Results.Text(SyncMLWriter.WriteToString(message), SyncMLMessage.MediaType);
    }

    private static IResult DeletePolicy(HttpContext context, string id, PolicyService policies)
    {
        if (Require(context, IntunePermissions.SecurityBaselinesWrite, out _) is { } denied) return denied;
        return policies.Delete(id) ? Results.NoContent() : GraphErrors.NotFound(context, $"No LAPS policy '{id}'.");
    }

    private static async Task<IResult> Assign(HttpContext context, string id, AssignRequest? request, PolicyService policies, DeviceGroupStore groups)
    {
        if (Require(context, IntunePermissions.SecurityBaselinesWrite, out var caller) is { } denied) return denied;
        if (policies.Find(id) is not { } policy) return GraphErrors.NotFound(context, $"No LAPS policy '{id}'.");
        if (request?.AllDevices == true)
        {
            var all = await policies.AssignToAllAsync(policy, caller.Name, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(new { value = all }, s_json);
        }

        if (request?.GroupIds is { Count: > 0 } groupIds)
        {
            var unknown = groupIds.Where(g => groups.Find(g) is null).ToList();
            if (unknown.Count > 0) return GraphErrors.NotFound(context, $"No device group '{string.Join("', '", unknown)}'.");
            var members = await policies.AssignToGroupsAsync(policy, groupIds, caller.Name, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(new { value = members }, s_json);
        }

        if (request?.DeviceIds is not { Count: > 0 } ids) return GraphErrors.BadRequest(context, "deviceIds or groupIds must list at least one device or group, or allDevices must be true.");
        var results = await policies.AssignAsync(policy, ids, caller.Name, context.RequestAborted).ConfigureAwait(false);
        return Results.Json(new { value = results }, s_json);
    }

    private static IResult CreateGroup(HttpContext context, DeviceGroupRequest? request, DeviceGroupStore groups)
    {
        if (Require(context, IntunePermissions.SecurityBaselinesWrite, out _) is { } denied) return denied;
        if (request is null || string.IsNullOrWhiteSpace(request.DisplayName)) return GraphErrors.BadRequest(context, "displayName is required.");
        if (request.DeviceIds?.FirstOrDefault(string.IsNullOrWhiteSpace) is not null) return GraphErrors.BadRequest(context, "deviceIds must not contain empty ids.");
        return Results.Json(groups.Create(request.DisplayName, request.Description, request.DeviceIds ?? []), s_json, statusCode: 201);
    }

    private static IResult ListGroups(HttpContext context, DeviceGroupStore groups) =>
        Require(context, IntunePermissions.ManagedDevicesRead, out _) ?? Results.Json(new { value = groups.List() }, s_json);

    private static IResult GetGroup(HttpContext context, string id, DeviceGroupStore groups)
    {
        if (Require(context, IntunePermissions.ManagedDevicesRead, out _) is { } denied) return denied;
        return groups.Find(id) is { } group ? Results.Json(group, s_json) : GraphErrors.NotFound(context, $"No device group '{id}'.");
    }

    private static IResult DeleteGroup(HttpContext context, string id, DeviceGroupStore groups, PolicyService policies)
    {
        if (Require(context, IntunePermissions.SecurityBaselinesWrite, out _) is { } denied) return denied;
        if (!groups.Delete(id)) return GraphErrors.NotFound(context, $"No device group '{id}'.");
        policies.ForgetGroup(id);
        return Results.NoContent();
    }

    private static async Task<IResult> AddMembers(HttpContext context, string id, DeviceGroupMembersRequest? request, DeviceGroupStore groups, PolicyService policies)
    {
        if (Require(context, IntunePermissions.SecurityBaselinesWrite, out var caller) is { } denied) return denied;
        if (groups.Find(id) is null) return GraphErrors.NotFound(context, $"No device group '{id}'.");
        if (request?.DeviceIds is not { Count: > 0 } ids || ids.Any(string.IsNullOrWhiteSpace))
        {
            return GraphErrors.BadRequest(context, "deviceIds must list at least one device id.");
        }

        var added = groups.AddMembers(id, ids);
        var deliveries = added.Count == 0 ? [] : await policies.GroupMembersAddedAsync(id, added, caller.Name, context.RequestAborted).ConfigureAwait(false);
        return Results.Json(new { added, deliveries }, s_json);
    }

    private static IResult RemoveMember(HttpContext context, string id, string deviceId, DeviceGroupStore groups)
    {
        if (Require(context, IntunePermissions.SecurityBaselinesWrite, out _) is { } denied) return denied;
        return groups.RemoveMember(id, deviceId) ? Results.NoContent() : GraphErrors.NotFound(context, $"No member '{deviceId}' in device group '{id}'.");
    }

    /// <summary>Hosted devices, then devices enrolled over MS-MDE2 (what the MDM server knows of them: no LAPS internals).</summary>
    private static IResult ListDevices(HttpContext context, DeviceRegistry registry, Mdm.MdmService mdm)
    {
        if (Require(context, IntunePermissions.ManagedDevicesRead, out _) is { } denied) return denied;
        var hosted = registry.All().Select(h => Summary(h, registry.State));
        var enrolled = mdm.Devices().Where(d => !d.Unenrolled).OrderBy(d => d.DeviceId, StringComparer.Ordinal).Select(EnrolledSummary);
        return Results.Json(new { value = hosted.Concat(enrolled).ToList() }, s_json);
    }

    private static async Task<IResult> GetDevice(HttpContext context, string deviceId, DeviceRegistry registry, Mdm.MdmService mdm)
    {
        if (Require(context, IntunePermissions.ManagedDevicesRead, out _) is { } denied) return denied;
        if (registry.Find(deviceId) is null && mdm.Find(deviceId) is { Unenrolled: false } record) return Results.Json(EnrolledSummary(record), s_json);
        if (registry.Find(deviceId) is not { } host) return GraphErrors.NotFound(context, $"No managed device '{deviceId}'.");
        await host.Gate.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            return Results.Json(Summary(host, registry.State), s_json);
        }
        finally
        {
            host.Gate.Release();
        }
    }

    private static async Task<IResult> Rotate(HttpContext context, string deviceId, DeviceRegistry registry, PolicyService policies, Mdm.MdmService mdm)
    {
        if (Authentication.Require(context, out var caller) is { } unauthenticated) return unauthenticated;
        var host = registry.Find(deviceId);
        if (host is null && mdm.Find(deviceId) is not { Unenrolled: false }) return GraphErrors.NotFound(context, $"No managed device '{deviceId}'.");
        if (!caller.Has(IntunePermissions.RotateLocalAdminPassword))
        {
            return GraphErrors.Forbidden(context,
                $"{Authentication.Describe(caller)} lacks the Rotate Local Admin Password permission (Remote tasks category).");
        }

        if (host is null)
        {
            // An enrolled device: Exec ResetPassword waits for its next check-in; the rotation shows in its command's Status
            // and in the directory it backs up to.
            var queued = await policies.QueueRotateAsync(deviceId, caller.Name, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(new { delivery = queued, rotation = (RotationRecord?)null }, s_json, statusCode: 202);
        }

        var (delivery, rotation) = await policies.RotateAsync(host, caller.Name, context.RequestAborted).ConfigureAwait(false);
        return Results.Json(new { delivery, rotation }, s_json);
    }

    /// <summary>000 "View account details": the managed account, its password for those allowed to recover it, the last and
    /// next rotation. The password needs password/read (Global Administrator, Cloud Device Administrator, Intune Service
    /// Administrator, or a custom role with it) and each read is audited like a Graph read.</summary>
    private static async Task<IResult> AccountDetails(HttpContext context, string deviceId, bool? includePassword, DeviceRegistry registry, CommitQueue commits)
    {
        if (Authentication.Require(context, out var caller) is { } unauthenticated) return unauthenticated;
        if (registry.Find(deviceId) is not { } host) return GraphErrors.NotFound(context, $"No managed device '{deviceId}'.");
        var scope = host.Registration.Scope;
        if (!caller.Has(IntunePermissions.ManagedDevicesRead) && !caller.Has(DirectoryActions.StandardRead, scope))
        {
            return GraphErrors.Forbidden(context, $"{Authentication.Describe(caller)} may not view this device's account details.");
        }

        if (includePassword == true && !caller.Has(DirectoryActions.PasswordRead, scope))
        {
            return GraphErrors.Forbidden(context,
                $"{Authentication.Describe(caller)} may see account details but not the password (needs {DirectoryActions.PasswordRead}).");
        }

        var state = registry.State;
        await host.Gate.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            var account = host.Device.Backend.ManagedAccount();
            var directory = host.BackupDirectory;
            var node = new JsonObject
            {
                ["deviceId"] = host.Registration.DeviceId,
                ["deviceName"] = host.Registration.DeviceName,
                ["backupDirectory"] = HostedDevice.BackupDirectoryName(directory) ?? "disabled",
                ["accountName"] = account?.Name,
                ["accountSid"] = account?.Sid,
            };
            if (directory == 1 && state.Entra.Get(host.Registration.EntraDeviceId) is { } info)
            {
                node["lastRotationDateTime"] = JsonSerializer.SerializeToNode(info.LastBackupDateTime, GraphJson.Options);
                node["nextRotationDateTime"] = JsonSerializer.SerializeToNode(info.RefreshDateTime, GraphJson.Options);
                node["backedUpAccountName"] = info.Credentials.IsDefaultOrEmpty ? null : info.Credentials[0].AccountName;
                if (includePassword == true && !info.Credentials.IsDefaultOrEmpty)
                {
                    var audit = state.Entra.RecordPasswordRead(info.Id, caller.Name);
                    if (audit is not null) await commits.CommitAsync(tx => tx.AppendAudit(audit, Storage.Directories.DirectoryNames.Entra)).ConfigureAwait(false);
                    node["passwordBase64"] = info.Credentials[0].PasswordBase64;
                    node["password"] = info.Credentials[0].DecodePassword();
                }
            }
            else if (directory == 2)
            {
                // AD mode: the expiry lives in msLAPS-PasswordExpirationTime (digest C.2); the status reads it.
                var status = host.Device.LapsStatus();
                node["lastRotationDateTime"] = status.LastPasswordUpdateTime is { } set ? JsonSerializer.SerializeToNode(set, GraphJson.Options) : null;
                node["nextRotationDateTime"] = status.NextRotation is { } next ? JsonSerializer.SerializeToNode(next, GraphJson.Options) : null;
                if (includePassword == true) node["passwordNote"] = "the password of an AD-backed device is read from AD: POST /ad/computers/{deviceId}/decrypt";
            }

            return Results.Json(node, GraphJson.Options);
        }
        finally
        {
            host.Gate.Release();
        }
    }

    private static IResult RotationReport(HttpContext context, string? deviceId, string? trigger, string? result, DeviceRegistry registry)
    {
        if (Require(context, IntunePermissions.ManagedDevicesRead, out _) is { } denied) return denied;
        IEnumerable<HostedDevice> hosts = deviceId is null ? registry.All() : registry.Find(deviceId) is { } h ? [h] : [];
        var rows = hosts.SelectMany(host => host.Rotations())
            .Where(r => trigger is null || string.Equals(r.Trigger, trigger, StringComparison.OrdinalIgnoreCase))
            .Where(r => result is null || string.Equals(r.Result, result, StringComparison.OrdinalIgnoreCase))
            .Select((r, i) => (Row: r, Index: i))
            .OrderByDescending(x => x.Row.CompletedDateTime)
            .ThenByDescending(x => x.Index)
            .Select(x => x.Row)
            .ToList();
        var summary = new
        {
            total = rows.Count,
            succeeded = rows.Count(r => r.Result == RotationRecord.Succeeded),
            failed = rows.Count(r => r.Result == RotationRecord.Failed),
            manual = rows.Count(r => r.Trigger == RotationTriggers.Manual),
            scheduled = rows.Count(r => r.Trigger == RotationTriggers.Scheduled),
            syncml = rows.Count(r => r.Trigger == RotationTriggers.SyncML),
        };
        return Results.Json(new { summary, value = rows }, s_json);
    }

    private static object Summary(HostedDevice host, ServerState state)
    {
        var status = host.Device.LapsStatus();
        var last = host.Rotations().LastOrDefault();
        return new
        {
            id = host.Registration.DeviceId,
            deviceName = host.Registration.DeviceName,
            azureADDeviceId = host.Registration.EntraDeviceId,
            joinType = host.Registration.JoinType,
            osVersion = host.Registration.OsBuild,
            backupDirectory = HostedDevice.BackupDirectoryName(host.BackupDirectory) ?? "disabled",
            managedAccountName = host.Device.Backend.ManagedAccount()?.Name,
            lastBackupDateTime = status.LastBackupTime,
            passwordLastSetDateTime = status.LastPasswordUpdateTime,
            nextRotationDateTime = status.NextRotation,
            lastRotation = last,
        };
    }

    /// <summary>An enrolled device as the MDM server sees it: its check-ins and the state of its last LAPS policy delivery.</summary>
    private static object EnrolledSummary(Mdm.MdmDeviceRecord record)
    {
        var policy = record.LapsPolicy;
        return new
        {
            id = record.DeviceId,
            deviceName = record.Enrollment.DeviceName,
            source = "enrolled",
            osVersion = record.Enrollment.OsVersion,
            enrolledDateTime = record.Enrollment.EnrolledAt,
            lastSyncDateTime = record.LastCheckIn,
            lapsPolicy = policy is null ? null : new { policyId = policy.PolicyId, state = policy.State, policy.CompletedAt },
            pendingCommands = record.Commands.Count(c => !Mdm.MdmCommandStates.IsFinal(c.State)),
        };
    }

    /// <summary>The caller, authenticated and holding the Intune <paramref name="permission"/>; else the Graph-shaped refusal.</summary>
    internal static IResult? Require(HttpContext context, string permission, out Caller caller)
    {
        if (Authentication.Require(context, out caller) is { } unauthenticated) return unauthenticated;
        return caller.Has(permission) ? null : GraphErrors.Forbidden(context, $"{Authentication.Describe(caller)} lacks the Intune permission {permission}.");
    }
}

/// <param name="AllDevices">Every device, now and as devices enroll (Intune's allDevicesAssignmentTarget).</param>
/// <param name="GroupIds">Device groups: their members now and devices added to them later (Intune's groupAssignmentTarget).</param>
internal sealed record AssignRequest(IReadOnlyList<string>? DeviceIds, bool? AllDevices = null, IReadOnlyList<string>? GroupIds = null);
