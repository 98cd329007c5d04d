using LapsCsp.Ddf.Loading;
using LapsCsp.Ddf.Model;
using LapsCsp.Testing;

namespace LapsCsp.Ddf.Tests;

/// <summary>The two real DDFs (loaded once) and small DDFs built in code, one element per line so positions are checkable.</summary>
internal static class TestDdf
{
    private static readonly Lazy<DdfDocument> s_laps = new(() => DdfLoader.LoadOrThrow(RepoPaths.Ddf("LAPS.xml")));
    private static readonly Lazy<DdfDocument> s_accounts = new(() => DdfLoader.LoadOrThrow(RepoPaths.Ddf("Accounts.xml")));

    public static DdfDocument Laps => s_laps.Value;

    public static DdfDocument Accounts => s_accounts.Value;

    public const string LapsRoot = "./Device/Vendor/MSFT/LAPS";

    /// <summary>A DDF whose single root <c>./Device/Vendor/Test/Root</c> holds <paramref name="children"/>.</summary>
    public static string Tree(params string[] children) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
        "<MgmtTree xmlns:MSFT=\"http://schemas.microsoft.com/MobileDevice/DM\">\n" +
        "<VerDTD>1.2</VerDTD>\n" +
        "<Node>\n<NodeName>Root</NodeName>\n<Path>./Device/Vendor/Test</Path>\n" +
        Props("node", "<Get />", occurrence: "One", scope: "Permanent") +
        string.Concat(children) +
        "</Node>\n</MgmtTree>\n";

    public static string Leaf(string name, string format = "int", string access = "<Get />", string extra = "", string nodeAttr = "") =>
        $"<Node{nodeAttr}>\n<NodeName>{name}</NodeName>\n" + Props(format, access, extra) + "</Node>\n";

    public static string Interior(string name, string children, string extra = "", string nodeAttr = "") =>
        $"<Node{nodeAttr}>\n<NodeName>{name}</NodeName>\n" + Props("node", "<Get />", extra, "One", "Permanent") + children + "</Node>\n";

    public static string Props(string format, string access, string extra = "", string occurrence = "ZeroOrOne", string scope = "Dynamic") =>
        "<DFProperties>\n" +
        $"<AccessType>\n{access}\n</AccessType>\n" +
        (format.Length == 0 ? string.Empty : $"<DFFormat>\n<{format} />\n</DFFormat>\n") +
        $"<Occurrence>\n<{occurrence} />\n</Occurrence>\n" +
        $"<Scope>\n<{scope} />\n</Scope>\n" +
        "<DFType>\n<MIME />\n</DFType>\n" +
        (extra.Length == 0 ? string.Empty : extra + "\n") +
        "</DFProperties>\n";

    public static string Enum(params string[] values) =>
        "<MSFT:AllowedValues ValueType=\"ENUM\">\n" +
        string.Concat(values.Select(v => $"<MSFT:Enum>\n<MSFT:Value>{v}</MSFT:Value>\n</MSFT:Enum>\n")) +
        "</MSFT:AllowedValues>";

    public static string Range(string text) => $"<MSFT:AllowedValues ValueType=\"Range\">\n<MSFT:Value>{text}</MSFT:Value>\n</MSFT:AllowedValues>";

    public static string DependsOn(string uri, string enumValue = "1") =>
        "<MSFT:DependencyBehavior>\n<MSFT:DependencyGroup FriendlyId=\"g\">\n<MSFT:Dependency Type=\"DependsOn\">\n" +
        $"<MSFT:DependencyUri>{uri}</MSFT:DependencyUri>\n" +
        $"<MSFT:DependencyAllowedValue ValueType=\"ENUM\">\n<MSFT:Enum>\n<MSFT:Value>{enumValue}</MSFT:Value>\n</MSFT:Enum>\n</MSFT:DependencyAllowedValue>\n" +
        "</MSFT:Dependency>\n</MSFT:DependencyGroup>\n</MSFT:DependencyBehavior>";

    /// <summary>1-based line and column of the first character of <paramref name="marker"/> in <paramref name="xml"/>.</summary>
    public static (int Line, int Column) PositionOf(string xml, string marker, string? after = null)
    {
        var start = after is null ? 0 : xml.IndexOf(after, StringComparison.Ordinal);
        if (start < 0) throw new ArgumentException($"anchor {after} not found", nameof(after));
        var index = xml.IndexOf(marker, start, StringComparison.Ordinal);
        if (index < 0) throw new ArgumentException($"marker {marker} not found", nameof(marker));
        var line = 1 + xml.AsSpan(0, index).Count('\n');
        var lineStart = index == 0 ? 0 : xml.LastIndexOf('\n', index - 1) + 1;
        return (line, index - lineStart + 1);
    }
}
