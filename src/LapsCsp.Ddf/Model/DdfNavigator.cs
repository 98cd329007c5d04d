namespace LapsCsp.Ddf.Model;

/// <summary>Walks a <see cref="DdfDocument"/> and resolves URIs against it.</summary>
/// <remarks>URIs are compared in canonical form (<see cref="Canonicalize"/>): a URI without a <c>./Device</c> or
/// <c>./User</c> prefix addresses the device ("no prefix = device", digest §A.9), so <c>./Vendor/MSFT/LAPS</c> and
/// <c>./Device/Vendor/MSFT/LAPS</c> are the same node.</remarks>
public static class DdfNavigator
{
    /// <summary>Every node of the document in document order (pre-order) with its full canonical URI; a dynamic node's
    /// segment is shown as <c>&lt;Title&gt;</c>, e.g. <c>./Device/Vendor/MSFT/Accounts/Users/&lt;UserName&gt;/Password</c>.</summary>
    public static IEnumerable<(string Path, DdfNode Node)> Walk(this DdfDocument doc)
    {
        foreach (var root in doc.Roots)
        {
            var stack = new Stack<(string Path, DdfNode Node)>();
            stack.Push((RootPath(root), root.Node));
            while (stack.Count > 0)
            {
                var (path, node) = stack.Pop();
                yield return (path, node);
                for (var i = node.Children.Length - 1; i >= 0; i--)
                {
                    var child = node.Children[i];
                    stack.Push((path + "/" + child.DisplayName, child));
                }
            }
        }
    }

    /// <summary>Resolves a concrete URI (e.g. <c>./Vendor/MSFT/Accounts/Users/alice/Password</c>) to its node definition, or
    /// null. A dynamic node matches any segment, but a sibling whose NodeName equals the segment wins. Names compare
    /// case-sensitively unless the node says <c>CaseSense CIS</c>.</summary>
    public static DdfNode? Find(this DdfDocument doc, string uri)
    {
        var segments = Canonicalize(uri).Split('/');
        foreach (var root in doc.Roots)
        {
            var parent = Canonicalize(root.ParentPath).Split('/');
            if (segments.Length <= parent.Length || !StartsWith(segments, parent)) continue;
            if (!NameMatches(root.Node, segments[parent.Length])) continue;

            var node = root.Node;
            for (var i = parent.Length + 1; i < segments.Length && node is not null; i++)
            {
                node = FindChild(node, segments[i]);
            }

            if (node is not null) return node;
        }

        return null;
    }

    /// <summary>The child of <paramref name="parent"/> that a URI segment addresses: the static child with that name,
    /// else the dynamic child, else null.</summary>
    public static DdfNode? FindChild(DdfNode parent, string segment)
    {
        DdfNode? dynamicChild = null;
        foreach (var child in parent.Children)
        {
            if (child.IsDynamic) dynamicChild ??= child;
            else if (NameMatches(child, segment)) return child;
        }

        return segment.Length == 0 ? null : dynamicChild;
    }

    /// <summary>The canonical form of a URI: trimmed, without trailing '/', with a leading <c>./</c>, and with
    /// <c>./Vendor/...</c> written <c>./Device/Vendor/...</c>.</summary>
    public static string Canonicalize(string uri)
    {
        var u = uri.Trim();
        while (u.Length > 1 && u.EndsWith('/')) u = u[..^1];
        if (u != "." && !u.StartsWith("./", StringComparison.Ordinal)) u = "./" + u.TrimStart('/');
        if (u == "./Vendor" || u.StartsWith("./Vendor/", StringComparison.Ordinal)) u = "./Device" + u[1..];
        return u;
    }

    /// <summary>The canonical URI an MSFT:DependencyUri names: a relative URI (the form the LAPS DDF uses,
    /// <c>Vendor/MSFT/LAPS/Policies/BackupDirectory</c>) is relative to <c>./Device/</c>; <c>./Device/...</c> and
    /// <c>./Vendor/...</c> are absolute.</summary>
    public static string ResolveDependencyUri(string dependencyUri)
    {
        var u = dependencyUri.Trim();
        return Canonicalize(u.StartsWith("./", StringComparison.Ordinal) ? u : "./Device/" + u.TrimStart('/'));
    }

    /// <summary>The canonical URI of a top-level node, e.g. <c>./Device/Vendor/MSFT/LAPS</c>.</summary>
    public static string RootPath(DdfRoot root) => Canonicalize(root.ParentPath) + "/" + root.Node.DisplayName;

    private static bool NameMatches(DdfNode node, string segment) =>
        node.IsDynamic
            ? segment.Length > 0
            : string.Equals(node.Name, segment, node.CaseSense == CaseSense.Insensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private static bool StartsWith(string[] segments, string[] prefix)
    {
        for (var i = 0; i < prefix.Length; i++)
        {
            if (!string.Equals(segments[i], prefix[i], StringComparison.Ordinal)) return false;
        }

        return true;
    }
}
