using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Device.DeviceInformation;
using LapsCsp.Device.Identity;
using LapsCsp.Device.Session;
using LapsCsp.Enrollment.Security;
using LapsCsp.SyncML;
using LapsCsp.SyncML.Messages;
using LapsCsp.Tree.Commands;

namespace LapsCsp.Fleet.Session;

/// <summary>The nodes the DM client itself owns, answered without the device's CSP tree: <c>./DevInfo</c>,
/// <c>./DevDetail</c>, <c>./Vendor/MSFT/DMClient</c> (HWDevID, the provider's Poll nodes, Unenroll, other provider
/// nodes) and the client credential of <c>./SyncML/DMAcc</c> (Fleet's rekey).</summary>
/// <remarks>
/// Sources: OMA-DM 1.2 DevInfo/DevDetail (spec-digest A.8); DMClient CSP and MDE2 §2.2.9.3 (Poll, Unenroll; digest 3, 4);
/// DMAcc CSP and Fleet's rekey Replaces of <c>…/AppAuth/CLCRED/AAuthName|AAuthSecret</c> (digest 2.2). DevInfo and DevDetail
/// are answered by the simulated device's <see cref="DeviceInformationNodes"/> from <see cref="DmDeviceInfo"/> (LocalTime needs
/// the clock passed as <c>time</c>; without it that node is 404). A Replace of DevDetail <c>Ext/Microsoft/DNSComputerName</c>
/// stores the new name in <c>rename</c>, the device's <see cref="ComputerRename"/>, pending until the device reboots (200;
/// without <c>rename</c> it is 405); inside an Atomic that fails it is rolled back with the rest. <c>./Device/</c>
/// before a path is ignored. Codes: 404 for a node that does not exist, 405 for a write to a read-only node or an Exec
/// on a leaf that does not execute, 400 for a value that does not parse. A Replace of a Poll node changes the schedule
/// (<see cref="PollChanged"/>); Exec on <c>Provider/&lt;id&gt;/Unenroll</c> asks for unenrollment and gets no Status
/// (digest 4: the device aborts the session and sends a 1226 alert instead).
/// </remarks>
internal sealed class ClientNodes(DmClientState state, IDmClientAuthentication authentication, TimeProvider? time = null, ComputerRename? rename = null)
{
    private static readonly string[] s_pollNodes =
    [
        "IntervalForFirstSetOfRetries", "NumberOfFirstRetries", "IntervalForSecondSetOfRetries", "NumberOfSecondRetries",
        "IntervalForRemainingScheduledRetries", "NumberOfRemainingScheduledRetries", "PollOnLogin", "AllUsersPollOnFirstLogin",
    ];

    private DeviceInformationNodes? _deviceInformation;
    private DmDeviceInfo? _describedDevice;

    public DmClientState State { get; private set; } = state;

    public bool UnenrollRequested { get; private set; }

    public bool PollChanged { get; private set; }

    public bool CredentialsChanged { get; private set; }

    /// <summary>The pending generic alerts were delivered with package 1.</summary>
    public void ClearPendingAlerts() => State = State with { PendingAlerts = [] };

    /// <summary>The paths this layer answers (after dropping a <c>./Device</c> prefix).</summary>
    public static bool OwnsUri(string? uri)
    {
        if (uri is null) return false;
        var path = Normalize(uri);
        return DeviceInformationNodes.Owns(uri) || Under(path, "./Vendor/MSFT/DMClient") || Under(path, "./SyncML/DMAcc");
    }

    /// <summary>A command entirely about client nodes: every Item (or every child of an Atomic) targets one.</summary>
    public static bool Owns(SyncCommand command) => command switch
    {
        ItemCommand { Items.Length: > 0, CmdId: not null } c => c.Items.All(i => OwnsUri(i.TargetUri)),
        AtomicCommand { Commands.Length: > 0, CmdId: not null } a => a.Commands.All(c => c is ItemCommand && Owns(c)),
        _ => false,
    };

    /// <summary>Runs an owned command and returns its Status (one per command, or per item when the codes differ) and, for a
    /// Get, its Results. CmdIDs are left null for the session to number.</summary>
    public IReadOnlyList<SyncCommand> Execute(SyncCommand command, string msgRef)
    {
        var replies = new List<SyncCommand>();
        if (command is AtomicCommand atomic)
        {
            ExecuteAtomic(atomic, msgRef, replies);
            return replies;
        }

        var item = (ItemCommand)command;
        var outcomes = item.Items.Select(i => Run(item, i)).ToList();
        if (item.Kind == ItemCommandKind.Exec && UnenrollRequested) return replies;
        AddStatuses(item, outcomes.Select(o => o.Code).ToList(), msgRef, replies);
        if (item.Kind == ItemCommandKind.Get)
        {
            var results = item.Items.Zip(outcomes)
                .Where(x => x.Second.Code == StatusCode.Ok)
                .Select(x => new Item(SourceUri: x.First.TargetUri, Meta: new Meta(Format: x.Second.Format), Data: new ItemData(x.Second.Value ?? "")))
                .ToImmutableArray();
            if (!results.IsEmpty) replies.Add(new ResultsCommand(null, msgRef, item.CmdId, results));
        }

        return replies;
    }

    private void ExecuteAtomic(AtomicCommand atomic, string msgRef, List<SyncCommand> replies)
    {
        var saved = (State, PollChanged, CredentialsChanged);

        // The children run one by one; a DNSComputerName Replace among them is undone with the rest when the Atomic fails
        // (OMA-DM RepPro 4.1.6.3), leaving no trace: neither the pending name nor its place in the %RAND:x% stream.
        var savedRename = rename?.Snapshot();
        var children = atomic.Commands.Cast<ItemCommand>().ToList();
        var codes = new List<List<StatusCode>>();
        var failed = false;
        foreach (var child in children)
        {
            var childCodes = child.Kind == ItemCommandKind.Get
                ? child.Items.Select(_ => StatusCode.CommandFailed).ToList()   // Get inside Atomic: 500 (spec-digest A.5)
                : child.Items.Select(i => Run(child, i).Code).ToList();
            failed |= childCodes.Any(c => !c.IsSuccess());
            codes.Add(childCodes);
        }

        if (failed)
        {
            (State, PollChanged, CredentialsChanged) = saved;
            rename?.Restore(savedRename);
            replies.Add(new StatusCommand(null, msgRef, atomic.CmdId, "Atomic", StatusCode.AtomicFailed.ToWire()));
            for (var i = 0; i < children.Count; i++)
            {
                var rolledBack = codes[i].Select(c => c.IsSuccess() ? StatusCode.AtomicRollbackOk : c).ToList();
                AddStatuses(children[i], rolledBack, msgRef, replies);
            }

            return;
        }

        replies.Add(new StatusCommand(null, msgRef, atomic.CmdId, "Atomic", StatusCode.Ok.ToWire()));
        for (var i = 0; i < children.Count; i++) AddStatuses(children[i], codes[i], msgRef, replies);
    }

    private static void AddStatuses(ItemCommand command, List<StatusCode> codes, string msgRef, List<SyncCommand> replies)
    {
        if (codes.Distinct().Count() <= 1)
        {
            replies.Add(new StatusCommand(null, msgRef, command.CmdId, command.ElementName, (codes.Count > 0 ? codes[0] : StatusCode.BadRequest).ToWire()));
            return;
        }

        foreach (var code in codes) replies.Add(new StatusCommand(null, msgRef, command.CmdId, command.ElementName, code.ToWire()));
    }

    private readonly record struct NodeOutcome(StatusCode Code, string? Value = null, string Format = "chr");

    private NodeOutcome Run(ItemCommand command, Item item)
    {
        if (DeviceInformationNodes.Owns(item.TargetUri)) return DeviceInformation(command, item);
        var path = Normalize(item.TargetUri!);
        return command.Kind switch
        {
            ItemCommandKind.Get => Get(path),
            ItemCommandKind.Add or ItemCommandKind.Replace => Set(path, item.DataText),
            ItemCommandKind.Exec => Exec(path),
            _ => new NodeOutcome(StatusCode.CommandNotAllowed),
        };
    }

    private NodeOutcome Get(string path)
    {
        var device = State.Device;
        if (path == "./Vendor/MSFT/DMClient/HWDevID") return Found(device.HwDevId);
        if (ProviderRelative(path) is { } relative)
        {
            if (relative.StartsWith("Poll/", StringComparison.Ordinal) && PollValue(relative["Poll/".Length..]) is { } poll) return poll;
            if (relative == "Unenroll") return new NodeOutcome(StatusCode.CommandNotAllowed);
            return State.ProviderNodes.TryGetValue(relative, out var value) ? Found(value) : new NodeOutcome(StatusCode.NotFound);
        }

        if (CredentialLeaf(path) is { } leaf)
        {
            // The name is readable; a secret is never given out.
            return leaf == "AAuthName" ? Found(authentication.Credential?.Name) : new NodeOutcome(StatusCode.CommandNotAllowed);
        }

        return new NodeOutcome(StatusCode.NotFound);
    }

    /// <summary>DevInfo and DevDetail: the device's one implementation (<see cref="DeviceInformationNodes"/>), fed with
    /// <see cref="DmDeviceInfo"/>; its faults become codes through the device's status map (404, 405, 400).</summary>
    private NodeOutcome DeviceInformation(ItemCommand command, Item item)
    {
        var uri = item.TargetUri!;
        var cspCommand = command.Kind switch
        {
            ItemCommandKind.Get => CspCommand.Get(uri),
            ItemCommandKind.Add => CspCommand.Add(uri, null, item.DataText),
            ItemCommandKind.Replace => CspCommand.Replace(uri, null, item.DataText),
            ItemCommandKind.Delete => CspCommand.Delete(uri),
            ItemCommandKind.Exec => CspCommand.Exec(uri, item.DataText),
            _ => null,
        };
        if (cspCommand is null) return new NodeOutcome(StatusCode.CommandNotAllowed);
        if (_deviceInformation is null || !ReferenceEquals(_describedDevice, State.Device))
        {
            _describedDevice = State.Device;
            _deviceInformation = new DeviceInformationNodes(State.Device.ToDescription(), time, rename);
        }

        var outcome = _deviceInformation.Execute(cspCommand);
        var code = StatusMap.ToStatus(outcome, ProtocolProfile.Windows);
        return outcome.Value is { } value
            ? new NodeOutcome(code, value.Data, value.Format.ToString().ToLowerInvariant())
            : new NodeOutcome(code);
    }

    private NodeOutcome Set(string path, string? data)
    {
        if (path == "./Vendor/MSFT/DMClient/HWDevID")
        {
            return new NodeOutcome(StatusCode.CommandNotAllowed);
        }

        if (ProviderRelative(path) is { } relative)
        {
            if (relative.StartsWith("Poll/", StringComparison.Ordinal)) return SetPoll(relative["Poll/".Length..], data);
            if (relative.Length == 0 || relative == "Unenroll") return new NodeOutcome(StatusCode.CommandNotAllowed);
            State = State with
            {
                ProviderNodes = State.ProviderNodes.SetItem(relative, data ?? ""),
                ClientRequestId = relative == "EntDMID" && !string.IsNullOrEmpty(data) ? data : State.ClientRequestId,
            };
            return new NodeOutcome(StatusCode.Ok);
        }

        if (CredentialLeaf(path) is { } leaf)
        {
            if (string.IsNullOrEmpty(data)) return new NodeOutcome(StatusCode.BadRequest);
            if (leaf == "AAuthName") authentication.Rekey(data, null);
            else authentication.Rekey(null, data);
            CredentialsChanged = true;
            return new NodeOutcome(StatusCode.Ok);
        }

        return new NodeOutcome(StatusCode.NotFound);
    }

    private NodeOutcome Exec(string path)
    {
        if (ProviderRelative(path) == "Unenroll")
        {
            UnenrollRequested = true;
            return new NodeOutcome(StatusCode.Ok);
        }

        return OwnsUri(path) && Get(path).Code == StatusCode.NotFound ? new NodeOutcome(StatusCode.NotFound) : new NodeOutcome(StatusCode.CommandNotAllowed);
    }

    private NodeOutcome? PollValue(string name)
    {
        var poll = State.Poll;
        return name switch
        {
            "IntervalForFirstSetOfRetries" => Int(poll.IntervalForFirstSetOfRetries),
            "NumberOfFirstRetries" => Int(poll.NumberOfFirstRetries),
            "IntervalForSecondSetOfRetries" => Int(poll.IntervalForSecondSetOfRetries),
            "NumberOfSecondRetries" => Int(poll.NumberOfSecondRetries),
            "IntervalForRemainingScheduledRetries" => Int(poll.IntervalForRemainingScheduledRetries),
            "NumberOfRemainingScheduledRetries" => Int(poll.NumberOfRemainingScheduledRetries),
            "PollOnLogin" => Bool(poll.PollOnLogin),
            "AllUsersPollOnFirstLogin" => Bool(poll.AllUsersPollOnFirstLogin),
            _ => null,
        };

        static NodeOutcome Int(int value) => new(StatusCode.Ok, value.ToString(CultureInfo.InvariantCulture), "int");
        static NodeOutcome Bool(bool value) => new(StatusCode.Ok, value ? "true" : "false", "bool");
    }

    private NodeOutcome SetPoll(string name, string? data)
    {
        if (!s_pollNodes.Contains(name, StringComparer.Ordinal)) return new NodeOutcome(StatusCode.NotFound);
        var text = data?.Trim() ?? "";
        var poll = State.Poll;
        if (name is "PollOnLogin" or "AllUsersPollOnFirstLogin")
        {
            bool? flag = text.ToUpperInvariant() switch { "TRUE" or "1" => true, "FALSE" or "0" => false, _ => null };
            if (flag is not { } value) return new NodeOutcome(StatusCode.BadRequest);
            poll = name == "PollOnLogin" ? poll with { PollOnLogin = value } : poll with { AllUsersPollOnFirstLogin = value };
        }
        else
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return new NodeOutcome(StatusCode.BadRequest);
            poll = name switch
            {
                "IntervalForFirstSetOfRetries" => poll with { IntervalForFirstSetOfRetries = n },
                "NumberOfFirstRetries" => poll with { NumberOfFirstRetries = n },
                "IntervalForSecondSetOfRetries" => poll with { IntervalForSecondSetOfRetries = n },
                "NumberOfSecondRetries" => poll with { NumberOfSecondRetries = n },
                "IntervalForRemainingScheduledRetries" => poll with { IntervalForRemainingScheduledRetries = n },
                _ => poll with { NumberOfRemainingScheduledRetries = n },
            };
        }

        if (poll != State.Poll)
        {
            State = State with { Poll = poll };
            PollChanged = true;
        }

        return new NodeOutcome(StatusCode.Ok);
    }

    /// <summary>The part of a path under <c>./Vendor/MSFT/DMClient/Provider/&lt;this provider&gt;</c> ("" for the node itself).</summary>
    private string? ProviderRelative(string path)
    {
        var root = DmAccount.DmClientProviderPath(State.ProviderId);
        if (path == root) return "";
        return path.StartsWith(root + "/", StringComparison.Ordinal) ? path[(root.Length + 1)..] : null;
    }

    /// <summary><c>AAuthName</c> or <c>AAuthSecret</c> for this provider's DMAcc client credential, else null.</summary>
    private string? CredentialLeaf(string path)
    {
        var (name, secret) = DmAccount.ClientCredentialPaths(State.ProviderId);
        if (path == name) return "AAuthName";
        if (path == secret) return "AAuthSecret";
        return null;
    }

    private static NodeOutcome Found(string? value) => value is null ? new NodeOutcome(StatusCode.NotFound) : new NodeOutcome(StatusCode.Ok, value);

    private static string Normalize(string uri)
    {
        var path = uri.Trim();
        if (path.StartsWith("./Device/", StringComparison.Ordinal)) path = "./" + path["./Device/".Length..];
        return path.TrimEnd('/');
    }

    private static bool Under(string path, string root) =>
        path == root || path.StartsWith(root + "/", StringComparison.Ordinal);
}
