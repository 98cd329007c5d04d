using System.Collections.Immutable;
using System.Text;
using LapsCsp.Cli.Commands;
using LapsCsp.Device;
using LapsCsp.SyncML.Reading;
using LapsCsp.SyncML.Writing;

namespace LapsCsp.Cli.Conformance;

/// <summary>The result of one sample.</summary>
internal sealed record SampleResult(string Name, string RequestPath, bool Passed, ImmutableArray<string> Differences, bool Updated = false, string? Error = null);

/// <summary>Runs SyncML samples against a fresh simulated device and compares each reply with its expectation.</summary>
/// <remarks>
/// A sample is <c>NAME.xml</c> (the server package) with <c>NAME.expected.xml</c> (the reply the device must give) or,
/// for a package the device must refuse, <c>NAME.expected-error.txt</c> (the reader's diagnostic code, e.g. <c>xml</c>).
/// An optional <c>NAME.args</c> holds engine switches for that sample (<c>--profile oma</c>, <c>--lenient</c>, ...).
/// Files named <c>*.setup.xml</c> next to a sample run first, in name order, on the same device.
/// </remarks>
internal sealed class ConformanceRunner
{
    public static IReadOnlyList<string> Discover(IEnumerable<string> paths)
    {
        var found = new List<string>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                found.Add(Path.GetFullPath(path));
            }
            else if (System.IO.Directory.Exists(path))
            {
                found.AddRange(System.IO.Directory.EnumerateFiles(path, "*.xml", SearchOption.AllDirectories)
                    .Where(f => !f.EndsWith(".expected.xml", StringComparison.OrdinalIgnoreCase) &&
                                !f.EndsWith(".setup.xml", StringComparison.OrdinalIgnoreCase))
                    .Select(Path.GetFullPath));
            }
            else
            {
                throw new FileNotFoundException($"{path}: no such file or folder");
            }
        }

        return [.. found.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public SampleResult Run(string requestPath, bool update)
    {
        var name = SampleName(requestPath);
        var baseName = requestPath[..^".xml".Length];
        var expectedPath = baseName + ".expected.xml";
        var expectedErrorPath = baseName + ".expected-error.txt";
        EngineSettings settings;
        try
        {
            settings = File.Exists(baseName + ".args")
                ? EngineOptions.Parse(File.ReadAllText(baseName + ".args").Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries))
                : new EngineSettings();
        }
        catch (ArgumentException e)
        {
            return new SampleResult(name, requestPath, false, [], Error: $"{baseName}.args: {e.Message}");
        }

        var read = SyncMLReader.Read(File.ReadAllBytes(requestPath), settings.ReaderOptions);
        if (read.Message is null)
        {
            var codes = read.Errors.Select(e => e.Code).ToList();
            var actual = codes.FirstOrDefault() ?? "refused";
            if (update)
            {
                File.WriteAllText(expectedErrorPath, actual + "\n");
                return new SampleResult(name, requestPath, true, [], Updated: true);
            }

            if (!File.Exists(expectedErrorPath))
            {
                return new SampleResult(name, requestPath, false,
                    [$"the package was refused ({string.Join("; ", read.Errors)}) but no {Path.GetFileName(expectedErrorPath)} expects that"]);
            }

            var expected = File.ReadAllText(expectedErrorPath).Trim();
            return codes.Contains(expected, StringComparer.Ordinal)
                ? new SampleResult(name, requestPath, true, [])
                : new SampleResult(name, requestPath, false, [$"expected refusal '{expected}', got {string.Join(", ", read.Errors)}"]);
        }

        var device = new SimulatedDevice(settings.DeviceOptions);
        foreach (var setup in SetupFiles(requestPath))
        {
            var setupRead = SyncMLReader.Read(File.ReadAllBytes(setup), settings.ReaderOptions);
            if (setupRead.Message is null)
            {
                return new SampleResult(name, requestPath, false, [], Error: $"{Path.GetFileName(setup)} was refused: {string.Join("; ", setupRead.Errors)}");
            }

            device.Apply(setupRead.Message);
        }

        var reply = device.Apply(read.Message);
        if (update)
        {
            File.WriteAllBytes(expectedPath, SyncMLWriter.WriteToUtf8(reply.Message));
            return new SampleResult(name, requestPath, true, [], Updated: true);
        }

        if (!File.Exists(expectedPath))
        {
            return new SampleResult(name, requestPath, false, [$"no {Path.GetFileName(expectedPath)} (run with --update to create it)"]);
        }

        var expectedRead = SyncMLReader.Read(File.ReadAllBytes(expectedPath), SyncMLReaderOptions.Lenient);
        if (expectedRead.Message is null)
        {
            return new SampleResult(name, requestPath, false, [], Error: $"{Path.GetFileName(expectedPath)} does not parse: {string.Join("; ", expectedRead.Errors)}");
        }

        var differences = Compare(ReplyDigest.Of(expectedRead.Message), ReplyDigest.Of(reply.Message));
        return new SampleResult(name, requestPath, differences.IsEmpty, differences);
    }

    private static IEnumerable<string> SetupFiles(string requestPath)
    {
        var directory = Path.GetDirectoryName(requestPath)!;
        var prefix = Path.GetFileNameWithoutExtension(requestPath) + ".";
        return System.IO.Directory.EnumerateFiles(directory, prefix + "*setup.xml").Order(StringComparer.Ordinal);
    }

    private static string SampleName(string requestPath)
    {
        var cwd = System.IO.Directory.GetCurrentDirectory();
        var relative = Path.GetRelativePath(cwd, requestPath);
        return relative.StartsWith("..", StringComparison.Ordinal) ? requestPath : relative;
    }

    /// <summary>Line-by-line comparison of two digests; each difference names the line and both sides.</summary>
    internal static ImmutableArray<string> Compare(ImmutableArray<string> expected, ImmutableArray<string> actual)
    {
        var differences = ImmutableArray.CreateBuilder<string>();
        var count = Math.Max(expected.Length, actual.Length);
        for (var i = 0; i < count; i++)
        {
            var e = i < expected.Length ? expected[i] : null;
            var a = i < actual.Length ? actual[i] : null;
            if (string.Equals(e, a, StringComparison.Ordinal)) continue;
            var sb = new StringBuilder();
            sb.Append("line ").Append(i + 1).Append(": expected ").Append(e ?? "(nothing)").Append(", got ").Append(a ?? "(nothing)");
            differences.Add(sb.ToString());
        }

        return differences.ToImmutable();
    }
}
