using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace LapsCsp.SyncML.Reading;

/// <summary>Turns the bytes of a message into text, refusing anything that is not UTF-8.</summary>
/// <remarks>Clear-XML SyncML DM (application/vnd.syncml.dm+xml) travels as UTF-8 in practice (Windows and every server in
/// the corpus). Invalid bytes, a UTF-16/UTF-32 byte order mark, and an XML declaration that names another encoding
/// (corpus r34 declares utf-16 over UTF-8 bytes) are refused here with a position, before the XML parser sees them.</remarks>
internal static class InputDecoder
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static ReadOnlySpan<byte> Utf16LeBom => [0xFF, 0xFE];

    private static ReadOnlySpan<byte> Utf16BeBom => [0xFE, 0xFF];

    private static ReadOnlySpan<byte> Utf32BeBom => [0x00, 0x00, 0xFE, 0xFF];

    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out string? text, [NotNullWhen(false)] out SyncMLDiagnostic? error)
    {
        text = null;
        if (bytes.StartsWith(Utf8Bom))
        {
            bytes = bytes[3..];
        }
        else if (bytes.StartsWith(Utf16LeBom) || bytes.StartsWith(Utf16BeBom) || bytes.StartsWith(Utf32BeBom))
        {
            error = Error(1, 1, "the message starts with a UTF-16 or UTF-32 byte order mark; SyncML DM clear XML is read as UTF-8");
            return false;
        }

        if (!Utf8.IsValid(bytes))
        {
            int offset = FirstInvalidByte(bytes);
            var (line, column) = TextPosition.Of(bytes, offset);
            error = Error(line, column, string.Create(CultureInfo.InvariantCulture,
                $"invalid UTF-8 byte 0x{bytes[offset]:X2} at byte offset {offset}; SyncML DM clear XML must be UTF-8"));
            return false;
        }

        text = Encoding.UTF8.GetString(bytes);
        return CheckDeclaredEncoding(text, out error);
    }

    /// <summary>An XML declaration, if any, must name UTF-8 (XML 1.0 §4.3.3: the declaration must match the bytes).</summary>
    private static bool CheckDeclaredEncoding(string text, [NotNullWhen(false)] out SyncMLDiagnostic? error)
    {
        error = null;
        if (!text.StartsWith("<?xml", StringComparison.Ordinal))
        {
            return true;
        }

        int end = text.IndexOf("?>", StringComparison.Ordinal);
        if (end < 0)
        {
            return true; // not a declaration the XML parser will accept: it reports that with a position
        }

        var declaration = text.AsSpan(0, end);
        int at = declaration.IndexOf("encoding", StringComparison.Ordinal);
        if (at < 0)
        {
            return true;
        }

        int i = at + "encoding".Length;
        while (i < declaration.Length && declaration[i] is ' ' or '\t' or '\r' or '\n' or '=')
        {
            i++;
        }

        if (i >= declaration.Length || declaration[i] is not ('"' or '\''))
        {
            return true;
        }

        char quote = declaration[i];
        int valueStart = i + 1;
        int valueEnd = declaration[valueStart..].IndexOf(quote);
        if (valueEnd < 0)
        {
            return true;
        }

        var name = declaration.Slice(valueStart, valueEnd);
        if (name.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var (line, column) = TextPosition.Of(text, valueStart);
        error = Error(line, column,
            $"the XML declaration says encoding=\"{name}\" but the bytes are UTF-8 without a UTF-16 byte order mark; SyncML DM clear XML must be UTF-8");
        return false;
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> bytes)
    {
        char[] buffer = ArrayPool<char>.Shared.Rent(Math.Max(16, bytes.Length));
        try
        {
            Utf8.ToUtf16(bytes, buffer, out int read, out _, replaceInvalidSequences: false);
            return Math.Min(read, bytes.Length - 1);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static SyncMLDiagnostic Error(int line, int column, string message) =>
        new(DiagnosticSeverity.Error, DiagnosticCodes.Encoding, message, line, column);
}
