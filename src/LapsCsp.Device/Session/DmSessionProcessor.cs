using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Ddf.Model;
using LapsCsp.Device.DeviceInformation;
using LapsCsp.SyncML;
using LapsCsp.SyncML.Messages;
using LapsCsp.Tree;
using LapsCsp.Tree.Commands;

namespace LapsCsp.Device.Session;

/// <summary>Options of the DM session layer.</summary>
public sealed record SessionOptions
{
    public ProtocolProfile Profile { get; init; } = ProtocolProfile.Windows;

    /// <summary>Echo TargetRef/SourceRef in Status. Real Windows replies carry neither (corpus r22, r24); OMA-DM allows them.
    /// Null means: by profile (windows: omit, oma: include).</summary>
    public bool? EchoRefs { get; init; }

    /// <summary>The device's id, used as the reply's Source when the request names no Target (lenient reading).</summary>
    public string DeviceId { get; init; } = "LAPSCSP-DEVICE-0001";

    internal bool ShouldEchoRefs => EchoRefs ?? Profile == ProtocolProfile.Oma;
}

/// <summary>The one place that translates SyncML into tree commands and tree outcomes into a SyncML reply.</summary>
/// <remarks>
/// OMA-DM RepPro 1.2 and MS-MDM 2.2.6.1: the SyncHdr Status comes first (CmdRef 0); then exactly one Status per command in
/// request order, echoing MsgRef and CmdRef verbatim (Windows echoes non-numeric CmdIDs); a container (Atomic, Sequence)
/// gets its own Status before its children's; a Results follows the Status of each successful Get. A command without
/// CmdID gets a Status with an empty CmdRef and 400; an element that is not a DM command gets 400.
/// Items under <c>./DevInfo</c> and <c>./DevDetail</c> are answered by <see cref="DeviceInformationNodes"/> instead of the CSP
/// tree, with the same Status and Results shapes. Inside an Atomic a write to them that the nodes refuse fails the Atomic
/// (e.g. 405, the rest rolled back); one they accept (a Replace of DNSComputerName) is staged and applied only when the
/// tree commits the rest, else it is rolled back (216) or not executed (215) like a tree command in its place; a Get is 500
/// like any Get in an Atomic.
/// </remarks>
public sealed class DmSessionProcessor
{
    private readonly DmTree _tree;
    private readonly SessionOptions _options;
    private readonly DeviceInformationNodes? _deviceInformation;

    public DmSessionProcessor(DmTree tree, SessionOptions? options = null)
        : this(tree, options, deviceInformation: null)
    {
    }

    /// <param name="deviceInformation">The device's DevInfo/DevDetail nodes; without them those URIs go to the tree (404).</param>
    public DmSessionProcessor(DmTree tree, SessionOptions? options, DeviceInformationNodes? deviceInformation)
    {
        _tree = tree;
        _options = options ?? new SessionOptions();
        _deviceInformation = deviceInformation;
    }

    public DmTree Tree => _tree;

    public DeviceInformationNodes? DeviceInformation => _deviceInformation;

    public SessionOptions Options => _options;

    /// <summary>Processes one server message and builds the device's reply message.</summary>
    public DmReply Process(SyncMLMessage request)
    {
        var writer = new ReplyBuilder(request.Header.MsgId, _options);
        var header = request.Header;
        var headerCode = StatusCode.Ok;
        string? headerReason = null;
        if (!string.Equals(header.VerDtd.Trim(), "1.2", StringComparison.Ordinal))
        {
            headerCode = StatusCode.DtdVersionNotSupported;
            headerReason = $"VerDTD '{header.VerDtd}' is not 1.2";
        }
        else if (!string.Equals(header.VerProto.Trim(), "DM/1.2", StringComparison.Ordinal))
        {
            headerCode = StatusCode.ProtocolVersionNotSupported;
            headerReason = $"VerProto '{header.VerProto}' is not DM/1.2";
        }

        writer.AddStatus("0", "SyncHdr", headerCode, headerReason, [], header.TargetUri, header.SourceUri);
        foreach (var command in request.Commands)
        {
            if (headerCode != StatusCode.Ok)
            {
                if (command is StatusCommand or ResultsCommand) continue;
                writer.AddStatus(command.CmdId ?? string.Empty, command.ElementName, StatusCode.NotExecuted,
                    "not executed: the SyncHdr was refused", []);
                continue;
            }

            ProcessTopLevel(command, writer);
        }

        var replyHeader = new SyncHeader(
            SessionId: header.SessionId,
            MsgId: NextMsgId(header.MsgId),
            TargetUri: header.SourceUri ?? string.Empty,
            SourceUri: header.TargetUri ?? _options.DeviceId);
        return new DmReply(new SyncMLMessage(replyHeader, writer.Commands.ToImmutable(), Final: true), [.. writer.Reports]);
    }

    private static string NextMsgId(string msgId) =>
        int.TryParse(msgId, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < int.MaxValue
            ? (n + 1).ToString(CultureInfo.InvariantCulture)
            : "1";

    private void ProcessTopLevel(SyncCommand command, ReplyBuilder writer)
    {
        switch (command)
        {
            case StatusCommand:
            case ResultsCommand:
                // Statuses and Results of the other side are not answered (OMA-DM RepPro §4.1.5.1).
                return;
            case AtomicCommand atomic:
                ProcessAtomic(atomic, writer, depth: 0);
                return;
            case SequenceCommand sequence:
                ProcessSequence(sequence, writer);
                return;
            default:
                ProcessSingle(command, writer, depth: 0);
                return;
        }
    }

    /// <summary>Runs one non-container command on its own; returns whether it succeeded.</summary>
    private bool ProcessSingle(SyncCommand command, ReplyBuilder writer, int depth)
    {
        if (Precheck(command) is { } rejected)
        {
            writer.AddOutcome(command, null, rejected, _options.Profile, depth);
            return false;
        }

        switch (command)
        {
            case ItemCommand item:
                return ProcessItemCommand(item, writer, depth);
            case AlertCommand alert:
                var code = AlertStatus(alert, out var reason);
                writer.AddStatus(alert.CmdId!, "Alert", code, reason, [], depth: depth);
                return code.IsSuccess();
            default:
                writer.AddOutcome(command, null, CspOutcome.Fail(CspFault.BadRequest, $"<{command.ElementName}> is not a command a device runs"),
                    _options.Profile, depth);
                return false;
        }
    }

    private bool ProcessItemCommand(ItemCommand command, ReplyBuilder writer, int depth)
    {
        var outcomes = new List<(Item Item, CspOutcome Outcome)>(command.Items.Length);
        foreach (var item in command.Items)
        {
            var cspCommand = ToCspCommand(command, item);
            outcomes.Add((item, OwnedByDeviceInformation(cspCommand) ? _deviceInformation!.Execute(cspCommand) : _tree.Execute(cspCommand)));
        }

        writer.AddItemStatuses(command, outcomes, _options.Profile, depth);
        if (command.Kind == ItemCommandKind.Get)
        {
            writer.AddResults(command, outcomes);
        }

        return outcomes.All(o => o.Outcome.Succeeded);
    }

    private void ProcessAtomic(AtomicCommand atomic, ReplyBuilder writer, int depth)
    {
        if (atomic.CmdId is null)
        {
            writer.AddOutcome(atomic, null, CspOutcome.Fail(CspFault.BadRequest, "Atomic without CmdID"), _options.Profile, depth);
            return;
        }

        // Flatten the children into tree commands, remembering which command each item belongs to.
        var treeCommands = new List<CspCommand>();
        var owners = new List<(SyncCommand Command, Item? Item)>();
        var staged = new List<StagedWrite?>();
        foreach (var child in atomic.Commands)
        {
            if (Precheck(child) is { } rejected)
            {
                treeCommands.Add(CspCommand.Rejected(rejected.Fault, rejected.Reason ?? "rejected"));
                owners.Add((child, null));
                staged.Add(null);
                continue;
            }

            switch (child)
            {
                case AtomicCommand:
                    treeCommands.Add(CspCommand.Rejected(CspFault.NotAllowedInAtomic, "a nested Atomic is not allowed (OMA-DM RepPro 4.1.6.3)"));
                    owners.Add((child, null));
                    staged.Add(null);
                    break;
                case SequenceCommand:
                    treeCommands.Add(CspCommand.Rejected(CspFault.NotAllowedInAtomic, "a Sequence inside an Atomic is not supported by this device"));
                    owners.Add((child, null));
                    staged.Add(null);
                    break;
                case ItemCommand item when item.Items.Length > 0:
                    foreach (var i in item.Items)
                    {
                        var (command, write) = InAtomic(ToCspCommand(item, i));
                        treeCommands.Add(command);
                        staged.Add(write);
                        owners.Add((child, i));
                    }

                    break;
                case ItemCommand item:
                    treeCommands.Add(CspCommand.Rejected(CspFault.BadRequest, $"{item.ElementName} has no Item"));
                    owners.Add((child, null));
                    staged.Add(null);
                    break;
                case AlertCommand:
                    treeCommands.Add(CspCommand.Rejected(CspFault.NotAllowedInAtomic, "an Alert inside an Atomic is not supported by this device"));
                    owners.Add((child, null));
                    staged.Add(null);
                    break;
                default:
                    treeCommands.Add(CspCommand.Rejected(CspFault.BadRequest, $"<{child.ElementName}> is not allowed inside an Atomic"));
                    owners.Add((child, null));
                    staged.Add(null);
                    break;
            }
        }

        var result = ExecuteAtomic(treeCommands, staged);
        var atomicCode = result.Succeeded ? StatusCode.Ok : StatusCode.AtomicFailed;
        string? atomicReason = null;
        if (!result.Succeeded)
        {
            var firstFailure = result.Outcomes.Select((o, i) => (o, i))
                .First(x => x.o.Fault is not (CspFault.RolledBack or CspFault.NotExecuted or CspFault.None));
            atomicReason = $"Atomic failed and was rolled back: {firstFailure.o.Reason}";
        }

        writer.AddStatus(atomic.CmdId, "Atomic", atomicCode, atomicReason, [], depth: depth);

        // One Status per child command, in order, combining the outcomes of its items.
        var index = 0;
        foreach (var child in atomic.Commands)
        {
            var childOutcomes = new List<(Item Item, CspOutcome Outcome)>();
            CspOutcome? single = null;
            while (index < owners.Count && ReferenceEquals(owners[index].Command, child))
            {
                if (owners[index].Item is { } item) childOutcomes.Add((item, result.Outcomes[index]));
                else single = result.Outcomes[index];
                index++;
            }

            if (single is not null || child is not ItemCommand itemCommand)
            {
                writer.AddOutcome(child, null, single ?? CspOutcome.Fail(CspFault.NotExecuted, "not executed"), _options.Profile, depth + 1);
            }
            else
            {
                writer.AddItemStatuses(itemCommand, childOutcomes, _options.Profile, depth + 1);
            }
        }
    }

    private bool OwnedByDeviceInformation(CspCommand command) =>
        _deviceInformation is not null && command.Operation != CspOperation.Rejected && DeviceInformationNodes.Owns(command.Uri);

    /// <summary>An Atomic's command as the tree stages it: a write to DevInfo/DevDetail is judged by those nodes without being
    /// applied; a refusal (405, 400 ...) enters the Atomic as that failure, so that it fails the Atomic and rolls the rest back
    /// (OMA-DM RepPro 4.1.6.3); an accepted write is returned as staged, for <see cref="ExecuteAtomic"/> to hold out of the
    /// tree and apply with it. A Get or Exec is left to the tree, which refuses it inside an Atomic (500) whatever the node.</summary>
    private (CspCommand Command, StagedWrite? Staged) InAtomic(CspCommand command)
    {
        if (!OwnedByDeviceInformation(command) || command.Operation is CspOperation.Get or CspOperation.Exec) return (command, null);
        var write = _deviceInformation!.Stage(command);
        return write.Outcome.Succeeded
            ? (command, write)
            : (CspCommand.Rejected(write.Outcome.Fault, write.Outcome.Reason ?? "refused", command.Uri), null);
    }

    /// <summary>Runs an Atomic whose items are tree commands and accepted DevInfo/DevDetail writes (<paramref name="staged"/>
    /// not null at their index): the tree runs its commands all-or-nothing; the held-out writes are applied only when it
    /// committed. When it failed, the outcomes are numbered over all items, as the tree numbers its own: the failing item
    /// keeps its fault, items before it are rolled back (216), items after it not executed (215).</summary>
    private AtomicResult ExecuteAtomic(List<CspCommand> commands, List<StagedWrite?> staged)
    {
        if (staged.TrueForAll(s => s is null)) return _tree.ExecuteAtomic(commands);
        var treeIndexes = Enumerable.Range(0, commands.Count).Where(i => staged[i] is null).ToList();
        var treeResult = _tree.ExecuteAtomic([.. treeIndexes.Select(i => commands[i])]);
        var outcomes = new CspOutcome[commands.Count];
        if (treeResult.Succeeded)
        {
            for (var t = 0; t < treeIndexes.Count; t++) outcomes[treeIndexes[t]] = treeResult.Outcomes[t];
            for (var i = 0; i < commands.Count; i++)
            {
                if (staged[i] is not { } write) continue;
                _deviceInformation!.Commit(write);
                outcomes[i] = write.Outcome;
            }

            return new AtomicResult(true, [.. outcomes]);
        }

        var failedInTree = treeResult.Outcomes.Select((o, t) => (o, t))
            .First(x => x.o.Fault is not (CspFault.RolledBack or CspFault.NotExecuted or CspFault.None)).t;
        var failed = treeIndexes[failedInTree];
        var why = $"command {failed + 1} of the Atomic failed";
        for (var i = 0; i < commands.Count; i++)
        {
            outcomes[i] = i == failed ? treeResult.Outcomes[failedInTree]
                : i < failed ? CspOutcome.Fail(CspFault.RolledBack, $"rolled back: {why}")
                : CspOutcome.Fail(CspFault.NotExecuted, $"not executed: {why}");
        }

        return new AtomicResult(false, [.. outcomes]);
    }

    /// <summary>OMA-DM RepPro §4.1.6.14: commands run in order; the Sequence itself gets 200 once it started; after the first
    /// failure the remaining commands are not executed (215). What succeeded stays.</summary>
    private void ProcessSequence(SequenceCommand sequence, ReplyBuilder writer)
    {
        if (sequence.CmdId is null)
        {
            writer.AddOutcome(sequence, null, CspOutcome.Fail(CspFault.BadRequest, "Sequence without CmdID"), _options.Profile, 0);
            return;
        }

        writer.AddStatus(sequence.CmdId, "Sequence", StatusCode.Ok, null, [], depth: 0);
        var failed = false;
        foreach (var child in sequence.Commands)
        {
            if (child is StatusCommand or ResultsCommand) continue;
            if (failed)
            {
                writer.AddOutcome(child, null, CspOutcome.Fail(CspFault.NotExecuted, "not executed: an earlier command of the Sequence failed"),
                    _options.Profile, 1);
                continue;
            }

            bool ok;
            switch (child)
            {
                case AtomicCommand atomic:
                    var before = writer.Reports.Count;
                    ProcessAtomic(atomic, writer, depth: 1);
                    ok = writer.Reports[before].Status == StatusCode.Ok;
                    break;
                case SequenceCommand nested:
                    ok = false;
                    writer.AddOutcome(nested, null, CspOutcome.Fail(CspFault.BadRequest, "a Sequence inside a Sequence is not allowed"), _options.Profile, 1);
                    break;
                default:
                    ok = ProcessSingle(child, writer, depth: 1);
                    break;
            }

            failed = !ok;
        }
    }

    /// <summary>Rejects what the tree never sees: a missing CmdID, an unknown element, a command without Items, Copy.</summary>
    private static CspOutcome? Precheck(SyncCommand command)
    {
        if (command is UnknownCommand unknown)
        {
            return CspOutcome.Fail(CspFault.BadRequest, $"<{unknown.Name}> is not a SyncML DM command");
        }

        if (command.CmdId is null)
        {
            return CspOutcome.Fail(CspFault.BadRequest, $"{command.ElementName} has no CmdID");
        }

        if (command is ItemCommand { Kind: ItemCommandKind.Copy })
        {
            return CspOutcome.Fail(CspFault.NotImplemented, "Copy is not supported by Windows' DM client");
        }

        if (command is ItemCommand { Items.Length: 0 } empty)
        {
            return CspOutcome.Fail(CspFault.BadRequest, $"{empty.ElementName} has no Item");
        }

        return null;
    }

    private static CspCommand ToCspCommand(ItemCommand command, Item item)
    {
        var uri = item.TargetUri;
        if (uri is null)
        {
            return CspCommand.Rejected(CspFault.BadRequest, $"{command.ElementName} item has no Target LocURI");
        }

        var meta = command.EffectiveMeta(item);
        return command.Kind switch
        {
            ItemCommandKind.Add => CspCommand.Add(uri, meta?.Format, item.DataText),
            ItemCommandKind.Replace => CspCommand.Replace(uri, meta?.Format, item.DataText),
            ItemCommandKind.Delete => CspCommand.Delete(uri),
            ItemCommandKind.Get => CspCommand.Get(uri),
            ItemCommandKind.Exec => CspCommand.Exec(uri, item.DataText),
            _ => CspCommand.Rejected(CspFault.NotImplemented, $"{command.ElementName} is not supported", uri),
        };
    }

    /// <summary>Server alerts: the user-interaction alerts 1100-1104 are answered as if the user accepted (a simulated device
    /// has no screen); other codes are not supported here (406, OMA-DM RepPro Alert).</summary>
    private static StatusCode AlertStatus(AlertCommand alert, out string? reason)
    {
        reason = null;
        if (int.TryParse(alert.Code, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 1100 and <= 1104)
        {
            return StatusCode.Ok;
        }

        reason = $"alert code '{alert.Code}' is not supported from a server";
        return StatusCode.OptionalFeatureNotSupported;
    }

    /// <summary>Accumulates the reply's commands, numbering CmdIDs from 1.</summary>
    private sealed class ReplyBuilder(string msgRef, SessionOptions options)
    {
        private int _nextCmdId = 1;

        public ImmutableArray<SyncCommand>.Builder Commands { get; } = ImmutableArray.CreateBuilder<SyncCommand>();

        public List<CommandReport> Reports { get; } = [];

        private string NextId() => (_nextCmdId++).ToString(CultureInfo.InvariantCulture);

        public void AddStatus(string cmdRef, string cmd, StatusCode code, string? reason, ImmutableArray<string> warnings,
            string? targetRef = null, string? sourceRef = null, int depth = 0)
        {
            var echo = options.ShouldEchoRefs;
            Commands.Add(new StatusCommand(
                NextId(), msgRef, cmdRef, cmd, code.ToWire(),
                TargetRefs: echo && targetRef is not null ? [targetRef] : [],
                SourceRefs: echo && sourceRef is not null ? [sourceRef] : []));
            Reports.Add(new CommandReport(cmdRef, cmd, targetRef, code, reason, warnings.IsDefault ? [] : warnings, depth));
        }

        public void AddOutcome(SyncCommand command, string? target, CspOutcome outcome, ProtocolProfile profile, int depth)
        {
            target ??= command is ItemCommand { Items.Length: > 0 } ic ? ic.Items[0].TargetUri : null;
            AddStatus(command.CmdId ?? string.Empty, command.ElementName, StatusMap.ToStatus(outcome, profile), outcome.Reason,
                outcome.Warnings, target, depth: depth);
        }

        /// <summary>MS-MDM 2.2.6.1: items of one command whose codes are equal share one Status; differing codes get one each.</summary>
        public void AddItemStatuses(ItemCommand command, List<(Item Item, CspOutcome Outcome)> outcomes, ProtocolProfile profile, int depth)
        {
            var codes = outcomes.Select(o => StatusMap.ToStatus(o.Outcome, profile)).ToList();
            if (codes.Distinct().Count() <= 1)
            {
                var code = codes.Count > 0 ? codes[0] : StatusCode.BadRequest;
                var echo = options.ShouldEchoRefs;
                var targets = outcomes.Select(o => o.Item.TargetUri).OfType<string>().ToImmutableArray();
                Commands.Add(new StatusCommand(NextId(), msgRef, command.CmdId ?? string.Empty, command.ElementName, code.ToWire(),
                    TargetRefs: echo ? targets : []));
                var reason = string.Join("; ", outcomes.Select(o => o.Outcome.Reason).OfType<string>());
                var warnings = outcomes.SelectMany(o => o.Outcome.Warnings).ToImmutableArray();
                Reports.Add(new CommandReport(command.CmdId, command.ElementName, targets.FirstOrDefault(), code,
                    reason.Length == 0 ? null : reason, warnings, depth));
                return;
            }

            for (var i = 0; i < outcomes.Count; i++)
            {
                AddStatus(command.CmdId ?? string.Empty, command.ElementName, codes[i], outcomes[i].Outcome.Reason,
                    outcomes[i].Outcome.Warnings, outcomes[i].Item.TargetUri, depth: depth);
            }
        }

        /// <summary>A Results for a Get: one Item per successful item, Source LocURI as requested, Meta Format, Data.</summary>
        public void AddResults(ItemCommand get, List<(Item Item, CspOutcome Outcome)> outcomes)
        {
            var items = ImmutableArray.CreateBuilder<Item>();
            foreach (var (item, outcome) in outcomes)
            {
                if (!outcome.Succeeded) continue;
                if (outcome.Value is { } value)
                {
                    items.Add(new Item(SourceUri: item.TargetUri, Meta: ResultMeta(value.Format, value.MimeType), Data: new ItemData(value.Data)));
                }
                else if (!outcome.Listing.IsEmpty)
                {
                    // ?list=Struct|StructData (OMA-DM TND 8.4): one Item per node of the subtree, named under the URI as the
                    // server spelt it; leaves carry Data only for StructData.
                    var requested = item.TargetUri!.Split('?')[0].TrimEnd('/');
                    var canonical = outcome.Listing[0].Path.ToString();
                    foreach (var node in outcome.Listing)
                    {
                        var uri = requested + node.Path.ToString()[canonical.Length..];
                        items.Add(new Item(SourceUri: uri, Meta: ResultMeta(node.Format, node.MimeType), Data: node.Data is null ? null : new ItemData(node.Data)));
                    }
                }
            }

            if (items.Count == 0) return;
            Commands.Add(new ResultsCommand(NextId(), msgRef, get.CmdId, items.ToImmutable()));
        }

        private static Meta ResultMeta(DdfFormat format, string? mimeType) =>
            new(Format: format.ToString().ToLowerInvariant(), Type: mimeType is { Length: > 0 } mime ? mime : null);
    }
}
