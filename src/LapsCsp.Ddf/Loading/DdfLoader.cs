using System.Xml;
using System.Xml.Linq;
using LapsCsp.Ddf.Model;

namespace LapsCsp.Ddf.Loading;

/// <summary>Loads an OMA-DM DDF 1.2 file (with Microsoft's DDF v2 <c>MSFT:</c> extensions) into a <see cref="DdfDocument"/>,
/// reporting every problem at once with its line and column.</summary>
/// <remarks>The DOCTYPE that Microsoft's DDFs carry (public id <c>" -//OMA//DTD-DM-DDF 1.2//EN"</c>, a URL system id and an
/// internal-subset PI) is skipped, never fetched: DtdProcessing.Ignore with no XmlResolver, so no entity is ever expanded.
/// Size is capped by <see cref="MaxCharacters"/> and nesting by <see cref="MaxDepth"/>.</remarks>
public static class DdfLoader
{
    /// <summary>Largest DDF accepted, in characters (the Policy CSP DDF, the biggest Microsoft ships, is a few MB).</summary>
    public const long MaxCharacters = 64L * 1024 * 1024;

    /// <summary>Deepest Node nesting accepted.</summary>
    public const int MaxDepth = 64;

    public static DdfLoadResult Load(Stream stream, string? sourceName = null)
    {
        // XmlReader.Create already reads the first bytes to detect the encoding, so bad input can throw here
        // (fuzz finding: a UTF-8 byte order mark followed by invalid UTF-8).
        XmlReader reader;
        try
        {
            reader = XmlReader.Create(stream, CreateSettings());
        }
        catch (XmlException e)
        {
            return NotXml(e);
        }

        using (reader)
        {
            return Load(reader, sourceName);
        }
    }

    public static DdfLoadResult Load(string xml, string? sourceName = null)
    {
        // A string read without decoding may still start with the BOM character; XmlReader over a TextReader rejects it.
        var text = xml.Length > 0 && xml[0] == '\uFEFF' ? xml[1..] : xml;
        XmlReader reader;
        try
        {
            reader = XmlReader.Create(new StringReader(text), CreateSettings());
        }
        catch (XmlException e)
        {
            return NotXml(e);
        }

        using (reader)
        {
            return Load(reader, sourceName);
        }
    }

    public static DdfLoadResult LoadFile(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new DdfLoadResult(null, [new DdfDiagnostic($"cannot read {path}: {e.Message}", 0, 0, null, DdfProblem.Io)]);
        }

        using (stream)
        {
            return Load(stream, path);
        }
    }

    /// <summary>Loads a DDF file for hosts that just want the document.</summary>
    /// <exception cref="DdfLoadException">The file is unreadable or has any problem; the message lists them all.</exception>
    public static DdfDocument LoadOrThrow(string path)
    {
        var result = LoadFile(path);
        return result.Succeeded ? result.Document! : throw new DdfLoadException(path, result.Diagnostics);
    }

    private static DdfLoadResult Load(XmlReader reader, string? sourceName)
    {
        XDocument xml;
        try
        {
            xml = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            return NotXml(e);
        }

        return new DdfReader(sourceName).Read(xml);
    }

    // An empty document fails before any position is known; point at its start.
    private static DdfLoadResult NotXml(XmlException e) => new(null,
        [new DdfDiagnostic("not well-formed XML: " + e.Message, Math.Max(1, e.LineNumber), Math.Max(1, e.LinePosition), null, DdfProblem.NotXml)]);

    private static XmlReaderSettings CreateSettings() => new()
    {
        DtdProcessing = DtdProcessing.Ignore,
        XmlResolver = null,
        MaxCharactersFromEntities = 1024,
        MaxCharactersInDocument = MaxCharacters,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = false,
    };
}
