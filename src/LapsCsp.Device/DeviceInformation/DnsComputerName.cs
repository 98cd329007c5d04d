using System.Globalization;
using System.Text;
using LapsCsp.Passwords.Randomness;
using LapsCsp.Tree.Commands;

namespace LapsCsp.Device.DeviceInformation;

/// <summary>The new name a Replace of <c>./DevDetail/Ext/Microsoft/DNSComputerName</c> asked for: the DNS host name after
/// the macros were expanded, or why the value is refused.</summary>
internal sealed record DnsComputerNameResult(string? Name, CspFault Fault, string? Reason)
{
    public bool Succeeded => Name is not null;

    public static DnsComputerNameResult Ok(string name) => new(name, CspFault.None, null);

    public static DnsComputerNameResult Fail(CspFault fault, string reason) => new(null, fault, reason);
}

/// <summary>The value rules and macros of DevDetail <c>Ext/Microsoft/DNSComputerName</c> (Windows 10 2004 and later).</summary>
/// <remarks>
/// <para>DevDetail CSP page: "This node specifies the DNS computer name for a device. The server must explicitly reboot the
/// device for this value to take effect." Macros: <c>%RAND:x%</c> is x random digits, "x must be a number less than 63";
/// <c>%SERIAL%</c> is the device's serial number, "truncated from the beginning" when the name would exceed 63 characters;
/// "Using any of these macros will limit the new name to 63 characters"; "The character restriction limit does not count
/// the length of the macros" — so the 63 characters are counted on the expanded name. On desktop the value is "the DNS
/// hostname of the computer (Computer Name) up to 63 characters"; "For domain-joined computers, the unique name must use
/// %RAND:x%".</para>
/// <para>Name rules (decided here; the CSP page lists none beyond the length): the name is one DNS label, so RFC 1123 §2.1
/// (RFC 952 as amended): ASCII letters, digits and hyphens only, 1 to 63 characters, a letter or digit first and last (a
/// label may start with a digit since RFC 1123); no period (a computer name is the first label of the full DNS name,
/// SetComputerNameEx), no blank (SetComputerNameEx: "cannot include control characters, leading or trailing spaces");
/// not digits only (KB 909264 "Naming conventions in Active Directory for computers, domains, sites, and OUs": names
/// "composed completely of numbers" are not permitted, KB 244412).</para>
/// <para>Macro names are matched ignoring case (the page writes them in upper case and says nothing about case); any other
/// <c>%</c> — an unknown or unterminated macro, <c>%RAND:0%</c>, <c>%RAND:63%</c> — is refused, since '%' is not a host
/// name character. When a value has several <c>%SERIAL%</c>, each keeps the same number of trailing characters.</para>
/// <para>Codes: every refusal is 400 (a value that does not parse: <see cref="CspFault.InvalidValue"/>; a value the node does
/// not allow: <see cref="CspFault.ValueNotAllowed"/>), as the tree answers a value outside a node's allowed values.</para>
/// </remarks>
internal static class DnsComputerName
{
    /// <summary>A DNS label, and so a DNS host name, has at most 63 characters (RFC 1035 §2.3.4, RFC 1123 §2.1).</summary>
    public const int MaxLength = 63;

    private const string RandPrefix = "RAND:";
    private const string Serial = "SERIAL";

    /// <summary>Checks <paramref name="value"/>, expands its macros (digits from <paramref name="random"/>, the serial number
    /// from <paramref name="serialNumber"/>) and checks the name that results.</summary>
    /// <param name="domainJoined">The device is joined to an AD domain: the value must contain <c>%RAND:x%</c>.</param>
    public static DnsComputerNameResult Expand(string? value, string? serialNumber, IRandomSource random, bool domainJoined)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (string.IsNullOrEmpty(value))
        {
            return DnsComputerNameResult.Fail(CspFault.InvalidValue, "DNSComputerName: no value (the new computer name is empty)");
        }

        if (!TryParse(value, out var parts, out var error))
        {
            return DnsComputerNameResult.Fail(CspFault.InvalidValue, $"DNSComputerName '{Shorten(value)}': {error}");
        }

        var fixedLength = parts.Sum(p => p.Text?.Length ?? p.RandomDigits);
        if (fixedLength > MaxLength)
        {
            return DnsComputerNameResult.Fail(CspFault.ValueNotAllowed,
                string.Create(CultureInfo.InvariantCulture,
                    $"DNSComputerName '{Shorten(value)}' expands to {fixedLength} characters; a DNS computer name has at most {MaxLength}"));
        }

        // %SERIAL% is cut from the beginning so that the name fits in 63 characters (DevDetail CSP).
        var serial = serialNumber ?? string.Empty;
        var serials = parts.Count(p => p.IsSerial);
        var keep = serials == 0 ? 0 : (MaxLength - fixedLength) / serials;
        var serialText = serial.Length > keep ? serial[^keep..] : serial;
        var name = new StringBuilder(MaxLength);
        foreach (var part in parts)
        {
            if (part.Text is { } text) name.Append(text);
            else if (part.IsSerial) name.Append(serialText);
            else
            {
                for (var i = 0; i < part.RandomDigits; i++) name.Append((char)('0' + random.NextInt32(10)));
            }
        }

        var expanded = name.ToString();
        if (Check(expanded) is { } problem)
        {
            return DnsComputerNameResult.Fail(CspFault.ValueNotAllowed,
                expanded == value ? $"DNSComputerName '{Shorten(value)}': {problem}" : $"DNSComputerName '{Shorten(value)}' gives '{Shorten(expanded)}': {problem}");
        }

        // Why 400 and not 405: the Replace itself is allowed on this node and the same command with a %RAND:x% value succeeds;
        // what is refused is this value on this device, as the tree answers a value outside a node's allowed values (400).
        // Windows asks for the macro because a domain-joined computer's name must be unique in its domain and the device
        // cannot check that when the MDM server renames it: "For domain-joined computers, the unique name must use %RAND:x%"
        // (DevDetail CSP, Ext/Microsoft/DNSComputerName).
        if (domainJoined && !parts.Any(p => p.RandomDigits > 0))
        {
            return DnsComputerNameResult.Fail(CspFault.ValueNotAllowed,
                $"DNSComputerName '{Shorten(value)}': the device is joined to an Active Directory domain, where the new name must use %RAND:x% (DevDetail CSP)");
        }

        return DnsComputerNameResult.Ok(expanded);
    }

    /// <summary>What is wrong with an expanded name as a DNS host name label, or null.</summary>
    private static string? Check(string name)
    {
        if (name.Length == 0) return "the name is empty";
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"'{(char.IsControl(c) || c == ' ' ? "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) : c.ToString())}' is not allowed: a DNS host name has letters, digits and hyphens only (RFC 1123 2.1)");
            }
        }

        if (name[0] == '-' || name[^1] == '-') return "a DNS host name begins and ends with a letter or digit (RFC 952, RFC 1123 2.1)";
        if (name.All(char.IsAsciiDigit)) return "a computer name cannot be digits only (KB 909264)";
        return null;
    }

    private static bool TryParse(string value, out List<Part> parts, out string? error)
    {
        parts = [];
        error = null;
        var i = 0;
        while (i < value.Length)
        {
            var open = value.IndexOf('%', i);
            if (open < 0)
            {
                parts.Add(Part.Literal(value[i..]));
                break;
            }

            if (open > i) parts.Add(Part.Literal(value[i..open]));
            var close = value.IndexOf('%', open + 1);
            if (close < 0)
            {
                error = $"'{Shorten(value[open..])}' is not a macro (no closing '%'); the macros are %RAND:x% and %SERIAL%";
                return false;
            }

            var token = value[(open + 1)..close];
            if (string.Equals(token, Serial, StringComparison.OrdinalIgnoreCase))
            {
                parts.Add(Part.SerialNumber);
            }
            else if (token.StartsWith(RandPrefix, StringComparison.OrdinalIgnoreCase))
            {
                var digits = token[RandPrefix.Length..];
                if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or >= MaxLength)
                {
                    error = $"%{Shorten(token)}%: x in %RAND:x% is a number of digits from 1 to 62 (DevDetail CSP: less than 63)";
                    return false;
                }

                parts.Add(Part.Random(count));
            }
            else
            {
                error = $"'%{Shorten(token)}%' is not a macro; the macros are %RAND:x% and %SERIAL%";
                return false;
            }

            i = close + 1;
        }

        return true;
    }

    private static string Shorten(string text) => text.Length <= 70 ? text : text[..67] + "...";

    /// <summary>One piece of a value: literal text, x random digits, or the serial number.</summary>
    private sealed record Part(string? Text, int RandomDigits, bool IsSerial)
    {
        public static Part SerialNumber { get; } = new(null, 0, true);

        public static Part Literal(string text) => new(text, 0, false);

        public static Part Random(int digits) => new(null, digits, false);
    }
}
