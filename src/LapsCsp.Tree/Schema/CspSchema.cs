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

        var schema = new CspSchema(root, docs);
        schema.ResolveDependencies(root);
        return schema;
    }

    /// <summary>Finds the definition for a concrete path. Static names follow the node's CaseSense; any name matches a
    /// dynamic node. Returns the path with static segments in their DDF spelling.</summary>
    /// <remarks>When every segment already has its canonical spelling (the usual case), the returned path shares the
    /// segments of <paramref name="path"/> instead of copying them.</remarks>
    public bool TryResolve(CspPath path, out ResolvedNode resolved)
    {
        resolved = default;
        var node = Root;
        var segments = path.Segments;
        ImmutableArray<string>.Builder? canonical = null;
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var next = node.FindChild(segment, out var name);
            if (next is null) return false;
            if (canonical is null && !string.Equals(name, segment, StringComparison.Ordinal))
            {
                canonical = ImmutableArray.CreateBuilder<string>(segments.Length);
                canonical.AddRange(segments, i);
            }

            canonical?.Add(name);
            node = next;
        }

        var resolvedPath = canonical is not null ? CspPath.FromSegments(path.Scope, canonical.MoveToImmutable())
            : path.Query is null ? path : path.WithoutQuery;
        resolved = new ResolvedNode(node, resolvedPath);
        return true;
    }

    /// <summary>Resolves every MSFT:Dependency URI once, after all CSPs are attached (a dependency may name a node of
    /// another CSP), so that judging a write never parses or walks a dependency URI again.</summary>
    private void ResolveDependencies(SchemaNode node)
    {
        if (node.Definition is { } definition && !definition.Dependencies.IsEmpty)
        {
            var groups = ImmutableArray.CreateBuilder<ResolvedDependencyGroup>(definition.Dependencies.Length);
            foreach (var group in definition.Dependencies)
            {
                var targets = ImmutableArray.CreateBuilder<DependencyTarget>(group.Dependencies.Length);
                foreach (var dependency in group.Dependencies)
                {
                    targets.Add(ResolveDependency(dependency));
                }

                groups.Add(new ResolvedDependencyGroup(group, targets.MoveToImmutable()));
            }

            node.DependencyGroups = groups.MoveToImmutable();
        }

        foreach (var child in node.Children)
        {
            ResolveDependencies(child);
        }
    }

    /// <summary>MSFT:Dependency URIs are relative to <c>./Device/</c> unless they start with <c>./</c> (DDFv2Msft.xsd).</summary>
    private DependencyTarget ResolveDependency(Dependency dependency)
    {
        var uri = dependency.Uri.StartsWith("./", StringComparison.Ordinal) ? dependency.Uri : "./Device/" + dependency.Uri.TrimStart('/');
        var trimmed = dependency.Uri.TrimEnd('/');
        var name = trimmed[(trimmed.LastIndexOf('/') + 1)..];
        return CspPath.TryParse(uri, out var path, out _) && TryResolve(path, out var resolved)
            ? new DependencyTarget(dependency, name, resolved.Node, resolved.Path.ToString())
            : new DependencyTarget(dependency, name, null, null);
    }
}

/// <summary>An MSFT:Dependency with its target node resolved at schema build.</summary>
/// <param name="Name">The last segment of the dependency URI, as reasons name it.</param>
/// <param name="Node">The node the URI names, or null when no CSP of the schema defines it (its value is then unset).</param>
/// <param name="StateKey">The canonical URI the node's value is stored under in <see cref="TreeState"/>.</param>
internal sealed record DependencyTarget(Dependency Dependency, string Name, SchemaNode? Node, string? StateKey)
{
    /// <summary>The format the dependency's allowed values are judged in: the target's, else chr.</summary>
    public DdfFormat Format => Node?.Format ?? DdfFormat.Chr;
}

/// <summary>An MSFT:DependencyGroup with its dependencies resolved.</summary>
internal sealed record ResolvedDependencyGroup(DependencyGroup Group, ImmutableArray<DependencyTarget> Dependencies);

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

        // Everything a command needs from the ancestors is fixed once the parent exists: computed here, once, instead
        // of walking the parents for every command.
        Depth = parent is null ? 0 : parent.Depth + 1;
        AtomicRequiredAncestor = definition?.AtomicRequired == true ? this : parent?.AtomicRequiredAncestor;
        var inherited = parent?.Applicabilities ?? [];
        Applicabilities = definition?.Applicability is { } own ? inherited.Insert(0, own) : inherited;
        var explicitAbove = parent?.ExplicitAncestorDepths ?? [];
        ExplicitAncestorDepths = parent is { Depth: > 0, ExistsImplicitly: false } ? explicitAbove.Add(parent.Depth) : explicitAbove;
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

    /// <summary>The number of segments from the root (<c>.</c> is 0, <c>./Device/Vendor</c> is 1).</summary>
    public int Depth { get; }

    /// <summary>The nearest MSFT:AtomicRequired node at or above this one, or null.</summary>
    public SchemaNode? AtomicRequiredAncestor { get; }

    /// <summary>The MSFT:Applicability blocks that apply: this node's and every ancestor's.</summary>
    public IEnumerable<Applicability> ApplicabilityChain => Applicabilities;

    /// <summary>The MSFT:Applicability blocks of this node and its ancestors, innermost first.</summary>
    internal ImmutableArray<Applicability> Applicabilities { get; }

    /// <summary>Depths of the ancestors (below the root) that do not exist implicitly (dynamic or addable interior
    /// nodes), outermost first: the only ancestors whose existence a command has to look up in the stored state.</summary>
    internal ImmutableArray<int> ExplicitAncestorDepths { get; }

    /// <summary>The node's MSFT:DependencyGroups with their target nodes resolved (set by <see cref="CspSchema.Build"/>).</summary>
    internal ImmutableArray<ResolvedDependencyGroup> DependencyGroups { get; set; } = [];

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
