using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;

namespace LapsCsp.Ddf.Model;

/// <summary>Value rules shared by the DDF loader (checking DefaultValue) and the tree (checking written values):
/// how a DFFormat's text parses, and whether an <see cref="AllowedValues"/> set admits a value.</summary>
public static class DdfValues
{
    private static readonly TimeSpan s_regexTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>Parses a DDF <c>int</c> value: optional '-' then decimal digits, no spaces (OMA-DM TND, DFFormat int).</summary>
    public static bool TryParseInt(string? text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>Parses a DDF <c>bool</c> value. The LAPS DDF writes defaults as <c>True</c>/<c>False</c> and most enums as
    /// <c>false</c>/<c>true</c> (digest §0.1), so the comparison ignores case.</summary>
    public static bool TryParseBool(string? text, out bool value)
    {
        if (string.Equals(text, "true", StringComparison.OrdinalIgnoreCase))
        {
            value = true;
            return true;
        }

        value = false;
        return string.Equals(text, "false", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Parses a DDF <c>float</c> value (invariant culture).</summary>
    public static bool TryParseFloat(string? text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>True when <paramref name="text"/> is a well-formed value of <paramref name="format"/>. Only int, bool and float
    /// have a syntax to check; other formats accept any text.</summary>
    public static bool IsWellFormed(DdfFormat format, string text) => format switch
    {
        DdfFormat.Int => TryParseInt(text, out _),
        DdfFormat.Bool => TryParseBool(text, out _),
        DdfFormat.Float => TryParseFloat(text, out _),
        _ => true,
    };

    /// <summary>Whether <paramref name="allowed"/> admits <paramref name="value"/> for a node of <paramref name="format"/>.</summary>
    /// <remarks>ENUM compares numerically for int, ignoring case for bool, and by <paramref name="caseSense"/> otherwise;
    /// Range needs an integer inside one of the ranges; RegEx must match (a pattern .NET cannot compile admits everything,
    /// since the DDF's regex dialect is not ours to judge); Other (ADMX, XSD, SDDL, ...) admits everything.
    /// With an MSFT:List delimiter every item of the list must be admitted.</remarks>
    public static bool Admits(this AllowedValues allowed, string value, DdfFormat format, CaseSense caseSense = CaseSense.Sensitive)
    {
        if (!string.IsNullOrEmpty(allowed.ListDelimiter) && value.Contains(allowed.ListDelimiter, StringComparison.Ordinal))
        {
            return value.Split(allowed.ListDelimiter).All(item => AdmitsOne(allowed, item, format, caseSense));
        }

        return AdmitsOne(allowed, value, format, caseSense);
    }

    /// <summary>True when the two texts denote the same value of <paramref name="format"/>.</summary>
    public static bool SameValue(string a, string b, DdfFormat format, CaseSense caseSense = CaseSense.Sensitive)
    {
        if (format == DdfFormat.Int && TryParseInt(a, out var x) && TryParseInt(b, out var y)) return x == y;
        if (format == DdfFormat.Bool && TryParseBool(a, out var p) && TryParseBool(b, out var q)) return p == q;
        return string.Equals(a, b, caseSense == CaseSense.Insensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }

    /// <summary>Parses one or more inclusive ranges written <c>[min-max]</c> (bounds may be negative, e.g. <c>[-10--1]</c>;
    /// <c>[n]</c> means <c>[n-n]</c>), separated by optional commas, semicolons or spaces.</summary>
    public static bool TryParseRanges(string? text, out ImmutableArray<IntRange> ranges)
    {
        ranges = [];
        if (string.IsNullOrWhiteSpace(text)) return false;
        var builder = ImmutableArray.CreateBuilder<IntRange>();
        var s = text.AsSpan();
        var i = 0;
        while (true)
        {
            SkipSeparators(s, ref i);
            if (i >= s.Length) break;
            if (s[i] != '[') return false;
            i++;
            SkipSpaces(s, ref i);
            if (!TryReadLong(s, ref i, out var min)) return false;
            SkipSpaces(s, ref i);
            var max = min;
            if (i < s.Length && s[i] == '-')
            {
                i++;
                SkipSpaces(s, ref i);
                if (!TryReadLong(s, ref i, out max)) return false;
                SkipSpaces(s, ref i);
            }

            if (i >= s.Length || s[i] != ']' || min > max) return false;
            i++;
            builder.Add(new IntRange(min, max));
        }

        if (builder.Count == 0) return false;
        ranges = builder.ToImmutable();
        return true;
    }

    private static bool AdmitsOne(AllowedValues allowed, string value, DdfFormat format, CaseSense caseSense)
    {
        switch (allowed.Kind)
        {
            case AllowedValueKind.Enum:
                foreach (var e in allowed.Enums)
                {
                    if (SameValue(e.Value, value, format, caseSense)) return true;
                }

                return false;
            case AllowedValueKind.Range:
                if (!TryParseInt(value, out var n)) return false;
                foreach (var r in allowed.Ranges)
                {
                    if (r.Contains(n)) return true;
                }

                return false;
            case AllowedValueKind.RegEx when allowed.Pattern is { } pattern:
                try
                {
                    return Regex.IsMatch(value, pattern, RegexOptions.CultureInvariant, s_regexTimeout);
                }
                catch (ArgumentException)
                {
                    return true;
                }
                catch (RegexMatchTimeoutException)
                {
                    return false;
                }

            default:
                return true;
        }
    }

    private static void SkipSeparators(ReadOnlySpan<char> s, ref int i)
    {
        while (i < s.Length && (char.IsWhiteSpace(s[i]) || s[i] is ',' or ';')) i++;
    }

    private static void SkipSpaces(ReadOnlySpan<char> s, ref int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
    }

    private static bool TryReadLong(ReadOnlySpan<char> s, ref int i, out long value)
    {
        var start = i;
        if (i < s.Length && s[i] == '-') i++;
        var digits = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        value = 0;
        return i > digits && long.TryParse(s[start..i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}
