using System.Text;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Writing;

namespace LapsCsp.Fleet.Session;

/// <summary>Writes the messages a Windows DM client sends, in the layout of the real captures (r20, r22, r24, e10).</summary>
/// <remarks>
/// Byte shape of those captures: no XML declaration, two-space indentation with LF (or one line), empty elements as
/// <c>&lt;Final/&gt;</c>, Meta children with their own <c>xmlns="syncml:metinf"</c>. Element order follows the OMA DTD
/// (MS-MDM 2.2.1) except where Windows was seen to differ: inside an Alert's Item the Meta lists Type before Format
/// (the 1226 generic alert of e10); the SyncHdr Cred's Meta lists Format before Type (e12). <see cref="SyncMLWriter"/>
/// writes all of it; this adds the client's empty-element form.
/// </remarks>
public static class ClientMessageWriter
{
    private static readonly SyncMLWriterOptions s_indented = new() { Indent = true, AlertMetaTypeFirst = true };
    private static readonly SyncMLWriterOptions s_oneLine = new() { Indent = false, AlertMetaTypeFirst = true };

    public static byte[] Write(SyncMLMessage message, bool indent = true) => Encoding.UTF8.GetBytes(WriteToString(message, indent));

    public static string WriteToString(SyncMLMessage message, bool indent = true)
    {
        ArgumentNullException.ThrowIfNull(message);
        // XmlWriter writes empty elements as "<Final />"; Windows writes "<Final/>". Text and attribute values never hold
        // " />" here: XmlWriter escapes '>' in both.
        return SyncMLWriter.WriteToString(message, indent ? s_indented : s_oneLine).Replace(" />", "/>", StringComparison.Ordinal);
    }
}
