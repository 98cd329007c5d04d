using LapsCsp.SyncML.Writing;
using System.Text;
using System.Xml;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.Fleet.Session;

/// <summary>Writes the messages a Windows DM client sends, in the layout of the real captures (r20, r22, r24, e10).</summary>
/// <remarks>
/// Byte shape of those captures: no XML declaration, two-space indentation with LF (or one line), empty elements as
/// <c>&lt;Final/&gt;</c>, Meta children with their own <c>xmlns="syncml:metinf"</c>. Element order follows the OMA DTD
/// (MS-MDM 2.2.1) except where Windows was seen to differ: inside an Alert's Item the Meta lists Type before Format
/// (the 1226 generic alert of e10); the SyncHdr Cred's Meta lists Format before Type (e12). A client sends only Status,
/// Results, Alert and item commands (the DevInfo Replace); anything else is a bug and throws.
/// </remarks>
public static class ClientMessageWriter
{
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static byte[] Write(SyncMLMessage message, bool indent = true)
    {
        ArgumentNullException.ThrowIfNull(message);
        var settings = new XmlWriterSettings
        {
            Encoding = s_utf8,
            Indent = indent,
            IndentChars = "  ",
            NewLineChars = "\n",
            NewLineHandling = NewLineHandling.Entitize,
            OmitXmlDeclaration = true,
            CheckCharacters = true,
        };
        var text = new StringBuilder(1024);
        using (var w = XmlWriter.Create(text, settings))
        {
            w.WriteStartElement("SyncML", SyncMLMessage.Namespace);
            Header(w, message.Header);
            w.WriteStartElement("SyncBody");
            foreach (var command in message.Commands) Command(w, command);
            if (message.Final)
            {
                w.WriteStartElement("Final");
                w.WriteEndElement();
            }

            w.WriteEndElement();
            w.WriteEndElement();
        }

        // XmlWriter writes empty elements as "<Final />"; Windows writes "<Final/>". Text and attribute values never hold
        // " />" here: XmlWriter escapes '>' in both.
        return s_utf8.GetBytes(text.Replace(" />", "/>").ToString());
    }

    public static string WriteToString(SyncMLMessage message, bool indent = true) => s_utf8.GetString(Write(message, indent));

    private static void Header(XmlWriter w, SyncHeader h)
    {
        w.WriteStartElement("SyncHdr");
        Text(w, "VerDTD", h.VerDtd);
        Text(w, "VerProto", h.VerProto);
        Text(w, "SessionID", h.SessionId);
        Text(w, "MsgID", h.MsgId);
        Location(w, "Target", h.TargetUri, h.TargetName);
        Location(w, "Source", h.SourceUri, h.SourceName);
        if (h.Cred is { } cred)
        {
            w.WriteStartElement("Cred");
            MetaElement(w, cred.Meta, typeFirst: false);
            Text(w, "Data", cred.Data);
            w.WriteEndElement();
        }

        MetaElement(w, h.Meta, typeFirst: false);
        w.WriteEndElement();
    }

    private static void Command(XmlWriter w, SyncCommand command)
    {
        switch (command)
        {
            case StatusCommand s:
                w.WriteStartElement("Status");
                Text(w, "CmdID", s.CmdId);
                Text(w, "MsgRef", s.MsgRef);
                Text(w, "CmdRef", s.CmdRef);
                Text(w, "Cmd", s.Cmd);
                foreach (var target in s.TargetRefs) Text(w, "TargetRef", target);
                foreach (var source in s.SourceRefs) Text(w, "SourceRef", source);
                if (s.Chal is { } chal)
                {
                    w.WriteStartElement("Chal");
                    MetaElement(w, chal.Meta, typeFirst: false);
                    w.WriteEndElement();
                }

                Text(w, "Data", s.Code);
                Items(w, s.Items, typeFirst: false);
                break;
            case ResultsCommand r:
                w.WriteStartElement("Results");
                Text(w, "CmdID", r.CmdId);
                Text(w, "MsgRef", r.MsgRef);
                Text(w, "CmdRef", r.CmdRef);
                MetaElement(w, r.Meta, typeFirst: false);
                Text(w, "TargetRef", r.TargetRef);
                Text(w, "SourceRef", r.SourceRef);
                Items(w, r.Items, typeFirst: false);
                break;
            case AlertCommand a:
                w.WriteStartElement("Alert");
                Text(w, "CmdID", a.CmdId);
                MetaElement(w, a.Meta, typeFirst: true);
                Text(w, "Data", a.Code);
                Items(w, a.Items, typeFirst: true);
                break;
            case ItemCommand c:
                w.WriteStartElement(c.ElementName);
                Text(w, "CmdID", c.CmdId);
                MetaElement(w, c.Meta, typeFirst: false);
                Items(w, c.Items, typeFirst: false);
                break;
            default:
                throw new ArgumentException($"a DM client does not send <{command.ElementName}>", nameof(command));
        }

        w.WriteEndElement();
    }

    private static void Items(XmlWriter w, IEnumerable<Item> items, bool typeFirst)
    {
        foreach (var item in items)
        {
            w.WriteStartElement("Item");
            Location(w, "Target", item.TargetUri, null);
            Location(w, "Source", item.SourceUri, null);
            MetaElement(w, item.Meta, typeFirst);
            if (item.Data is { } data)
            {
                w.WriteStartElement("Data");
                if (data.IsCData) w.WriteCData(data.Value);
                else w.WriteString(data.Value);
                w.WriteEndElement();
            }

            w.WriteEndElement();
        }
    }

    private static void MetaElement(XmlWriter w, Meta? meta, bool typeFirst)
    {
        SyncMLWriter.WriteMeta(w, meta, typeFirst);
    }

    private static void Location(XmlWriter w, string element, string? uri, string? name)
    {
        if (uri is null && name is null) return;
        w.WriteStartElement(element);
        Text(w, "LocURI", uri);
        Text(w, "LocName", name);
        w.WriteEndElement();
    }

    private static void Text(XmlWriter w, string element, string? value)
    {
        if (value is null) return;
        w.WriteStartElement(element);
        w.WriteString(value);
        w.WriteEndElement();
    }
}
