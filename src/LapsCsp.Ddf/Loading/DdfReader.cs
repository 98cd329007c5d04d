using System.Collections.Immutable;
using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using LapsCsp.Ddf.Model;

namespace LapsCsp.Ddf.Loading;

/// <summary>Turns a loaded DDF XML document into the model, collecting every problem instead of stopping at the first.</summary>
/// <remarks>Element names follow DTD-DM-DDF 1.2 (matched by local name in any namespace but Microsoft's); the Microsoft
/// extensions are matched in <c>http://schemas.microsoft.com/MobileDevice/DM</c> as described by DDFv2Msft.xsd. Unknown
/// MSFT elements (Diagnostics, GpMapping, RebootBehavior, ...) are ignored.</remarks>
internal sealed class DdfReader(string? sourceName)
{
    internal static readonly XNamespace Msft = "http://schemas.microsoft.com/MobileDevice/DM";

    private const string MissingName = "<NodeName missing/>";

    private readonly List<DdfDiagnostic> _diagnostics = [];
    private readonly List<PendingDependency> _dependencies = [];

    public DdfLoadResult Read(XDocument xml)
    {
        var root = xml.Root;
        if (root is null || !IsDdf(root, "MgmtTree"))
        {
            Report(root, $"the document element is <{root?.Name.LocalName}>, not <MgmtTree> (DTD-DM-DDF 1.2)", null, DdfProblem.WrongRoot);
            return new DdfLoadResult(null, [.. _diagnostics]);
        }

        var verDtd = DdfChild(root, "VerDTD")?.Value.Trim() ?? string.Empty;
        var roots = ImmutableArray.CreateBuilder<DdfRoot>();
        var topLevel = new List<(XElement Element, DdfNode Node, string Parent)>();
        foreach (var element in root.Elements())
        {
            if (!IsDdf(element, "Node")) continue;
            var path = DdfChild(element, "Path")?.Value.Trim();
            var parentPath = string.IsNullOrEmpty(path) ? "." : path.Length > 1 ? path.TrimEnd('/') : path;
            var node = ReadNode(element, DdfNavigator.Canonicalize(parentPath), 1, out _);
            roots.Add(new DdfRoot(parentPath, node));
            topLevel.Add((element, node, DdfNavigator.Canonicalize(parentPath)));
        }

        // Two top-level nodes under the same parent path with the same name define one URI twice.
        foreach (var group in topLevel.GroupBy(t => (t.Parent, t.Node.Name)).Where(g => g.Count() > 1))
        {
            foreach (var (element, node, parent) in group.Skip(1))
            {
                Report(element, $"duplicate top-level node '{node.DisplayName}' under {parent}", parent + "/" + node.DisplayName, DdfProblem.DuplicateName);
            }
        }

        var document = new DdfDocument(verDtd, roots.ToImmutable(), sourceName);
        foreach (var dependency in _dependencies)
        {
            var target = DdfNavigator.ResolveDependencyUri(dependency.Uri);
            if (document.Find(target) is null)
            {
                Report(dependency.Element, $"MSFT:DependencyUri '{dependency.Uri}' does not name a node of this DDF (resolved as {target})",
                    dependency.NodePath, DdfProblem.UnresolvedDependency);
            }
        }

        var diagnostics = _diagnostics.OrderBy(d => d.Line).ThenBy(d => d.Column).ToImmutableArray();
        return new DdfLoadResult(document, diagnostics);
    }

    private DdfNode ReadNode(XElement element, string parentPath, int depth, out bool hasName)
    {
        var nameElement = DdfChild(element, "NodeName");
        hasName = nameElement is not null;
        // Without a NodeName the node must not become dynamic (that would match every segment); a name holding '/'
        // can never equal a URI segment.
        var name = nameElement?.Value.Trim() ?? MissingName;
        var props = DdfChild(element, "DFProperties");
        var title = props is null ? null : NonEmpty(DdfChild(props, "DFTitle")?.Value);
        var path = parentPath + "/" + (name.Length == 0 ? $"<{title ?? "name"}>" : name);

        if (nameElement is null)
        {
            Report(element, "Node has no NodeName element (an empty <NodeName/> would make it a dynamic node)", path, DdfProblem.MissingNodeName);
        }
        else if (name.Contains('/', StringComparison.Ordinal))
        {
            Report(nameElement, $"NodeName '{name}' contains '/'", path, DdfProblem.BadNodeName);
        }

        var p = props is null ? new Properties() : ReadProperties(props, path);
        if (props is null) Report(element, "Node has no DFProperties element", path, DdfProblem.MissingProperties);

        var children = ImmutableArray.CreateBuilder<DdfNode>();
        var names = new Dictionary<string, XElement>(StringComparer.Ordinal);
        foreach (var childElement in element.Elements())
        {
            if (!IsDdf(childElement, "Node")) continue;
            if (depth >= DdfLoader.MaxDepth)
            {
                Report(childElement, $"nodes are nested deeper than {DdfLoader.MaxDepth} levels; the rest is skipped", path, DdfProblem.TooDeep);
                break;
            }

            var child = ReadNode(childElement, path, depth + 1, out var childHasName);
            children.Add(child);
            if (!childHasName) continue;
            if (!names.TryAdd(child.Name, childElement))
            {
                var what = child.IsDynamic ? "more than one dynamic (empty NodeName) child" : $"duplicate sibling name '{child.Name}'";
                Report(childElement, what, path + "/" + child.DisplayName, DdfProblem.DuplicateName);
            }
        }

        if (p.Format is { } format && format != DdfFormat.Node && children.Count > 0)
        {
            Report(element, $"a leaf (DFFormat {FormatName(format)}) cannot have child nodes; interior nodes use DFFormat node", path,
                DdfProblem.LeafWithChildren);
        }

        CheckDefaultValue(p, path);

        return new DdfNode(
            name,
            p.Access,
            p.Format ?? (children.Count > 0 ? DdfFormat.Node : DdfFormat.Chr),
            p.Occurrence,
            p.Scope,
            children.ToImmutable(),
            p.DefaultValue,
            p.CaseSense,
            p.AllowedValues,
            p.DependencyGroups,
            p.AtomicRequired,
            p.Applicability,
            p.Description,
            title,
            p.MimeType,
            Line(element),
            Column(element),
            p.MaxOccurrence);
    }

    private Properties ReadProperties(XElement props, string path)
    {
        var p = new Properties();
        foreach (var e in props.Elements())
        {
            if (e.Name.Namespace == Msft)
            {
                ReadMsftProperty(e, path, p);
                continue;
            }

            switch (e.Name.LocalName)
            {
                case "AccessType":
                    p.Access = ReadAccess(e, path);
                    break;
                case "DefaultValue":
                    p.DefaultValue = e.Value;
                    p.DefaultElement = e;
                    break;
                case "Description":
                    p.Description = e.Value;
                    break;
                case "DFFormat":
                    p.Format = ReadFormat(e, path);
                    p.FormatElement = e;
                    break;
                case "Occurrence":
                    (p.Occurrence, p.MaxOccurrence) = ReadOccurrence(e, path);
                    break;
                case "Scope":
                    p.Scope = ReadChoice(e, path, "Scope", DdfProblem.UnknownScope, NodeScope.Dynamic,
                        ("Permanent", NodeScope.Permanent), ("Dynamic", NodeScope.Dynamic));
                    break;
                case "CaseSense":
                    p.CaseSense = ReadChoice(e, path, "CaseSense", DdfProblem.UnknownCaseSense, CaseSense.Sensitive,
                        ("CS", CaseSense.Sensitive), ("CIS", CaseSense.Insensitive));
                    break;
                case "DFType":
                    // <MIME>text/plain</MIME> for leaves, <DDFName/> for interior nodes; the Accounts root has both.
                    p.MimeType = NonEmpty(DdfChild(e, "MIME")?.Value);
                    break;
            }
        }

        if (p.Format is null && p.FormatElement is null)
        {
            Report(props, "DFProperties has no DFFormat", path, DdfProblem.MissingFormat);
        }

        return p;
    }

    private void ReadMsftProperty(XElement e, string path, Properties p)
    {
        switch (e.Name.LocalName)
        {
            case "AllowedValues":
                p.AllowedValues = ReadAllowedValues(e, path);
                break;
            case "DependencyBehavior":
                p.DependencyGroups = ReadDependencyBehavior(e, path);
                break;
            case "AtomicRequired":
                p.AtomicRequired = true;
                break;
            case "Applicability":
                p.Applicability = ReadApplicability(e, path);
                break;
        }
    }

    private AccessTypes ReadAccess(XElement e, string path)
    {
        var access = AccessTypes.None;
        foreach (var child in e.Elements())
        {
            access |= child.Name.LocalName switch
            {
                "Add" => AccessTypes.Add,
                "Copy" => AccessTypes.Copy,
                "Delete" => AccessTypes.Delete,
                "Exec" => AccessTypes.Exec,
                "Get" => AccessTypes.Get,
                "Replace" => AccessTypes.Replace,
                _ => Unknown(child),
            };
        }

        return access;

        AccessTypes Unknown(XElement child)
        {
            Report(child, $"unknown AccessType <{child.Name.LocalName}> (expected Add, Copy, Delete, Exec, Get, Replace)", path,
                DdfProblem.UnknownAccessType);
            return AccessTypes.None;
        }
    }

    private DdfFormat? ReadFormat(XElement e, string path)
    {
        DdfFormat? format = null;
        var count = 0;
        foreach (var child in e.Elements())
        {
            count++;
            var parsed = ParseFormat(child.Name.LocalName);
            if (parsed is null)
            {
                Report(child, $"unknown DFFormat <{child.Name.LocalName}> (expected b64, bin, bool, chr, int, node, null, xml, date, time, float)",
                    path, DdfProblem.UnknownFormat);
            }
            else if (count > 1)
            {
                Report(child, "DFFormat names more than one format", path, DdfProblem.UnknownFormat);
            }
            else
            {
                format = parsed;
            }
        }

        if (count == 0) Report(e, "DFFormat is empty", path, DdfProblem.MissingFormat);
        return format;
    }

    private (Occurrence Occurrence, int? Max) ReadOccurrence(XElement e, string path)
    {
        var child = e.Elements().FirstOrDefault();
        if (child is null) return (Occurrence.One, null);
        Occurrence? occurrence = child.Name.LocalName switch
        {
            "One" => Occurrence.One,
            "ZeroOrOne" => Occurrence.ZeroOrOne,
            "ZeroOrMore" => Occurrence.ZeroOrMore,
            "OneOrMore" => Occurrence.OneOrMore,
            "ZeroOrN" => Occurrence.ZeroOrN,
            "OneOrN" => Occurrence.OneOrN,
            _ => null,
        };
        if (occurrence is null)
        {
            Report(child, $"unknown Occurrence <{child.Name.LocalName}> (expected One, ZeroOrOne, ZeroOrMore, OneOrMore, ZeroOrN, OneOrN)",
                path, DdfProblem.UnknownOccurrence);
            return (Occurrence.One, null);
        }

        int? max = null;
        var n = child.Value.Trim();
        if (occurrence is Occurrence.ZeroOrN or Occurrence.OneOrN && n.Length > 0)
        {
            if (int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0) max = parsed;
            else Report(child, $"Occurrence {child.Name.LocalName} has a bad N '{n}'", path, DdfProblem.UnknownOccurrence);
        }

        return (occurrence.Value, max);
    }

    private T ReadChoice<T>(XElement e, string path, string what, DdfProblem problem, T fallback, params (string Name, T Value)[] choices)
    {
        var child = e.Elements().FirstOrDefault();
        if (child is null) return fallback;
        foreach (var (name, value) in choices)
        {
            if (child.Name.LocalName == name) return value;
        }

        Report(child, $"unknown {what} <{child.Name.LocalName}> (expected {string.Join(", ", choices.Select(c => c.Name))})", path, problem);
        return fallback;
    }

    /// <summary>Reads MSFT:AllowedValues, MSFT:DependencyAllowedValue or MSFT:DependencyChangedAllowedValues (one shape in
    /// DDFv2Msft.xsd: a ValueType attribute, then MSFT:Enum* or MSFT:Value, then an optional MSFT:List).</summary>
    private AllowedValues ReadAllowedValues(XElement e, string path)
    {
        var rawType = e.Attribute("ValueType")?.Value.Trim() ?? string.Empty;
        if (rawType.Length == 0) Report(e, $"MSFT:{e.Name.LocalName} has no ValueType", path, DdfProblem.BadAllowedValues);

        var kind = rawType.ToUpperInvariant() switch
        {
            "ENUM" => AllowedValueKind.Enum,
            "RANGE" => AllowedValueKind.Range,
            "REGEX" or "REGEXP" => AllowedValueKind.RegEx,
            _ => AllowedValueKind.Other,
        };

        var valueElements = e.Elements(Msft + "Value").ToList();
        var enumElements = e.Elements(Msft + "Enum").ToList();
        var delimiter = e.Element(Msft + "List")?.Attribute("Delimiter")?.Value;
        var enums = enumElements
            .Select(x => new EnumValue(x.Element(Msft + "Value")?.Value.Trim() ?? string.Empty, NonEmpty(x.Element(Msft + "ValueDescription")?.Value)))
            .ToImmutableArray();

        switch (kind)
        {
            case AllowedValueKind.Enum:
                if (enums.IsEmpty)
                {
                    // Tolerate a bare MSFT:Value list as enum values.
                    enums = [.. valueElements.Select(v => new EnumValue(v.Value.Trim(), null))];
                }

                if (enums.IsEmpty) Report(e, $"MSFT:{e.Name.LocalName} ValueType=\"{rawType}\" lists no values", path, DdfProblem.EmptyEnum);
                return new AllowedValues(kind, rawType, enums, [], null, delimiter);

            case AllowedValueKind.Range:
                // The LAPS DDF wraps the range text in MSFT:Enum/MSFT:Value for PasswordLength/PassphraseLength
                // dependencies (digest §0.1); both forms become Ranges.
                var texts = valueElements.Select(v => (Element: v, Text: v.Value))
                    .Concat(enumElements.Select(x => (Element: x.Element(Msft + "Value") ?? x, Text: x.Element(Msft + "Value")?.Value ?? string.Empty)))
                    .ToList();
                var ranges = ImmutableArray.CreateBuilder<IntRange>();
                if (texts.Count == 0) Report(e, $"MSFT:{e.Name.LocalName} ValueType=\"Range\" has no value", path, DdfProblem.BadRange);
                foreach (var (element, text) in texts)
                {
                    if (DdfValues.TryParseRanges(text, out var parsed)) ranges.AddRange(parsed);
                    else Report(element, $"bad Range '{text.Trim()}' (expected [min-max], e.g. [1-365])", path, DdfProblem.BadRange);
                }

                return new AllowedValues(kind, rawType, [], ranges.ToImmutable(), null, delimiter);

            case AllowedValueKind.RegEx:
                var pattern = valueElements.FirstOrDefault()?.Value ?? enums.FirstOrDefault()?.Value;
                if (string.IsNullOrEmpty(pattern)) Report(e, $"MSFT:{e.Name.LocalName} ValueType=\"{rawType}\" has no pattern", path, DdfProblem.BadAllowedValues);
                return new AllowedValues(kind, rawType, [], [], pattern, delimiter);

            default:
                return new AllowedValues(kind, rawType, enums, [], null, delimiter, valueElements.FirstOrDefault()?.Value);
        }
    }

    private ImmutableArray<DependencyGroup> ReadDependencyBehavior(XElement e, string path)
    {
        var groups = ImmutableArray.CreateBuilder<DependencyGroup>();
        foreach (var groupElement in e.Elements(Msft + "DependencyGroup"))
        {
            var changed = groupElement.Element(Msft + "DependencyChangedAllowedValues") is { } c ? ReadAllowedValues(c, path) : null;
            var dependencies = ImmutableArray.CreateBuilder<Dependency>();
            foreach (var d in groupElement.Elements(Msft + "Dependency"))
            {
                var typeText = d.Attribute("Type")?.Value.Trim();
                var type = DependencyType.DependsOn;
                if (typeText == "NotDependsOn") type = DependencyType.NotDependsOn;
                else if (typeText != "DependsOn")
                {
                    Report(d, $"MSFT:Dependency Type '{typeText}' is not DependsOn or NotDependsOn", path, DdfProblem.BadDependency);
                }

                var uriElement = d.Element(Msft + "DependencyUri");
                var uri = uriElement?.Value.Trim() ?? string.Empty;
                if (uri.Length == 0) Report(uriElement ?? d, "MSFT:Dependency has no DependencyUri", path, DdfProblem.BadDependency);
                else _dependencies.Add(new PendingDependency(uri, uriElement!, path));

                var allowed = d.Element(Msft + "DependencyAllowedValue") is { } a ? ReadAllowedValues(a, path) : null;
                dependencies.Add(new Dependency(type, uri, allowed));
            }

            if (dependencies.Count == 0) Report(groupElement, "MSFT:DependencyGroup has no MSFT:Dependency", path, DdfProblem.BadDependency);
            groups.Add(new DependencyGroup(NonEmpty(groupElement.Attribute("FriendlyId")?.Value), dependencies.ToImmutable(), changed));
        }

        return groups.ToImmutable();
    }

    private Applicability ReadApplicability(XElement e, string path)
    {
        var builds = ImmutableArray.CreateBuilder<OsBuild>();
        if (e.Element(Msft + "OsBuildVersion") is { } buildElement)
        {
            foreach (var entry in buildElement.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (OsBuild.TryParse(entry, out var build)) builds.Add(build);
                else Report(buildElement, $"bad MSFT:OsBuildVersion entry '{entry}' (expected major.minor.build[.revision])", path, DdfProblem.BadOsBuild);
            }
        }

        var editions = ImmutableArray.CreateBuilder<int>();
        if (e.Element(Msft + "EditionAllowList") is { } editionElement)
        {
            foreach (var entry in editionElement.Value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                // DDFv2Msft.xsd: "0x88* refers to Windows Holographic for Business", so a trailing '*' is allowed.
                var hex = entry.EndsWith('*') ? entry[..^1] : entry;
                if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(hex.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var edition)
                    && hex.Length > 2)
                {
                    editions.Add(edition);
                }
                else
                {
                    Report(editionElement, $"bad MSFT:EditionAllowList entry '{entry}' (expected a hex edition id such as 0x4)", path, DdfProblem.BadEdition);
                }
            }
        }

        var cspVersion = NonEmpty(e.Element(Msft + "CspVersion")?.Value)?.Trim();
        return new Applicability(builds.ToImmutable(), cspVersion, editions.ToImmutable());
    }

    private void CheckDefaultValue(Properties p, string path)
    {
        if (p.DefaultValue is not { } value || p.Format is not { } format || format == DdfFormat.Node) return;
        if (!DdfValues.IsWellFormed(format, value))
        {
            Report(p.DefaultElement, $"DefaultValue '{value}' is not a valid {FormatName(format)}", path, DdfProblem.BadDefaultValue);
        }
        else if (p.AllowedValues is { } allowed && !allowed.Admits(value, format, p.CaseSense))
        {
            Report(p.DefaultElement, $"DefaultValue '{value}' is outside MSFT:AllowedValues {allowed}", path, DdfProblem.DefaultNotAllowed);
        }
    }

    private void Report(XObject? at, string message, string? nodePath, DdfProblem problem)
    {
        _diagnostics.Add(new DdfDiagnostic(message, Line(at), Column(at), nodePath, problem));
    }

    internal static DdfFormat? ParseFormat(string name) => name switch
    {
        "b64" => DdfFormat.B64,
        "bin" => DdfFormat.Bin,
        "bool" => DdfFormat.Bool,
        "chr" => DdfFormat.Chr,
        "int" => DdfFormat.Int,
        "node" => DdfFormat.Node,
        "null" => DdfFormat.Null,
        "xml" => DdfFormat.Xml,
        "date" => DdfFormat.Date,
        "time" => DdfFormat.Time,
        "float" => DdfFormat.Float,
        _ => null,
    };

    /// <summary>The DDF spelling of a format (DFFormat child element name).</summary>
    internal static string FormatName(DdfFormat format) => format switch
    {
        DdfFormat.B64 => "b64",
        DdfFormat.Bin => "bin",
        DdfFormat.Bool => "bool",
        DdfFormat.Chr => "chr",
        DdfFormat.Int => "int",
        DdfFormat.Node => "node",
        DdfFormat.Null => "null",
        DdfFormat.Xml => "xml",
        DdfFormat.Date => "date",
        DdfFormat.Time => "time",
        DdfFormat.Float => "float",
        _ => format.ToString(),
    };

    private static bool IsDdf(XElement e, string localName) => e.Name.LocalName == localName && e.Name.Namespace != Msft;

    private static XElement? DdfChild(XElement parent, string localName)
    {
        foreach (var e in parent.Elements())
        {
            if (IsDdf(e, localName)) return e;
        }

        return null;
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static int Line(XObject? o) => o is IXmlLineInfo info && info.HasLineInfo() ? info.LineNumber : 0;

    // XElement line info points at the element name; report the column of its '<'.
    private static int Column(XObject? o) =>
        o is IXmlLineInfo info && info.HasLineInfo() ? Math.Max(1, info.LinePosition - (o is XElement ? 1 : 0)) : 0;

    private sealed record PendingDependency(string Uri, XElement Element, string NodePath);

    private sealed class Properties
    {
        public AccessTypes Access { get; set; }

        public string? DefaultValue { get; set; }

        public XElement? DefaultElement { get; set; }

        public string? Description { get; set; }

        public DdfFormat? Format { get; set; }

        public XElement? FormatElement { get; set; }

        public Occurrence Occurrence { get; set; } = Occurrence.One;

        public int? MaxOccurrence { get; set; }

        public NodeScope Scope { get; set; } = NodeScope.Dynamic;

        public CaseSense CaseSense { get; set; } = CaseSense.Sensitive;

        public string? MimeType { get; set; }

        public AllowedValues? AllowedValues { get; set; }

        public ImmutableArray<DependencyGroup> DependencyGroups { get; set; } = [];

        public bool AtomicRequired { get; set; }

        public Applicability? Applicability { get; set; }
    }
}
