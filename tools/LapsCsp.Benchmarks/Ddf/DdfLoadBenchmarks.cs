using BenchmarkDotNet.Attributes;
using LapsCsp.Ddf.Loading;
using LapsCsp.Ddf.Model;
using LapsCsp.Device.Catalog;
using LapsCsp.Tree.Schema;

namespace LapsCsp.Benchmarks.Ddf;

/// <summary>Loading ddf/LAPS.xml from its bytes, and building the tree engine's schema from it.</summary>
[MemoryDiagnoser]
public class DdfLoadBenchmarks
{
    private byte[] _laps = [];

    [GlobalSetup]
    public void Setup()
    {
        _laps = Inputs.LapsDdf();
        if (!DdfLoader.Load(new MemoryStream(_laps, writable: false)).Succeeded)
        {
            throw new InvalidOperationException("ddf/LAPS.xml does not load");
        }
    }

    [Benchmark(Description = "DDF load (LAPS.xml)")]
    public DdfDocument LoadLaps() => Load(_laps);

    [Benchmark(Description = "DDF load + CspSchema.Build (LAPS.xml)")]
    public CspSchema LoadLapsAndBuildSchema() => CspSchema.Build([Load(_laps)]);

    /// <summary>What a device's first start pays: the schema of both embedded DDFs (LAPS and Accounts), documents already loaded.</summary>
    [Benchmark(Description = "CspSchema.Build (LAPS + Accounts)")]
    public CspSchema BuildDefaultSchema() => CspSchema.Build(CspCatalog.BuiltInDocuments);

    private static DdfDocument Load(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return DdfLoader.Load(stream).Document!;
    }
}
