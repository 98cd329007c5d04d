using System.Collections.Immutable;
using LapsCsp.Tree.Paths;

namespace LapsCsp.Tree;

/// <summary>The stored part of a DM tree: every node that exists because it was added (dynamic interior nodes, leaves
/// with values), keyed by canonical URI. Permanent nodes from the DDF always exist and are not stored.</summary>
/// <remarks>Immutable: an Atomic stages changes on a copy and commits by swapping the whole state, so a failed Atomic
/// leaves the tree exactly as before (OMA-DM RepPro §4.1.6.3).</remarks>
public sealed class TreeState : IEquatable<TreeState>
{
    public static TreeState Empty { get; } = new(ImmutableSortedDictionary<string, string?>.Empty.WithComparers(StringComparer.Ordinal));

    private TreeState(ImmutableSortedDictionary<string, string?> nodes) => Nodes = nodes;

    /// <summary>Canonical URI to value; null value = an interior node that exists.</summary>
    public ImmutableSortedDictionary<string, string?> Nodes { get; }

    public int Count => Nodes.Count;

    public bool Contains(CspPath path) => Nodes.ContainsKey(path.ToString());

    public bool TryGetValue(CspPath path, out string? value) => Nodes.TryGetValue(path.ToString(), out value);

    public string? ValueOf(CspPath path) => Nodes.TryGetValue(path.ToString(), out var v) ? v : null;

    public TreeState Set(CspPath path, string? value) => Set(path.ToString(), value);

    /// <summary>Overloads by canonical URI (<see cref="CspPath.ToString"/>), for callers that already hold it.</summary>
    internal bool Contains(string key) => Nodes.ContainsKey(key);

    internal bool TryGetValue(string key, out string? value) => Nodes.TryGetValue(key, out value);

    internal string? ValueOf(string key) => Nodes.TryGetValue(key, out var v) ? v : null;

    internal TreeState Set(string key, string? value) => new(Nodes.SetItem(key, value));

    /// <summary>Removes the node and everything below it.</summary>
    public TreeState RemoveSubtree(CspPath path)
    {
        var key = path.ToString();
        var prefix = key + "/";
        var builder = Nodes.ToBuilder();
        builder.Remove(key);
        foreach (var k in Nodes.Keys)
        {
            if (k.StartsWith(prefix, StringComparison.Ordinal)) builder.Remove(k);
        }

        return new TreeState(builder.ToImmutable());
    }

    /// <summary>The names of stored direct children of a node, in order.</summary>
    public IEnumerable<string> StoredChildNames(CspPath parent)
    {
        var prefix = parent + "/";
        foreach (var key in Nodes.Keys)
        {
            if (key.Length > prefix.Length && key.StartsWith(prefix, StringComparison.Ordinal))
            {
                var rest = key[prefix.Length..];
                if (!rest.Contains('/', StringComparison.Ordinal)) yield return rest;
            }
        }
    }

    public static TreeState From(IEnumerable<KeyValuePair<string, string?>> nodes)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, string?>(StringComparer.Ordinal);
        foreach (var (k, v) in nodes)
        {
            builder[CspPath.Parse(k).ToString()] = v;
        }

        return new TreeState(builder.ToImmutable());
    }

    public bool Equals(TreeState? other) =>
        other is not null && Nodes.Count == other.Nodes.Count &&
        Nodes.All(kv => other.Nodes.TryGetValue(kv.Key, out var v) && string.Equals(v, kv.Value, StringComparison.Ordinal));

    public override bool Equals(object? obj) => Equals(obj as TreeState);

    public override int GetHashCode() => Nodes.Count;
}
