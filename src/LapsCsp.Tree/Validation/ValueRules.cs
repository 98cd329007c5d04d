using System.Globalization;
using System.Text.RegularExpressions;
using LapsCsp.Ddf.Model;

namespace LapsCsp.Tree.Validation;

/// <summary>Parsing and allowed-value checks of node values by DDF format.</summary>
internal static class ValueRules
{
    /// <summary>Parses data for a format and returns its canonical text: <c>int</c> is signed 32-bit decimal, <c>bool</c>
    /// accepts true/false in any case and is stored lower case (the DDF itself writes True/False).</summary>
    public static bool TryNormalize(DdfFormat format, string? data, out string normalized, out string? error)
    {
        error = null;
        normalized = data ?? string.Empty;
        switch (format)
        {
            case DdfFormat.Int:
                var text = normalized.Trim();
                if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i))
                {
                    error = text.Length == 0 ? "no value for an int node" : $"'{Shorten(text)}' is not a signed 32-bit integer";
                    return false;
                }

                normalized = i.ToString(CultureInfo.InvariantCulture);
                return true;
            case DdfFormat.Bool:
                var b = normalized.Trim();
                if (string.Equals(b, "true", StringComparison.OrdinalIgnoreCase)) normalized = "true";
                else if (string.Equals(b, "false", StringComparison.OrdinalIgnoreCase)) normalized = "false";
                else
                {
                    error = $"'{Shorten(b)}' is not a bool (true or false)";
                    return false;
                }

                return true;
            case DdfFormat.B64:
                var raw = normalized.Trim();
                var buffer = new byte[raw.Length];
                if (!Convert.TryFromBase64String(raw, buffer, out _))
                {
                    error = "the value is not base64";
                    return false;
                }

                normalized = raw;
                return true;
            case DdfFormat.Float:
                if (!double.TryParse(normalized.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    error = $"'{Shorten(normalized)}' is not a float";
                    return false;
                }

                normalized = normalized.Trim();
                return true;
            case DdfFormat.Null:
            case DdfFormat.Node:
                if (!string.IsNullOrEmpty(data))
                {
                    error = $"a {FormatName(format)} node takes no data";
                    return false;
                }

                normalized = string.Empty;
                return true;
            default:
                return true;
        }
    }

    /// <summary>Checks a normalised value against an allowed-values set. Unknown kinds are not enforced.</summary>
    public static bool IsAllowed(AllowedValues allowed, DdfFormat format, string value)
    {
        switch (allowed.Kind)
        {
            case AllowedValueKind.Enum:
                foreach (var e in allowed.Enums)
                {
                    if (Same(format, e.Value, value)) return true;
                }

                return false;
            case AllowedValueKind.Range:
                if (!long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return false;
                foreach (var r in allowed.Ranges)
                {
                    if (r.Contains(n)) return true;
                }

                return false;
            case AllowedValueKind.RegEx:
                if (allowed.Pattern is null) return true;
                try
                {
                    return Regex.IsMatch(value, allowed.Pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));
                }
                catch (RegexMatchTimeoutException)
                {
                    return false;
                }

            default:
                return true;
        }
    }

    private static bool Same(DdfFormat format, string a, string b) => format switch
    {
        DdfFormat.Int => long.TryParse(a.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var x) &&
                         long.TryParse(b.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var y) && x == y,
        DdfFormat.Bool => string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase),
        _ => string.Equals(a, b, StringComparison.Ordinal),
    };

    public static string FormatName(DdfFormat format) => format.ToString().ToLowerInvariant();

    public static bool TryParseFormat(string? text, out DdfFormat format)
    {
        format = DdfFormat.Chr;
        if (text is null || text.Trim().Length == 0 || !text.Trim().All(char.IsAsciiLetter)) return false;
        return Enum.TryParse(text.Trim(), ignoreCase: true, out format) && Enum.IsDefined(format);
    }

    public static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
