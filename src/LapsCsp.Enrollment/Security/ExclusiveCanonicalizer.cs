using System.Text;
using System.Xml.Linq;

namespace LapsCsp.Enrollment.Security;

/// <summary>Exclusive XML Canonicalization 1.0 without comments (W3C xml-exc-c14n, no InclusiveNamespaces prefix list)
/// of one element subtree: enough for the Certificate policy's signature over <c>u:Timestamp</c> and <c>ds:SignedInfo</c>
/// without a package outside the framework.</summary>
/// <remarks>Rules applied: a namespace declaration is output on an element only where it is visibly used (by the
/// element's or an attribute's prefix) and not already output by an output ancestor with the same value; declarations
/// sorted by prefix, attributes by namespace URI then local name; empty elements as start/end pairs; text escapes
/// <c>&amp; &lt; &gt;</c> and CR, attribute values also <c>" TAB LF</c>. Comments and processing instructions are
/// dropped (the readers ignore them anyway). The prefixes are those in scope in the tree (LINQ to XML resolves them from
/// the declarations, so a namespace bound to two prefixes on one path is outside what this covers).</remarks>
internal static class ExclusiveCanonicalizer
{
    public static byte[] Canonicalize(XElement apex)
    {
        var builder = new StringBuilder();
        Write(apex, builder, new Dictionary<string, string>(StringComparer.Ordinal));
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static void Write(XElement element, StringBuilder output, Dictionary<string, string> renderedByAncestors)
    {
        string elementPrefix = PrefixOf(element, element.Name.Namespace);
        var utilized = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [elementPrefix] = element.Name.NamespaceName,
        };
        var attributes = new List<(string Ns, string Local, string QName, string Value)>();
        foreach (var attribute in element.Attributes())
        {
            if (attribute.IsNamespaceDeclaration)
            {
                continue;
            }

            string ns = attribute.Name.NamespaceName;
            string qname = attribute.Name.LocalName;
            if (ns.Length > 0)
            {
                string prefix = attribute.Name.Namespace == XNamespace.Xml ? "xml" : PrefixOf(element, attribute.Name.Namespace);
                qname = prefix + ":" + qname;
                if (prefix != "xml")
                {
                    utilized[prefix] = ns;
                }
            }

            attributes.Add((ns, attribute.Name.LocalName, qname, attribute.Value));
        }

        var rendered = new Dictionary<string, string>(renderedByAncestors, StringComparer.Ordinal);
        output.Append('<').Append(QualifiedName(elementPrefix, element.Name.LocalName));
        foreach (var (prefix, ns) in utilized)
        {
            bool alreadyRendered = rendered.TryGetValue(prefix, out var existing) && existing == ns;

            // An unqualified element with no default namespace in effect needs no xmlns="" unless an output ancestor set one.
            bool emptyDefaultNotNeeded = prefix.Length == 0 && ns.Length == 0 && !rendered.ContainsKey("");
            if (alreadyRendered || emptyDefaultNotNeeded)
            {
                continue;
            }

            output.Append(prefix.Length == 0 ? " xmlns=\"" : " xmlns:" + prefix + "=\"").Append(EscapeAttribute(ns)).Append('"');
            rendered[prefix] = ns;
        }

        foreach (var attribute in attributes.OrderBy(a => a.Ns, StringComparer.Ordinal).ThenBy(a => a.Local, StringComparer.Ordinal))
        {
            output.Append(' ').Append(attribute.QName).Append("=\"").Append(EscapeAttribute(attribute.Value)).Append('"');
        }

        output.Append('>');
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XElement child:
                    Write(child, output, rendered);
                    break;
                case XText text:
                    output.Append(EscapeText(text.Value));
                    break;
            }
        }

        output.Append("</").Append(QualifiedName(elementPrefix, element.Name.LocalName)).Append('>');
    }

    private static string PrefixOf(XElement element, XNamespace ns)
    {
        if (ns == XNamespace.None)
        {
            return "";
        }

        // The default namespace wins for the element name when it is the one in scope.
        if (element.GetDefaultNamespace() == ns && element.Name.Namespace == ns)
        {
            return "";
        }

        return element.GetPrefixOfNamespace(ns) ?? "";
    }

    private static string QualifiedName(string prefix, string local) => prefix.Length == 0 ? local : prefix + ":" + local;

    private static string EscapeText(string value) =>
        value.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\r", "&#xD;", StringComparison.Ordinal);

    private static string EscapeAttribute(string value) =>
        value.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace("\"", "&quot;", StringComparison.Ordinal).Replace("\t", "&#x9;", StringComparison.Ordinal)
            .Replace("\n", "&#xA;", StringComparison.Ordinal).Replace("\r", "&#xD;", StringComparison.Ordinal);
}
