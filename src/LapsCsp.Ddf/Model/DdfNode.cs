using System.Collections.Immutable;

namespace LapsCsp.Ddf.Model;

/// <summary>The operations a node permits (DDF AccessType).</summary>
[Flags]
public enum AccessTypes
{
    None = 0,
    Add = 1,
    Copy = 2,
    Delete = 4,
    Exec = 8,
    Get = 16,
    Replace = 32,
}

/// <summary>The DDF DFFormat of a node (OMA-DM TND §7: b64, bin, bool, chr, int, node, null, xml, date, time, float).</summary>
public enum DdfFormat
{
    Node,
    Chr,
    Int,
    Bool,
    Null,
    B64,
    Bin,
    Xml,
    Date,
    Time,
    Float,
}

/// <summary>DDF Occurrence.</summary>
public enum Occurrence
{
    One,
    ZeroOrOne,
    ZeroOrMore,
    OneOrMore,
    ZeroOrN,
    OneOrN,
}

/// <summary>DDF Scope: permanent nodes cannot be deleted.</summary>
public enum NodeScope
{
    Dynamic,
    Permanent,
}

/// <summary>DDF CaseSense: CS (default) or CIS.</summary>
public enum CaseSense
{
    Sensitive,
    Insensitive,
}

/// <summary>The kind of an MSFT:AllowedValues set (DDFv2Msft.xsd ValueType).</summary>
public enum AllowedValueKind
{
    /// <summary>A list of MSFT:Enum/MSFT:Value.</summary>
    Enum,

    /// <summary>One or more inclusive integer ranges written <c>[min-max]</c>.</summary>
    Range,

    /// <summary>A regular expression the value must match.</summary>
    RegEx,

    /// <summary>Any other ValueType (ADMX, XSD, SDDL, ...): kept as text, not enforced.</summary>
    Other,
}

/// <summary>An inclusive integer range.</summary>
public readonly record struct IntRange(long Min, long Max)
{
    public bool Contains(long value) => value >= Min && value <= Max;

    public override string ToString() => $"[{Min}-{Max}]";
}

/// <summary>One enumerated value with its description.</summary>
public sealed record EnumValue(string Value, string? Description);

/// <summary>An MSFT:AllowedValues (or DependencyAllowedValue / DependencyChangedAllowedValues) set.</summary>
/// <remarks>For Range sets the DDF may wrap the range text in MSFT:Enum/MSFT:Value (LAPS PasswordLength); the loader
/// normalises both forms into <see cref="Ranges"/> (and leaves <see cref="Enums"/> empty). <see cref="RawValueType"/> keeps the
/// attribute as written. <see cref="ListDelimiter"/> is set when the DDF has <c>MSFT:List Delimiter="..."</c>: the value is then
/// a delimited list and each item must be allowed. <see cref="Text"/> keeps the MSFT:Value of an <see cref="AllowedValueKind.Other"/>
/// set (an XSD, SDDL, ...).</remarks>
public sealed record AllowedValues(
    AllowedValueKind Kind,
    string RawValueType,
    ImmutableArray<EnumValue> Enums,
    ImmutableArray<IntRange> Ranges,
    string? Pattern = null,
    string? ListDelimiter = null,
    string? Text = null)
{
    public override string ToString() => Kind switch
    {
        AllowedValueKind.Enum => "{" + string.Join(",", Enums.Select(e => e.Value)) + "}",
        AllowedValueKind.Range => string.Join(",", Ranges),
        AllowedValueKind.RegEx => $"/{Pattern}/",
        _ => RawValueType,
    };
}

/// <summary>DependsOn or NotDependsOn.</summary>
public enum DependencyType
{
    DependsOn,
    NotDependsOn,
}

/// <summary>One MSFT:Dependency: a node (URI relative to <c>./Device/</c> or the root) and the values it must (not) have.</summary>
public sealed record Dependency(DependencyType Type, string Uri, AllowedValues? AllowedValue);

/// <summary>An MSFT:DependencyGroup: every dependency must hold; when it does, the node's allowed values may change.</summary>
public sealed record DependencyGroup(string? FriendlyId, ImmutableArray<Dependency> Dependencies, AllowedValues? ChangedAllowedValues);

/// <summary>A Windows build number such as 10.0.22621.1480 (major.minor.build[.revision]).</summary>
public readonly record struct OsBuild(int Major, int Minor, int Build, int Revision) : IComparable<OsBuild>
{
    public int CompareTo(OsBuild other)
    {
        var c = Major.CompareTo(other.Major);
        if (c != 0) return c;
        c = Minor.CompareTo(other.Minor);
        if (c != 0) return c;
        c = Build.CompareTo(other.Build);
        return c != 0 ? c : Revision.CompareTo(other.Revision);
    }

    public static bool TryParse(string? text, out OsBuild build)
    {
        build = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var parts = text.Trim().Split('.');
        if (parts.Length is < 3 or > 4) return false;
        Span<int> n = stackalloc int[4];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out n[i])) return false;
        }

        build = new OsBuild(n[0], n[1], n[2], parts.Length == 4 ? n[3] : 0);
        return true;
    }

    public static bool operator <(OsBuild a, OsBuild b) => a.CompareTo(b) < 0;

    public static bool operator >(OsBuild a, OsBuild b) => a.CompareTo(b) > 0;

    public static bool operator <=(OsBuild a, OsBuild b) => a.CompareTo(b) <= 0;

    public static bool operator >=(OsBuild a, OsBuild b) => a.CompareTo(b) >= 0;

    public override string ToString() => Revision == 0 ? $"{Major}.{Minor}.{Build}" : $"{Major}.{Minor}.{Build}.{Revision}";
}

/// <summary>MSFT:Applicability: the OS builds (each entry names the first build of a servicing branch that has the node),
/// the CSP version, and the edition allow-list (Windows product type numbers).</summary>
public sealed record Applicability(ImmutableArray<OsBuild> OsBuilds, string? CspVersion, ImmutableArray<int> Editions);

/// <summary>One node of a DDF: its properties and children. A dynamic-name node has an empty <see cref="Name"/>
/// and is matched by any segment; <see cref="Title"/> names it (e.g. UserName).</summary>
/// <remarks><see cref="Line"/>/<see cref="Column"/> locate the Node element in the DDF. <see cref="MaxOccurrence"/> is the N of
/// an Occurrence ZeroOrN/OneOrN when the DDF gives one.</remarks>
public sealed record DdfNode(
    string Name,
    AccessTypes Access,
    DdfFormat Format,
    Occurrence Occurrence,
    NodeScope Scope,
    ImmutableArray<DdfNode> Children,
    string? DefaultValue = null,
    CaseSense CaseSense = CaseSense.Sensitive,
    AllowedValues? AllowedValues = null,
    ImmutableArray<DependencyGroup> DependencyGroups = default,
    bool AtomicRequired = false,
    Applicability? Applicability = null,
    string? Description = null,
    string? Title = null,
    string? MimeType = null,
    int Line = 0,
    int Column = 0,
    int? MaxOccurrence = null)
{
    /// <summary>True when the node's name is chosen at run time (empty NodeName in the DDF).</summary>
    public bool IsDynamic => Name.Length == 0;

    public bool IsInterior => Format == DdfFormat.Node;

    public ImmutableArray<DependencyGroup> Dependencies => DependencyGroups.IsDefault ? [] : DependencyGroups;

    /// <summary>The name shown to people: the NodeName, or <c>&lt;Title&gt;</c> for a dynamic node.</summary>
    public string DisplayName => IsDynamic ? $"<{Title ?? "name"}>" : Name;
}

/// <summary>A DDF document: the root nodes with the path (e.g. <c>./Device/Vendor/MSFT</c>) each hangs under.</summary>
public sealed record DdfDocument(string VerDtd, ImmutableArray<DdfRoot> Roots, string? SourceName = null);

/// <summary>A top-level node of a DDF with the parent path from its Path element.</summary>
public sealed record DdfRoot(string ParentPath, DdfNode Node)
{
    /// <summary>The full URI of the root node, e.g. <c>./Device/Vendor/MSFT/LAPS</c>.</summary>
    public string Uri => ParentPath.TrimEnd('/') + "/" + Node.Name;
}
