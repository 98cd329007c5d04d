using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Security;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;

namespace LapsCsp.Server.Mdm;

/// <summary>What one client message led to: the server's reply, or an HTTP refusal; whether the change must be committed
/// before the reply goes out.</summary>
internal sealed record MdmSessionOutcome(SyncMLMessage? Reply, bool Durable, int? HttpStatus = null, string? HttpText = null);

/// <summary>The server's side of an OMA-DM session for one client message (see <see cref="MdmService"/> for the rules).</summary>
internal static class MdmSession
{
    private const string DevInfoPrefix = "./DevInfo/";

    public static MdmSessionOutcome Process(MdmDevice device, SyncMLMessage message, bool certificateAuthenticated, MdmOptions options, DateTimeOffset now)
    {
        var header = message.Header;
        if (device.CurrentSession != header.SessionId)
        {
            StartSession(device, header.SessionId);
        }

        var replies = new List<SyncCommand>();
        var id = 1;
        string Next() => (id++).ToString(CultureInfo.InvariantCulture);

        // Authentication (mdm-client-digest 2.2): the client certificate, else the MD5 digest Cred (Fleet's scheme).
        var headerCode = "200";
        Challenge? chal = null;
        if (!device.Authenticated)
        {
            if (certificateAuthenticated && options.SessionAuthentication != "digest")
            {
                device.Authenticated = true;
            }
            else if (options.SessionAuthentication == "certificate")
            {
                return new MdmSessionOutcome(null, false, 403, "the enrolled client certificate is required");
            }
            else if (device.Record.Enrollment.DeviceCredential is not { } credential)
            {
                return new MdmSessionOutcome(null, false, 403, "no client certificate and no provisioned digest credential");
            }
            else
            {
                var nonce = device.Record.Nonce ?? credential.Nonce;
                if (header.Cred?.Data is not { } data)
                {
                    headerCode = "407";
                }
                else if (!OmaDigest.Verify(credential.Name, credential.Secret, OmaDigest.NonceBytes(nonce), data))
                {
                    headerCode = "401";
                }
                else
                {
                    // 212: authenticated for the rest of the session, no more Cred (OMA DM 1.2 status codes).
                    headerCode = "212";
                    device.Authenticated = true;
                }

                // A fresh nonce with every answer to a Cred (or its absence): the next Cred must use it (replay protection).
                var next = OmaDigest.NewNonce();
                device.Record = device.Record with { Nonce = next };
                chal = new Challenge(new Meta(Format: "b64", Type: OmaDigest.AuthType, NextNonce: next));
            }
        }

        replies.Add(new StatusCommand(Next(), header.MsgId, "0", "SyncHdr", headerCode, Chal: chal));
        if (headerCode is "401" or "407") return new MdmSessionOutcome(Reply(device, header, replies, final: true), Durable: false);

        var durable = false;
        var askedForNext = false;
        var startsSession = false;
        var record = device.Record;
        var devInfo = record.DevInfo;
        var alerts = record.Alerts;
        var commands = record.Commands.ToBuilder();
        foreach (var command in message.Commands)
        {
            switch (command)
            {
                case StatusCommand status:
                    Attribute(device, commands, status, now);
                    continue;
                case ResultsCommand results:
                    AttributeResults(device, commands, results, now);
                    continue;
                case AlertCommand { Code: "1222" }:
                    askedForNext = true;
                    break;
                case AlertCommand alert:
                    if (alert.Code is "1201" or "1200") startsSession = true;
                    alerts = alerts.Add(new MdmAlertRecord(header.SessionId, alert.Code ?? "", now, [.. alert.Items.Select(AlertItem)]));
                    if (alert.Code == "1226" && alert.Items.Any(i => i.Meta?.Type == UnenrollmentAlert.Type))
                    {
                        // Generic alert com.microsoft:mdm.unenrollment.userrequest (digest 4): the device left.
                        record = record with { Enrollment = record.Enrollment.Unenroll(now) };
                        durable = true;
                    }

                    break;
                case ItemCommand { Kind: ItemCommandKind.Replace } replace:
                    foreach (var item in replace.Items)
                    {
                        var uri = item.SourceUri ?? item.TargetUri;
                        if (uri is not null && uri.StartsWith(DevInfoPrefix, StringComparison.Ordinal) && item.DataText is { } value)
                        {
                            devInfo = devInfo.SetItem(uri[DevInfoPrefix.Length..], value);
                        }
                    }

                    break;
                default:
                    // A command a client does not send to a server: 406 optional feature not supported.
                    replies.Add(new StatusCommand(Next(), header.MsgId, command.CmdId, command.ElementName, "406"));
                    continue;
            }

            replies.Add(new StatusCommand(Next(), header.MsgId, command.CmdId, command.ElementName, "200"));
        }

        // A command is finished when each of its top-level commands has a Status.
        for (var i = 0; i < commands.Count; i++)
        {
            var c = commands[i];
            if (c.State != MdmCommandStates.Sent || c.SessionId != header.SessionId) continue;
            var expected = device.InFlight.Where(f => f.Value.RecordId == c.Id && f.Value.TopLevel).Select(f => f.Key.CmdId).ToHashSet(StringComparer.Ordinal);
            var answered = c.Statuses.Select(s => s.CmdRef).ToHashSet(StringComparer.Ordinal);
            if (expected.Count == 0 || !expected.IsSubsetOf(answered)) continue;
            var ok = c.Statuses.All(s => s.Code is >= 200 and < 300);
            commands[i] = c with { State = ok ? MdmCommandStates.Succeeded : MdmCommandStates.Failed, CompletedAt = now };
            foreach (var key in device.InFlight.Where(f => f.Value.RecordId == c.Id).Select(f => f.Key).ToList()) device.InFlight.Remove(key);
            durable = true;
        }

        record = record with { DevInfo = devInfo, Alerts = alerts, Commands = commands.ToImmutable() };
        if (startsSession) record = record with { Sessions = record.Sessions + 1, LastCheckIn = now, LastSessionId = header.SessionId };
        device.Record = record;

        if (!message.Final && !askedForNext)
        {
            // The client's package goes on in another message: ask for it (MS-MDM 2.2.7.1 Alert 1222).
            replies.Add(new AlertCommand(Next(), "1222", []));
            return new MdmSessionOutcome(Reply(device, header, replies, final: false), durable);
        }

        if (!record.Unenrolled && !device.InFlight.Values.Any(f => f.TopLevel))
        {
            SendQueued(device, header.SessionId, replies, ref id, now);
        }

        return new MdmSessionOutcome(Reply(device, header, replies, final: true), durable);
    }

    private static void StartSession(MdmDevice device, string sessionId)
    {
        device.CurrentSession = sessionId;
        device.ServerMsgId = 0;
        device.Authenticated = false;
        device.InFlight.Clear();
        // Commands of an earlier session that got no Status go out again.
        if (device.Record.Commands.Any(c => c.State == MdmCommandStates.Sent))
        {
            device.Record = device.Record with
            {
                Commands = [.. device.Record.Commands.Select(c => c.State == MdmCommandStates.Sent ? c with { State = MdmCommandStates.Queued, Statuses = [], Results = [] } : c)],
            };
        }
    }

    /// <summary>Puts every queued package into this reply (renumbered after the Statuses) and marks it sent.</summary>
    private static void SendQueued(MdmDevice device, string sessionId, List<SyncCommand> replies, ref int id, DateTimeOffset now)
    {
        var msgId = (device.ServerMsgId + 1).ToString(CultureInfo.InvariantCulture);
        var commands = device.Record.Commands.ToBuilder();
        var sent = false;
        for (var i = 0; i < commands.Count; i++)
        {
            var c = commands[i];
            if (c.State != MdmCommandStates.Queued) continue;
            var package = SyncMLReader.Read(c.Package);
            if (!package.Succeeded)
            {
                commands[i] = c with { State = MdmCommandStates.Failed, CompletedAt = now };
                sent = true;
                continue;
            }

            foreach (var command in package.Message.Commands)
            {
                replies.Add(Renumber(command, ref id, device, c.Id, msgId, topLevel: true));
            }

            commands[i] = c with { State = MdmCommandStates.Sent, SentAt = now, SessionId = sessionId, Attempts = c.Attempts + 1 };
            sent = true;
        }

        if (sent) device.Record = device.Record with { Commands = commands.ToImmutable() };
    }

    private static SyncCommand Renumber(SyncCommand command, ref int id, MdmDevice device, string recordId, string msgId, bool topLevel)
    {
        var numbered = command with { CmdId = (id++).ToString(CultureInfo.InvariantCulture) };
        device.InFlight[(msgId, numbered.CmdId!)] = (recordId, topLevel, numbered.ElementName, Target(numbered));
        switch (numbered)
        {
            case AtomicCommand atomic:
                var children = ImmutableArray.CreateBuilder<SyncCommand>();
                foreach (var child in atomic.Commands) children.Add(Renumber(child, ref id, device, recordId, msgId, topLevel: false));
                return atomic with { Commands = children.ToImmutable() };
            case SequenceCommand sequence:
                var steps = ImmutableArray.CreateBuilder<SyncCommand>();
                foreach (var child in sequence.Commands) steps.Add(Renumber(child, ref id, device, recordId, msgId, topLevel: false));
                return sequence with { Commands = steps.ToImmutable() };
            default:
                return numbered;
        }
    }

    private static string? Target(SyncCommand command) => command is ItemCommand item && item.Items.Length > 0 ? item.Items[0].TargetUri : null;

    private static void Attribute(MdmDevice device, ImmutableArray<MdmCommandRecord>.Builder commands, StatusCommand status, DateTimeOffset now)
    {
        if (status.MsgRef is null || status.CmdRef is null || !device.InFlight.TryGetValue((status.MsgRef, status.CmdRef), out var flight)) return;
        var index = IndexOf(commands, flight.RecordId);
        if (index < 0) return;
        var code = int.TryParse(status.Code, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
        var statusRecord = new MdmStatusRecord(status.Cmd, status.CmdRef, flight.Target ?? status.TargetRefs.FirstOrDefault(), code, now);
        commands[index] = commands[index] with { Statuses = commands[index].Statuses.Add(statusRecord) };
    }

    private static void AttributeResults(MdmDevice device, ImmutableArray<MdmCommandRecord>.Builder commands, ResultsCommand results, DateTimeOffset now)
    {
        if (results.MsgRef is null || results.CmdRef is null || !device.InFlight.TryGetValue((results.MsgRef, results.CmdRef), out var flight)) return;
        var index = IndexOf(commands, flight.RecordId);
        if (index < 0) return;
        var items = results.Items.Select(i => new MdmResultRecord(results.CmdRef, i.SourceUri, i.Meta?.Format ?? results.Meta?.Format, i.DataText, now));
        commands[index] = commands[index] with { Results = commands[index].Results.AddRange(items) };
    }

    private static int IndexOf(ImmutableArray<MdmCommandRecord>.Builder commands, string recordId)
    {
        for (var i = commands.Count - 1; i >= 0; i--)
        {
            if (commands[i].Id == recordId) return i;
        }

        return -1;
    }

    private static MdmAlertItem AlertItem(Item item) => new(item.SourceUri, item.TargetUri, item.Meta?.Type, item.Meta?.Format, item.DataText);

    private static SyncMLMessage Reply(MdmDevice device, SyncHeader clientHeader, List<SyncCommand> commands, bool final)
    {
        device.ServerMsgId++;
        var header = new SyncHeader(clientHeader.SessionId, device.ServerMsgId.ToString(CultureInfo.InvariantCulture),
            clientHeader.SourceUri, clientHeader.TargetUri);
        return new SyncMLMessage(header, [.. commands], final);
    }
}
