using System.Text;
using System.Text.Json;
using LapsCsp.Enrollment.Server;
using LapsCsp.Server.Graph;
using LapsCsp.Server.Hosting;
using LapsCsp.Server.Identity;
using LapsCsp.Server.Management;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LapsCsp.Server.Mdm;

/// <summary>The MDM server's HTTP face: MS-MDE2 enrollment, the OMA-DM management endpoint, and the management API over
/// enrolled devices (their command queue with Statuses and Results, their alerts and session trace).</summary>
internal static class MdmEndpoints
{
    /// <summary>MS-MDE2 messages are small; the cap stops a hostile body before parsing (the readers cap at 1 MiB too).</summary>
    private const int EnrollmentBodyCap = 1024 * 1024;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var enrollment = endpoints.MapGroup("/EnrollmentServer").WithTags("MDM enrollment (MS-MDE2)");
        enrollment.MapGet("/Discovery.svc", Enrollment).WithSummary("Discovery probe (MS-MDE2 3.1.5.1)");
        enrollment.MapPost("/Discovery.svc", Enrollment).WithSummary("Discover (MS-MDE2)");
        enrollment.MapPost("/Policy.svc", Enrollment).WithSummary("GetPolicies (MS-XCEP)");
        enrollment.MapPost("/Enrollment.svc", Enrollment).WithSummary("RequestSecurityToken (MS-WSTEP): certificate and provisioning document");

        endpoints.MapPost(EnrollmentServerOptions.ManagementPath, Management).WithTags("MDM management (MS-MDM)")
            .WithSummary("An enrolled device's OMA-DM session: its package in, the server's package out")
            .Accepts<string>(SyncMLMessage.MediaType)
            .Produces(200, contentType: SyncMLMessage.MediaType);

        var api = endpoints.MapGroup("/beta/deviceManagement/enrolledDevices").WithTags("MDM management (MS-MDM)");
        api.MapGet("/", List).WithSummary("Devices enrolled over MS-MDE2, with their check-ins and pending commands");
        api.MapGet("/{deviceId}", Get).WithSummary("One enrolled device: enrollment, DevInfo, check-ins, alerts");
        api.MapGet("/{deviceId}/commands", Commands).WithSummary("The device's commands: queued, sent, and what came back (Statuses, Results)");
        api.MapPost("/{deviceId}/commands", QueueSyncML).WithSummary("Queue SyncML commands (a SyncML message's body) for the device's next check-in")
            .Accepts<string>(SyncMLMessage.MediaType);
        api.MapGet("/{deviceId}/trace", Trace).WithSummary("The device's last SyncML messages, both ways");
    }

    private static async Task<IResult> Enrollment(HttpContext context, MdmService mdm)
    {
        string? body = null;
        if (HttpMethods.IsPost(context.Request.Method))
        {
            var bytes = await Devices.DeviceEndpoints.ReadBodyArrayAsync(context.Request.Body, EnrollmentBodyCap, context.RequestAborted).ConfigureAwait(false);
            if (bytes is null) return Results.Text("message too large", "text/plain", statusCode: 413);
            body = Encoding.UTF8.GetString(bytes);
        }

        var response = await mdm.HandleEnrollmentAsync(context.Request.Method, RequestUrl(context), body, context.RequestAborted).ConfigureAwait(false);
        return Send(response);
    }

    private static async Task<IResult> Management(HttpContext context, MdmService mdm, ServerOptions options)
    {
        var contentType = context.Request.ContentType ?? "";
        if (!contentType.StartsWith(SyncMLMessage.MediaType, StringComparison.OrdinalIgnoreCase))
        {
            return Results.Text($"the body must be {SyncMLMessage.MediaType}", "text/plain", statusCode: 415);
        }

        var body = await Devices.DeviceEndpoints.ReadBodyArrayAsync(context.Request.Body, options.MaxSyncMLBytes, context.RequestAborted).ConfigureAwait(false);
        if (body is null) return Results.Text("message too large", "text/plain", statusCode: 413);
        var thumbprint = context.Connection.ClientCertificate?.Thumbprint;
        return Send(await mdm.HandleManagementAsync(body, thumbprint, context.RequestAborted).ConfigureAwait(false));
    }

    private static IResult Send(MdmHttpResponse response) => new BytesResult(response);

    private static Uri RequestUrl(HttpContext context) =>
        new(context.Request.Scheme + "://" + context.Request.Host.Value + context.Request.PathBase + context.Request.Path);

    // ---- The management API over enrolled devices ----

    private static IResult List(HttpContext context, MdmService mdm, string? after, int? top)
    {
        if (ManagementEndpoints.Require(context, IntunePermissions.ManagedDevicesRead, out _) is { } denied) return denied;
        var take = Math.Clamp(top ?? 100, 1, 1000);
        var page = mdm.Devices().Where(d => after is null || string.CompareOrdinal(d.DeviceId, after) > 0)
            .OrderBy(d => d.DeviceId, StringComparer.Ordinal).Take(take).Select(Summary).ToList();
        return Results.Json(new
        {
            value = page,
            nextLink = page.Count == take ? $"/beta/deviceManagement/enrolledDevices?top={take}&after={Uri.EscapeDataString(page[^1].Id)}" : null,
        }, s_json);
    }

    private static IResult Get(HttpContext context, string deviceId, MdmService mdm)
    {
        if (ManagementEndpoints.Require(context, IntunePermissions.ManagedDevicesRead, out _) is { } denied) return denied;
        if (mdm.Find(deviceId) is not { } record) return GraphErrors.NotFound(context, $"No enrolled device '{deviceId}'.");
        return Results.Json(new
        {
            summary = Summary(record),
            enrollment = new
            {
                record.Enrollment.DeviceId,
                record.Enrollment.HwDevId,
                record.Enrollment.DeviceName,
                record.Enrollment.OsVersion,
                record.Enrollment.OsEdition,
                record.Enrollment.Locale,
                enrollmentType = record.Enrollment.EnrollmentType.ToString(),
                record.Enrollment.Principal,
                record.Enrollment.CertificateThumbprint,
                record.Enrollment.CertificateNotAfter,
                record.Enrollment.EnrolledAt,
                state = record.Enrollment.State.ToString(),
                record.Enrollment.UnenrolledAt,
            },
            devInfo = record.DevInfo,
            alerts = record.Alerts,
        }, s_json);
    }

    private static IResult Commands(HttpContext context, string deviceId, MdmService mdm)
    {
        if (ManagementEndpoints.Require(context, IntunePermissions.ManagedDevicesRead, out _) is { } denied) return denied;
        if (mdm.Find(deviceId) is not { } record) return GraphErrors.NotFound(context, $"No enrolled device '{deviceId}'.");
        return Results.Json(new { value = record.Commands }, s_json);
    }

    private static IResult Trace(HttpContext context, string deviceId, MdmService mdm, int? top)
    {
        if (ManagementEndpoints.Require(context, IntunePermissions.ManagedDevicesRead, out _) is { } denied) return denied;
        if (mdm.Find(deviceId) is null) return GraphErrors.NotFound(context, $"No enrolled device '{deviceId}'.");
        return Results.Json(new { value = mdm.Trace(deviceId, Math.Clamp(top ?? 40, 1, 1000)) }, s_json);
    }

    /// <summary>Queues raw SyncML: the commands of the posted SyncML message (its header is ignored; the server writes its own),
    /// for MDM developers who want to send a device anything the LAPS policies do not cover.</summary>
    private static async Task<IResult> QueueSyncML(HttpContext context, string deviceId, MdmService mdm, ServerOptions options)
    {
        if (ManagementEndpoints.Require(context, IntunePermissions.SecurityBaselinesWrite, out var caller) is { } denied) return denied;

        var body = await Devices.DeviceEndpoints.ReadBodyArrayAsync(context.Request.Body, options.MaxSyncMLBytes, context.RequestAborted).ConfigureAwait(false);
        if (body is null) return Results.Text("message too large", "text/plain", statusCode: 413);
        var read = SyncMLReader.Read(body);
        if (!read.Succeeded)
        {
            return GraphErrors.BadRequest(context, "Unreadable SyncML: " + string.Join("; ", read.Diagnostics.Select(d => d.ToString())));
        }

        var commands = read.Message.Commands.Where(c => c is not (StatusCommand or ResultsCommand)).ToList();
        if (commands.Count == 0) return GraphErrors.BadRequest(context, "The message has no commands to send.");
        var package = new MdmPackage("syncml", string.Join(", ", commands.Select(c => c.ElementName)), null,
            read.Message with { Commands = [.. commands] });
        var queued = await mdm.QueueAsync(deviceId, package, caller.Name, context.RequestAborted).ConfigureAwait(false);
        return queued is null
            ? GraphErrors.NotFound(context, $"No enrolled device '{deviceId}' (or it unenrolled).")
            : Results.Json(queued, s_json, statusCode: 202);
    }

    internal sealed record EnrolledDeviceSummary(
        string Id,
        string? DeviceName,
        string State,
        DateTimeOffset EnrolledAt,
        DateTimeOffset? LastCheckIn,
        long Sessions,
        int PendingCommands,
        int SucceededCommands,
        int FailedCommands);

    internal static EnrolledDeviceSummary Summary(MdmDeviceRecord record) => new(
        record.DeviceId,
        record.Enrollment.DeviceName,
        record.Unenrolled ? "unenrolled" : "enrolled",
        record.Enrollment.EnrolledAt,
        record.LastCheckIn,
        record.Sessions,
        record.Commands.Count(c => !MdmCommandStates.IsFinal(c.State)),
        record.Commands.Count(c => c.State == MdmCommandStates.Succeeded),
        record.Commands.Count(c => c.State == MdmCommandStates.Failed));

    /// <summary>Writes an <see cref="MdmHttpResponse"/> as it is (status, content type, headers, bytes).</summary>
    private sealed class BytesResult(MdmHttpResponse response) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = response.StatusCode;
            httpContext.Response.ContentType = response.ContentType;
            foreach (var (name, value) in response.Headers) httpContext.Response.Headers[name] = value;
            httpContext.Response.ContentLength = response.Body.Length;
            await httpContext.Response.Body.WriteAsync(response.Body, httpContext.RequestAborted).ConfigureAwait(false);
        }
    }
}
