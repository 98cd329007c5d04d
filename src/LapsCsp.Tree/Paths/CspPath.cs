using System.Collections.Immutable;
using System.Text;

namespace LapsCsp.Tree.Paths;

/// <summary>The scope a URI addresses: the device (<c>./Device/...</c>, <c>./Vendor/...</c>, <c>./DevInfo</c>) or the user.</summary>
public enum CspScope
{
    Device,
    User,
}

/// <summary>A parsed, canonical DM tree URI. Segments are percent-decoded; <see cref="ToString"/> gives the canonical form
/// <c>./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory</c>.</summary>
/// <remarks>Windows OMA-DM support: a URI without <c>./Device</c> or <c>./User</c> addresses the device; LocURIs must not
/// start with <c>/</c>; node names are not empty, never contain <c>/</c>, and are not <c>*</c> alone; Unicode is UTF-8 then
/// percent-encoded. The <c>./Device</c> and <c>./User</c> prefixes are matched case-insensitively (the docs use both
/// cases); node names follow their DDF CaseSense.</remarks>
public readonly struct CspPath : IEquatable<CspPath>
{
    /// <summary>Longest URI accepted (OMA-DM DevDetail/URI/MaxTotLen is device-defined; Windows accepts long policy URIs).</summary>
    public const int MaxLength = 2048;

    private readonly ImmutableArray<string> _segments;

    private CspPath(CspScope scope, ImmutableArray<string> segments, string? query)
    {
        Scope = scope;
        _segments = segments;
        Query = query;
    }

    /// <summary>A path from segments that are already decoded and valid (e.g. DDF spellings of a resolved path).</summary>
    internal static CspPath FromSegments(CspScope scope, ImmutableArray<string> segments) => new(scope, segments, null);

    public CspScope Scope { get; }

    /// <summary>Segments after the scope prefix, e.g. <c>Vendor, MSFT, LAPS</c> (for <c>./DevInfo/DevId</c>: <c>DevInfo, DevId</c>).</summary>
    public ImmutableArray<string> Segments => _segments.IsDefault ? [] : _segments;

    /// <summary>The text after <c>?</c>, e.g. <c>prop=Format</c>, or null.</summary>
    public string? Query { get; }

    public int Depth => Segments.Length;

    public bool IsRoot => Segments.Length == 0;

    public string Name => Segments.Length == 0 ? "." : Segments[^1];

    public CspPath Parent => Segments.Length == 0 ? this : new CspPath(Scope, Segments.RemoveAt(Segments.Length - 1), null);

    public CspPath Child(string name) => new(Scope, Segments.Add(name), null);

    /// <summary>The ancestor (or this path) with the first <paramref name="depth"/> segments, without the query.</summary>
    internal CspPath Prefix(int depth) =>
        depth >= Segments.Length ? WithoutQuery : new CspPath(Scope, Segments.Slice(0, depth), null);

    public CspPath WithoutQuery => new(Scope, Segments, null);

    /// <summary>True if this path is <paramref name="other"/> or lies below it.</summary>
    public bool IsUnder(CspPath other)
    {
        if (Scope != other.Scope || other.Segments.Length > Segments.Length) return false;
        for (var i = 0; i < other.Segments.Length; i++)
        {
            if (!string.Equals(Segments[i], other.Segments[i], StringComparison.Ordinal)) return false;
        }

        return true;
    }

    public static CspPath Parse(string uri) =>
        TryParse(uri, out var path, out var error) ? path : throw new FormatException(error);

    /// <summary>Parses an untrusted LocURI.</summary>
    public static bool TryParse(string? uri, out CspPath path, out string? error)
    {
        path = default;
        error = null;
        if (string.IsNullOrEmpty(uri))
        {
            error = "the URI is empty";
            return false;
        }

        if (uri.Length > MaxLength)
        {
            error = $"the URI is {uri.Length} characters long, above the {MaxLength} limit";
            return false;
        }

        string? query = null;
        var q = uri.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = uri[(q + 1)..];
            uri = uri[..q];
        }

        if (uri.StartsWith('/'))
        {
            error = "a LocURI can't start with '/'";
            return false;
        }

        // Segments are sliced out of the URI one by one: only the node names become strings (no '.', no scope word,
        // no array of pieces), into a builder of the exact capacity.
        var pieces = uri.AsSpan().Count('/') + 1;
        var position = 0;
        var first = NextPiece(uri, ref position);
        var start = 0;
        if (first is ".")
        {
            start = 1;
        }
        else if (first.IsEmpty)
        {
            error = "the URI has an empty first segment";
            return false;
        }

        var scope = CspScope.Device;
        var resume = position;
        if (start == 1 && pieces > 1)
        {
            var second = NextPiece(uri, ref position);
            if (second.Equals("Device", StringComparison.OrdinalIgnoreCase))
            {
                start = 2;
                resume = position;
            }
            else if (second.Equals("User", StringComparison.OrdinalIgnoreCase))
            {
                scope = CspScope.User;
                start = 2;
                resume = position;
            }
        }

        position = start == 0 ? 0 : resume;
        var builder = ImmutableArray.CreateBuilder<string>(Math.Max(0, pieces - start));
        for (var i = start; i < pieces; i++)
        {
            var piece = NextPiece(uri, ref position);
            if (piece.IsEmpty)
            {
                if (i == pieces - 1 && i > start)
                {
                    break; // one trailing slash is tolerated: ./Device/Vendor/MSFT/LAPS/
                }

                error = "the URI has an empty segment ('//')";
                return false;
            }

            if (!TryDecode(piece.ToString(), out var decoded, out error))
            {
                return false;
            }

            if (decoded is "*" or "." or "..")
            {
                error = $"'{decoded}' is not a node name";
                return false;
            }

            if (ContainsControl(decoded))
            {
                error = "the URI contains a control character";
                return false;
            }

            builder.Add(decoded);
        }

        path = new CspPath(scope, builder.Count == builder.Capacity ? builder.MoveToImmutable() : builder.ToImmutable(), query);
        return true;
    }

    /// <summary>The text from <paramref name="position"/> to the next '/' (or the end); moves past that '/'.</summary>
    private static ReadOnlySpan<char> NextPiece(string uri, ref int position)
    {
        var rest = uri.AsSpan(Math.Min(position, uri.Length));
        var slash = rest.IndexOf('/');
        var piece = slash < 0 ? rest : rest[..slash];
        position += piece.Length + 1;
        return piece;
    }

    private static bool TryDecode(string segment, out string decoded, out string? error)
    {
        error = null;
        if (segment.IndexOf('%', StringComparison.Ordinal) < 0)
        {
            decoded = segment;
            return true;
        }

        var bytes = new List<byte>(segment.Length);
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (c == '%')
            {
                if (i + 2 >= segment.Length || !IsHex(segment[i + 1]) || !IsHex(segment[i + 2]))
                {
                    decoded = segment;
                    error = $"bad percent-encoding in '{segment}'";
                    return false;
                }

                bytes.Add(Convert.ToByte(segment.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        try
        {
            decoded = new UTF8Encoding(false, true).GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            decoded = segment;
            error = $"percent-encoded bytes in '{segment}' are not UTF-8";
            return false;
        }

        if (decoded.Contains('/', StringComparison.Ordinal))
        {
            error = "a node name can't contain '/'";
            return false;
        }

        return true;
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static bool ContainsControl(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c)) return true;
        }

        return false;
    }

    /// <summary>Percent-encodes a node name for a URI or a child list (Windows returns child names URI-encoded).</summary>
    public static string EncodeSegment(string name)
    {
        if (!NeedsEncoding(name)) return name;
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            var c = (char)b;
            if (b < 0x80 && IsUnreserved(c)) sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    private static bool NeedsEncoding(string name)
    {
        foreach (var c in name)
        {
            if (!IsUnreserved(c)) return true;
        }

        return false;
    }

    private static bool IsUnreserved(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' or '{' or '}' or '@' or '$' or '!' or '(' or ')' or '+' or ',' or ';' or '=' or '\'' or '*' or ':';

    /// <remarks>This text is also the key of the node in <see cref="TreeState"/>, so it is built often: when no segment
    /// needs percent-encoding (the usual case) it is written in one allocation of the exact length.</remarks>
    public override string ToString()
    {
        var prefix = Scope == CspScope.User ? "./User" : "./Device";
        var segments = Segments;
        var length = prefix.Length;
        foreach (var s in segments)
        {
            if (NeedsEncoding(s)) return ToStringEncoded(prefix, segments);
            length += 1 + s.Length;
        }

        return segments.IsEmpty ? prefix : string.Create(length, (prefix, segments), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            var at = state.prefix.Length;
            foreach (var s in state.segments)
            {
                span[at++] = '/';
                s.AsSpan().CopyTo(span[at..]);
                at += s.Length;
            }
        });
    }

    private static string ToStringEncoded(string prefix, ImmutableArray<string> segments)
    {
        var sb = new StringBuilder(prefix);
        foreach (var s in segments)
        {
            sb.Append('/').Append(EncodeSegment(s));
        }

        return sb.ToString();
    }

    public bool Equals(CspPath other) =>
        Scope == other.Scope && Segments.SequenceEqual(other.Segments, StringComparer.Ordinal);

    public override bool Equals(object? obj) => obj is CspPath p && Equals(p);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Scope);
        foreach (var s in Segments) h.Add(s, StringComparer.Ordinal);
        return h.ToHashCode();
    }

    public static bool operator ==(CspPath a, CspPath b) => a.Equals(b);

    public static bool operator !=(CspPath a, CspPath b) => !a.Equals(b);
}
