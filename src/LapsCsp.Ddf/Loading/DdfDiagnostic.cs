namespace LapsCsp.Ddf.Loading;

/// <summary>A problem found in a DDF file, with its 1-based position (0 when unknown).</summary>
/// <remarks><see cref="Problem"/> classifies the message so hosts and tests need not parse its text.</remarks>
public sealed record DdfDiagnostic(string Message, int Line, int Column, string? NodePath = null, DdfProblem Problem = DdfProblem.Other)
{
    public override string ToString() =>
        (Line > 0 ? $"line {Line}, column {Column}: " : string.Empty) + (NodePath is null ? Message : $"{NodePath}: {Message}");
}

/// <summary>What kind of problem a <see cref="DdfDiagnostic"/> reports.</summary>
public enum DdfProblem
{
    Other,

    /// <summary>The file could not be read.</summary>
    Io,

    /// <summary>The text is not well-formed XML (or exceeds the reader's limits).</summary>
    NotXml,

    /// <summary>The document element is not MgmtTree (DTD-DM-DDF 1.2).</summary>
    WrongRoot,

    /// <summary>A Node has no NodeName element (an empty NodeName is allowed: it makes a dynamic node).</summary>
    MissingNodeName,

    /// <summary>A NodeName contains '/' (OMA-DM TND: '/' is never part of a node name).</summary>
    BadNodeName,

    /// <summary>A Node has no DFProperties element.</summary>
    MissingProperties,

    /// <summary>An AccessType child other than Add, Copy, Delete, Exec, Get, Replace.</summary>
    UnknownAccessType,

    /// <summary>DFFormat missing or empty.</summary>
    MissingFormat,

    /// <summary>A DFFormat child other than b64, bin, bool, chr, int, node, null, xml, date, time, float (or more than one).</summary>
    UnknownFormat,

    /// <summary>An Occurrence child other than One, ZeroOrOne, ZeroOrMore, OneOrMore, ZeroOrN, OneOrN (or a bad N).</summary>
    UnknownOccurrence,

    /// <summary>A Scope child other than Permanent, Dynamic.</summary>
    UnknownScope,

    /// <summary>A CaseSense child other than CS, CIS.</summary>
    UnknownCaseSense,

    /// <summary>Two siblings with the same NodeName (or two dynamic siblings).</summary>
    DuplicateName,

    /// <summary>A node whose DFFormat is not node has child nodes.</summary>
    LeafWithChildren,

    /// <summary>A DefaultValue that does not parse for the node's DFFormat.</summary>
    BadDefaultValue,

    /// <summary>A DefaultValue outside the node's MSFT:AllowedValues.</summary>
    DefaultNotAllowed,

    /// <summary>An MSFT:AllowedValues-like element with no or a bad ValueType, or a RegEx without a pattern.</summary>
    BadAllowedValues,

    /// <summary>An ENUM set with no MSFT:Enum values.</summary>
    EmptyEnum,

    /// <summary>A Range value not written <c>[min-max]</c> (one or more, min ≤ max).</summary>
    BadRange,

    /// <summary>An MSFT:OsBuildVersion entry that is not major.minor.build[.revision].</summary>
    BadOsBuild,

    /// <summary>An MSFT:EditionAllowList entry that is not a 0x hex number.</summary>
    BadEdition,

    /// <summary>An MSFT:DependencyGroup/Dependency that is malformed (no URI, unknown Type, no Dependency).</summary>
    BadDependency,

    /// <summary>An MSFT:DependencyUri that names no node of the same document.</summary>
    UnresolvedDependency,

    /// <summary>Nodes nested deeper than the loader's limit.</summary>
    TooDeep,
}
