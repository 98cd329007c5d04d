namespace LapsCsp.Tree.Queries;

/// <summary>What the query of a LocURI asks for.</summary>
public enum UriQueryKind
{
    /// <summary><c>?prop=&lt;Name&gt;</c>: a property of the node (OMA-DM TND 1.2 §8.3.3).</summary>
    Property,

    /// <summary><c>?list=&lt;attribute&gt;</c>: the subtree below the node (OMA-DM TND 1.2 §8.4.1).</summary>
    List,
}

/// <summary>The query after <c>?</c> in a LocURI. OMA-DM defines exactly two: <c>?prop=</c> and <c>?list=</c>.</summary>
public readonly record struct UriQuery(UriQueryKind Kind, string Value)
{
    /// <summary>Parses the text after <c>?</c>: one <c>prop</c> or <c>list</c> key (lower case, as the TND writes them)
    /// with a non-empty value.</summary>
    public static bool TryParse(string query, out UriQuery parsed, out string? error)
    {
        parsed = default;
        error = null;
        var equals = query.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == query.Length - 1)
        {
            error = $"'?{Shorten(query)}' is not ?prop=<name> or ?list=<attribute> (OMA-DM TND 8.3.3, 8.4.1)";
            return false;
        }

        if (query.Contains('&', StringComparison.Ordinal))
        {
            error = $"'?{Shorten(query)}' has more than one query; a LocURI takes one ?prop= or ?list= (OMA-DM TND 8.3.3, 8.4.1)";
            return false;
        }

        var key = query[..equals];
        var value = query[(equals + 1)..];
        switch (key)
        {
            case "prop":
                parsed = new UriQuery(UriQueryKind.Property, value);
                return true;
            case "list":
                parsed = new UriQuery(UriQueryKind.List, value);
                return true;
            default:
                error = $"'?{Shorten(key)}=' is not an OMA-DM query; only ?prop= (TND 8.3.3) and ?list= (TND 8.4.1) exist";
                return false;
        }
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
