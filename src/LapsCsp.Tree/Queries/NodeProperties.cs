using System.Text;
using LapsCsp.Ddf.Model;
using LapsCsp.Tree.Commands;
using LapsCsp.Tree.Paths;
using LapsCsp.Tree.Schema;
using LapsCsp.Tree.Validation;

namespace LapsCsp.Tree.Queries;

/// <summary>The run-time node properties of OMA-DM TND 1.2 §8.3.1, read by <c>Get &lt;uri&gt;?prop=&lt;Name&gt;</c>.</summary>
public enum NodeProperty
{
    ACL,
    Format,
    Name,
    Size,
    Title,
    TStamp,
    Type,
    VerNo,
}

/// <summary>Which node properties the tree answers, and their values.</summary>
/// <remarks>
/// <para>Answered (all as Meta Format chr, TND §8.3.4: property values are UTF-8 strings, numbers in decimal):</para>
/// <list type="bullet">
/// <item><b>ACL</b> (MUST, §8.3.2). This device keeps no ACLs and checks none: every server may run every command a
/// node's AccessType allows. §8.3.7.1.1: a node whose ACL has no value inherits its parent's, and a Get of its ACL
/// "MUST return an empty data value" rather than the ancestor's; only the root MUST have a value (§8.3.7.1.2). So the
/// root answers <see cref="RootAcl"/> (every command for every server, <c>*</c>), every other node an empty value.</item>
/// <item><b>Format</b> (MUST): the DDF DFFormat; <c>node</c> for interior nodes, including the implicit ones above the
/// CSP roots.</item>
/// <item><b>Name</b> (MUST): the node's name as stored (DDF spelling for static nodes, the name given at Add for
/// dynamic ones); <c>.</c> for the root.</item>
/// <item><b>Type</b> (MUST): the DDF DFType MIME, which is also the Meta Type a Get of the node sends (Accounts leaves
/// <c>text/plain</c>, the Accounts root <c>com.microsoft/1.0/MDM/Accounts</c>). Where the DDF has an empty MIME (every
/// LAPS node) or only DDFName, the value is empty: §8.3.5 gives properties without a value an empty Data.</item>
/// <item><b>Size</b> (MAY for leaves, MUST NOT for interior nodes): the length in bytes of the UTF-8 value a Get of the
/// leaf returns. Interior nodes answer 406. A leaf whose AccessType has no Get (Accounts <c>Users/NAME/Password</c>)
/// answers 405, because its size would disclose the length of a value the node does not let servers read.</item>
/// </list>
/// <para>Not answered, 406 Optional feature not supported (§8.3.3: "an unsupported property ... (406)"):</para>
/// <list type="bullet">
/// <item><b>Title</b> (MAY): set only by servers or software updates (§8.3.5), and this device stores none. The DDF
/// DFTitle is a description-framework property "not explicitly present at run-time" (§8.5.4.1.10), and most nodes
/// have none, so it would not be a truthful run-time Title.</item>
/// <item><b>TStamp</b>, <b>VerNo</b> (MAY): the tree keeps no change times or version numbers.</item>
/// </list>
/// </remarks>
public static class NodeProperties
{
    /// <summary>The root ACL: every command for every server (TND §8.3.7.1.5 syntax, commands in alphabetical order).</summary>
    public const string RootAcl = "Add=*&Delete=*&Exec=*&Get=*&Replace=*";

    private static readonly NodeProperty[] s_all = Enum.GetValues<NodeProperty>();

    /// <summary>Matches a property name exactly as TND §8.3.1 spells it (<c>format</c> is not <c>Format</c>).</summary>
    private static bool TryParse(string name, out NodeProperty property)
    {
        foreach (var candidate in s_all)
        {
            if (string.Equals(candidate.ToString(), name, StringComparison.Ordinal))
            {
                property = candidate;
                return true;
            }
        }

        property = default;
        return false;
    }

    /// <summary>The TND name of a property that matches <paramref name="name"/> but for case, for reasons.</summary>
    private static string? CaseInsensitiveMatch(string name) =>
        s_all.Select(p => p.ToString()).FirstOrDefault(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>TND §8.3.5: every property takes Get; ACL, Name and Title also take Replace; no property takes Add
    /// ("Properties do not support the Add command"), Delete or Exec.</summary>
    private static bool Accepts(NodeProperty property, CspOperation operation) =>
        operation == CspOperation.Get ||
        (operation == CspOperation.Replace && property is NodeProperty.ACL or NodeProperty.Name or NodeProperty.Title);

    /// <summary>The commands a property takes, for reasons.</summary>
    private static string AcceptedCommands(NodeProperty property) =>
        property is NodeProperty.ACL or NodeProperty.Name or NodeProperty.Title ? "Get and Replace" : "Get";

    /// <summary>The refusal of <c>?prop=<paramref name="name"/></c> for <paramref name="operation"/>, or null when the name
    /// is a property (<paramref name="property"/>) that takes the command: 406 for a name TND §8.3.1 does not define
    /// (§8.3.3, with the right spelling when only the case is wrong), 405 for a command the property does not take (§8.3.5).</summary>
    public static CspOutcome? Refuse(string name, CspOperation operation, string where, out NodeProperty property)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!TryParse(name, out property))
        {
            var near = CaseInsensitiveMatch(name);
            return CspOutcome.Fail(CspFault.OptionalFeatureNotSupported, $"?prop={ValueRules.Shorten(name)} is not a node property" +
                (near is null ? " (OMA-DM TND 8.3.1: ACL, Format, Name, Size, Title, TStamp, Type, VerNo)" : $"; property names are case-sensitive: {near}"));
        }

        return Accepts(property, operation)
            ? null
            : CspOutcome.Fail(CspFault.NotAllowed,
                $"{operation} on {where}?prop={property}: the {property} property takes {AcceptedCommands(property)} only (OMA-DM TND 8.3.5)");
    }

    /// <summary>A property's value on a node of the tree that exists.</summary>
    /// <param name="leafData">For leaves, the value a Get of the leaf returns.</param>
    public static CspOutcome Read(NodeProperty property, SchemaNode node, CspPath path, string? leafData)
    {
        ArgumentNullException.ThrowIfNull(node);
        return Read(property, new NodeFacts(path.ToString(), path.Name, path.IsRoot, node.Format, node.Definition?.MimeType,
            node.Access.HasFlag(AccessTypes.Get), leafData));
    }

    /// <summary>A property's value on any node that exists, described by <paramref name="node"/> (the tree's, or the
    /// DevInfo/DevDetail nodes a device answers itself).</summary>
    public static CspOutcome Read(NodeProperty property, NodeFacts node) => property switch
    {
        NodeProperty.ACL => Value(node.IsRoot ? RootAcl : string.Empty),
        NodeProperty.Format => Value(ValueRules.FormatName(node.Format)),
        NodeProperty.Name => Value(node.Name),
        NodeProperty.Type => Value(node.MimeType ?? string.Empty),
        NodeProperty.Size => Size(node),
        NodeProperty.Title => CspOutcome.Fail(CspFault.OptionalFeatureNotSupported,
            $"?prop=Title: this device keeps no node titles (OMA-DM TND 8.3.2: Title is optional; the DDF DFTitle is not a run-time property, TND 8.5.4.1.10)"),
        _ => CspOutcome.Fail(CspFault.OptionalFeatureNotSupported,
            $"?prop={property}: this device keeps no change {(property == NodeProperty.TStamp ? "times" : "version numbers")} (OMA-DM TND 8.3.2: {property} is optional)"),
    };

    private static CspOutcome Size(NodeFacts node)
    {
        if (node.Format == DdfFormat.Node)
        {
            return CspOutcome.Fail(CspFault.OptionalFeatureNotSupported, $"?prop=Size: {node.Where} is an interior node, which has no Size (OMA-DM TND 8.3.2)");
        }

        if (!node.Readable)
        {
            return CspOutcome.Fail(CspFault.NotAllowed,
                $"?prop=Size: {node.Where} has no Get in its AccessType, so the size of its value is not disclosed either");
        }

        return Value(Encoding.UTF8.GetByteCount(node.LeafData ?? string.Empty).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static CspOutcome Value(string data) => new(CspFault.None) { Value = new CspValue(data, DdfFormat.Chr) };
}

/// <summary>What a node shows through its properties.</summary>
/// <param name="Where">The node's URI, for reasons.</param>
/// <param name="Readable">Its AccessType has Get (else its Size is not disclosed).</param>
/// <param name="LeafData">For a leaf, the value a Get returns.</param>
public readonly record struct NodeFacts(string Where, string Name, bool IsRoot, DdfFormat Format, string? MimeType, bool Readable, string? LeafData);
