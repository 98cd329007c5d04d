using System.Globalization;
using LapsCsp.Ddf.Model;
using LapsCsp.Device.Identity;
using LapsCsp.Tree.Commands;
using LapsCsp.Tree.Paths;
using LapsCsp.Tree.Queries;

namespace LapsCsp.Device.DeviceInformation;

/// <summary>The <c>./DevInfo</c> and <c>./DevDetail</c> nodes of a Windows device, answered from a
/// <see cref="DeviceDescription"/>: the one implementation the simulated device's DM session and the fleet's DM client share.</summary>
/// <remarks>
/// <para>Nodes: DevInfo DevId, Man, Mod, DmV, Lang (OMA-DM DevInfo, spec-digest A.8; DevInfo is sent by the client in every
/// package 1 and readable by Get). DevDetail DevTyp, OEM, FwV, SwV, HwV (chr), LrgObj (bool), URI/MaxDepth|MaxTotLen|MaxSegLen
/// (chr "0" = unlimited), Ext/Microsoft/DeviceName, DNSComputerName, LocalTime, OSPlatform, SMBIOSSerialNumber (chr),
/// ProcessorArchitecture, ProcessorType, TotalRAM, TotalStorage (int) — names, formats and meanings from the DevDetail CSP
/// page (MicrosoftDocs windows/client-management/mdm/devdetail-csp.md). Nodes the page documents for phones only
/// (MobileID, RadioSwV, CommercializationOperator, the Wlan* nodes) are not served (404).</para>
/// <para>Node properties (<c>?prop=</c>) as on CSP nodes: see <see cref="Property"/>.</para>
/// <para>Commands: Get, and Replace of DNSComputerName. Get of an interior node returns its child list (<c>a/b/c</c>, Format
/// <c>node</c>), as the tree does for CSP nodes. Add, Replace and Delete are 405 on every other node: they have AccessType
/// Get (DeviceName's Replace is "not supported in the desktop"; the page: "For the DevDetail CSP, you can't use the Replace
/// command unless the node already exists"). Exec is 405 on a node that exists, 404 otherwise. A Get of a node that does
/// not exist is 404.</para>
/// <para>DNSComputerName (AccessType Get, Replace; chr; Windows 10 2004): a Replace is judged by <see cref="DnsComputerName"/>
/// (400 with the reason for a value it refuses), a Meta Format other than chr is a format mismatch (405, <c>oma</c> 415,
/// as the tree answers it), and on success (200) the expanded name is stored as the device's pending name
/// (<see cref="ComputerRename"/>): "The server must explicitly reboot the device for this value to take effect". Until the
/// reboot a Get of DeviceName or DNSComputerName answers the active name — Windows reads the computer name in effect
/// (GetComputerNameEx), which SetComputerNameEx does not change before the restart; the reboot gives the nodes a new
/// <see cref="Description"/>. Nodes built without a <see cref="ComputerRename"/> (a host that does not simulate renames,
/// such as the fleet's DM client) answer that Replace 405, as before. Inside an Atomic, the session stages the Replace with
/// <see cref="Stage"/> and applies it with <see cref="Commit"/> only when the whole Atomic commits.</para>
/// <para>Paths: a <c>./Device/</c> prefix is ignored (Windows: no prefix = device); <c>./User/DevDetail</c> is not one of these
/// nodes (the CSP page: Device scope only). Blanks around a segment are ignored, because the MS-MDM example r11 sends
/// <c>./ DevDetail/HwV</c> and its documented answer (r12) is 200 with the value.</para>
/// </remarks>
public sealed class DeviceInformationNodes
{
    private static readonly string[] s_roots = ["DevInfo", "DevDetail"];
    private static readonly string[] s_devInfo = ["DevId", "Man", "Mod", "DmV", "Lang"];
    private static readonly string[] s_devDetail = ["DevTyp", "OEM", "FwV", "SwV", "HwV", "LrgObj", "URI", "Ext"];
    private static readonly string[] s_uri = ["MaxDepth", "MaxTotLen", "MaxSegLen"];
    private static readonly string[] s_ext = ["Microsoft"];
    private static readonly string[] s_microsoft =
    [
        "DeviceName", "DNSComputerName", "LocalTime", "OSPlatform", "ProcessorArchitecture", "ProcessorType",
        "SMBIOSSerialNumber", "TotalRAM", "TotalStorage",
    ];

    private const string DnsComputerNamePath = "DevDetail/Ext/Microsoft/DNSComputerName";

    private readonly TimeProvider? _time;
    private readonly ComputerRename? _rename;
    private DeviceDescription _description;

    /// <param name="time">The device's clock for Ext/Microsoft/LocalTime; without one, LocalTime is 404.</param>
    /// <param name="rename">Where a Replace of DNSComputerName puts the new name; without it that Replace is 405.</param>
    public DeviceInformationNodes(DeviceDescription description, TimeProvider? time = null, ComputerRename? rename = null)
    {
        ArgumentNullException.ThrowIfNull(description);
        _description = description;
        _time = time;
        _rename = rename;
    }

    /// <summary>What the nodes answer now; a reboot that renamed the device replaces it.</summary>
    public DeviceDescription Description => Volatile.Read(ref _description);

    /// <summary>The device's facts changed (a rename took effect at a reboot).</summary>
    internal void Describe(DeviceDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        Volatile.Write(ref _description, description);
    }

    /// <summary>Whether a LocURI addresses <c>./DevInfo</c>, <c>./DevDetail</c> or a node below them (with or without
    /// <c>./Device/</c>).</summary>
    public static bool Owns(string? uri) => TryRelative(uri, out _, out _);

    /// <summary>Runs one command on these nodes and applies it. A failure is a fault (404, 405, 400), never an exception.</summary>
    public CspOutcome Execute(CspCommand command)
    {
        var staged = Stage(command);
        Commit(staged);
        return staged.Outcome;
    }

    /// <summary>Judges one command without applying it: the outcome, and for a successful Replace of DNSComputerName the
    /// expanded name that <see cref="Commit"/> stores (OMA-DM RepPro 4.1.6.3: nothing of an Atomic is applied before all
    /// of it succeeded).</summary>
    internal StagedWrite Stage(CspCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Operation == CspOperation.Rejected)
        {
            return new(CspOutcome.Fail(command.PresetFault == CspFault.None ? CspFault.BadRequest : command.PresetFault, command.PresetReason ?? "rejected"));
        }

        if (!TryRelative(command.Uri, out var path, out var query))
        {
            return new(CspOutcome.Fail(CspFault.NotFound, $"{command.Uri} is not a DevInfo or DevDetail node"));
        }

        if (query is not null) return new(Property(command.Operation, path, query));

        var value = ValueAt(path);
        switch (command.Operation)
        {
            case CspOperation.Get:
                return new(value is null
                    ? CspOutcome.Fail(CspFault.NotFound, $"no node ./{path} on this device")
                    : CspOutcome.Ok with { Value = value });
            case CspOperation.Exec:
                return new(value is null
                    ? CspOutcome.Fail(CspFault.NotFound, $"no node ./{path} on this device")
                    : CspOutcome.Fail(CspFault.NotAllowed, $"./{path} does not execute (AccessType Get)"));
            case CspOperation.Replace when path == DnsComputerNamePath && value is null:
                // The DevDetail CSP page: "you can't use the Replace command unless the node already exists".
                return new(CspOutcome.Fail(CspFault.NotFound, $"no node ./{path} on this device (Replace does not create DevDetail nodes)"));
            case CspOperation.Replace when path == DnsComputerNamePath:
                return _rename is null
                    ? new(CspOutcome.Fail(CspFault.NotAllowed, $"Replace on ./{path}: this device does not simulate a computer rename"))
                    : StageRename(command, _rename);
            default:
                return new(CspOutcome.Fail(CspFault.NotAllowed, $"{command.Operation} on ./{path}: DevInfo and DevDetail nodes are read-only (AccessType Get)"));
        }
    }

    /// <summary>Applies what <see cref="Stage"/> judged: a successful Replace of DNSComputerName becomes the pending name.</summary>
    internal void Commit(StagedWrite staged)
    {
        ArgumentNullException.ThrowIfNull(staged);
        if (staged.Outcome.Succeeded && staged.ComputerName is { } name) _rename?.Request(name);
    }

    /// <summary>Ext/Microsoft/DNSComputerName Replace: Meta Format, then the value and its macros (see
    /// <see cref="DnsComputerName"/>).</summary>
    private StagedWrite StageRename(CspCommand command, ComputerRename rename)
    {
        // A Meta Format other than the node's is refused before the value is looked at, with the tree's fault and wording
        // (FormatMismatch: 405 for Windows, 415 for --profile oma); a missing Meta Format is read as the node's own (chr).
        if (command.Format is { } format && !IsChr(format))
        {
            var shown = format.Length <= 40 ? format : format[..37] + "...";
            return new(CspOutcome.Fail(CspFault.FormatMismatch, $"Meta Format '{shown}' is not the node's format chr"));
        }

        var result = DnsComputerName.Expand(command.Data, Description.SerialNumber, rename.RandomForNextRequest(), rename.DomainJoined);
        if (!result.Succeeded) return new(CspOutcome.Fail(result.Fault, result.Reason!));
        var outcome = CspOutcome.Ok.WithWarning(
            $"DNSComputerName: the device becomes {result.Name} at its next reboot; until then it keeps the name {Description.DeviceName}");
        return new(outcome, result.Name);
    }

    private static bool IsChr(string format) =>
        Enum.TryParse<DdfFormat>(format.Trim(), ignoreCase: true, out var parsed) && parsed == DdfFormat.Chr && format.Trim().All(char.IsAsciiLetter);

    /// <summary>A <c>?prop=</c> or <c>?list=</c> query on these nodes, parsed and answered by the DM tree's own rules
    /// (<see cref="UriQuery"/>, <see cref="NodeProperties"/>; OMA-DM TND 1.2 8.3, 8.4): Type is empty (no MIME is documented
    /// for these nodes) and ACL empty (inherited from the root); subtree Gets are 406; a Replace of a property that takes
    /// one (ACL, Name, Title) is 405, since these nodes are the device's own facts.</summary>
    private CspOutcome Property(CspOperation operation, string path, string query)
    {
        if (!UriQuery.TryParse(query, out var parsed, out var error)) return CspOutcome.Fail(CspFault.BadRequest, error!);
        if (ValueAt(path) is not { } value) return CspOutcome.Fail(CspFault.NotFound, $"no node ./{path} on this device");
        if (parsed.Kind == UriQueryKind.List)
        {
            return operation == CspOperation.Get
                ? CspOutcome.Fail(CspFault.OptionalFeatureNotSupported, $"?list={parsed.Value}: DevInfo and DevDetail do not answer subtree Gets (OMA-DM TND 8.4.1)")
                : CspOutcome.Fail(CspFault.NotAllowed, $"{operation} with ?list=: only Get takes ?list= (OMA-DM TND 8.4.1)");
        }

        var where = "./" + path;
        if (NodeProperties.Refuse(parsed.Value, operation, where, out var property) is { } refused) return refused;
        if (operation != CspOperation.Get) return CspOutcome.Fail(CspFault.NotAllowed, $"{operation} {where}?{query}: node properties of DevInfo and DevDetail are read-only");
        var interior = value.Format == DdfFormat.Node;
        return NodeProperties.Read(property, new NodeFacts(where, path[(path.LastIndexOf('/') + 1)..], IsRoot: false, value.Format, MimeType: null,
            Readable: true, interior ? null : value.Data));
    }

    /// <summary>The value a Get of <paramref name="uri"/> returns, or null when it is 404 (for hosts and tests).</summary>
    public CspValue? Read(string uri) => TryRelative(uri, out var path, out var query) && query is null ? ValueAt(path) : null;

    private CspValue? ValueAt(string path)
    {
        var d = Description;
        return path switch
        {
            "DevInfo" => Interior(path, s_devInfo),
            "DevInfo/DevId" => Chr(d.DeviceId),
            "DevInfo/Man" => Chr(d.Manufacturer),
            "DevInfo/Mod" => Chr(d.Model),
            "DevInfo/DmV" => Chr(d.DmVersion),
            "DevInfo/Lang" => Chr(d.Language),
            "DevDetail" => Interior(path, s_devDetail),
            "DevDetail/DevTyp" => Chr(d.DeviceType),
            "DevDetail/OEM" => Chr(d.Oem),
            "DevDetail/FwV" => Chr(d.FirmwareVersion),
            "DevDetail/SwV" => Chr(d.SoftwareVersion),
            "DevDetail/HwV" => Chr(d.HardwareVersion),

            // OMA-DM Large Object Handling is not used by Windows' DM client (bool, DevDetail CSP).
            "DevDetail/LrgObj" => new CspValue("false", DdfFormat.Bool),
            "DevDetail/URI" => Interior(path, s_uri),

            // 0 = unlimited (DevDetail CSP, OMA-DM DevDetail); the CSP page gives these nodes Format chr.
            "DevDetail/URI/MaxDepth" or "DevDetail/URI/MaxTotLen" or "DevDetail/URI/MaxSegLen" => Chr("0"),
            "DevDetail/Ext" => Interior(path, s_ext),
            "DevDetail/Ext/Microsoft" => Interior(path, s_microsoft),
            "DevDetail/Ext/Microsoft/DeviceName" or "DevDetail/Ext/Microsoft/DNSComputerName" => Chr(d.DeviceName),
            "DevDetail/Ext/Microsoft/LocalTime" => LocalTime(),
            "DevDetail/Ext/Microsoft/OSPlatform" => Chr(d.OsPlatform),
            "DevDetail/Ext/Microsoft/ProcessorArchitecture" => Int(d.ProcessorArchitecture),
            "DevDetail/Ext/Microsoft/ProcessorType" => Int(d.ProcessorType),
            "DevDetail/Ext/Microsoft/SMBIOSSerialNumber" => Chr(d.SerialNumber),
            "DevDetail/Ext/Microsoft/TotalRAM" => Int(d.TotalRamMb),
            "DevDetail/Ext/Microsoft/TotalStorage" => Int(d.TotalStorageMb),
            _ => null,
        };
    }

    /// <summary>The child list of an interior node: the children that exist on this device, '/'-separated.</summary>
    private CspValue Interior(string path, string[] children) =>
        new(string.Join('/', children.Where(c => ValueAt(path + "/" + c) is not null)), DdfFormat.Node);

    /// <summary>Ext/Microsoft/LocalTime: "the client local time in ISO 8601 format" (e.g. 2003-06-16T18:37:44Z).</summary>
    private CspValue? LocalTime()
    {
        if (_time is null) return null;
        var now = _time.GetLocalNow();
        var text = now.Offset == TimeSpan.Zero
            ? now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : now.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        return Chr(text);
    }

    private static CspValue? Chr(string? value) => value is null ? null : new CspValue(value, DdfFormat.Chr);

    private static CspValue? Int(int? value) => value is { } n ? new CspValue(n.ToString(CultureInfo.InvariantCulture), DdfFormat.Int) : null;

    /// <summary>The path below <c>.</c> (e.g. <c>DevDetail/Ext/Microsoft/DeviceName</c>) of a device-scope URI under one of
    /// the two roots; blanks around segments removed.</summary>
    private static bool TryRelative(string? uri, out string path, out string? query)
    {
        path = "";
        query = null;
        if (uri is null || !CspPath.TryParse(uri.Trim(), out var parsed, out _) || parsed.Scope != CspScope.Device) return false;
        var segments = parsed.Segments.Select(s => s.Trim()).ToArray();
        if (segments.Length == 0 || !s_roots.Contains(segments[0], StringComparer.Ordinal)) return false;
        path = string.Join('/', segments);
        query = parsed.Query;
        return true;
    }
}

/// <summary>A command judged by <see cref="DeviceInformationNodes.Stage"/>: its outcome, and the DNS host name a successful
/// Replace of DNSComputerName sets at <see cref="DeviceInformationNodes.Commit"/>.</summary>
internal sealed record StagedWrite(CspOutcome Outcome, string? ComputerName = null);
