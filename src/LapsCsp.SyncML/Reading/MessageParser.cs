using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.SyncML.Reading;

/// <summary>Recursive-descent reader of one SyncML DM 1.2 message over a streaming <see cref="XmlReader"/>.</summary>
/// <remarks>
/// Every method that handles an element starts on its start tag and leaves the reader on its end tag (or on the start
/// tag of an empty element). Children of SyncHdr, commands and items are accepted in any order (corpus r40-r42 put
/// CmdRef/MsgRef before CmdID); elements are matched by local name, so Meta children in syncml:metinf, in no namespace or
/// in a wrong one (r30's syncml:metinfo, r32's bare Type) read the same. Unknown children are skipped. Depth and command
/// limits are checked on every element, and the first error stops the parse.
/// </remarks>
internal sealed class MessageParser
{
    private static readonly string[] s_envelopeFields = ["SyncHdr", "SyncBody"];
    private static readonly string[] s_headerFields = ["VerDTD", "VerProto", "SessionID", "MsgID", "Target", "Source", "Cred", "Meta"];
    private static readonly string[] s_locationFields = ["LocURI", "LocName"];
    private static readonly string[] s_credFields = ["Meta", "Data"];
    private static readonly string[] s_metaFields = ["Format", "Type", "Size", "MaxMsgSize", "MaxObjSize", "NextNonce", "Mark", "Version"];
    private static readonly string[] s_bodyFields = ["Final"];
    private static readonly string[] s_itemFields = ["Target", "Source", "Meta", "Data"];
    private static readonly string[] s_itemCommandFields = ["CmdID", "NoResp", "Meta", "Item", "Correlator"];
    private static readonly string[] s_alertFields = ["CmdID", "Data", "Item", "Meta"];
    private static readonly string[] s_containerFields = ["CmdID", "NoResp", "Meta"];
    private static readonly string[] s_statusFields = ["CmdID", "MsgRef", "CmdRef", "Cmd", "TargetRef", "SourceRef", "Chal", "Data", "Item"];
    private static readonly string[] s_chalFields = ["Meta"];
    private static readonly string[] s_resultsFields = ["CmdID", "MsgRef", "CmdRef", "Meta", "TargetRef", "SourceRef", "Item"];
    private static readonly string[] s_unknownFields = ["CmdID"];

    /// <summary>The header used when a lenient message has none: MS-MDM needs SessionID and MsgID to answer.</summary>
    private static readonly SyncHeader s_synthesisedHeader = new("1", "1", TargetUri: null, SourceUri: null);

    private readonly XmlReader _reader;
    private readonly IXmlLineInfo? _lineInfo;
    private readonly SyncMLReaderOptions _options;
    private readonly ImmutableArray<SyncMLDiagnostic>.Builder _diagnostics;
    private readonly List<(XmlNodeType Kind, string Value)> _dataPieces = [];
    private int _commandCount;
    private bool _escapedFinal;

    public MessageParser(XmlReader reader, SyncMLReaderOptions options, ImmutableArray<SyncMLDiagnostic>.Builder diagnostics)
    {
        _reader = reader;
        _lineInfo = reader as IXmlLineInfo;
        _options = options;
        _diagnostics = diagnostics;
    }

    /// <summary>True once the first element was seen: a DOCTYPE can only come before it.</summary>
    public bool SawElement { get; private set; }

    private int Line => _lineInfo?.LineNumber ?? 0;

    private int Column => _lineInfo?.LinePosition ?? 0;

    public SyncMLMessage Parse()
    {
        MoveToFirstElement();
        string name = _reader.LocalName;
        SyncMLMessage message;
        if (name == "SyncML")
        {
            message = ParseEnvelope();
        }
        else if (name.Equals("SyncML", StringComparison.OrdinalIgnoreCase))
        {
            // LAPS CSP doc samples (r01, r02) write <SyncMl>.
            Quirk(DiagnosticCodes.Root, $"the root element is <{name}>; SyncML element names are case-sensitive and the root is <SyncML>",
                "read as <SyncML>");
            message = ParseEnvelope();
        }
        else if (name == "SyncBody")
        {
            // SyncMLViewer's samples (r32) are a bare SyncBody.
            Quirk(DiagnosticCodes.BareBody, "the root element is <SyncBody>, with no <SyncML> envelope and no <SyncHdr>",
                "read with a synthesised header (SessionID 1, MsgID 1)");
            var (commands, final) = ParseBody();
            message = new SyncMLMessage(s_synthesisedHeader, commands, final);
        }
        else if (IsCommandName(name))
        {
            Quirk(DiagnosticCodes.Fragment,
                $"the input is a bare command fragment starting with <{name}>, with no <SyncML> envelope (how MDM vendors author profiles)",
                "its top-level commands are wrapped in a synthesised message (SessionID 1, MsgID 1, Final)");
            return ParseFragment();
        }
        else
        {
            throw Abort(DiagnosticCodes.Root, $"the root element is <{name}>; a SyncML DM message is <SyncML xmlns=\"{SyncMLMessage.Namespace}\">");
        }

        EnsureNothingAfterRoot(name);
        return message;
    }

    private void MoveToFirstElement()
    {
        while (_reader.Read())
        {
            switch (_reader.NodeType)
            {
                case XmlNodeType.Element:
                    SawElement = true;
                    CheckDepth();
                    return;
                case XmlNodeType.Text or XmlNodeType.CDATA:
                    OnStrayText(parentName: null);
                    break;
            }
        }

        throw Abort(DiagnosticCodes.Empty, "the input has no XML element");
    }

    private void EnsureNothingAfterRoot(string rootName)
    {
        // In lenient mode the reader runs with ConformanceLevel.Fragment, which would accept a second root silently.
        while (_reader.Read())
        {
            switch (_reader.NodeType)
            {
                case XmlNodeType.Element:
                    throw Abort(DiagnosticCodes.Root, $"a second top-level element <{_reader.LocalName}> follows </{rootName}>");
                case XmlNodeType.Text or XmlNodeType.CDATA:
                    OnStrayText(parentName: null);
                    break;
            }
        }
    }

    private SyncMLMessage ParseEnvelope()
    {
        // MS-MDM 2.2.4.1: the xmlns value MUST be the string SYNCML:SYNCML1.2.
        string ns = _reader.NamespaceURI;
        if (!string.Equals(ns, SyncMLMessage.Namespace, StringComparison.Ordinal))
        {
            Quirk(DiagnosticCodes.Namespace, ns.Length == 0
                ? $"<{_reader.LocalName}> has no namespace; MS-MDM 2.2.4.1 requires xmlns=\"{SyncMLMessage.Namespace}\""
                : $"<{_reader.LocalName}> has namespace \"{ns}\"; MS-MDM 2.2.4.1 requires exactly \"{SyncMLMessage.Namespace}\"",
                "read as SyncML DM 1.2");
        }

        int rootLine = Line, rootColumn = Column;
        SyncHeader? header = null;
        (ImmutableArray<SyncCommand> Commands, bool Final)? body = null;
        int depth = _reader.Depth;
        bool empty = _reader.IsEmptyElement;
        while (!empty && NextChild(depth, "SyncML"))
        {
            switch (Canon(s_envelopeFields))
            {
                case "SyncHdr" when header is null && body is null:
                    header = ParseHeader();
                    break;
                case "SyncBody" when body is null:
                    if (header is null)
                    {
                        Quirk(DiagnosticCodes.NoHeader, "<SyncML> has no <SyncHdr> before <SyncBody> (MS-MDM 2.2.4.1)",
                            "read with a synthesised header (SessionID 1, MsgID 1)");
                        header = s_synthesisedHeader;
                    }

                    body = ParseBody();
                    break;
                default:
                    Quirk(DiagnosticCodes.Structure, $"unexpected <{_reader.LocalName}> in <SyncML>, which holds one SyncHdr then one SyncBody",
                        "ignored");
                    Skip();
                    break;
            }
        }

        if (body is null)
        {
            throw Abort(DiagnosticCodes.NoBody, "<SyncML> has no <SyncBody>", rootLine, rootColumn);
        }

        return new SyncMLMessage(header ?? s_synthesisedHeader, body.Value.Commands, body.Value.Final);
    }

    private SyncHeader ParseHeader()
    {
        int line = Line, column = Column;
        string? verDtd = null, verProto = null, sessionId = null, msgId = null;
        string? targetUri = null, targetName = null, sourceUri = null, sourceName = null;
        Credential? cred = null;
        Meta? meta = null;
        int depth = _reader.Depth;
        bool empty = _reader.IsEmptyElement;
        while (!empty && NextChild(depth, "SyncHdr"))
        {
            switch (Canon(s_headerFields))
            {
                case "VerDTD": verDtd = ReadTrimmed("VerDTD"); break;
                case "VerProto": verProto = ReadTrimmed("VerProto"); break;
                case "SessionID": sessionId = ReadTrimmed("SessionID"); break;
                case "MsgID": msgId = ReadTrimmed("MsgID"); break;
                case "Target": (targetUri, targetName) = ParseLocation("Target"); break;
                case "Source": (sourceUri, sourceName) = ParseLocation("Source"); break;
                case "Cred": cred = ParseCredential(); break;
                case "Meta": meta = ParseMeta(); break;
                default: Skip(); break; // RespURI, NoResp: legal, not used by the emulator
            }
        }

        // MS-MDM 2.2.4.2: SyncHdr = VerDTD, VerProto, SessionID, MsgID, Target, Source, Meta?.
        var missing = new List<string>(0);
        if (verDtd is null) missing.Add("VerDTD");
        if (verProto is null) missing.Add("VerProto");
        if (sessionId is null) missing.Add("SessionID");
        if (msgId is null) missing.Add("MsgID");
        if (targetUri is null) missing.Add("Target/LocURI");
        if (sourceUri is null) missing.Add("Source/LocURI");
        if (missing.Count > 0)
        {
            Quirk(DiagnosticCodes.Header, $"<SyncHdr> lacks {string.Join(", ", missing)} (MS-MDM 2.2.4.2)",
                "a missing VerDTD reads as 1.2, VerProto as DM/1.2, SessionID and MsgID as 1, Target and Source as none", line, column);
        }

        return new SyncHeader(sessionId ?? "1", msgId ?? "1", targetUri, sourceUri, verDtd ?? "1.2", verProto ?? "DM/1.2", cred, meta,
            targetName, sourceName);
    }

    private (string? Uri, string? Name) ParseLocation(string elementName)
    {
        string? uri = null, name = null;
        int depth = _reader.Depth;
        bool empty = _reader.IsEmptyElement;
        while (!empty && NextChild(depth, elementName))
        {
            switch (Canon(s_locationFields))
            {
                // LocURI is trimmed: r32 and r36 wrap it in newlines and indentation.
                case "LocURI": uri = ReadTrimmed("LocURI"); break;
                case "LocName": name = ReadTrimmed("LocName"); break;
                default: Skip(); break;
            }
        }

        return (uri, name);
    }

    private Credential ParseCredential()
    {
        Meta? meta = null;
        string? data = null;
        int depth = _reader.Depth;
        bool empty = _reader.IsEmptyElement;
        while (!empty && NextChild(depth, "Cred"))
        {
            switch (Canon(s_credFields))
            {
                case "Meta": meta = ParseMeta(); break;
                case "Data": data = ReadTrimmed("Data"); break;
                default: Skip(); break;
            }
        }

        return new Credential(meta, data);
    }

    private Meta ParseMeta()
    {
        string? format = null, type = null, size = null, maxMsgSize = null, maxObjSize = null, nextNonce = null, mark = null, version = null;
        int depth = _reader.Depth;
        bool empty = _reader.IsEmptyElement;
        while (!empty && NextChild(depth, "Meta"))
        {
            // MetInf values are trimmed: r30 has a leading space in Type, r40 spreads Type over two lines.
            switch (Canon(s_metaFields))
            {
                case "Format": format = ReadTrimmed("Format"); break;
                case "Type": type = ReadTrimmed("Type"); break;
                case "Size": size = ReadTrimmed("Size"); break;
                case "MaxMsgSize": maxMsgSize = ReadTrimmed("MaxMsgSize"); break;
                case "MaxObjSize": maxObjSize = ReadTrimmed("MaxObjSize"); break;
                case "NextNonce": nextNonce = ReadTrimmed("NextNonce"); break;
                case "Mark": mark = ReadTrimmed("Mark"); break;
                case "Version": version = ReadTrimmed("Version"); break;
                default: Skip(); break; // EMI, Mem, Anchor, FieldLevel: not used in DM
            }
        }

        return new Meta(format, type, size, maxMsgSize, maxObjSize, nextNonce, mark, version);
    }

    private (ImmutableArray<SyncCommand> Commands, bool Final) ParseBody()
    {
        var commands = ImmutableArray.CreateBuilder<SyncCommand>();
        bool final = false;
        int depth = _reader.Depth;
        bool empty = _reader.IsEmptyElement;
        while (!empty && NextChild(depth, "SyncBody"))
        {
            if (Canon(s_bodyFields) == "Final")
            {
                final = true;
                Skip();
            }
            else
            {
                commands.Add(ParseCommand());
            }
        }

        return (commands.ToImmutable(), final || _escapedFinal);
    }

    private SyncMLMessage ParseFragment()
    {
        var commands = ImmutableArray.CreateBuilder<SyncCommand>();
        while (true)
        {
            if (Canon(s_bodyFields) == "Final")
            {
                Skip();
            }
            else
            {
                commands.Add(ParseCommand());
            }

            if (!MoveToNextTopLevelElement())
            {
                // The fragment is the whole package a vendor sends, so the wrapping message is the last one (Final).
                return new SyncMLMessage(s_synthesisedHeader, commands.ToImmutable(), Final: true);
            }
        }
    }

    private bool MoveToNextTopLevelElement()
    {
        while (_reader.Read())
        {
            switch (_reader.NodeType)
            {
                case XmlNodeType.Element:
                    CheckDepth();
                    return true;
                case XmlNodeType.Text or XmlNodeType.CDATA:
                    OnStrayText(parentName: null);
                    break;
            }
        }

        return false;
    }

    private static bool IsCommandName(string name) => name is "Add" or "Replace" or "Delete" or "Get" or "Exec" or "Copy" or "Alert"
        or "Atomic" or "Sequence" or "Status" or "Results";

    /// <summary>A command under SyncBody, Atomic or Sequence. Command names are matched exactly: anything else, a case
    /// variant included, is an <see cref="UnknownCommand"/> that the engine answers with 400 (Windows "OMA DM protocol support").</summary>
    private SyncCommand ParseCommand()
    {
        // Status and Results are answers, not work for the receiver: like Items they are bounded by MaxMessageBytes only.
        // Counting them would make a device's reply to a package of MaxCommands Gets (a Status and a Results each, plus
        // the SyncHdr Status) unreadable by this reader (issue 7 property test and bad-input matrix).
        if (_reader.LocalName is not ("Status" or "Results") && ++_commandCount > _options.MaxCommands)
        {
            throw Abort(DiagnosticCodes.TooManyCommands, string.Create(CultureInfo.InvariantCulture,
                $"more than {_options.MaxCommands} commands (counting those inside Atomic and Sequence); reading stops at <{_reader.LocalName}>"));
        }

        return _reader.LocalName switch
        {
            "Add" => ParseItemCommand(ItemCommandKind.Add),
            "Replace" => ParseItemCommand(ItemCommandKind.Replace),
            "Delete" => ParseItemCommand(ItemCommandKind.Delete),
            "Get" => ParseItemCommand(ItemCommandKind.Get),
            "Exec" => ParseItemCommand(ItemCommandKind.Exec),
            "Copy" => ParseItemCommand(ItemCommandKind.Copy),
            "Alert" => ParseAlert(),
            "Atomic" => ParseContainer(atomic: true),
            "Sequence" => ParseContainer(atomic: false),
            "Status" => ParseStatus(),
            "Results" => ParseResults(),
            _ => ParseUnknown(),
        };
    }

    private ItemCommand ParseItemCommand(ItemCommandKind kind)
    {
        string elementName = _reader.LocalName;
        string? cmdId = null, correlator = null;
        Meta? meta = null;
        bool noResp = false;
        var items = ImmutableArray.CreateBuilder<Item>();
        int depth = _reader.Depth;
        bool empty = _reader.IsEmptyElement;
        while (!empty && NextChild(depth, elementName))
        {
            switch (Canon(s_itemCommandFields))
            {
                case "CmdID": cmdId = ReadTrimmed("CmdID"); break;
                case "NoResp": noResp = true; Skip(); break;
                case "Meta": meta = ParseMeta(); break;
                case "Item": items.Add(ParseItem()); break;
                case "Correlator": correlator = ReadTrimmed("Correlator"); break;
                default: Skip(); break; // Cred: OMA allows it per command, DM carries credentials only in SyncHdr
            }
        }

        return new ItemCommand(kind, cmdId, items.ToImmutable(), meta, noResp, correlator);
    }

    private AlertCommand ParseAlert()
    {
        string? cmdId = null, code = null;
        Meta? meta = null;
        var items = ImmutableArray.CreateBuilder<Item>();
        int depth = _reader.Depth;
        bool empty = _reader.IsEmptyElement;
        while (!empty && NextChild(depth, "Alert"))
        {
            switch (Canon(s_alertFields))
            {
                case "CmdID": cmdId = ReadTrimmed("CmdID"); break;
                case "Data": code = ReadTrimmed("Data"); break;
                case "Item": items.Add(ParseItem()); break;
                case "Meta": meta = ParseMeta(); break;
                default: Skip(); break;
            }
        }

        return new AlertCommand(cmdId, code, items.ToImmutable(), meta);
    }

    private SyncCommand ParseContainer(bool atomic)
    {
        // Nesting is bounded by MaxDepth; this guards a caller that raised MaxDepth past what the stack holds.
        RuntimeHelpers.EnsureSufficientExecutionStack();
        string elementName = _reader.LocalName;
        string? cmdId = null;
        Meta? meta = null;
        bool noResp = false;
        var commands = ImmutableArray.CreateBuilder<SyncCommand>();
        int depth = _reader.Depth;
        bool empty = _reader.IsEmptyElement;
        while (!empty && NextChild(depth, elementName))
        {
            switch (Canon(s_containerFields))
            {
                case "CmdID": cmdId = ReadTrimmed("CmdID"); break;
                case "NoResp": noResp = true; Skip(); break;
                case "Meta": meta = ParseMeta(); break;
                default: commands.Add(ParseCommand()); break;
            }
        }

        return atomic
            ? new AtomicCommand(cmdId, commands.ToImmutable(), meta, noResp)
            : new SequenceCommand(cmdId, commands.ToImmutable(), meta, noResp);
    }

    private StatusCommand ParseStatus()
    {
        string? cmdId = null, msgRef = null, cmdRef = null, cmd = null, code = null;
        ImmutableArray<string>.Builder? targetRefs = null, sourceRefs = null;
        ImmutableArray<Item>.Builder? items = null;
        Challenge? chal = null;
        int depth = _reader.Depth;
        bool empty = _reader.IsEmptyElement;
        while (!empty && NextChild(depth, "Status"))
        {
            switch (Canon(s_statusFields))
            {
                case "CmdID": cmdId = ReadTrimmed("CmdID"); break;
                case "MsgRef": msgRef = ReadTrimmed("MsgRef"); break;
                case "CmdRef": cmdRef = ReadTrimmed("CmdRef"); break;
                case "Cmd": cmd = ReadTrimmed("Cmd"); break;
                case "TargetRef": (targetRefs ??= ImmutableArray.CreateBuilder<string>()).Add(ReadTrimmed("TargetRef")); break;
                case "SourceRef": (sourceRefs ??= ImmutableArray.CreateBuilder<string>()).Add(ReadTrimmed("SourceRef")); break;
                case "Chal": chal = ParseChallenge(); break;
                case "Data": code = ReadTrimmed("Data"); break;
                case "Item": (items ??= ImmutableArray.CreateBuilder<Item>()).Add(ParseItem()); break;
                default: Skip(); break;
            }
        }

        return new StatusCommand(cmdId, msgRef, cmdRef, cmd ?? "", code ?? "",
            targetRefs?.ToImmutable() ?? [], sourceRefs?.ToImmutable() ?? [], items?.ToImmutable() ?? [], chal);
    }

    private Challenge ParseChallenge()
    {
        Meta? meta = null;
        int depth = _reader.Depth;
        bool empty = _reader.IsEmptyElement;
        while (!empty && NextChild(depth, "Chal"))
        {
            if (Canon(s_chalFields) == "Meta")
            {
                meta = ParseMeta();
            }
            else
            {
                Skip();
            }
        }

        return new Challenge(meta ?? new Meta());
    }

    private ResultsCommand ParseResults()
    {
        string? cmdId = null, msgRef = null, cmdRef = null, targetRef = null, sourceRef = null;
        Meta? meta = null;
        var items = ImmutableArray.CreateBuilder<Item>();
        int depth = _reader.Depth;
        bool empty = _reader.IsEmptyElement;
        while (!empty && NextChild(depth, "Results"))
        {
            switch (Canon(s_resultsFields))
            {
                case "CmdID": cmdId = ReadTrimmed("CmdID"); break;
                case "MsgRef": msgRef = ReadTrimmed("MsgRef"); break;
                case "CmdRef": cmdRef = ReadTrimmed("CmdRef"); break;
                case "Meta": meta = ParseMeta(); break;
                case "TargetRef": targetRef = ReadTrimmed("TargetRef"); break;
                case "SourceRef": sourceRef = ReadTrimmed("SourceRef"); break;
                case "Item": items.Add(ParseItem()); break;
                default: Skip(); break; // r12 carries a Cmd the DTD does not allow in Results
            }
        }

        return new ResultsCommand(cmdId, msgRef, cmdRef, items.ToImmutable(), meta, targetRef, sourceRef);
    }

    private UnknownCommand ParseUnknown()
    {
        string name = _reader.LocalName;
        string? cmdId = null;
        int depth = _reader.Depth;
        bool empty = _reader.IsEmptyElement;
        while (!empty && NextChild(depth, name))
        {
            if (Canon(s_unknownFields) == "CmdID")
            {
                cmdId = ReadTrimmed("CmdID");
            }
            else
            {
                Skip();
            }
        }

        return new UnknownCommand(name, cmdId);
    }

    private Item ParseItem()
    {
        string? targetUri = null, sourceUri = null;
        Meta? meta = null;
        ItemData? data = null;
        int depth = _reader.Depth;
        bool empty = _reader.IsEmptyElement;
        while (!empty && NextChild(depth, "Item"))
        {
            switch (Canon(s_itemFields))
            {
                case "Target": targetUri = ParseLocation("Target").Uri; break;
                case "Source": sourceUri = ParseLocation("Source").Uri; break;
                case "Meta": meta = ParseMeta(); break;
                case "Data": data = ParseItemData(); break;
                default: Skip(); break; // SourceParent, TargetParent
            }
        }

        return new Item(targetUri, sourceUri, meta, data);
    }

    /// <summary>Item Data, kept exactly (OMA-DM RepPro §4.1.3.1: markup is escaped or in CDATA; both carry the same value).</summary>
    /// <remarks>
    /// Comments are skipped. Plain text keeps all its whitespace (r36's trailing space). When Data holds CDATA
    /// (IsCData), whitespace-only text before the first and after the last section is layout, not value (r39 indents
    /// its CDATA). When Data holds child elements (unescaped XML, which Windows rejects), the value is their XML text.
    /// </remarks>
    private ItemData ParseItemData()
    {
        if (_reader.IsEmptyElement)
        {
            return new ItemData("");
        }

        var pieces = _dataPieces;
        pieces.Clear();
        bool hasCData = false, hasMarkup = false;
        while (_reader.Read())
        {
            switch (_reader.NodeType)
            {
                case XmlNodeType.Text or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    pieces.Add((XmlNodeType.Text, _reader.Value));
                    break;
                case XmlNodeType.CDATA:
                    hasCData = true;
                    pieces.Add((XmlNodeType.CDATA, _reader.Value));
                    break;
                case XmlNodeType.Element:
                    CheckDepth();
                    hasMarkup = true;
                    pieces.Add((XmlNodeType.Element, ReadMarkup()));
                    break;
                case XmlNodeType.EndElement:
                    return AssembleData(pieces, hasCData, hasMarkup);
            }
        }

        return AssembleData(pieces, hasCData, hasMarkup);
    }

    private static ItemData AssembleData(List<(XmlNodeType Kind, string Value)> pieces, bool hasCData, bool hasMarkup)
    {
        if (pieces.Count == 0)
        {
            return new ItemData("");
        }

        if (pieces.Count == 1 && !hasMarkup)
        {
            return new ItemData(pieces[0].Value, hasCData);
        }

        var value = new StringBuilder();
        if (hasMarkup)
        {
            foreach (var (kind, text) in pieces)
            {
                _ = kind switch
                {
                    XmlNodeType.Text => AppendEscaped(value, text, attribute: false),
                    XmlNodeType.CDATA => value.Append("<![CDATA[").Append(text).Append("]]>"),
                    _ => value.Append(text),
                };
            }

            return new ItemData(value.ToString());
        }

        int first = 0, last = pieces.Count - 1;
        if (hasCData)
        {
            while (pieces[first].Kind != XmlNodeType.CDATA && string.IsNullOrWhiteSpace(pieces[first].Value)) first++;
            while (pieces[last].Kind != XmlNodeType.CDATA && string.IsNullOrWhiteSpace(pieces[last].Value)) last--;
        }

        for (int i = first; i <= last; i++)
        {
            value.Append(pieces[i].Value);
        }

        return new ItemData(value.ToString(), hasCData);
    }

    /// <summary>The XML text of the element the reader is on, with its subtree (comments dropped); leaves the reader on its end.</summary>
    private string ReadMarkup()
    {
        var markup = new StringBuilder();
        int baseDepth = _reader.Depth;
        do
        {
            switch (_reader.NodeType)
            {
                case XmlNodeType.Element:
                    if (_reader.Depth > baseDepth) CheckDepth();
                    markup.Append('<').Append(_reader.Name);
                    bool isEmpty = _reader.IsEmptyElement;
                    while (_reader.MoveToNextAttribute())
                    {
                        markup.Append(' ').Append(_reader.Name).Append("=\"");
                        AppendEscaped(markup, _reader.Value, attribute: true).Append('"');
                    }

                    _reader.MoveToElement();
                    markup.Append(isEmpty ? "/>" : ">");
                    if (isEmpty && _reader.Depth == baseDepth) return markup.ToString();
                    break;
                case XmlNodeType.Text or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    AppendEscaped(markup, _reader.Value, attribute: false);
                    break;
                case XmlNodeType.CDATA:
                    markup.Append("<![CDATA[").Append(_reader.Value).Append("]]>");
                    break;
                case XmlNodeType.EndElement:
                    markup.Append("</").Append(_reader.Name).Append('>');
                    if (_reader.Depth == baseDepth) return markup.ToString();
                    break;
            }
        }
        while (_reader.Read());

        return markup.ToString();
    }

    private static StringBuilder AppendEscaped(StringBuilder builder, string text, bool attribute)
    {
        foreach (char c in text)
        {
            _ = c switch
            {
                '&' => builder.Append("&amp;"),
                '<' => builder.Append("&lt;"),
                '>' => builder.Append("&gt;"),
                '"' when attribute => builder.Append("&quot;"),
                '\r' => builder.Append("&#xD;"),
                _ => builder.Append(c),
            };
        }

        return builder;
    }

    /// <summary>Advances to the next child element of the element at <paramref name="depth"/>; false at its end tag.</summary>
    private bool NextChild(int depth, string parentName)
    {
        while (_reader.Read())
        {
            switch (_reader.NodeType)
            {
                case XmlNodeType.Element:
                    CheckDepth();
                    return true;
                case XmlNodeType.EndElement when _reader.Depth == depth:
                    return false;
                case XmlNodeType.Text or XmlNodeType.CDATA:
                    OnStrayText(parentName);
                    break;
            }
        }

        return false;
    }

    private void OnStrayText(string? parentName)
    {
        string text = _reader.Value;
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        if (parentName == "SyncBody" && text.Trim() is "<Final/>" or "<Final />")
        {
            // LAPS CSP doc samples (r01, r02) end the body with the escaped text &lt;Final/&gt; (spec digest B, note).
            Quirk(DiagnosticCodes.EscapedFinal, "<SyncBody> holds the escaped text \"<Final/>\" instead of a <Final/> element", "read as Final");
            _escapedFinal = true;
            return;
        }

        string where = parentName is null ? "at the top level" : $"directly inside <{parentName}>";
        Quirk(DiagnosticCodes.Text, $"text \"{Excerpt(text)}\" {where}, where only elements belong", "ignored");
    }

    private static string Excerpt(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length <= 40 ? trimmed : string.Concat(trimmed.AsSpan(0, 40), "...");
    }

    /// <summary>The text content of a text-only element (CmdID, LocURI, Format ...), comments skipped; leaves the reader on its end tag.</summary>
    private string ReadText(string elementName)
    {
        if (_reader.IsEmptyElement)
        {
            return "";
        }

        string? single = null;
        StringBuilder? many = null;
        while (_reader.Read())
        {
            switch (_reader.NodeType)
            {
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    if (single is null)
                    {
                        single = _reader.Value;
                    }
                    else
                    {
                        (many ??= new StringBuilder(single)).Append(_reader.Value);
                    }

                    break;
                case XmlNodeType.Element:
                    CheckDepth();
                    Quirk(DiagnosticCodes.Structure, $"element <{_reader.LocalName}> inside <{elementName}>, which holds only text", "ignored");
                    Skip();
                    break;
                case XmlNodeType.EndElement:
                    return many?.ToString() ?? single ?? "";
            }
        }

        return many?.ToString() ?? single ?? "";
    }

    private string ReadTrimmed(string elementName) => ReadText(elementName).Trim();

    /// <summary>Skips the element the reader is on with its subtree, still enforcing the depth limit.</summary>
    private void Skip()
    {
        if (_reader.IsEmptyElement)
        {
            return;
        }

        int depth = _reader.Depth;
        while (_reader.Read())
        {
            if (_reader.NodeType == XmlNodeType.Element)
            {
                CheckDepth();
            }
            else if (_reader.NodeType == XmlNodeType.EndElement && _reader.Depth == depth)
            {
                return;
            }
        }
    }

    /// <summary>The canonical name of the current element among <paramref name="fields"/>; a case variant (r01's CmdId)
    /// is a quirk. Null when the element is none of them.</summary>
    private string? Canon(string[] fields)
    {
        string name = _reader.LocalName;
        foreach (string field in fields)
        {
            if (string.Equals(field, name, StringComparison.Ordinal)) return field;
        }

        foreach (string field in fields)
        {
            if (string.Equals(field, name, StringComparison.OrdinalIgnoreCase))
            {
                Quirk(DiagnosticCodes.ElementCase, $"<{name}> is not <{field}>: SyncML element names are case-sensitive", $"read as <{field}>");
                return field;
            }
        }

        return null;
    }

    private void CheckDepth()
    {
        int depth = _reader.Depth + 1;
        if (depth > _options.MaxDepth)
        {
            throw Abort(DiagnosticCodes.TooDeep, string.Create(CultureInfo.InvariantCulture,
                $"<{_reader.LocalName}> is nested {depth} elements deep; the limit is {_options.MaxDepth}"));
        }
    }

    private void Quirk(string code, string problem, string leniency) => Quirk(code, problem, leniency, Line, Column);

    /// <summary>A known defect of real messages: the refusal in strict mode, a warning saying how it was read in lenient mode.</summary>
    private void Quirk(string code, string problem, string leniency, int line, int column)
    {
        if (!_options.AllowQuirks)
        {
            throw Abort(code, problem + "; refused in strict mode (lenient reading with AllowQuirks: " + leniency + ")", line, column);
        }

        _diagnostics.Add(new SyncMLDiagnostic(DiagnosticSeverity.Warning, code, problem + "; " + leniency, line, column));
    }

    private ReadAbortedException Abort(string code, string message) => Abort(code, message, Line, Column);

    private static ReadAbortedException Abort(string code, string message, int line, int column) =>
        new(new SyncMLDiagnostic(DiagnosticSeverity.Error, code, message, line, column));
}
