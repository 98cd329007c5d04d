using System.Diagnostics;
using System.Globalization;
using LapsCsp.Ddf.Loading;
using LapsCsp.Ddf.Model;
using LapsCsp.Tree.Schema;

namespace LapsCsp.Benchmarks.ColdStart;

/// <summary>The first DDF load of a fresh process (JIT included), timed in wall-clock and in process CPU time:
/// <c>dotnet tools/LapsCsp.Benchmarks/bin/Release/net10.0/LapsCsp.Benchmarks.dll cold-ddf</c>, once per process.</summary>
/// <remarks>BenchmarkDotNet's dry job measures the same first call in wall-clock time only. On a machine whose cores other
/// work shares, wall-clock time includes the time the process waited for a core; CPU time does not, so it shows what the
/// load itself costs.</remarks>
internal static class ColdDdfLoad
{
    public static void Run(TextWriter output)
    {
        var laps = Inputs.LapsDdf();
        var accounts = Inputs.AccountsDdf();
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();

        var schema = CspSchema.Build([Load(laps), Load(accounts)]);

        var wall = Stopwatch.GetElapsedTime(started);
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cold DDF load + CspSchema.Build (LAPS + Accounts, {schema.Documents.Length} documents): wall {wall.TotalMilliseconds:F1} ms, CPU {cpu.TotalMilliseconds:F1} ms"));
    }

    private static DdfDocument Load(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var result = DdfLoader.Load(stream);
        return result is { Succeeded: true, Document: { } document } ? document : throw new InvalidOperationException("the DDF does not load");
    }
}
