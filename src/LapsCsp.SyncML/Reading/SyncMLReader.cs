using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Xml;

namespace LapsCsp.SyncML.Reading;

/// <summary>Reads SyncML DM 1.2 clear-XML messages into <see cref="Messages.SyncMLMessage"/> records.</summary>
/// <remarks>
/// Never throws for bad input: a refused message gives a <see cref="SyncMLReadResult"/> with a null Message and an
/// Error diagnostic whose Code is one of: empty, too-large, encoding, xml, dtd, too-deep, too-many-commands, root,
/// namespace, no-header, no-body, header, bare-body, fragment, element-case, escaped-final, text, structure.
/// Hostile input is bounded before and while parsing: the size cap is checked before any byte is parsed, DTDs are
/// prohibited with no resolver, and element depth and command count are checked on every element.
/// Strict mode (the default) follows MS-MDM 2.2.4.x; <see cref="SyncMLReaderOptions.AllowQuirks"/> turns the known
/// defects of published messages (corpus INDEX) into warnings.
/// </remarks>
public static class SyncMLReader
{
    private const int StreamChunkBytes = 64 * 1024;

    private static readonly XmlReaderSettings s_documentSettings = CreateSettings(ConformanceLevel.Document);

    /// <summary>Lenient mode reads fragments: vendor profiles (corpus r23, r33, r37-r39) are several top-level commands.</summary>
    private static readonly XmlReaderSettings s_fragmentSettings = CreateSettings(ConformanceLevel.Fragment);

    /// <summary>Reads a message from its UTF-8 bytes (a UTF-8 byte order mark is allowed).</summary>
    public static SyncMLReadResult Read(ReadOnlySpan<byte> utf8, SyncMLReaderOptions? options = null)
    {
        options = Validate(options);
        if (utf8.Length > options.MaxMessageBytes)
        {
            return Refused(TooLarge(utf8.Length.ToString(CultureInfo.InvariantCulture), options));
        }

        if (utf8.IsEmpty)
        {
            return Refused(EmptyInput());
        }

        return InputDecoder.TryDecode(utf8, out string? text, out SyncMLDiagnostic? error)
            ? ReadText(text, options)
            : Refused(error);
    }

    /// <summary>Reads a message from a stream of UTF-8 bytes, reading at most MaxMessageBytes + 1 bytes of it.</summary>
    public static SyncMLReadResult Read(Stream stream, SyncMLReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options = Validate(options);
        long max = options.MaxMessageBytes;
        long? announced = stream.CanSeek ? stream.Length - stream.Position : null;
        if (announced > max)
        {
            return Refused(TooLarge(announced.Value.ToString(CultureInfo.InvariantCulture), options));
        }

        // One byte more than the cap tells "exactly at the cap" from "over it" without reading further.
        int limit = (int)Math.Min(max + 1, Array.MaxLength);
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit, announced + 1 ?? StreamChunkBytes));
        int count = 0;
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit, (long)buffer.Length * 2));
                    buffer.AsSpan(0, count).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
                    buffer = larger;
                }

                int read = stream.Read(buffer, count, Math.Min(buffer.Length, limit) - count);
                if (read == 0)
                {
                    break;
                }

                count += read;
                if (count > max)
                {
                    return Refused(TooLarge("more than " + max.ToString(CultureInfo.InvariantCulture), options));
                }
            }

            return Read(buffer.AsSpan(0, count), options);
        }
        finally
        {
            // The message may carry credentials: do not leave them in the shared pool.
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>Reads a message from text; its XML declaration's encoding is not checked (the text is already decoded).</summary>
    public static SyncMLReadResult Read(string xml, SyncMLReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(xml);
        options = Validate(options);

        // Each char is at least one UTF-8 byte and at most three: the exact count is needed only in between.
        long max = options.MaxMessageBytes;
        if (xml.Length > max)
        {
            return Refused(TooLarge("at least " + xml.Length.ToString(CultureInfo.InvariantCulture), options));
        }

        if (xml.Length * 3L > max)
        {
            int bytes = Encoding.UTF8.GetByteCount(xml);
            if (bytes > max)
            {
                return Refused(TooLarge(bytes.ToString(CultureInfo.InvariantCulture), options));
            }
        }

        return ReadText(xml, options);
    }

    private static SyncMLReadResult ReadText(string text, SyncMLReaderOptions options)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Refused(EmptyInput());
        }

        var diagnostics = ImmutableArray.CreateBuilder<SyncMLDiagnostic>();
        MessageParser? parser = null;
        try
        {
            using var reader = XmlReader.Create(new StringReader(text), options.AllowQuirks ? s_fragmentSettings : s_documentSettings);
            parser = new MessageParser(reader, options, diagnostics);
            var message = parser.Parse();
            return new SyncMLReadResult(message, diagnostics.ToImmutable());
        }
        catch (ReadAbortedException e)
        {
            diagnostics.Add(e.Diagnostic);
        }
        catch (XmlException e)
        {
            diagnostics.Add(FromXmlException(e, text, parser?.SawElement ?? false));
        }
        catch (InsufficientExecutionStackException)
        {
            diagnostics.Add(new SyncMLDiagnostic(DiagnosticSeverity.Error, DiagnosticCodes.TooDeep,
                "Atomic/Sequence nesting is deeper than the reader's stack allows; lower MaxDepth", 0, 0));
        }

        return new SyncMLReadResult(null, diagnostics.ToImmutable());
    }

    private static SyncMLDiagnostic FromXmlException(XmlException e, string text, bool sawElement)
    {
        // A DOCTYPE can only precede the root element. XmlReader reports the prohibited DTD without a position, so the
        // position is that of the DOCTYPE itself.
        int doctype = sawElement ? -1 : text.IndexOf("<!DOCTYPE", StringComparison.Ordinal);
        if (doctype >= 0)
        {
            var (line, column) = TextPosition.Of(text, doctype);
            return new SyncMLDiagnostic(DiagnosticSeverity.Error, DiagnosticCodes.Dtd,
                "the message has a DOCTYPE; DTDs, and with them entity declarations, are prohibited", line, column);
        }

        return new SyncMLDiagnostic(DiagnosticSeverity.Error, DiagnosticCodes.Xml, "not well-formed XML: " + e.Message, e.LineNumber, e.LinePosition);
    }

    private static SyncMLReaderOptions Validate(SyncMLReaderOptions? options)
    {
        options ??= SyncMLReaderOptions.Strict;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxMessageBytes, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxMessageBytes, Array.MaxLength - 1L, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDepth, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxCommands, nameof(options));
        return options;
    }

    private static XmlReaderSettings CreateSettings(ConformanceLevel conformance) => new()
    {
        ConformanceLevel = conformance,
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,

        // With DTDs prohibited no entity can be declared. This is a second fence; note that 0 would mean "no limit".
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = false, // whitespace inside Data is value
        CheckCharacters = true,
        CloseInput = true,
    };

    private static SyncMLReadResult Refused(SyncMLDiagnostic error) => new(null, [error]);

    private static SyncMLDiagnostic EmptyInput() =>
        new(DiagnosticSeverity.Error, DiagnosticCodes.Empty, "the message is empty (no bytes, or only whitespace)", 0, 0);

    private static SyncMLDiagnostic TooLarge(string size, SyncMLReaderOptions options) =>
        new(DiagnosticSeverity.Error, DiagnosticCodes.TooLarge, string.Create(CultureInfo.InvariantCulture,
            $"the message has {size} bytes; the limit (MaxMessageBytes) is {options.MaxMessageBytes}"), 0, 0);
}
