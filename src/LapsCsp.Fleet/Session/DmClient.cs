using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Fleet.Transport;
using LapsCsp.SyncML;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using Polly;

namespace LapsCsp.Fleet.Session;

/// <summary>The OMA-DM client of a Windows device (MS-MDM; mdm-client-digest 2): runs one management session at a time
/// over an <see cref="IManagementChannel"/>, answering the server's commands with an <see cref="IDmCommandHandler"/>.</summary>
/// <remarks>
/// <para>Package 1: SyncHdr (SessionID, MsgID 1, Target = ADDR, Source = DeviceID, Cred when the authentication gives
/// one), Alert 1201 (1200 for a server-initiated session), Alert 1224 LoginStatus, pending generic alerts 1226, the
/// Replace of <c>./DevInfo</c> with Source items, Final; CmdIDs start at 2 (r20, e10). Then, for each server package, one
/// client package: the Status of the server's SyncHdr (CmdID 1), one Status per command and the Results of every Get, in
/// the device's order, renumbered into the client's messages (MsgID +1 per message; MsgRef/CmdRef as the server numbered
/// them). The session ends when a server package has no commands (the client's answer would be a bare SyncHdr Status,
/// which MUST NOT be sent: MS-MDM §2.2.6.1), on an empty HTTP 200 body (the PoC did this, digest 2.5), or on Alert 1223.</para>
/// <para>Multiple messages (OMA-DM Protocol §8; digest 2.6): a client package larger than the server's MaxMsgSize goes out
/// in several messages, only the last with Final; the server asks for each next one with Alert 1222. A server message
/// without Final is answered with its Statuses and Alert 1222 asking for the rest of the package. A single command larger
/// than the limit is sent alone in a message over the limit (no Large Object support) and reported as a warning.</para>
/// <para>Each exchange runs through the Polly pipeline of <see cref="ConnectionRetrySettings"/> on the client's clock.
/// Nodes of the DM client itself (DevInfo, DevDetail, DMClient, DMAcc credential) are answered here; everything else goes
/// to the device. Exec of <c>DMClient/Provider/&lt;id&gt;/Unenroll</c> aborts the session without a Status and sends the
/// 1226 unenrollment alert in a new session (digest 4).</para>
/// </remarks>
public sealed class DmClient
{
    public const string LoginStatusType = "com.microsoft/MDM/LoginStatus";

    private readonly IManagementChannel _channel;
    private readonly IDmCommandHandler _device;
    private readonly TimeProvider _clock;
    private readonly DmClientOptions _options;

    public DmClient(IManagementChannel channel, IDmCommandHandler device, TimeProvider? clock = null, DmClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(device);
        _channel = channel;
        _device = device;
        _clock = clock ?? TimeProvider.System;
        _options = options ?? new DmClientOptions();
        var problems = _options.Validate();
        if (problems.Count > 0) throw new ArgumentException("invalid DM client options: " + string.Join("; ", problems), nameof(options));
    }

    public DmClientOptions Options => _options;

    /// <summary>Runs one session. Failures are data in the result; only cancellation throws.</summary>
    public async Task<SessionResult> RunSessionAsync(DmClientState state, IDmClientAuthentication authentication, SessionTrigger trigger,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(authentication);
        var run = new Run(this, state, authentication, trigger);
        var result = await run.ExecuteAsync(cancellationToken).ConfigureAwait(false);
        if (run.UnenrollRequestedByServer)
        {
            // The device aborts this session and reports the unenrollment in a session of its own (digest 4).
            var follow = await RunSessionAsync(result.State, authentication, SessionTrigger.Unenroll, cancellationToken).ConfigureAwait(false);
            result = follow with
            {
                Trigger = trigger,
                ServerInitiatedUnenroll = true,
                MessagesSent = result.MessagesSent + follow.MessagesSent,
                PackagesAnswered = result.PackagesAnswered + follow.PackagesAnswered,
                ServerCommands = result.ServerCommands,
                StatusesSent = result.StatusesSent,
                StatusesReceived = Merge(result.StatusesReceived, follow.StatusesReceived),
                AttemptFaults = result.AttemptFaults.AddRange(follow.AttemptFaults),
                Retries = result.Retries + follow.Retries,
                Duration = result.Duration + follow.Duration,
                PollChanged = result.PollChanged,
                CredentialsChanged = result.CredentialsChanged,
                Warnings = result.Warnings.AddRange(follow.Warnings),
                Trace = result.Trace.AddRange(follow.Trace),
                Outcome = SessionOutcome.Unenrolled,
            };
        }

        return result;
    }

    /// <summary>The commands of package 1 (CmdIDs from 2, as r20/e10).</summary>
    public static ImmutableArray<SyncCommand> Package1(DmClientState state, SessionTrigger trigger, string loginStatus, bool includeHwDevId)
    {
        ArgumentNullException.ThrowIfNull(state);
        var commands = ImmutableArray.CreateBuilder<SyncCommand>();
        var id = 2;
        string Next() => (id++).ToString(CultureInfo.InvariantCulture);
        commands.Add(new AlertCommand(Next(), trigger == SessionTrigger.ServerInitiated ? "1200" : "1201", []));
        commands.Add(new AlertCommand(Next(), "1224", [new Item(Meta: new Meta(Type: LoginStatusType), Data: new ItemData(loginStatus))]));
        var alerts = state.PendingAlerts;
        if (trigger == SessionTrigger.Unenroll && !alerts.Any(a => a.IsUnenrollment)) alerts = alerts.Add(GenericAlert.Unenrollment);
        foreach (var alert in alerts)
        {
            commands.Add(new AlertCommand(Next(), GenericAlert.AlertCode.ToString(CultureInfo.InvariantCulture),
            [
                new Item(SourceUri: alert.SourceUri, Meta: new Meta(Format: alert.Format, Type: alert.Type, Mark: alert.Mark), Data: new ItemData(alert.Data)),
            ]));
        }

        var device = state.Device;
        var items = ImmutableArray.CreateBuilder<Item>();
        items.Add(DevInfo("DevId", device.DeviceId));
        items.Add(DevInfo("Man", device.Manufacturer));
        items.Add(DevInfo("Mod", device.Model));
        items.Add(DevInfo("DmV", device.DmVersion));
        items.Add(DevInfo("Lang", device.Language));
        if (includeHwDevId && device.HwDevId is { } hw) items.Add(new Item(SourceUri: "./Vendor/MSFT/DMClient/HWDevID", Data: new ItemData(hw)));
        commands.Add(new ItemCommand(ItemCommandKind.Replace, Next(), items.ToImmutable()));
        return commands.ToImmutable();

        static Item DevInfo(string leaf, string value) => new(SourceUri: "./DevInfo/" + leaf, Data: new ItemData(value));
    }

    /// <summary>The URL a message is POSTed to: ADDR plus <c>mode=…&amp;Platform=WoA</c> (r20; MS-MDM §2.1 note &lt;2&gt;).</summary>
    public static Uri PostUrl(string managementUrl, DmClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var query = "mode=" + options.Mode + (options.AppendPlatform ? "&Platform=WoA" : "");
        return new Uri(managementUrl + (managementUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query);
    }

    /// <summary>The HTTP headers Windows sends with every message, in its order (mdm-client-digest 2.1).</summary>
    public static ImmutableArray<KeyValuePair<string, string>> Headers(DmClientState state, DmClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        return
        [
            new("Accept", DmClientOptions.WindowsAccept),
            new("Accept-Charset", "UTF-8"),
            new("Client-Request-Id", state.ClientRequestId),
            new("Content-Type", SyncMLMessage.MediaType),
            new("Ms-Cv", state.CorrelationVector),
            new("User-Agent", options.UserAgent),
        ];
    }

    private static ImmutableSortedDictionary<int, int> Merge(ImmutableSortedDictionary<int, int> a, ImmutableSortedDictionary<int, int> b)
    {
        var builder = a.ToBuilder();
        foreach (var (code, count) in b) builder[code] = builder.GetValueOrDefault(code) + count;
        return builder.ToImmutable();
    }

    /// <summary>The state of one session.</summary>
    private sealed class Run
    {
        private readonly DmClient _client;
        private readonly IDmClientAuthentication _auth;
        private readonly SessionTrigger _trigger;
        private readonly DmClientOptions _options;
        private readonly string _sessionId;
        private readonly Uri _url;
        private readonly ImmutableArray<KeyValuePair<string, string>> _headers;
        private readonly ResiliencePipeline<ManagementResponse> _pipeline;
        private readonly DateTimeOffset _start;
        private readonly ClientNodes _nodes;
        private readonly Queue<SyncCommand> _pending = new();
        private readonly List<SyncCommand> _leading = [];
        private readonly SortedDictionary<int, int> _sent = [];
        private readonly SortedDictionary<int, int> _received = [];
        private readonly List<SessionFault> _attemptFaults = [];
        private readonly List<AcceptedCommand> _accepted = [];
        private readonly List<string> _warnings = [];
        private readonly List<SessionExchange> _trace = [];
        private DmClientState _state;
        private bool _packageFinal = true;
        private bool _isPackage1 = true;
        private bool _package1Delivered;
        private int _msgId;
        private int _packagesAnswered;
        private int _serverCommands;
        private int _retries;
        private int? _maxMsgSize;

        public Run(DmClient client, DmClientState state, IDmClientAuthentication auth, SessionTrigger trigger)
        {
            _client = client;
            _auth = auth;
            _trigger = trigger;
            _options = client._options;
            var (number, text) = DmClientState.NextSessionId(state.LastSessionId, _options.SessionIdWrap, _options.SessionIdFormat);
            _sessionId = text;
            _url = PostUrl(state.ManagementUrl, _options);
            _headers = Headers(state, _options);
            _state = state with { LastSessionId = number, SessionsRun = state.SessionsRun + 1 };
            _nodes = new ClientNodes(_state, auth, client._clock, client._device.ComputerRename);

            // The user's unenrollment is best effort, without retries (digest 4).
            var retry = trigger == SessionTrigger.Unenroll ? state.Retry with { Retries = 0 } : state.Retry;
            _pipeline = retry.BuildPipeline(client._clock, OnRetry);
            _start = client._clock.GetUtcNow();
            _maxMsgSize = _options.MaxMsgSize;
            foreach (var command in Package1(state, trigger, _options.LoginStatus, _options.IncludeHwDevIdInDevInfo)) _pending.Enqueue(command);
        }

        public bool UnenrollRequestedByServer { get; private set; }

        public async Task<SessionResult> ExecuteAsync(CancellationToken ct)
        {
            while (true)
            {
                if (_msgId >= _options.MaxMessagesPerSession)
                {
                    return Finish(SessionOutcome.Failed, new SessionFault(SessionFailureKind.TooManyMessages,
                        $"the server kept the session going past {_options.MaxMessagesPerSession} messages"));
                }

                var message = Compose();
                var request = Request(message);
                var (response, fault) = await SendAsync(request, ct).ConfigureAwait(false);
                if (fault is not null)
                {
                    _trace.Add(new SessionExchange(message, request, response, null));
                    return Finish(_trigger == SessionTrigger.Unenroll ? SessionOutcome.Unenrolled : SessionOutcome.Failed, fault);
                }

                if (response!.Body.Length == 0 || IsBlank(response.Body))
                {
                    Keep(message, request, response, null);
                    MarkDelivered();
                    return Finish(_trigger == SessionTrigger.Unenroll ? SessionOutcome.Unenrolled : SessionOutcome.Completed, null);
                }

                var read = SyncMLReader.Read(response.Body, _options.Reader);
                Keep(message, request, response, read.Message);
                if (!read.Succeeded)
                {
                    var error = read.Errors.FirstOrDefault();
                    return Finish(_trigger == SessionTrigger.Unenroll ? SessionOutcome.Unenrolled : SessionOutcome.Failed,
                        new SessionFault(SessionFailureKind.UnreadableReply, $"the reply is not a SyncML message: {error?.Code} {error?.Message}"));
                }

                MarkDelivered();
                var step = Receive(read.Message);
                if (step is { } end) return end;
            }
        }

        /// <summary>Handles one server message; returns the session's result when it ends, null to send the next message.</summary>
        private SessionResult? Receive(SyncMLMessage server)
        {
            var header = server.Header;
            if (!string.Equals(header.SessionId.Trim(), _sessionId, StringComparison.Ordinal))
            {
                _warnings.Add($"the server's SessionID '{header.SessionId}' is not the session's '{_sessionId}'");
            }

            if (_options.HonourServerMaxMsgSize && header.Meta?.MaxMsgSize is { } max &&
                int.TryParse(max.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0)
            {
                _maxMsgSize = limit;
            }

            var myMsgId = _msgId.ToString(CultureInfo.InvariantCulture);
            StatusCommand? headerStatus = null;
            foreach (var status in server.Commands.OfType<StatusCommand>())
            {
                Count(_received, status.Code);
                if (status.CmdRef?.Trim() == "0" && string.Equals(status.Cmd.Trim(), "SyncHdr", StringComparison.Ordinal) &&
                    (status.MsgRef is null || status.MsgRef.Trim() == myMsgId))
                {
                    headerStatus ??= status;
                }
                else if (status.Chal is { } chal)
                {
                    _auth.OnChallenge(chal);
                }
            }

            if (_trigger == SessionTrigger.Unenroll)
            {
                // Whatever the server answers, the device wipes its enrollment (digest 4): the answer is not processed.
                return Finish(SessionOutcome.Unenrolled, null);
            }

            switch (_auth.OnHeaderStatus(headerStatus))
            {
                case AuthenticationVerdict.Resend:
                    // A failed-auth reply holds only Status: send package 1 again with a Cred from the new nonce.
                    _pending.Clear();
                    _leading.Clear();
                    foreach (var command in Package1(_state, _trigger, _options.LoginStatus, _options.IncludeHwDevIdInDevInfo)) _pending.Enqueue(command);
                    _packageFinal = true;
                    _isPackage1 = true;
                    return null;
                case AuthenticationVerdict.Rejected:
                    var code = headerStatus?.Code.Trim();
                    return Finish(SessionOutcome.Failed, code is "401" or "407"
                        ? new SessionFault(SessionFailureKind.AuthenticationRejected, $"the server refused the credentials ({code}) and sent no usable Chal")
                        : new SessionFault(SessionFailureKind.HeaderRefused, $"the server answered the SyncHdr with {code}"));
            }

            var commands = server.Commands.Where(c => c is not StatusCommand and not ResultsCommand).ToList();
            if (commands.OfType<AlertCommand>().Any(a => a.Code?.Trim() == "1223"))
            {
                return Finish(SessionOutcome.Aborted, null);
            }

            var nextMessageAlerts = commands.OfType<AlertCommand>().Where(a => a.Code?.Trim() == "1222").ToList();
            var work = commands.Where(c => !nextMessageAlerts.Contains(c)).ToList();
            _serverCommands += work.Count;
            var msgRef = header.MsgId.Trim();
            _leading.Clear();
            _isPackage1 = false;

            if (_pending.Count > 0)
            {
                // The server answered a message of a package we have not finished: it asks for the next one (1222).
                _leading.Add(new StatusCommand(null, msgRef, "0", "SyncHdr", StatusCode.Ok.ToWire()));
                foreach (var alert in nextMessageAlerts) _leading.Add(Ok(alert, msgRef));
                if (work.Count > 0)
                {
                    _warnings.Add("the server sent commands before the client finished its package; they are answered after it");
                    foreach (var reply in Answer(server with { Commands = [.. work] }).Skip(1)) _pending.Enqueue(reply);
                }

                return null;
            }

            if (work.Count == 0)
            {
                if (server.Final) return Finish(SessionOutcome.Completed, null);

                // A server package in several messages: acknowledge this one and ask for the next (Alert 1222).
                _leading.Add(new StatusCommand(null, msgRef, "0", "SyncHdr", StatusCode.Ok.ToWire()));
                foreach (var alert in nextMessageAlerts) _leading.Add(Ok(alert, msgRef));
                _packageFinal = false;
                return null;
            }

            var replies = Answer(server with { Commands = [.. work] });
            if (UnenrollRequestedByServer) return Finish(SessionOutcome.Unenrolled, null);
            _leading.Add(replies[0]);
            foreach (var alert in nextMessageAlerts) _leading.Add(Ok(alert, msgRef));
            foreach (var reply in replies.Skip(1)) _pending.Enqueue(reply);
            _packageFinal = server.Final;
            if (server.Final) _packagesAnswered++;
            return null;
        }

        /// <summary>The reply to the server's commands: SyncHdr Status first, then the device's and the client nodes' answers
        /// in command order.</summary>
        private List<SyncCommand> Answer(SyncMLMessage server)
        {
            var msgRef = server.Header.MsgId.Trim();
            var header = server.Header;
            List<SyncCommand> replies;
            if (header.VerDtd.Trim() != "1.2" || header.VerProto.Trim() != "DM/1.2")
            {
                // The device refuses the header (505/513) and executes nothing.
                replies = [.. _client._device.Process(server).Message.Commands];
            }
            else
            {
                replies = [new StatusCommand(null, msgRef, "0", "SyncHdr", StatusCode.Ok.ToWire())];
                var batch = new List<SyncCommand>();
                foreach (var command in server.Commands)
                {
                    if (!ClientNodes.Owns(command))
                    {
                        batch.Add(command);
                        continue;
                    }

                    Flush(batch, server, replies);
                    replies.AddRange(_nodes.Execute(command, msgRef));
                    if (_nodes.UnenrollRequested)
                    {
                        UnenrollRequestedByServer = true;
                        break;
                    }
                }

                if (!UnenrollRequestedByServer) Flush(batch, server, replies);
                _state = _nodes.State;
            }

            foreach (var status in replies.Skip(1).OfType<StatusCommand>())
            {
                Count(_sent, status.Code);
                if (status.Code.Trim() == "202") _accepted.Add(new AcceptedCommand(status.CmdRef, status.Cmd, msgRef));
            }

            return replies;
        }

        private void Flush(List<SyncCommand> batch, SyncMLMessage server, List<SyncCommand> replies)
        {
            if (batch.Count == 0) return;
            var reply = _client._device.Process(server with { Commands = [.. batch], Final = true });
            replies.AddRange(reply.Message.Commands.Where(c => !(c is StatusCommand { CmdRef: "0", Cmd: "SyncHdr" })));
            batch.Clear();
        }

        /// <summary>The next message: the leading Statuses, then as many pending commands as fit the message size limit;
        /// Final on the last message of the package, Alert 1222 when the server's package is not finished.</summary>
        private SyncMLMessage Compose()
        {
            _msgId++;
            var header = new SyncHeader(
                SessionId: _sessionId,
                MsgId: _msgId.ToString(CultureInfo.InvariantCulture),
                TargetUri: _state.ManagementUrl,
                SourceUri: _state.Device.DeviceId,
                Cred: _auth.NextCredential(),
                Meta: _options.AdvertisedMaxMsgSize is { } advertised ? new Meta(MaxMsgSize: advertised.ToString(CultureInfo.InvariantCulture)) : null);

            // Package 1 numbers its commands from 2 (r20, e10); other messages from 1 (the SyncHdr Status, r22).
            var nextId = _isPackage1 ? 2 : 1;
            var commands = new List<SyncCommand>();
            foreach (var leading in _leading) commands.Add(Number(leading, ref nextId));
            _leading.Clear();

            var limit = _maxMsgSize;
            if (limit is null)
            {
                while (_pending.Count > 0) commands.Add(Number(_pending.Dequeue(), ref nextId));
            }
            else
            {
                // Room for the trailer (an Alert 1222 or Final) is kept whatever ends the message. Every message carries at
                // least one pending command, even one that alone exceeds the limit (no Large Object support).
                var trailer = new AlertCommand("99999", "1222", []);
                var size = Size(new SyncMLMessage(header, [.. commands, trailer], Final: true));
                var taken = 0;
                while (_pending.Count > 0)
                {
                    var candidate = _pending.Peek() with { CmdId = nextId.ToString(CultureInfo.InvariantCulture) };
                    var grown = Size(new SyncMLMessage(header, [.. commands, candidate, trailer], Final: true));
                    if (grown > limit && taken > 0) break;
                    if (grown > limit) _warnings.Add($"a {candidate.ElementName} of {grown - size} bytes does not fit MaxMsgSize {limit}; sent alone");
                    commands.Add(candidate);
                    _pending.Dequeue();
                    nextId++;
                    taken++;
                    size = grown;
                }
            }

            var final = false;
            if (_pending.Count == 0)
            {
                if (_packageFinal)
                {
                    final = true;
                }
                else
                {
                    commands.Add(Number(new AlertCommand(null, "1222", []), ref nextId));
                }
            }

            return new SyncMLMessage(header, [.. commands], final);
        }

        private static SyncCommand Number(SyncCommand command, ref int nextId) =>
            command with { CmdId = (nextId++).ToString(CultureInfo.InvariantCulture) };

        private int Size(SyncMLMessage message) => ClientMessageWriter.Write(message, _options.Indent).Length;

        private ManagementRequest Request(SyncMLMessage message) =>
            new(_url, _headers, ClientMessageWriter.Write(message, _options.Indent), _state.Device.DeviceId) { ClientCertificate = _auth.TlsCertificate };

        private async Task<(ManagementResponse? Response, SessionFault? Fault)> SendAsync(ManagementRequest request, CancellationToken ct)
        {
            ManagementResponse response;
            try
            {
                response = await _pipeline.ExecuteAsync(
                    static async (state, token) => await state.Channel.SendAsync(state.Request, token).ConfigureAwait(false),
                    (Channel: _client._channel, Request: request),
                    ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (ConnectionRetrySettings.IsTransportFailure(e) || e is OperationCanceledException)
            {
                var fault = TransportFault(e);
                _attemptFaults.Add(fault);
                return (null, fault);
            }

            if (!response.IsSuccess)
            {
                var fault = new SessionFault(SessionFailureKind.HttpStatus, FormattableString.Invariant($"HTTP {response.StatusCode} from the management endpoint"))
                {
                    HttpStatus = response.StatusCode,
                };
                _attemptFaults.Add(fault);
                return (response, fault);
            }

            return (response, null);
        }

        private void OnRetry(int attempt, Outcome<ManagementResponse> outcome, TimeSpan delay)
        {
            _retries++;
            _attemptFaults.Add(outcome.Exception is { } e
                ? TransportFault(e)
                : new SessionFault(SessionFailureKind.HttpStatus, FormattableString.Invariant($"HTTP {outcome.Result?.StatusCode}, retrying in {delay}"))
                {
                    HttpStatus = outcome.Result?.StatusCode,
                });
        }

        private static SessionFault TransportFault(Exception e)
        {
            var kind = e switch
            {
                ManagementTransportException m => m.Kind,
                TimeoutException or OperationCanceledException => TransportFaultKind.Timeout,
                _ when e.InnerException is TimeoutException => TransportFaultKind.Timeout,
                _ => TransportFaultKind.ConnectionFailed,
            };
            return new SessionFault(SessionFailureKind.Transport, e.Message) { Transport = kind };
        }

        private void Keep(SyncMLMessage sent, ManagementRequest request, ManagementResponse? response, SyncMLMessage? received)
        {
            if (_options.KeepTrace) _trace.Add(new SessionExchange(sent, request, response, received));
        }

        /// <summary>Pending generic alerts went out with package 1 and the server answered: they are delivered.</summary>
        private void MarkDelivered()
        {
            if (_package1Delivered) return;
            _package1Delivered = true;
            _state = _state with { PendingAlerts = [] };
            _nodes.ClearPendingAlerts();
        }

        private static StatusCommand Ok(AlertCommand alert, string msgRef) => new(null, msgRef, alert.CmdId ?? "", "Alert", StatusCode.Ok.ToWire());

        private static bool IsBlank(byte[] body) => body.All(b => b is (byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t');

        private static void Count(SortedDictionary<int, int> counts, string code)
        {
            if (int.TryParse(code.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)) counts[n] = counts.GetValueOrDefault(n) + 1;
        }

        private SessionResult Finish(SessionOutcome outcome, SessionFault? failure)
        {
            var state = _state with { Credential = _auth.Credential ?? _state.Credential };
            if (_auth is DmClientAuthentication standard) state = state with { ChallengeNonceKnown = standard.ChallengeNonceKnown };
            return new SessionResult
            {
                Outcome = outcome,
                Trigger = _trigger,
                State = state,
                SessionId = _sessionId,
                Failure = failure,
                MessagesSent = _msgId,
                PackagesAnswered = _packagesAnswered,
                ServerCommands = _serverCommands,
                StatusesSent = _sent.ToImmutableSortedDictionary(),
                StatusesReceived = _received.ToImmutableSortedDictionary(),
                AttemptFaults = [.. _attemptFaults],
                Retries = _retries,
                Duration = _client._clock.GetUtcNow() - _start,
                PollChanged = _nodes.PollChanged,
                CredentialsChanged = _nodes.CredentialsChanged,
                Accepted = [.. _accepted],
                Warnings = [.. _warnings],
                Trace = [.. _trace],
            };
        }
    }
}
