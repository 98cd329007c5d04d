using System.Collections.Immutable;
using LapsCsp.Ddf.Model;
using LapsCsp.Tree.Paths;

namespace LapsCsp.Tree.Schema;

/// <summary>The node definitions of every CSP a device serves, merged into one tree and indexed for URI lookup.</summary>
/// <remarks>Each DDF root hangs under its Path (e.g. <c>./Device/Vendor/MSFT</c>); the nodes above it (<c>Vendor</c>,
/// <c>MSFT</c>) are implicit interior nodes that only answer Get with their child list. Nothing here knows about LAPS.</remarks>
public sealed class CspSchema
{
    private CspSchema(SchemaNode root, ImmutableArray<DdfDocument> documents)
    {
        Root = root;
        Documents = documents;
    }

    public SchemaNode Root { get; }

    public ImmutableArray<DdfDocument> Documents { get; }

    public static CspSchema Build(IEnumerable<DdfDocument> documents)
    {
        var docs = documents.ToImmutableArray();
        var root = SchemaNode.Implicit(".");
        foreach (var doc in docs)
        {
            foreach (var ddfRoot in doc.Roots)
            {
                if (!CspPath.TryParse(ddfRoot.ParentPath, out var parent, out var error))
                {
                    throw new ArgumentException($"DDF root {ddfRoot.Node.Name} has a bad Path '{ddfRoot.ParentPath}': {error}");
                }

                var at = root;
                foreach (var segment in parent.Segments)
                {
                    at = at.GetOrAddImplicit(segment);
                }

                at.Attach(SchemaNode.FromDdf(ddfRoot.Node, at));
            }
        }

        return new CspSchema(root, docs);
    }

    /// <summary>Finds the definition for a concrete path. Static names follow the node's CaseSense; any name matches a
    /// dynamic node. Returns the path with static segments in their DDF spelling.</summary>
    public bool TryResolve(CspPath path, out ResolvedNode resolved)
    {
        resolved = default;
        var node = Root;
        var canonical = ImmutableArray.CreateBuilder<string>(path.Depth);
        foreach (var segment in path.Segments)
        {
            var next = node.FindChild(segment, out var name);
            if (next is null) return false;
            canonical.Add(name);
            node = next;
        }

        resolved = new ResolvedNode(node, CspPath.FromSegments(path.Scope, canonical.MoveToImmutable()));
        return true;
    }
}

/// <summary>A path matched to its definition.</summary>
public readonly record struct ResolvedNode(SchemaNode Node, CspPath Path);

/// <summary>A node of the merged schema: a DDF node, or an implicit interior node above the CSP roots.</summary>
public sealed class SchemaNode
{
    private readonly List<SchemaNode> _children = [];
    private readonly Dictionary<string, SchemaNode> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SchemaNode> _byNameIgnoreCase = new(StringComparer.OrdinalIgnoreCase);

    private SchemaNode(string name, DdfNode? definition, SchemaNode? parent)
    {
        Name = name;
        Definition = definition;
        Parent = parent;
    }

    public string Name { get; }

    /// <summary>The DDF node; null for implicit nodes such as <c>Vendor</c>.</summary>
    public DdfNode? Definition { get; }

    public SchemaNode? Parent { get; }

    public IReadOnlyList<SchemaNode> Children => _children;

    public SchemaNode? DynamicChild { get; private set; }

    public bool IsImplicit => Definition is null;

    public bool IsDynamic => Definition?.IsDynamic == true;

    public bool IsInterior => Definition is null || Definition.IsInterior;

    public DdfFormat Format => Definition?.Format ?? DdfFormat.Node;

    public AccessTypes Access => Definition?.Access ?? AccessTypes.Get;

    public NodeScope Scope => Definition?.Scope ?? NodeScope.Permanent;

    /// <summary>Whether the node exists without being added: permanent nodes and nodes of Occurrence One whose parent exists.</summary>
    public bool ExistsImplicitly =>
        Definition is null || (!Definition.IsDynamic && Definition.Format == DdfFormat.Node &&
                               (Definition.Scope == NodeScope.Permanent || Definition.Occurrence == Occurrence.One));

    /// <summary>The nearest MSFT:AtomicRequired node at or above this one, or null.</summary>
    public SchemaNode? AtomicRequiredAncestor
    {
        get
        {
            for (var n = this; n is not null; n = n.Parent)
            {
                if (n.Definition?.AtomicRequired == true) return n;
            }

            return null;
        }
    }

    /// <summary>The MSFT:Applicability blocks that apply: this node's and every ancestor's.</summary>
    public IEnumerable<Applicability> ApplicabilityChain
    {
        get
        {
            for (var n = this; n is not null; n = n.Parent)
            {
                if (n.Definition?.Applicability is { } a) yield return a;
            }
        }
    }

    internal static SchemaNode Implicit(string name) => new(name, null, null);

    internal SchemaNode GetOrAddImplicit(string segment)
    {
        if (_byName.TryGetValue(segment, out var existing)) return existing;
        var node = new SchemaNode(segment, null, this);
        Add(node);
        return node;
    }

    internal void Attach(SchemaNode child)
    {
        if (_byName.ContainsKey(child.Name))
        {
            throw new ArgumentException($"two CSPs define {child.Name} under {Name}");
        }

        Add(child);
    }

    internal static SchemaNode FromDdf(DdfNode definition, SchemaNode? parent)
    {
        var node = new SchemaNode(definition.Name, definition, parent);
        foreach (var child in definition.Children)
        {
            node.Add(FromDdf(child, node));
        }

        return node;
    }

    private void Add(SchemaNode child)
    {
        _children.Add(child);
        if (child.IsDynamic)
        {
            DynamicChild = child;
            return;
        }

        _byName[child.Name] = child;
        _byNameIgnoreCase.TryAdd(child.Name, child);
    }

    /// <summary>Finds the child a segment addresses and the name to store it under.</summary>
    internal SchemaNode? FindChild(string segment, out string name)
    {
        name = segment;
        if (_byName.TryGetValue(segment, out var exact)) return exact;
        if (_byNameIgnoreCase.TryGetValue(segment, out var loose) &&
            (loose.Definition is null || loose.Definition.CaseSense == CaseSense.Insensitive || IsImplicit))
        {
            name = loose.Name;
            return loose;
        }

        return DynamicChild;
    }

    public override string ToString() => Definition?.DisplayName ?? Name;
}
