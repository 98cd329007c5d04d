using System.Globalization;
using LapsCsp.Fleet.Orleans.Bench;
using LapsCsp.Fleet.Orleans.Grains;
using LapsCsp.Fleet.Orleans.Tests.Support;
using LapsCsp.Fleet.Runner;
using LapsCsp.Fleet.Scheduling;

namespace LapsCsp.Fleet.Orleans.Tests.Grains;

/// <summary>The measurement behind the README's "A million devices", against the scripted in-process test server. Not part
/// of CI: <c>LAPSCSP_BENCH_DEVICES=2000 LAPSCSP_BENCH_DAYS=2 LAPSCSP_BENCH_SILOS=2 LAPSCSP_BENCH_WRITES=OnChange [LAPSCSP_BENCH_UNLOAD=1] dotnet test
/// tests/LapsCsp.Fleet.Orleans.Tests -c Release --filter Category=OrleansBench --logger "console;verbosity=detailed"</c>.</summary>
[Explicit("a benchmark, minutes long")]
[Category("OrleansBench")]
public class OrleansFleetBenchmark
{
    [Test]
    public async Task Measure_grain_state_memory_per_device_and_check_ins_per_second_per_silo()
    {
        var options = new FleetOptions
        {
            Devices = Setting("LAPSCSP_BENCH_DEVICES", 500),
            Days = Setting("LAPSCSP_BENCH_DAYS", 1.0),
            Seed = 1,
        };
        var silos = Setting("LAPSCSP_BENCH_SILOS", 2);
        var writes = Environment.GetEnvironmentVariable("LAPSCSP_BENCH_WRITES") is { Length: > 0 } text
            ? Enum.Parse<GrainStateWrites>(text, ignoreCase: true)
            : GrainStateWrites.OnChange;
        var clock = new VirtualClock(options.Start);
        var server = OrleansFleetKit.PolicyServer(clock);

        var result = await OrleansFleetBench.RunAsync(options, server, clock, silos, writes,
            unloadAfterEveryWake: Environment.GetEnvironmentVariable("LAPSCSP_BENCH_UNLOAD") is "1");

        TestContext.Out.WriteLine(result.ToText());
        result.Report.DeviceErrors.Should().BeEmpty();
        result.StateBytes.Should().BeGreaterThan(0);
    }

    private static T Setting<T>(string name, T fallback) where T : IParsable<T> =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? T.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
