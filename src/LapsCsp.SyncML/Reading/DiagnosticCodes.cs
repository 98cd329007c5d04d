namespace LapsCsp.SyncML.Reading;

/// <summary>The stable <see cref="SyncMLDiagnostic.Code"/> values of the reader.</summary>
/// <remarks>A quirk code (<see cref="Root"/>, <see cref="Namespace"/>, <see cref="NoHeader"/>, <see cref="BareBody"/>,
/// <see cref="Fragment"/>, <see cref="ElementCase"/>, <see cref="EscapedFinal"/>, <see cref="Text"/>, <see cref="Header"/>,
/// <see cref="Structure"/>) is an Error in strict mode and a Warning with <see cref="SyncMLReaderOptions.AllowQuirks"/>.
/// The others are always Errors.</remarks>
internal static class DiagnosticCodes
{
    /// <summary>No bytes, or only whitespace.</summary>
    public const string Empty = "empty";

    /// <summary>More bytes than <see cref="SyncMLReaderOptions.MaxMessageBytes"/>.</summary>
    public const string TooLarge = "too-large";

    /// <summary>Not UTF-8: invalid bytes, a UTF-16 byte order mark, or an XML declaration naming another encoding.</summary>
    public const string Encoding = "encoding";

    /// <summary>Not well-formed XML (XmlException), with its line and column.</summary>
    public const string Xml = "xml";

    /// <summary>A DOCTYPE: DTDs, and with them entity declarations, are prohibited.</summary>
    public const string Dtd = "dtd";

    /// <summary>Elements nested deeper than <see cref="SyncMLReaderOptions.MaxDepth"/>.</summary>
    public const string TooDeep = "too-deep";

    /// <summary>More commands than <see cref="SyncMLReaderOptions.MaxCommands"/>.</summary>
    public const string TooManyCommands = "too-many-commands";

    /// <summary>The root element is not <c>SyncML</c> (wrong case, another element, a second top-level element).</summary>
    public const string Root = "root";

    /// <summary>The root's namespace is not exactly <c>SYNCML:SYNCML1.2</c>.</summary>
    public const string Namespace = "namespace";

    /// <summary><c>SyncML</c> has no <c>SyncHdr</c>.</summary>
    public const string NoHeader = "no-header";

    /// <summary><c>SyncML</c> has no <c>SyncBody</c>.</summary>
    public const string NoBody = "no-body";

    /// <summary><c>SyncHdr</c> lacks a required child (VerDTD, VerProto, SessionID, MsgID, Target, Source).</summary>
    public const string Header = "header";

    /// <summary>A bare <c>SyncBody</c> root with no envelope and no header.</summary>
    public const string BareBody = "bare-body";

    /// <summary>A bare command fragment (top-level Add, Replace, Atomic ...) with no envelope.</summary>
    public const string Fragment = "fragment";

    /// <summary>A known element in another letter case, e.g. <c>CmdId</c> for <c>CmdID</c>.</summary>
    public const string ElementCase = "element-case";

    /// <summary>The escaped text <c>&amp;lt;Final/&amp;gt;</c> in SyncBody instead of a Final element.</summary>
    public const string EscapedFinal = "escaped-final";

    /// <summary>Non-whitespace text where only elements belong.</summary>
    public const string Text = "text";

    /// <summary>An element out of place: a duplicate SyncHdr, an unknown child of SyncML, markup inside a text-only element.</summary>
    public const string Structure = "structure";
}
