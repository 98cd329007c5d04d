using System.Globalization;
using LapsCsp.Ddf.Model;
using LapsCsp.Tree.Commands;
using LapsCsp.Tree.Paths;

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
/// <para>Commands: Get only. Get of an interior node returns its child list (<c>a/b/c</c>, Format <c>node</c>), as the tree
/// does for CSP nodes. Add, Replace and Delete are 405: every node here has AccessType Get (DeviceName's Replace is
/// documented for Windows 10 Mobile only; DNSComputerName's Replace, which renames the PC at the next reboot, is not
/// simulated). Exec is 405 on a node that exists, 404 otherwise. A Get of a node that does not exist is 404.</para>
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

    private readonly TimeProvider? _time;

    /// <param name="time">The device's clock for Ext/Microsoft/LocalTime; without one, LocalTime is 404.</param>
    public DeviceInformationNodes(DeviceDescription description, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(description);
        Description = description;
        _time = time;
    }

    public DeviceDescription Description { get; }

    /// <summary>Whether a LocURI addresses <c>./DevInfo</c>, <c>./DevDetail</c> or a node below them (with or without
    /// <c>./Device/</c>).</summary>
    public static bool Owns(string? uri) => TryRelative(uri, out _, out _);

    /// <summary>Runs one command on these nodes. A failure is a fault (404, 405, 400), never an exception.</summary>
    public CspOutcome Execute(CspCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Operation == CspOperation.Rejected)
        {
            return CspOutcome.Fail(command.PresetFault == CspFault.None ? CspFault.BadRequest : command.PresetFault, command.PresetReason ?? "rejected");
        }

        if (!TryRelative(command.Uri, out var path, out var query))
        {
            return CspOutcome.Fail(CspFault.NotFound, $"{command.Uri} is not a DevInfo or DevDetail node");
        }

        if (query is not null)
        {
            return CspOutcome.Fail(CspFault.BadRequest, $"URI queries ('?{query}') are not supported");
        }

        var value = ValueAt(path);
        switch (command.Operation)
        {
            case CspOperation.Get:
                return value is null
                    ? CspOutcome.Fail(CspFault.NotFound, $"no node ./{path} on this device")
                    : CspOutcome.Ok with { Value = value };
            case CspOperation.Exec:
                return value is null
                    ? CspOutcome.Fail(CspFault.NotFound, $"no node ./{path} on this device")
                    : CspOutcome.Fail(CspFault.NotAllowed, $"./{path} does not execute (AccessType Get)");
            default:
                return CspOutcome.Fail(CspFault.NotAllowed, $"{command.Operation} on ./{path}: DevInfo and DevDetail nodes are read-only (AccessType Get)");
        }
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
