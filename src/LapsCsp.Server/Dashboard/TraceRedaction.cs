using System.Collections.Frozen;
using System.Xml;
using System.Xml.Linq;

namespace LapsCsp.Server.Dashboard;

/// <summary>Takes the secrets out of a SyncML message before the dashboard shows it, whatever source recorded it.</summary>
/// <remarks>
/// The dashboard shows no password (the Graph API shows one only to a caller holding <c>password/read</c>, and audits it).
/// Redacted: the <c>Data</c> of <c>SyncHdr/Cred</c> (basic credentials are base64 of name:password; MS-MDM 2.2.4.2) and
/// the <c>Data</c> of every <c>Item</c> whose Target or Source LocURI ends in a secret node: Accounts CSP
/// <c>Users/{name}/Password</c>, DMAcc <c>AAuthSecret</c> and <c>AAuthData</c>, ClientCertificateInstall
/// <c>PFXCertPassword</c> and <c>PFXCertBlob</c> (a private key). A body that is not well-formed XML cannot be checked, so it
/// is not shown; a recorder's note (one parenthesised line without markup, such as "message too large") is shown as it is.
/// Parsing follows the reader's rules: DTDs prohibited, no resolver, a size cap.
/// </remarks>
internal static class TraceRedaction
{
    public const string Redacted = "(redacted)";

    public const string Unreadable = "(not shown: the message is not well-formed XML, so its secrets could not be redacted)";

    private static readonly FrozenSet<string> s_secretNodes =
        new[] { "Password", "AAuthSecret", "AAuthData", "PFXCertPassword", "PFXCertBlob" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly XmlReaderSettings s_settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = 16 * 1024 * 1024,
        MaxCharactersFromEntities = 0,
        IgnoreProcessingInstructions = true,
    };

    /// <summary>The body with its secrets replaced by <see cref="Redacted"/>, indented for reading.</summary>
    public static string Redact(string body)
    {
        var trimmed = body.AsSpan().Trim();
        if (trimmed.IsEmpty) return "";
        if (trimmed[0] != '<') return IsNote(trimmed) ? body : Unreadable;
        XDocument document;
        try
        {
            using var text = new StringReader(body);
            using var reader = XmlReader.Create(text, s_settings);
            document = XDocument.Load(reader);
        }
        catch (XmlException)
        {
            return Unreadable;
        }

        foreach (var element in document.Descendants())
        {
            var name = element.Name.LocalName;
            if (name == "Cred" || (name == "Item" && IsSecret(element)))
            {
                foreach (var data in element.Elements().Where(e => e.Name.LocalName == "Data")) data.ReplaceNodes(Redacted);
            }
        }

        return document.ToString();
    }

    /// <summary>A recorder's note: one parenthesised line without markup.</summary>
    private static bool IsNote(ReadOnlySpan<char> text) =>
        text[0] == '(' && text[^1] == ')' && !text.ContainsAny('<', '\n');

    private static bool IsSecret(XElement item) =>
        item.Elements()
            .Where(e => e.Name.LocalName is "Target" or "Source")
            .SelectMany(e => e.Elements().Where(u => u.Name.LocalName == "LocURI"))
            .Any(uri => s_secretNodes.Contains(LastSegment(uri.Value.Trim())));

    private static string LastSegment(string uri)
    {
        var path = uri.TrimEnd('/');
        var query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0) path = path[..query];
        return path[(path.LastIndexOf('/') + 1)..];
    }
}
