using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LapsCsp.Enrollment.Server;
using LapsCsp.Server.Identity;
using LapsCsp.Server.State;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.SyncML.Writing;

namespace LapsCsp.Server.Mdm;

/// <summary>An HTTP answer of the MDM endpoints, transport-free (the HTTP endpoints and the in-process fleet connection both
/// send it).</summary>
public sealed record MdmHttpResponse(int StatusCode, string ContentType, byte[] Body)
{
    public ImmutableArray<KeyValuePair<string, string>> Headers { get; init; } = [];

    public static MdmHttpResponse Text(int status, string text) => new(status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text));
}

/// <summary>A package queued for a device: the commands (as a SyncML message) and what they are for.</summary>
/// <param name="Conflict">Why the package must not go out (a policy conflict): it is recorded in state
/// <see cref="MdmCommandStates.Conflict"/>, final, so that the conflict shows in the device's command list.</param>
public sealed record MdmPackage(string Kind, string Description, string? PolicyId, SyncMLMessage Message, string? Conflict = null);

/// <summary>The MDM server face of <c>lapscsp serve</c> (issue 6 item 3): MS-MDE2 enrollment (discovery, MS-XCEP policy,
/// MS-WSTEP enrollment with the server's own CA), the OMA-DM management endpoint devices check in to, a command queue per
/// device whose packages go out on the device's next check-in, and the Statuses, Results and device alerts that come back,
/// stored per command.</summary>
/// <remarks>
/// <para>Session rules (MS-MDM, mdm-client-digest 2): the server answers every client message with a Status for the SyncHdr
/// (CmdID 1, CmdRef 0) and one for each client command, then its own commands, renumbered after the Statuses; MsgID counts
/// the server's messages of the session from 1. A client message without Final is answered with Alert 1222 until the
/// package is complete. The session ends when the server answers with nothing but Statuses. Commands sent in a session
/// that ends before their Status came back are sent again on the next check-in.</para>
/// <para>Durability: an enrollment, a queued command, a finished command and an unenrollment are committed before the
/// answer goes out; check-in counters, DevInfo, nonces and alerts are saved with the next such commit or by
/// <see cref="FlushAsync"/> (every <see cref="Hosting.ServerOptions.MdmFlushInterval"/> and at shutdown).</para>
/// </remarks>
public sealed class MdmService
{
    internal const string DeviceKeyPrefix = "mdm.device.";
    /// <summary>MS-MDE2 discovery (the URL the user types or DNS finds: enterpriseenrollment.&lt;domain&gt;).</summary>
    public const string DiscoveryPath = "/EnrollmentServer/Discovery.svc";
    private const string AuthorityKey = "mdm.ca.pem";
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private readonly ServerState _state;
    private readonly CommitQueue _commits;
    private readonly MdmOptions _options;
    private readonly TenantDirectory _tenant;
    private readonly ConcurrentDictionary<string, MdmDevice> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, EnrollmentServer> _enrollmentServers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lazy<EnrollmentCertificateAuthority> _authority;
    private long _managementRequests;
    private long _version;

    internal MdmService(ServerState state, CommitQueue commits, Hosting.ServerOptions options, TenantDirectory tenant)
    {
        _state = state;
        _commits = commits;
        _options = options.Mdm;
        _tenant = tenant;
        _authority = new Lazy<EnrollmentCertificateAuthority>(LoadAuthority, LazyThreadSafetyMode.ExecutionAndPublication);
        foreach (var (_, json) in state.Store.ListSettings(DeviceKeyPrefix))
        {
            var record = JsonSerializer.Deserialize<MdmDeviceRecord>(json, s_json);
            if (record is not null) _devices[record.DeviceId] = new MdmDevice(record);
        }
    }

    /// <summary>Packages every newly enrolled device gets (the policies assigned to all devices). Set by the policy service.</summary>
    internal Func<string, IReadOnlyList<MdmPackage>>? NewDeviceAssignments { get; set; }

    /// <summary>Devices simulated in this process (the embedded fleet), so that the dashboard can show their event logs; it
    /// may load a device a fleet keeps in its store (one device's detail asks it).</summary>
    public Func<string, LapsCsp.Device.SimulatedDevice?>? LocalDevices { get; set; }

    /// <summary>The devices of <see cref="LocalDevices"/> that are in memory now, without loading any (a fleet of 100,000
    /// keeps <c>ResidentDevices</c> loaded): what the dashboard's walk of every device asks. Null: it asks
    /// <see cref="LocalDevices"/>.</summary>
    public Func<string, LapsCsp.Device.SimulatedDevice?>? ResidentLocalDevices { get; set; }

    public MdmOptions Options => _options;

    public long ManagementRequests => Interlocked.Read(ref _managementRequests);

    /// <summary>Grows whenever a device is added or removed or its record replaced (enrollment, a queued command, a
    /// management request, a save that trims): equal values mean <see cref="Devices"/> lists the same records. Incremented
    /// after the change, so a reader that takes it before walking the records and finds it unchanged later has seen every
    /// change (the dashboard walks 100,000 records only when it grew).</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>The root certificate devices are enrolled under (Root/System of the provisioning document).</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2 RootCertificate => _authority.Value.RootCertificate;

    /// <summary>The server's CA (made on first use and kept in the store): device certificates, and TLS certificates for https.</summary>
    internal EnrollmentCertificateAuthority Authority => _authority.Value;

    public int Count => _devices.Count;

    public IEnumerable<MdmDeviceRecord> Devices() => _devices.Values.Select(d => d.Record);

    public MdmDeviceRecord? Find(string deviceId) => _devices.TryGetValue(deviceId, out var device) ? device.Record : null;

    public IReadOnlyList<MdmTraceEntry> Trace(string deviceId, int max) =>
        _devices.TryGetValue(deviceId, out var device) ? device.Trace(max) : [];

    // ---- Enrollment (MS-MDE2) ----

    /// <summary>GET or POST on the discovery, policy or enrollment service: the answers of <see cref="EnrollmentServer"/>; an
    /// enrolled device is stored (and given the packages assigned to all devices) before the answer goes out.</summary>
    public async Task<MdmHttpResponse> HandleEnrollmentAsync(string method, Uri url, string? body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var path = url.AbsolutePath;
        var known = path.Equals(DiscoveryPath, StringComparison.OrdinalIgnoreCase)
            || path.Equals(EnrollmentServerOptions.PolicyPath, StringComparison.OrdinalIgnoreCase)
            || path.Equals(EnrollmentServerOptions.EnrollmentPath, StringComparison.OrdinalIgnoreCase);
        if (!known) return MdmHttpResponse.Text(404, "not found");
        if (string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase))
        {
            // MS-MDE2 3.1.5.1: the client probes the discovery URL with a GET before the POST; 200 means "service is here".
            return new MdmHttpResponse(200, EnrollmentServer.ProbeContentType, []);
        }

        if (!string.Equals(method, "POST", StringComparison.OrdinalIgnoreCase)) return MdmHttpResponse.Text(405, "use GET or POST");
        var server = EnrollmentServerFor(url);
        EnrollmentServerResponse response;
        if (path.Equals(DiscoveryPath, StringComparison.OrdinalIgnoreCase)) response = server.Discover(body);
        else if (path.Equals(EnrollmentServerOptions.PolicyPath, StringComparison.OrdinalIgnoreCase)) response = server.GetPolicies(body);
        else response = server.RequestSecurityToken(body);
        if (response.Device is { } enrolled) await EnrolledAsync(enrolled, cancellationToken).ConfigureAwait(false);
        return new MdmHttpResponse(response.StatusCode, response.ContentType, Encoding.UTF8.GetBytes(response.Body));
    }

    private EnrollmentServer EnrollmentServerFor(Uri requestUrl)
    {
        var baseUrl = _options.PublicUrl is { } configured ? new Uri(configured) : new Uri(requestUrl.GetLeftPart(UriPartial.Authority));
        return _enrollmentServers.GetOrAdd(baseUrl.GetLeftPart(UriPartial.Authority), root =>
        {
            var options = EnrollmentServerOptions.ForBaseUrl(new Uri(root)) with { ProviderId = "LapsCsp", ServerName = "LapsCsp MDM" };
            EnrollmentAuthenticator authenticator = _options.EnrollmentAuthentication == "tenant"
                ? EnrollmentAuthenticators.UsernamePassword((user, password) => _tenant.Authenticate(user, password, PrincipalKind.User) is not null)
                : EnrollmentAuthenticators.AcceptAll;
            return new EnrollmentServer(options, _authority.Value, authenticator, _state.Time);
        });
    }

    private EnrollmentCertificateAuthority LoadAuthority()
    {
        if (_state.Store.GetSetting(AuthorityKey) is { } pem) return EnrollmentCertificateAuthority.LoadPem(pem);
        var authority = EnrollmentCertificateAuthority.Create(_state.Time);
        _state.Store.SetSetting(AuthorityKey, authority.ExportPem());
        return authority;
    }

    private async Task EnrolledAsync(EnrolledDevice enrolled, CancellationToken ct)
    {
        var created = new MdmDevice(new MdmDeviceRecord { Enrollment = enrolled });
        var device = _devices.GetOrAdd(enrolled.DeviceId, created);
        if (ReferenceEquals(device, created)) Changed();
        await device.Gate.WaitAsync(ct).ConfigureAwait(false);
        var previous = device.Record;
        try
        {
            // A device that enrolls again starts a new management relationship: new certificate and credentials, a new
            // session; its command history stays.
            device.Record = device.Record with { Enrollment = enrolled, Nonce = null, LastSessionId = null };
            device.CurrentSession = null;
            foreach (var package in NewDeviceAssignments?.Invoke(enrolled.DeviceId) ?? [])
            {
                device.Record = Enqueue(device.Record, package, "enrollment", Now);
            }

            await SaveAsync(device).ConfigureAwait(false);
        }
        catch
        {
            // Not stored, not enrolled: memory goes back to what the store holds (the client gets an error and tries again).
            device.Record = previous;
            if (ReferenceEquals(device, created)) _devices.TryRemove(new KeyValuePair<string, MdmDevice>(enrolled.DeviceId, created));
            throw;
        }
        finally
        {
            // Replaced, or put back (a change too when a dashboard walk saw the record in between).
            Changed();
            device.Gate.Release();
        }
    }

    // ---- The command queue ----

    /// <summary>Queues a package for the device's next check-in and commits it; null when the device is unknown or left.</summary>
    public async Task<MdmCommandRecord?> QueueAsync(string deviceId, MdmPackage package, string? requestedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(package);
        if (!_devices.TryGetValue(deviceId, out var device)) return null;
        await device.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var entered = device.Record;
        try
        {
            if (device.Record.Unenrolled) return null;
            var previous = device.Record;
            device.Record = Enqueue(device.Record, package, requestedBy, Now);
            try
            {
                await SaveAsync(device).ConfigureAwait(false);
            }
            catch
            {
                device.Record = previous;
                throw;
            }

            return device.Record.Commands[^1];
        }
        finally
        {
            ChangedSince(device, entered);
            device.Gate.Release();
        }
    }

    private static MdmDeviceRecord Enqueue(MdmDeviceRecord record, MdmPackage package, string? requestedBy, DateTimeOffset at)
    {
        var id = record.NextCommandNumber.ToString(CultureInfo.InvariantCulture);
        var command = new MdmCommandRecord(id, package.Kind, package.Description, package.PolicyId,
            SyncMLWriter.WriteToString(package.Message), at, requestedBy);
        if (package.Conflict is { } conflict)
        {
            command = command with { Description = $"{package.Description}: not sent, {conflict}", State = MdmCommandStates.Conflict, CompletedAt = at };
        }

        return record with { NextCommandNumber = record.NextCommandNumber + 1, Commands = record.Commands.Add(command) };
    }

    // ---- The management endpoint (MS-MDM) ----

    /// <summary>One client message: <paramref name="body"/> is SyncML (UTF-8); <paramref name="peerCertificateThumbprint"/> is
    /// the SHA-1 thumbprint of the TLS client certificate, when one was presented.</summary>
    public async Task<MdmHttpResponse> HandleManagementAsync(byte[] body, string? peerCertificateThumbprint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        Interlocked.Increment(ref _managementRequests);
        var read = SyncMLReader.Read(body);
        if (!read.Succeeded) return MdmHttpResponse.Text(400, "unreadable SyncML: " + string.Join("; ", read.Diagnostics.Select(d => d.ToString())));
        var message = read.Message;
        var deviceId = message.Header.SourceUri ?? "";
        if (!_devices.TryGetValue(deviceId, out var device)) return MdmHttpResponse.Text(401, $"device '{deviceId}' is not enrolled");
        await device.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var entered = device.Record;
        try
        {
            if (device.Record.Unenrolled) return MdmHttpResponse.Text(401, $"device '{deviceId}' unenrolled");
            var now = _state.Time.GetUtcNow();
            device.AddTrace(new MdmTraceEntry(now, "fromDevice", message.Header.SessionId, MsgId(message.Header.MsgId), Encoding.UTF8.GetString(body)), _options.TraceCapacity);
            var certificateOk = peerCertificateThumbprint is not null
                && string.Equals(peerCertificateThumbprint, device.Record.Enrollment.CertificateThumbprint, StringComparison.OrdinalIgnoreCase);
            var before = (device.Record, device.CurrentSession, device.ServerMsgId, device.Authenticated, InFlight: device.InFlight.ToList());
            var outcome = MdmSession.Process(device, message, certificateOk, _options, now);
            if (outcome.HttpStatus is { } status) return MdmHttpResponse.Text(status, outcome.HttpText ?? "refused");
            device.Record = Trim(device.Record);
            device.Dirty = true;
            if (outcome.Durable)
            {
                try
                {
                    await SaveAsync(device).ConfigureAwait(false);
                }
                catch
                {
                    // The answer does not go out: the device and the store stay as they were before this message (the client
                    // sends it again, and the Statuses are attributed then).
                    (device.Record, device.CurrentSession, device.ServerMsgId, device.Authenticated, _) = before;
                    device.InFlight.Clear();
                    foreach (var (key, value) in before.InFlight) device.InFlight[key] = value;
                    throw;
                }
            }
            var reply = SyncMLWriter.WriteToUtf8(outcome.Reply!, new SyncMLWriterOptions { XmlDeclaration = true });
            device.AddTrace(new MdmTraceEntry(now, "toDevice", outcome.Reply!.Header.SessionId, device.ServerMsgId, Encoding.UTF8.GetString(reply)), _options.TraceCapacity);
            return new MdmHttpResponse(200, SyncMLMessage.MediaType, reply);
        }
        finally
        {
            // The session (MdmSession.Process) replaces the record as it goes: counted once, whatever the outcome.
            ChangedSince(device, entered);
            device.Gate.Release();
        }
    }

    private static int MsgId(string value) => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0;

    // ---- Persistence ----

    private Task SaveAsync(MdmDevice device)
    {
        var record = Trim(device.Record);
        device.Record = record;
        device.Dirty = false;
        var json = JsonSerializer.Serialize(record, s_json);
        return _commits.CommitAsync(tx => tx.SetSetting(DeviceKeyPrefix + record.DeviceId, json));
    }

    private MdmDeviceRecord Trim(MdmDeviceRecord record)
    {
        var finished = record.Commands.Count(c => MdmCommandStates.IsFinal(c.State));
        var drop = finished - _options.CommandHistory;
        if (drop > 0)
        {
            var kept = ImmutableArray.CreateBuilder<MdmCommandRecord>();
            foreach (var command in record.Commands)
            {
                if (drop > 0 && MdmCommandStates.IsFinal(command.State))
                {
                    drop--;
                    continue;
                }

                kept.Add(command);
            }

            record = record with { Commands = kept.ToImmutable() };
        }

        var generic = record.Alerts.Count(a => a.Code == "1226");
        var routine = record.Alerts.Length - generic;
        if (generic > _options.AlertHistory || routine > _options.SessionAlertHistory)
        {
            // Newest first, keep what each cap allows, then back in time order.
            var keptGeneric = 0;
            var keptRoutine = 0;
            var kept = new List<MdmAlertRecord>();
            for (var i = record.Alerts.Length - 1; i >= 0; i--)
            {
                var alert = record.Alerts[i];
                if (alert.Code == "1226" ? keptGeneric++ < _options.AlertHistory : keptRoutine++ < _options.SessionAlertHistory) kept.Add(alert);
            }

            kept.Reverse();
            record = record with { Alerts = [.. kept] };
        }

        return record;
    }

    /// <summary>Saves every device whose record changed since it was last saved (check-ins, DevInfo, nonces, alerts).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var saves = new List<Task>();
        foreach (var device in _devices.Values)
        {
            if (!device.Dirty) continue;
            await device.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            var entered = device.Record;
            try
            {
                if (device.Dirty) saves.Add(SaveAsync(device));
            }
            finally
            {
                ChangedSince(device, entered);
                device.Gate.Release();
            }
        }

        await Task.WhenAll(saves).ConfigureAwait(false);
    }

    private DateTimeOffset Now => _state.Time.GetUtcNow();

    private void Changed() => Interlocked.Increment(ref _version);

    /// <summary>Counts a change when the device's record is no longer <paramref name="entered"/>, the one it had when the
    /// gate was taken (records are immutable and replaced, never mutated).</summary>
    private void ChangedSince(MdmDevice device, MdmDeviceRecord entered)
    {
        if (!ReferenceEquals(device.Record, entered)) Changed();
    }
}
