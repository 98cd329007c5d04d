using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using LapsCsp.Enrollment.Client;
using LapsCsp.Enrollment.Security;
using LapsCsp.Enrollment.Server;
using LapsCsp.Fleet.Transport;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.SyncML.Writing;

namespace LapsCsp.Fleet.Tests.Support;

/// <summary>Knobs of the <see cref="ScriptedMdmServer"/> test double.</summary>
internal sealed record ScriptedServerOptions
{
    /// <summary>Check the SyncML Cred as Fleet does: none → 407 + Chal, wrong → 401 + Chal (digest 2.2).</summary>
    public bool RequireDigest { get; init; }

    /// <summary>The SyncHdr code for a good Cred: 200 (Fleet) or 212 (authenticated for the session).</summary>
    public string AuthenticatedCode { get; init; } = "200";

    /// <summary>Answer the client's Alerts and Replace with Statuses (e09, r21), as most servers do.</summary>
    public bool AcknowledgeClientCommands { get; init; } = true;

    /// <summary>MaxMsgSize in the server's SyncHdr Meta: the client must split its packages to it.</summary>
    public int? MaxMsgSize { get; init; }

    /// <summary>Send at most this many commands per message, splitting a package over several messages.</summary>
    public int? MaxCommandsPerMessage { get; init; }

    /// <summary>Answer a package without commands with an empty HTTP 200 body instead of a Status-only package.</summary>
    public bool EndWithEmptyBody { get; init; }

    /// <summary>Keep every message and Status both ways (off for large fleets: only counters and generic alerts are kept).</summary>
    public bool KeepHistory { get; init; } = true;

    /// <summary>A package to send when a session starts with an empty queue (e.g. a LAPS policy on the first check-in).</summary>
    public Func<ScriptedDevice, IReadOnlyList<SyncCommand>?>? OnCheckIn { get; init; }
}

/// <summary>One device as the test server knows it: its enrollment, command queue and every message both ways.</summary>
internal sealed class ScriptedDevice(EnrolledDevice enrollment)
{
    public Lock Gate { get; } = new();

    public EnrolledDevice Enrollment { get; set; } = enrollment;

    public string DeviceId => Enrollment.DeviceId;

    public Queue<IReadOnlyList<SyncCommand>> Packages { get; } = new();

    public List<SyncMLMessage> Received { get; } = [];

    public List<SyncMLMessage> Sent { get; } = [];

    public List<string> SessionIds { get; } = [];

    public List<StatusCommand> Statuses { get; } = [];

    public List<ResultsCommand> Results { get; } = [];

    public List<AlertCommand> GenericAlerts { get; } = [];

    public int CheckIns { get; set; }

    /// <summary>The server's time of the last session start.</summary>
    public DateTimeOffset? LastCheckIn { get; set; }

    /// <summary>Statuses per code the device sent (kept even without history).</summary>
    public Dictionary<string, int> StatusCodes { get; } = [];

    public string? Nonce { get; set; }

    public string? CurrentSession { get; set; }

    /// <summary>The server answered 212 in this session: no more Cred is needed.</summary>
    public bool SessionAuthenticated { get; set; }

    public int ServerMsgId { get; set; }

    public Queue<SyncCommand> Outgoing { get; } = new();

    public bool Unenrolled => Enrollment.State == LapsCsp.Enrollment.Identity.EnrollmentState.Unenrolled;

    /// <summary>What the device's next check-in should receive, Atomic or not, as one package.</summary>
    public void Enqueue(params SyncCommand[] commands)
    {
        lock (Gate) Packages.Enqueue(commands);
    }
}

/// <summary>A small scripted MDM server for tests: it enrolls devices with <see cref="EnrollmentServer"/> and answers
/// management sessions from a per-device queue of packages. A TEST DOUBLE: the product's in-process server is
/// <c>lapscsp serve</c>'s, not this.</summary>
internal sealed class ScriptedMdmServer : IMdmServerConnection
{
    private readonly ConcurrentDictionary<string, ScriptedDevice> _devices = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public ScriptedMdmServer(TimeProvider time, ScriptedServerOptions? options = null, EnrollmentServerOptions? enrollment = null)
    {
        _time = time;
        Options = options ?? new ScriptedServerOptions();
        var enrollmentOptions = enrollment ?? EnrollmentServerOptions.ForBaseUrl(new Uri(FleetTestKit.BaseUrl));
        Enrollment = new EnrollmentServer(enrollmentOptions, FleetTestKit.Authority, EnrollmentAuthenticators.AcceptAll, time);
        ManagementUrl = enrollmentOptions.ManagementUrl;
        DiscoveryUrl = new Uri(new Uri(enrollmentOptions.EnrollmentServiceUrl).GetLeftPart(UriPartial.Authority) + "/EnrollmentServer/Discovery.svc");
    }

    public ScriptedServerOptions Options { get; set; }

    public EnrollmentServer Enrollment { get; }

    public string ManagementUrl { get; }

    public Uri DiscoveryUrl { get; }

    private int _managementRequests;

    public int ManagementRequests => Volatile.Read(ref _managementRequests);

    public IReadOnlyCollection<ScriptedDevice> Devices => _devices.Values.OrderBy(d => d.DeviceId, StringComparer.Ordinal).ToList();

    public ScriptedDevice Device(string deviceId) => _devices[deviceId];

    /// <summary>Registers a device that enrolled elsewhere (tests that skip the enrollment step).</summary>
    public ScriptedDevice Register(EnrolledDevice device) => _devices.GetOrAdd(device.DeviceId, _ => new ScriptedDevice(device));

    public Task<EnrollmentHttpResponse> SendEnrollmentAsync(EnrollmentHttpRequest request, CancellationToken cancellationToken)
    {
        if (request.Method == "GET") return Task.FromResult(new EnrollmentHttpResponse(200, EnrollmentServer.ProbeContentType, ""));
        var response = request.Url.AbsolutePath switch
        {
            "/EnrollmentServer/Discovery.svc" => Enrollment.Discover(request.Body),
            EnrollmentServerOptions.PolicyPath => Enrollment.GetPolicies(request.Body),
            EnrollmentServerOptions.EnrollmentPath => Enrollment.RequestSecurityToken(request.Body),
            _ => null,
        };
        if (response?.Device is { } device) _devices[device.DeviceId] = new ScriptedDevice(device);
        return Task.FromResult(response is null
            ? new EnrollmentHttpResponse(404, "text/plain", "not found")
            : new EnrollmentHttpResponse(response.StatusCode, response.ContentType, response.Body));
    }

    public Task<ManagementResponse> SendAsync(ManagementRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _managementRequests);
        var read = SyncMLReader.Read(request.Body);
        if (!read.Succeeded) return Task.FromResult(Plain(400, "unreadable SyncML"));
        var message = read.Message;
        var deviceId = message.Header.SourceUri ?? "";
        if (!_devices.TryGetValue(deviceId, out var device) || device.Unenrolled) return Task.FromResult(Plain(401, "unknown device"));
        lock (device.Gate)
        {
            return Task.FromResult(Answer(device, message));
        }
    }

    private ManagementResponse Answer(ScriptedDevice device, SyncMLMessage message)
    {
        if (Options.KeepHistory) device.Received.Add(message);
        var header = message.Header;
        if (device.CurrentSession != header.SessionId)
        {
            device.CurrentSession = header.SessionId;
            device.SessionIds.Add(header.SessionId);
            device.ServerMsgId = 0;
            device.SessionAuthenticated = false;
            device.Outgoing.Clear();
        }

        var replies = new List<SyncCommand>();
        var id = 1;
        string Next() => (id++).ToString(CultureInfo.InvariantCulture);

        // Authentication, as Fleet does it (digest 2.2).
        var headerCode = "200";
        Challenge? chal = null;
        if (Options.RequireDigest && !device.SessionAuthenticated)
        {
            var credential = device.Enrollment.DeviceCredential!;
            if (header.Cred is null)
            {
                headerCode = "407";
            }
            else if (device.Nonce is null || !OmaDigest.Verify(credential.Name, credential.Secret, OmaDigest.NonceBytes(device.Nonce), header.Cred.Data ?? ""))
            {
                headerCode = "401";
            }
            else
            {
                headerCode = Options.AuthenticatedCode;
                device.SessionAuthenticated = headerCode == "212";
            }

            if (headerCode is "401" or "407")
            {
                device.Nonce = Convert.ToBase64String(Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()));
                chal = new Challenge(new Meta(Format: "b64", Type: OmaDigest.AuthType, NextNonce: device.Nonce));
            }
        }

        replies.Add(new StatusCommand(Next(), header.MsgId, "0", "SyncHdr", headerCode, Chal: chal));
        if (chal is not null) return Reply(device, header, replies, final: true);

        var askedForNext = false;
        var startsSession = false;
        foreach (var command in message.Commands)
        {
            switch (command)
            {
                case StatusCommand status:
                    if (Options.KeepHistory) device.Statuses.Add(status);
                    device.StatusCodes[status.Cmd + ":" + status.Code] = device.StatusCodes.GetValueOrDefault(status.Cmd + ":" + status.Code) + 1;
                    continue;
                case ResultsCommand results:
                    if (Options.KeepHistory) device.Results.Add(results);
                    continue;
                case AlertCommand { Code: "1222" }:
                    askedForNext = true;
                    break;
                case AlertCommand { Code: "1201" or "1200" }:
                    startsSession = true;
                    break;
                case AlertCommand { Code: "1226" } alert:
                    device.GenericAlerts.Add(alert);
                    if (alert.Items.Any(i => i.Meta?.Type == LapsCsp.Enrollment.Identity.UnenrollmentAlert.Type)) device.Enrollment = device.Enrollment.Unenroll(_time.GetUtcNow());
                    break;
            }

            if (Options.AcknowledgeClientCommands) replies.Add(new StatusCommand(Next(), header.MsgId, command.CmdId, command.ElementName, "200"));
        }

        if (startsSession)
        {
            device.CheckIns++;
            device.LastCheckIn = _time.GetUtcNow();
        }

        if (!message.Final && !askedForNext)
        {
            // The client's package goes on: ask for its next message.
            replies.Add(new AlertCommand(Next(), "1222", []));
            return Reply(device, header, replies, final: false);
        }

        if (device.Outgoing.Count == 0 && !askedForNext)
        {
            if (startsSession && device.Packages.Count == 0 && Options.OnCheckIn?.Invoke(device) is { Count: > 0 } produced) device.Packages.Enqueue(produced);
            if (device.Packages.TryDequeue(out var package))
            {
                foreach (var command in package) device.Outgoing.Enqueue(command);
            }
        }

        if (device.Outgoing.Count == 0 && Options.EndWithEmptyBody)
        {
            if (Options.KeepHistory) device.Sent.Add(new SyncMLMessage(header, [], Final: true));
            return new ManagementResponse(200, SyncMLMessage.MediaType, []);
        }

        var take = Options.MaxCommandsPerMessage ?? int.MaxValue;
        while (device.Outgoing.Count > 0 && take-- > 0) replies.Add(Renumber(device.Outgoing.Dequeue(), ref id));
        return Reply(device, header, replies, final: device.Outgoing.Count == 0);
    }

    private ManagementResponse Reply(ScriptedDevice device, SyncHeader clientHeader, List<SyncCommand> commands, bool final)
    {
        device.ServerMsgId++;
        var header = new SyncHeader(clientHeader.SessionId, device.ServerMsgId.ToString(CultureInfo.InvariantCulture), device.DeviceId, ManagementUrl,
            Meta: Options.MaxMsgSize is { } max ? new Meta(MaxMsgSize: max.ToString(CultureInfo.InvariantCulture)) : null);
        var message = new SyncMLMessage(header, [.. commands], final);
        if (Options.KeepHistory) device.Sent.Add(message);
        return new ManagementResponse(200, SyncMLMessage.MediaType, SyncMLWriter.WriteToUtf8(message, new SyncMLWriterOptions { XmlDeclaration = true }));
    }

    /// <summary>Numeric CmdIDs are renumbered after the Statuses so that every CmdID of the message is unique; others (UUIDs)
    /// are kept, as Fleet sends them.</summary>
    private static SyncCommand Renumber(SyncCommand command, ref int id)
    {
        var numbered = command.CmdId is { } cmdId && !int.TryParse(cmdId, NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? command
            : command with { CmdId = (id++).ToString(CultureInfo.InvariantCulture) };
        switch (numbered)
        {
            case AtomicCommand atomic:
                var children = ImmutableArray.CreateBuilder<SyncCommand>();
                foreach (var child in atomic.Commands) children.Add(Renumber(child, ref id));
                return atomic with { Commands = children.ToImmutable() };
            case SequenceCommand sequence:
                var steps = ImmutableArray.CreateBuilder<SyncCommand>();
                foreach (var child in sequence.Commands) steps.Add(Renumber(child, ref id));
                return sequence with { Commands = steps.ToImmutable() };
            default:
                return numbered;
        }
    }

    private static ManagementResponse Plain(int status, string text) => new(status, "text/plain", Encoding.UTF8.GetBytes(text));
}
