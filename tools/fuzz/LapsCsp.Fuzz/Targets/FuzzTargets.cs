using LapsCsp.Ddf.Display;
using LapsCsp.Ddf.Loading;
using LapsCsp.SyncML.Reading;
using LapsCsp.SyncML.Writing;
using LapsCsp.Tree.Schema;

namespace LapsCsp.Fuzz.Targets;

/// <summary>The fuzz targets by name. Each takes the fuzzer's bytes and either returns (the input was handled: accepted,
/// or refused with a diagnostic) or throws: an unexpected exception from the code under test, or a
/// <see cref="FuzzInvariantException"/> when an invariant of the target does not hold. AFL++ records a throw as a crash.</summary>
internal static class FuzzTargets
{
    public const string SyncML = "syncml";
    public const string Ddf = "ddf";
    public const string Server = "server";

    public static IReadOnlyList<string> Names { get; } = [SyncML, Ddf, Server];

    public static Action<byte[]> Get(string name) => name switch
    {
        SyncML => SyncMLReaderTarget,
        Ddf => DdfLoaderTarget,
        Server => ServerEndpointTarget,
        _ => throw new ArgumentException($"unknown fuzz target '{name}'; targets: {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>The SyncML reader in both modes and over each of its inputs (bytes, stream, text); an accepted message must
    /// be written by the writer and read back to the same message (write, read, write gives the same bytes).</summary>
    public static void SyncMLReaderTarget(byte[] input)
    {
        foreach (var options in new[] { SyncMLReaderOptions.Strict, SyncMLReaderOptions.Lenient })
        {
            var fromBytes = SyncMLReader.Read(input, options);
            CheckResult(fromBytes, options);
            using (var stream = new MemoryStream(input, writable: false))
            {
                var fromStream = SyncMLReader.Read(stream, options);
                Require(fromStream.Succeeded == fromBytes.Succeeded, "Read(Stream) and Read(bytes) disagree on acceptance");
            }

            if (!fromBytes.Succeeded) continue;
            var written = SyncMLWriter.WriteToUtf8(fromBytes.Message);
            // A lenient read may leave header parts empty (no SyncHdr at all): its output is read back leniently.
            var again = SyncMLReader.Read(written, options);
            Require(again.Succeeded, "the writer's output of an accepted message is refused by the reader that accepted it: "
                + string.Join("; ", again.Errors));
            var rewritten = SyncMLWriter.WriteToUtf8(again.Message!);
            Require(written.AsSpan().SequenceEqual(rewritten), "write(read(write(m))) differs from write(m)");
            var text = SyncMLReader.Read(System.Text.Encoding.UTF8.GetString(written), options);
            Require(text.Succeeded, "Read(string) refuses what Read(bytes) accepted");
        }
    }

    /// <summary>The DDF loader (what <c>lapscsp ddf show</c> and the device's catalogue run): a refused document has
    /// positioned diagnostics; an accepted one renders as a node table and builds a schema, or is refused by the schema
    /// with an <see cref="ArgumentException"/> naming the bad root path.</summary>
    public static void DdfLoaderTarget(byte[] input)
    {
        using var stream = new MemoryStream(input, writable: false);
        var result = DdfLoader.Load(stream, "fuzz.xml");
        if (result.Document is not null)
        {
            // A best-effort document (with diagnostics) is still shown by tools, so it must render too.
            _ = DdfTable.Show(result.Document);
        }

        if (!result.Succeeded)
        {
            Require(result.Diagnostics.Length > 0, "a refused DDF has no diagnostic");
            foreach (var d in result.Diagnostics)
            {
                Require(d.Line >= 0 && d.Column >= 0, $"diagnostic with a negative position: {d}");
                Require(!string.IsNullOrWhiteSpace(d.Message), "diagnostic without a message");
            }

            return;
        }

        try
        {
            _ = CspSchema.Build([result.Document!]);
        }
        catch (ArgumentException e) when (e.Message.Contains("has a bad Path", StringComparison.Ordinal))
        {
            // The documented refusal of a root the tree cannot hang anywhere.
        }
    }

    /// <summary>The server's SyncML endpoint, in process (ASP.NET Core's TestServer over the real host): the body is posted
    /// strictly and leniently to a fresh device. Only 200 (a reply the strict reader accepts), 204, 400 and 413 (problem
    /// documents with a detail) are answers; anything else, 500 above all, is a finding.</summary>
    public static void ServerEndpointTarget(byte[] input) => ServerHarness.Shared.Check(input);

    private static void CheckResult(SyncMLReadResult result, SyncMLReaderOptions options)
    {
        if (result.Succeeded)
        {
            Require(!result.Errors.Any(), "an accepted message carries errors");
            if (!options.AllowQuirks) Require(!result.Warnings.Any(), "strict mode accepted a message with quirk warnings");
        }
        else
        {
            Require(result.Errors.Any(), "a refused message has no error");
        }

        foreach (var d in result.Diagnostics)
        {
            Require(d.Line >= 0 && d.Column >= 0, $"diagnostic with a negative position: {d}");
            Require(!string.IsNullOrWhiteSpace(d.Code) && !string.IsNullOrWhiteSpace(d.Message), $"diagnostic without code or message: {d}");
        }
    }

    internal static void Require(bool condition, string invariant)
    {
        if (!condition) throw new FuzzInvariantException(invariant);
    }
}

/// <summary>An invariant of a fuzz target did not hold for an input.</summary>
internal sealed class FuzzInvariantException(string message) : Exception(message);
