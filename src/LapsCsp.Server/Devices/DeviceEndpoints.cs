using System.Buffers;
using System.Globalization;
using System.Text.Json.Nodes;
using LapsCsp.Server.Hosting;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.SyncML.Writing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace LapsCsp.Server.Devices;

/// <summary>The device side: register devices and post them SyncML packages, as an MDM server would.</summary>
/// <remarks>The device channel carries no bearer token: real devices authenticate with their enrolment certificate, which
/// this emulator does not model; the server listens on loopback by default.</remarks>
internal static class DeviceEndpoints
{
    // The reader's codes for a message with no SyncHdr of its own (SyncML README): such a message has no session to check.
    private static readonly string[] s_headerlessCodes = ["no-header", "bare-body", "fragment"];

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/devices").WithTags("Devices");
        group.MapPost("/", Create).WithSummary("Register a device (OS build, edition, join type, locale)");
        group.MapGet("/", List).WithSummary("List registered devices");
        group.MapGet("/{deviceId}", Get).WithSummary("A device: registration and LAPS state");
        group.MapDelete("/{deviceId}", Delete).WithSummary("Delete a device (its Entra LAPS credential goes with it)");
        group.MapPost("/{deviceId}/reboot", Reboot)
            .WithSummary("Reboot the device: sessions end, a pending DNSComputerName rename takes effect; the answer is the device");
        group.MapGet("/{deviceId}/events", Events).WithSummary("The device's Microsoft-Windows-LAPS/Operational events, newest first (?id=10005&top=100)");
        group.MapPost("/{deviceId}/syncml", PostSyncML)
            .WithSummary("Post a SyncML DM package to the device; the body of the answer is the device's reply package")
            .Accepts<string>(SyncMLMessage.MediaType)
            .Produces(200, contentType: SyncMLMessage.MediaType)
            .Produces(204)
            .ProducesProblem(400)
            .ProducesProblem(413)
            .ProducesProblem(415);
    }

    private static IResult Create(DeviceCreateRequest? request, DeviceRegistry registry)
    {
        if (request is null) return Problems.Validation(["the body must be a JSON object with at least deviceId"]);
        var problems = new List<string>();
        var registration = request.ToRegistration(registry.State.Time.GetUtcNow(), problems);
        if (registration is null) return Problems.Validation(problems);
        var host = registry.Create(registration);
        if (host is null)
        {
            return Problems.Result(409, "urn:lapscsp:problem:device-exists", "Device exists", $"a device with id '{registration.DeviceId}' is already registered");
        }

        return Results.Created($"/devices/{Uri.EscapeDataString(registration.DeviceId)}", Describe(host));
    }

    private static IResult List(DeviceRegistry registry, string? after, int? top)
    {
        var take = Math.Clamp(top ?? 100, 1, 1000);
        var page = registry.List(after, take);
        var result = new JsonObject
        {
            ["value"] = new JsonArray([.. page.Select(r => System.Text.Json.JsonSerializer.SerializeToNode(r, State.ServerState.Json))]),
        };
        if (page.Count == take) result["nextLink"] = $"/devices?top={take}&after={Uri.EscapeDataString(page[^1].DeviceId)}";
        return Results.Json(result);
    }

    private static async Task<IResult> Get(string deviceId, DeviceRegistry registry, CancellationToken ct)
    {
        var host = registry.Find(deviceId);
        if (host is null) return Problems.NotFound($"no device '{deviceId}'");
        await host.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return Results.Json(Describe(host));
        }
        finally
        {
            host.Gate.Release();
        }
    }

    private static async Task<IResult> Reboot(string deviceId, DeviceRegistry registry, DeviceService devices, CancellationToken ct)
    {
        var host = registry.Find(deviceId);
        if (host is null) return Problems.NotFound($"no device '{deviceId}'");
        await devices.RebootAsync(host, ct).ConfigureAwait(false);
        return await Get(deviceId, registry, ct).ConfigureAwait(false);
    }

    private static async Task<IResult> Events(string deviceId, int? id, int? top, DeviceRegistry registry, CancellationToken ct)
    {
        var host = registry.Find(deviceId);
        if (host is null) return Problems.NotFound($"no device '{deviceId}'");
        await host.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var events = host.Device.Events.All.Where(e => id is null || e.Id == id).Reverse().Take(Math.Clamp(top ?? 100, 1, 10_000));
            return Results.Json(new JsonObject
            {
                ["channel"] = Device.Events.LapsEventLog.ChannelName,
                ["value"] = new JsonArray([.. events.Select(e => (JsonNode)new JsonObject
                {
                    ["recordId"] = e.RecordId,
                    ["id"] = e.Id,
                    ["level"] = e.Level.ToString(),
                    ["timeCreated"] = e.TimeCreated,
                    ["message"] = e.Message,
                })]),
            });
        }
        finally
        {
            host.Gate.Release();
        }
    }

    private static IResult Delete(string deviceId, DeviceRegistry registry, Dashboard.HostedTraceLog traces)
    {
        if (!registry.Delete(deviceId)) return Problems.NotFound($"no device '{deviceId}'");
        traces.Forget(deviceId);
        return Results.NoContent();
    }

    internal static JsonObject Describe(HostedDevice host)
    {
        var node = System.Text.Json.JsonSerializer.SerializeToNode(host.Registration, State.ServerState.Json)!.AsObject();
        var account = host.Device.Backend.ManagedAccount();
        var status = host.Device.LapsStatus();
        node["laps"] = new JsonObject
        {
            ["backupDirectory"] = host.BackupDirectory,
            ["policySource"] = status.Policy.Source.ToString(),
            ["passwordLastSet"] = status.LastPasswordUpdateTime,
            ["nextRotation"] = status.NextRotation,
            ["lastBackup"] = status.LastBackupTime,
            ["nextCycle"] = status.NextCycleTime,
            ["cyclesRun"] = status.CyclesRun,
            ["rotations"] = status.Rotations,
            ["policies"] = new JsonObject([.. host.Device.Tree.State.Nodes
                .Where(n => n.Key.StartsWith("./Device/Vendor/MSFT/LAPS/Policies/", StringComparison.Ordinal))
                .Select(n => KeyValuePair.Create(n.Key[(n.Key.LastIndexOf('/') + 1)..], (JsonNode?)JsonValue.Create(n.Value)))]),
            ["managedAccount"] = account?.Name,
            ["resetPasswordStatus"] = host.Device.Backend.ResetPasswordStatus,
        };
        node["accounts"] = new JsonArray([.. host.Device.Accounts.All.Select(a => (JsonNode)new JsonObject
        {
            ["name"] = a.Name,
            ["sid"] = a.Sid,
            ["enabled"] = a.Enabled,
            ["groups"] = new JsonArray([.. a.Groups.Select(g => JsonValue.Create(g))]),
            ["passwordLastSet"] = a.PasswordLastSet,
        })]);
        node["session"] = new JsonObject { ["open"] = host.Session.Open, ["sessionId"] = host.Session.SessionId };

        // The name a DNSComputerName Replace set for the next reboot (deviceName is the name in effect).
        if (host.Device.PendingComputerName is { } pending) node["pendingComputerName"] = pending;
        return node;
    }

    /// <summary>Reads, checks and runs one server package. The order of refusals: 415 (not SyncML), 413 (too large), 400 (not
    /// readable, with the reader's line and column, or out of session order); the device is touched only after all of them.</summary>
    private static async Task<IResult> PostSyncML(HttpContext context, string deviceId, bool? lenient, DeviceRegistry registry, ServerOptions options,
        Dashboard.HostedTraceLog traces)
    {
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals(SyncMLMessage.MediaType, StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Result(415, "urn:lapscsp:problem:unsupported-media-type", "Unsupported media type",
                $"the body must be {SyncMLMessage.MediaType} (clear-XML SyncML DM 1.2); got '{context.Request.ContentType}'");
        }

        if (DeviceCreateRequest.DeviceIdProblem(deviceId) is { } idProblem) return Problems.Validation([idProblem]);

        var cap = options.MaxSyncMLBytes;
        if (context.Request.ContentLength > cap) return TooLarge(cap);
        var body = await ReadBody(context.Request.Body, cap, context.RequestAborted).ConfigureAwait(false);
        if (body is null) return TooLarge(cap);
        try
        {
            var readerOptions = (lenient == true ? SyncMLReaderOptions.Lenient : SyncMLReaderOptions.Strict) with { MaxMessageBytes = cap };
            var read = SyncMLReader.Read(body.Value.Span, readerOptions);
            if (!read.Succeeded) return Unreadable(read);
            foreach (var warning in read.Warnings) context.Response.Headers.Append("X-LapsCsp-Warning", Ascii(warning.ToString()));

            var headerless = read.Warnings.Any(w => s_headerlessCodes.Contains(w.Code, StringComparer.Ordinal));
            var message = read.Message;
            if (!headerless && registry.Find(deviceId) is null &&
                DmSessionState.JudgeFresh(message, body.Value.Span, out var freshProblem) == SessionVerdict.Refuse)
            {
                // Refused before the device exists: a refused request leaves no device behind.
                return Problems.Result(400, "urn:lapscsp:problem:session", "Out of session order", freshProblem,
                    new JsonObject { ["sessionId"] = message.Header.SessionId, ["msgId"] = message.Header.MsgId });
            }

            var host = registry.GetOrCreate(deviceId, out var created);
            if (created) context.Response.Headers["X-LapsCsp-Device-Created"] = "true";
            await host.Gate.WaitAsync(context.RequestAborted).ConfigureAwait(false);
            try
            {
                if (!headerless)
                {
                    var verdict = host.Session.Judge(message, body.Value.Span, out var problem);
                    if (verdict == SessionVerdict.Refuse)
                    {
                        return Problems.Result(400, "urn:lapscsp:problem:session", "Out of session order", problem,
                            new JsonObject { ["sessionId"] = message.Header.SessionId, ["msgId"] = message.Header.MsgId });
                    }

                    if (verdict == SessionVerdict.Replay)
                    {
                        context.Response.Headers["X-LapsCsp-Replayed"] = "true";
                        if (host.Session.LastReply is null)
                        {
                            context.Response.Headers["X-LapsCsp-Session"] = "ended";
                            return Results.NoContent();
                        }

                        return Results.Bytes(host.Session.LastReply, SyncMLMessage.MediaType);
                    }
                }

                var ends = !headerless && DmSessionState.EndsSession(message);
                var reply = host.Apply(message, RotationTriggers.SyncML, null);
                var bytes = ends ? null : SyncMLWriter.WriteToUtf8(reply.Message);
                if (!headerless) host.Session.Record(message, body.Value.Span, bytes, ends);
                traces.Record(deviceId, message, body.Value.Span, reply, bytes);
                await registry.SaveAsync(host).ConfigureAwait(false);
                if (bytes is null)
                {
                    // OMA-DM: a server message without commands ends the session; the device has nothing to answer.
                    context.Response.Headers["X-LapsCsp-Session"] = "ended";
                    return Results.NoContent();
                }

                context.Response.Headers["X-LapsCsp-Session"] = headerless ? "none" : "open";
                return Results.Bytes(bytes, SyncMLMessage.MediaType);
            }
            finally
            {
                host.Gate.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body.Value.Buffer);
        }
    }

    private static IResult TooLarge(long cap) =>
        Problems.Result(413, "urn:lapscsp:problem:too-large", "Message too large",
            string.Create(CultureInfo.InvariantCulture, $"the SyncML body is larger than the server's cap of {cap} bytes"),
            new JsonObject { ["maxBytes"] = cap });

    private static IResult Unreadable(SyncMLReadResult read)
    {
        var errors = read.Errors.ToList();
        var first = errors[0];
        var extensions = new JsonObject
        {
            ["code"] = first.Code,
            ["line"] = first.Line,
            ["column"] = first.Column,
            ["errors"] = new JsonArray([.. read.Diagnostics.Select(d => (JsonNode)new JsonObject
            {
                ["severity"] = d.Severity.ToString().ToLowerInvariant(),
                ["code"] = d.Code,
                ["message"] = d.Message,
                ["line"] = d.Line,
                ["column"] = d.Column,
            })]),
        };
        return Problems.Result(first.Code == "too-large" ? 413 : 400, "urn:lapscsp:problem:syncml-unreadable",
            "The SyncML message cannot be read", first.ToString(), extensions);
    }

    /// <summary>Reads at most <paramref name="cap"/> bytes; null when the body is longer. The buffer is pooled.</summary>
    private static async Task<(byte[] Buffer, int Length, ReadOnlyMemory<byte> Memory)?> ReadBodyCore(Stream body, long cap, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > cap)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return null;
                }

                var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(cap + 1, (long)buffer.Length * 2));
                buffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
            }

            var read = await body.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
            if (read == 0) break;
            length += read;
            if (length > cap)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return null;
            }
        }

        return (buffer, length, buffer.AsMemory(0, length));
    }

    /// <summary>Reads at most <paramref name="cap"/> bytes into an array of their own; null when the body is longer.</summary>
    internal static async Task<byte[]?> ReadBodyArrayAsync(Stream body, long cap, CancellationToken ct)
    {
        if (await ReadBodyCore(body, cap, ct).ConfigureAwait(false) is not { } b) return null;
        var bytes = b.Memory.ToArray();
        ArrayPool<byte>.Shared.Return(b.Buffer);
        return bytes;
    }

    private static async Task<PooledBody?> ReadBody(Stream body, long cap, CancellationToken ct) =>
        await ReadBodyCore(body, cap, ct).ConfigureAwait(false) is { } b ? new PooledBody(b.Buffer, b.Length) : null;

    private readonly record struct PooledBody(byte[] Buffer, int Length)
    {
        public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);
    }

    /// <summary>Header values must be ASCII.</summary>
    private static string Ascii(string text) => new([.. text.Select(c => c is >= ' ' and <= '~' ? c : '?')]);
}
