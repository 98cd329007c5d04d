using System.Collections.Immutable;
using System.Text;
using System.Xml;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.SyncML.Writing;

/// <summary>Writes <see cref="SyncMLMessage"/> records as SyncML DM 1.2 clear XML (UTF-8, no byte order mark).</summary>
/// <remarks>
/// The root is <c>&lt;SyncML xmlns="SYNCML:SYNCML1.2"&gt;</c> (MS-MDM 2.2.4.1) and elements follow the OMA DTD order
/// (MS-MDM 2.2.1: messages MUST follow DTD element order). Meta children carry their own
/// <c>xmlns="syncml:metinf"</c>, as Windows and Microsoft's samples write them. Null optional properties are omitted; an
/// empty string is written as an empty element (a blank CmdRef answers a command without CmdID). Reading the output back
/// gives an equivalent message. A value with characters XML 1.0 cannot carry (most C0 controls) throws ArgumentException.
/// </remarks>
public static class SyncMLWriter
{
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private static readonly XmlWriterSettings[] s_settings = [Settings(false, false), Settings(false, true), Settings(true, false), Settings(true, true)];
    private static readonly SyncMLWriterOptions s_defaults = new();

    public static void Write(SyncMLMessage message, Stream destination, SyncMLWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(destination);
        using var writer = XmlWriter.Create(destination, SettingsFor(options));
        WriteMessage(writer, message, options?.AlertMetaTypeFirst ?? false);
    }

    public static string WriteToString(SyncMLMessage message, SyncMLWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var text = new Utf8StringWriter();
        using (var writer = XmlWriter.Create(text, SettingsFor(options)))
        {
            WriteMessage(writer, message, options?.AlertMetaTypeFirst ?? false);
        }

        return text.ToString();
    }

    public static byte[] WriteToUtf8(SyncMLMessage message, SyncMLWriterOptions? options = null)
    {
        using var stream = new MemoryStream(1024);
        Write(message, stream, options);
        return stream.ToArray();
    }

    private static XmlWriterSettings SettingsFor(SyncMLWriterOptions? options)
    {
        options ??= s_defaults;
        return s_settings[(options.Indent ? 2 : 0) + (options.XmlDeclaration ? 1 : 0)];
    }

    private static XmlWriterSettings Settings(bool indent, bool declaration) => new()
    {
        Encoding = s_utf8,
        Indent = indent,
        IndentChars = "  ",
        NewLineChars = "\n",

        // CR in text becomes &#xD;: a reader turns a literal CR or CRLF into LF (XML 1.0 §2.11), so the value would change.
        NewLineHandling = NewLineHandling.Entitize,
        OmitXmlDeclaration = !declaration,
        CloseOutput = false,
        CheckCharacters = true,
    };

    private static void WriteMessage(XmlWriter w, SyncMLMessage message, bool alertTypeFirst)
    {
        w.WriteStartDocument();
        w.WriteStartElement("SyncML", SyncMLMessage.Namespace);
        WriteHeader(w, message.Header);
        w.WriteStartElement("SyncBody");
        foreach (var command in OrEmpty(message.Commands))
        {
            WriteCommand(w, command, alertTypeFirst);
        }

        if (message.Final)
        {
            w.WriteStartElement("Final");
            w.WriteEndElement();
        }

        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteEndDocument();
    }

    /// <summary>SyncHdr: VerDTD, VerProto, SessionID, MsgID, Target, Source, Cred?, Meta? (MS-MDM 2.2.4.2, OMA DTD).</summary>
    private static void WriteHeader(XmlWriter w, SyncHeader header)
    {
        w.WriteStartElement("SyncHdr");
        Text(w, "VerDTD", header.VerDtd);
        Text(w, "VerProto", header.VerProto);
        Text(w, "SessionID", header.SessionId);
        Text(w, "MsgID", header.MsgId);
        Location(w, "Target", header.TargetUri, header.TargetName);
        Location(w, "Source", header.SourceUri, header.SourceName);
        if (header.Cred is { } cred)
        {
            w.WriteStartElement("Cred");
            MetaElement(w, cred.Meta);
            Text(w, "Data", cred.Data);
            w.WriteEndElement();
        }

        MetaElement(w, header.Meta);
        w.WriteEndElement();
    }

    private static void WriteCommand(XmlWriter w, SyncCommand command, bool alertTypeFirst)
    {
        switch (command)
        {
            case ItemCommand c:
                // Add/Replace/Delete/Get/Copy: CmdID, NoResp?, Cred?, Meta?, Item+; Exec adds Correlator? before Item.
                w.WriteStartElement(c.ElementName);
                Text(w, "CmdID", c.CmdId);
                NoResp(w, c.NoResp);
                MetaElement(w, c.Meta);
                Text(w, "Correlator", c.Correlator);
                Items(w, c.Items);
                break;
            case AlertCommand c:
                w.WriteStartElement("Alert");
                Text(w, "CmdID", c.CmdId);
                WriteMeta(w, c.Meta, alertTypeFirst);
                Text(w, "Data", c.Code);
                Items(w, c.Items, alertTypeFirst);
                break;
            case AtomicCommand c:
                Container(w, "Atomic", c.CmdId, c.NoResp, c.Meta, c.Commands, alertTypeFirst);
                break;
            case SequenceCommand c:
                Container(w, "Sequence", c.CmdId, c.NoResp, c.Meta, c.Commands, alertTypeFirst);
                break;
            case StatusCommand c:
                // Status: CmdID, MsgRef, CmdRef, Cmd, TargetRef*, SourceRef*, Chal?, Data, Item* (OMA RepPro DTD).
                w.WriteStartElement("Status");
                Text(w, "CmdID", c.CmdId);
                Text(w, "MsgRef", c.MsgRef);
                Text(w, "CmdRef", c.CmdRef);
                Text(w, "Cmd", c.Cmd);
                foreach (string target in OrEmpty(c.TargetRefs)) Text(w, "TargetRef", target);
                foreach (string source in OrEmpty(c.SourceRefs)) Text(w, "SourceRef", source);
                if (c.Chal is { } chal)
                {
                    w.WriteStartElement("Chal");
                    MetaElement(w, chal.Meta);
                    w.WriteEndElement();
                }

                Text(w, "Data", c.Code);
                Items(w, c.Items);
                break;
            case ResultsCommand c:
                // Results: CmdID, MsgRef?, CmdRef, Meta?, TargetRef?, SourceRef?, Item+.
                w.WriteStartElement("Results");
                Text(w, "CmdID", c.CmdId);
                Text(w, "MsgRef", c.MsgRef);
                Text(w, "CmdRef", c.CmdRef);
                MetaElement(w, c.Meta);
                Text(w, "TargetRef", c.TargetRef);
                Text(w, "SourceRef", c.SourceRef);
                Items(w, c.Items);
                break;
            case UnknownCommand c:
                w.WriteStartElement(c.Name);
                Text(w, "CmdID", c.CmdId);
                break;
            default:
                throw new ArgumentException($"no SyncML form for command type {command.GetType().Name}", nameof(command));
        }

        w.WriteEndElement();
    }

    private static void Container(XmlWriter w, string name, string? cmdId, bool noResp, Meta? meta, ImmutableArray<SyncCommand> commands, bool alertTypeFirst)
    {
        w.WriteStartElement(name);
        Text(w, "CmdID", cmdId);
        NoResp(w, noResp);
        MetaElement(w, meta);
        foreach (var command in OrEmpty(commands))
        {
            WriteCommand(w, command, alertTypeFirst);
        }
    }

    private static void Items(XmlWriter w, ImmutableArray<Item> items, bool typeFirst = false)
    {
        foreach (var item in OrEmpty(items))
        {
            // Item: Target?, Source?, Meta?, Data?.
            w.WriteStartElement("Item");
            Location(w, "Target", item.TargetUri, name: null);
            Location(w, "Source", item.SourceUri, name: null);
            WriteMeta(w, item.Meta, typeFirst);
            if (item.Data is { } data)
            {
                w.WriteStartElement("Data");
                if (data.IsCData)
                {
                    CData(w, data.Value);
                }
                else
                {
                    w.WriteString(data.Value);
                }

                w.WriteEndElement();
            }

            w.WriteEndElement();
        }
    }

    /// <summary>Writes a value as CDATA that reads back exactly.</summary>
    /// <remarks>A section cannot contain "]]&gt;" (XML 1.0 §2.7), so it is split after "]]"; a reader turns CR into LF inside
    /// CDATA (§2.11), so each CR is written as &amp;#xD; between sections. The value always starts and ends with a section,
    /// so no character reference is mistaken for layout whitespace around the CDATA.</remarks>
    private static void CData(XmlWriter w, string value)
    {
        int start = 0;
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '\r')
            {
                w.WriteCData(value[start..i]);
                w.WriteCharEntity('\r');
                start = i + 1;
            }
            else if (value[i] == ']' && value.AsSpan(i).StartsWith("]]>", StringComparison.Ordinal))
            {
                w.WriteCData(value[start..(i + 2)]);
                start = i + 2;
                i++;
            }
        }

        w.WriteCData(value[start..]);
    }

    private static void MetaElement(XmlWriter w, Meta? meta) => WriteMeta(w, meta);

    /// <summary>Writes a Meta element with its syncml:metinf children. MetInf DTD order: Format?, Type?, Mark?, Size?,
    /// Version?, NextNonce?, MaxMsgSize?, MaxObjSize?; <paramref name="typeFirst"/> puts Type before Format, as Windows
    /// writes it in some client messages (corpus r20).</summary>
    public static void WriteMeta(XmlWriter w, Meta? meta, bool typeFirst = false)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (meta is null)
        {
            return;
        }

        w.WriteStartElement("Meta");
        MetInf(w, typeFirst ? "Type" : "Format", typeFirst ? meta.Type : meta.Format);
        MetInf(w, typeFirst ? "Format" : "Type", typeFirst ? meta.Format : meta.Type);
        MetInf(w, "Mark", meta.Mark);
        MetInf(w, "Size", meta.Size);
        MetInf(w, "Version", meta.Version);
        MetInf(w, "NextNonce", meta.NextNonce);
        MetInf(w, "MaxMsgSize", meta.MaxMsgSize);
        MetInf(w, "MaxObjSize", meta.MaxObjSize);
        w.WriteEndElement();
    }

    private static void MetInf(XmlWriter w, string name, string? value)
    {
        if (value is null)
        {
            return;
        }

        w.WriteStartElement(name, SyncMLMessage.MetInfNamespace);
        w.WriteString(value);
        w.WriteEndElement();
    }

    private static void Location(XmlWriter w, string element, string? uri, string? name)
    {
        if (uri is null && name is null)
        {
            return;
        }

        w.WriteStartElement(element);
        Text(w, "LocURI", uri);
        Text(w, "LocName", name);
        w.WriteEndElement();
    }

    private static void NoResp(XmlWriter w, bool noResp)
    {
        if (noResp)
        {
            w.WriteStartElement("NoResp");
            w.WriteEndElement();
        }
    }

    private static void Text(XmlWriter w, string element, string? value)
    {
        if (value is null)
        {
            return;
        }

        w.WriteStartElement(element);
        w.WriteString(value);
        w.WriteEndElement();
    }

    private static ImmutableArray<T> OrEmpty<T>(ImmutableArray<T> array) => array.IsDefault ? [] : array;

    /// <summary>A StringWriter whose XML declaration says utf-8, the encoding the text will travel in.</summary>
    private sealed class Utf8StringWriter() : StringWriter(new StringBuilder(1024), System.Globalization.CultureInfo.InvariantCulture)
    {
        public override Encoding Encoding => s_utf8;
    }
}
