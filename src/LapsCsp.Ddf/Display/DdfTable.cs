using System.Globalization;
using System.Text;
using LapsCsp.Ddf.Loading;
using LapsCsp.Ddf.Model;

namespace LapsCsp.Ddf.Display;

/// <summary>One row of the node table shown by <c>lapscsp ddf show</c>: every cell already formatted as text.</summary>
/// <param name="Access">AccessType letters: A(dd) C(opy) D(elete) E(xec) G(et) R(eplace), e.g. <c>A D G R</c>; <c>-</c> for none.</param>
/// <param name="Allowed">The MSFT:AllowedValues, e.g. <c>{0,1,2}</c> or <c>[1-365]</c>.</param>
/// <param name="Dependencies">Each MSFT:DependencyGroup, e.g. <c>BackupDirectory=1 => [7-365]</c> when it changes the allowed
/// values, <c>needs PasswordComplexity in [1-5]</c> when it only gates the node; groups are separated by <c>; </c>.</param>
/// <param name="Applicability">The MSFT:Applicability builds, CSP version and the number of allowed editions.</param>
public sealed record DdfTableRow(
    string Path,
    string Access,
    string Format,
    string Occurrence,
    string Scope,
    string Default,
    string Allowed,
    string Dependencies,
    string Applicability,
    bool AtomicRequired,
    DdfNode Node);

/// <summary>The node table of a DDF as rows, an aligned plain-text table, or a detailed view of one node.</summary>
public static class DdfTable
{
    private static readonly string[] s_headers =
        ["Path", "Access", "Format", "Occurrence", "Scope", "Default", "Allowed", "Atomic", "Dependencies", "Applicability"];

    /// <summary>The rows of every node in document order, or only of the nodes <paramref name="nodeFilter"/> selects and their
    /// subtrees. The filter is a full URI (<c>./Vendor/MSFT/LAPS/Actions</c>) or a trailing part of one, whole segments only
    /// (<c>Policies</c>, <c>Policies/PasswordLength</c>); it ignores case, and a dynamic node matches any segment
    /// (<c>Users/alice/Password</c> and <c>Users/&lt;UserName&gt;/Password</c> both select the Accounts Password node).</summary>
    public static IReadOnlyList<DdfTableRow> Rows(DdfDocument doc, string? nodeFilter = null)
    {
        var filter = ParseFilter(nodeFilter);
        var rows = new List<DdfTableRow>();
        foreach (var root in doc.Roots)
        {
            var segments = DdfNavigator.Canonicalize(root.ParentPath).Split('/').Select(s => (s, false)).ToList();
            Collect(root.Node, DdfNavigator.Canonicalize(root.ParentPath), segments, filter, filter is null, rows);
        }

        return rows;
    }

    /// <summary>Rows(doc, nodeFilter) rendered: the detailed view when the filter selects exactly one node, else the table.</summary>
    public static string Show(DdfDocument doc, string? nodeFilter = null)
    {
        var rows = Rows(doc, nodeFilter);
        return nodeFilter is not null && rows.Count == 1 ? RenderDetail(rows[0]) : Render(rows);
    }

    /// <summary>An aligned plain-text table: a header, a rule, one line per row; columns separated by two spaces, the two
    /// wide columns (Dependencies, Applicability) last.</summary>
    public static string Render(IReadOnlyList<DdfTableRow> rows)
    {
        var cells = new List<string[]> { s_headers };
        cells.AddRange(rows.Select(r => new[]
        {
            r.Path, r.Access, r.Format, r.Occurrence, r.Scope, r.Default, r.Allowed, r.AtomicRequired ? "yes" : string.Empty,
            r.Dependencies, r.Applicability,
        }.Select(OneLine).ToArray()));

        var widths = new int[s_headers.Length];
        foreach (var line in cells)
        {
            for (var i = 0; i < line.Length; i++) widths[i] = Math.Max(widths[i], line[i].Length);
        }

        var sb = new StringBuilder();
        for (var n = 0; n < cells.Count; n++)
        {
            AppendLine(sb, cells[n], widths);
            if (n == 0) AppendLine(sb, [.. widths.Select(w => new string('-', w))], widths);
        }

        return sb.ToString();
    }

    /// <summary>A vertical view of one node with everything the DDF says about it, including its Description and the
    /// description of each enumerated value.</summary>
    public static string RenderDetail(DdfTableRow row)
    {
        var node = row.Node;
        var sb = new StringBuilder();
        void Field(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value)) sb.Append((name + ":").PadRight(17)).Append(value).Append('\n');
        }

        Field("Path", row.Path);
        Field("Title", node.Title);
        Field("Access", node.Access == AccessTypes.None ? "(none)" : node.Access.ToString());
        Field("Format", row.Format);
        Field("MIME type", node.MimeType);
        Field("Occurrence", row.Occurrence);
        Field("Scope", row.Scope);
        Field("CaseSense", node.CaseSense == CaseSense.Insensitive ? "CIS (case-insensitive)" : "CS (case-sensitive)");
        Field("Default", row.Default);
        Field("Allowed", node.AllowedValues is { } a ? $"{row.Allowed} ({a.RawValueType})" : null);
        if (node.AllowedValues is { Kind: AllowedValueKind.Enum } allowed)
        {
            foreach (var e in allowed.Enums)
            {
                sb.Append("  ").Append(e.Value).Append(e.Description is null ? string.Empty : " = " + OneLine(e.Description)).Append('\n');
            }
        }

        if (!node.Dependencies.IsEmpty)
        {
            sb.Append("Dependencies:\n");
            var parent = ParentOf(row.Path);
            foreach (var g in node.Dependencies)
            {
                sb.Append("  ").Append(g.FriendlyId is null ? string.Empty : g.FriendlyId + ": ").Append(DescribeGroup(g, parent)).Append('\n');
            }
        }

        Field("Applicability", row.Applicability);
        if (node.Applicability is { Editions.IsEmpty: false } app)
        {
            sb.Append("  editions: ")
                .Append(string.Join(" ", app.Editions.Select(e => "0x" + e.ToString("X", CultureInfo.InvariantCulture))))
                .Append('\n');
        }

        Field("Atomic required", row.AtomicRequired ? "yes (send this subtree inside an Atomic)" : null);
        Field("Children", node.Children.IsEmpty ? null : string.Join(", ", node.Children.Select(c => c.DisplayName)));
        Field("Defined at", node.Line > 0 ? $"line {node.Line}" : null);
        if (!string.IsNullOrWhiteSpace(node.Description))
        {
            sb.Append("Description:\n");
            foreach (var line in node.Description.Trim().Split('\n'))
            {
                sb.Append(line.Trim().Length == 0 ? string.Empty : "  " + line.TrimEnd()).Append('\n');
            }
        }

        return sb.ToString();
    }

    internal static DdfTableRow ToRow(string path, DdfNode node) => new(
        path,
        AccessText(node.Access),
        DdfReader.FormatName(node.Format),
        node.MaxOccurrence is { } n ? $"{node.Occurrence}({n})" : node.Occurrence.ToString(),
        node.Scope.ToString(),
        node.DefaultValue ?? string.Empty,
        node.AllowedValues?.ToString() ?? string.Empty,
        string.Join("; ", node.Dependencies.Select(g => DescribeGroup(g, ParentOf(path)))),
        ApplicabilityText(node.Applicability),
        node.AtomicRequired,
        node);

    internal static string AccessText(AccessTypes access)
    {
        if (access == AccessTypes.None) return "-";
        var letters = new List<string>(6);
        if (access.HasFlag(AccessTypes.Add)) letters.Add("A");
        if (access.HasFlag(AccessTypes.Copy)) letters.Add("C");
        if (access.HasFlag(AccessTypes.Delete)) letters.Add("D");
        if (access.HasFlag(AccessTypes.Exec)) letters.Add("E");
        if (access.HasFlag(AccessTypes.Get)) letters.Add("G");
        if (access.HasFlag(AccessTypes.Replace)) letters.Add("R");
        return string.Join(" ", letters);
    }

    internal static string ApplicabilityText(Applicability? applicability)
    {
        if (applicability is null) return string.Empty;
        var parts = new List<string>(3);
        if (!applicability.OsBuilds.IsEmpty) parts.Add(string.Join(", ", applicability.OsBuilds));
        if (applicability.CspVersion is { } v) parts.Add("CSP " + v);
        if (!applicability.Editions.IsEmpty) parts.Add($"{applicability.Editions.Length} editions");
        return string.Join("; ", parts);
    }

    internal static string DescribeGroup(DependencyGroup group, string parentPath)
    {
        var condition = string.Join(" and ", group.Dependencies.Select(d => DescribeDependency(d, parentPath)));
        return group.ChangedAllowedValues is { } changed ? $"{condition} => {changed}" : "needs " + condition;
    }

    private static string DescribeDependency(Dependency dependency, string parentPath)
    {
        var target = DdfNavigator.ResolveDependencyUri(dependency.Uri);
        var name = target.StartsWith(parentPath + "/", StringComparison.Ordinal) ? target[(parentPath.Length + 1)..] : dependency.Uri;
        var not = dependency.Type == DependencyType.NotDependsOn;
        return dependency.AllowedValue switch
        {
            null => (not ? "no " : string.Empty) + name,
            { Kind: AllowedValueKind.Enum, Enums.Length: 1 } a => $"{name}{(not ? "!=" : "=")}{a.Enums[0].Value}",
            var a => $"{name} {(not ? "not in" : "in")} {a}",
        };
    }

    private static void Collect(
        DdfNode node, string parentPath, List<(string Segment, bool Dynamic)> segments, string[]? filter, bool included, List<DdfTableRow> rows)
    {
        var path = parentPath + "/" + node.DisplayName;
        segments.Add((node.DisplayName, node.IsDynamic));
        var include = included || (filter is not null && Matches(filter, segments));
        if (include) rows.Add(ToRow(path, node));
        foreach (var child in node.Children)
        {
            Collect(child, path, segments, filter, include, rows);
        }

        segments.RemoveAt(segments.Count - 1);
    }

    private static string[]? ParseFilter(string? nodeFilter)
    {
        if (string.IsNullOrWhiteSpace(nodeFilter)) return null;
        var f = nodeFilter.Trim();
        // An absolute filter must match the whole path; a relative one matches trailing segments.
        return f.StartsWith('.') ? DdfNavigator.Canonicalize(f).Split('/') : f.Trim('/').Split('/');
    }

    private static bool Matches(string[] filter, List<(string Segment, bool Dynamic)> segments)
    {
        var absolute = filter[0] == ".";
        if (filter.Length > segments.Count || (absolute && filter.Length != segments.Count)) return false;
        var offset = segments.Count - filter.Length;
        for (var i = 0; i < filter.Length; i++)
        {
            var (segment, dynamic) = segments[offset + i];
            if (!dynamic && !string.Equals(segment, filter[i], StringComparison.OrdinalIgnoreCase)) return false;
        }

        return true;
    }

    private static string ParentOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash > 0 ? path[..slash] : path;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    private static void AppendLine(StringBuilder sb, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0) line.Append("  ");
            line.Append(i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i]));
        }

        sb.Append(line.ToString().TrimEnd()).Append('\n');
    }
}
