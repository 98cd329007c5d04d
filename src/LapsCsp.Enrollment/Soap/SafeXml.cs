using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace LapsCsp.Enrollment.Soap;

/// <summary>The one place enrollment XML is parsed. Same hostile-input rules as the SyncML reader: size cap before
/// parsing, DTDs prohibited with no resolver, nesting capped, never throws for bad input.</summary>
internal static partial class SafeXml
{
    private static readonly XmlReaderSettings s_settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,

        // With DTDs prohibited no entity can be declared; this is a second fence (0 would mean "no limit").
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = false,
        CheckCharacters = true,
    };

    /// <summary>Parses <paramref name="text"/>; on failure adds an error to <paramref name="diagnostics"/> and returns null.
    /// Whitespace is preserved (the Certificate policy's signature covers it) and elements carry line info.</summary>
    public static XDocument? TryLoad(string? text, EnrollmentReaderOptions options, ICollection<EnrollmentDiagnostic> diagnostics)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            diagnostics.Add(EnrollmentDiagnostic.Error("empty", "the message is empty"));
            return null;
        }

        if (text.Length > options.MaxMessageChars)
        {
            diagnostics.Add(EnrollmentDiagnostic.Error("too-large",
                FormattableString.Invariant($"the message has {text.Length} characters; the limit (MaxMessageChars) is {options.MaxMessageChars}")));
            return null;
        }

        var first = TryParse(text, options, out var firstError);
        if (first is not null)
        {
            return first;
        }

        if (options.AllowKnownDefects && firstError!.Code == "xml" && TryRepair(text, out var repaired, out var repairs))
        {
            var second = TryParse(repaired, options, out _);
            if (second is not null)
            {
                foreach (var repair in repairs)
                {
                    diagnostics.Add(repair);
                }

                return second;
            }
        }

        diagnostics.Add(firstError!);
        return null;
    }

    private static XDocument? TryParse(string text, EnrollmentReaderOptions options, out EnrollmentDiagnostic? error)
    {
        error = null;
        try
        {
            // First pass: nesting depth, so that no later recursive walk (canonicalisation, navigation) can be driven
            // into a stack overflow by hostile input.
            using (var reader = XmlReader.Create(new StringReader(text), s_settings))
            {
                while (reader.Read())
                {
                    if (reader.NodeType == XmlNodeType.Element && reader.Depth >= options.MaxDepth)
                    {
                        var info = (IXmlLineInfo)reader;
                        error = EnrollmentDiagnostic.Error("too-deep",
                            FormattableString.Invariant($"elements are nested deeper than MaxDepth ({options.MaxDepth})"), info.LineNumber, info.LinePosition);
                        return null;
                    }
                }
            }

            using var loader = XmlReader.Create(new StringReader(text), s_settings);
            return XDocument.Load(loader, LoadOptions.PreserveWhitespace | LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            int doctype = text.IndexOf("<!DOCTYPE", StringComparison.Ordinal);
            if (doctype >= 0 && e.Message.Contains("DTD", StringComparison.Ordinal))
            {
                var (line, column) = Position(text, doctype);
                error = EnrollmentDiagnostic.Error("dtd", "the message has a DOCTYPE; DTDs, and with them entity declarations, are prohibited", line, column);
            }
            else
            {
                error = EnrollmentDiagnostic.Error("xml", "not well-formed XML: " + e.Message, e.LineNumber, e.LinePosition);
            }

            return null;
        }
    }

    /// <summary>The e05 defect: <c>&lt;algorithmOIDReferencexsi:nil="true"/&gt;</c>, an element name glued to the
    /// <c>xsi:nil</c> attribute. Windows 10 19043 carried on to the RST step (corpus INDEX, e05).</summary>
    private static bool TryRepair(string text, out string repaired, out List<EnrollmentDiagnostic> repairs)
    {
        var found = new List<EnrollmentDiagnostic>();
        repaired = GluedNilAttribute().Replace(text, m =>
        {
            var (line, column) = Position(text, m.Index);
            found.Add(EnrollmentDiagnostic.Warning("lenient-repair",
                $"<{m.Groups["name"].Value}xsi:nil=...> has no space before the xsi:nil attribute (the defect of corpus e05); read as <{m.Groups["name"].Value} xsi:nil=...>",
                line, column));
            return "<" + m.Groups["name"].Value + " xsi:nil=";
        });
        repairs = found;
        return found.Count > 0;
    }

    internal static (int Line, int Column) Position(string text, int index)
    {
        int line = 1, column = 1;
        for (int i = 0; i < index && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }

        return (line, column);
    }

    [GeneratedRegex(@"<(?<name>[A-Za-z_][A-Za-z0-9_.\-]*?)xsi:nil=", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex GluedNilAttribute();
}
