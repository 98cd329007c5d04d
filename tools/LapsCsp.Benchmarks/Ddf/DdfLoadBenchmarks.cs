using BenchmarkDotNet.Attributes;
using LapsCsp.Ddf.Loading;
using LapsCsp.Ddf.Model;
using LapsCsp.Tree.Schema;

namespace LapsCsp.Benchmarks.Ddf;

/// <summary>Loading the DDF files of ddf/ from their bytes, and building the tree engine's schema from them.</summary>
/// <remarks>The setup only reads the bytes (it runs no loader code), so a cold run (<c>--job dry</c>: one call in a fresh
/// process) measures the first load of a process, JIT included. Each call checks that the load succeeded.</remarks>
[MemoryDiagnoser]
public class DdfLoadBenchmarks
{
    private byte[] _laps = [];
    private byte[] _accounts = [];

    [GlobalSetup]
    public void Setup()
    {
        _laps = Inputs.LapsDdf();
        _accounts = Inputs.AccountsDdf();
    }

    [Benchmark(Description = "DDF load (LAPS.xml)")]
    public DdfDocument LoadLaps() => Load(_laps);

    [Benchmark(Description = "DDF load + CspSchema.Build (LAPS.xml)")]
    public CspSchema LoadLapsAndBuildSchema() => CspSchema.Build([Load(_laps)]);

    /// <summary>What a device's first start pays (CspCatalog.DefaultSchema): both DDFs of ddf/ loaded and merged.</summary>
    [Benchmark(Description = "DDF load + CspSchema.Build (LAPS + Accounts)")]
    public CspSchema LoadCatalog() => CspSchema.Build([Load(_laps), Load(_accounts)]);

    private static DdfDocument Load(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var result = DdfLoader.Load(stream);
        return result is { Succeeded: true, Document: { } document } ? document : throw new InvalidOperationException("the DDF does not load: " + string.Join("; ", result.Diagnostics));
    }
}
