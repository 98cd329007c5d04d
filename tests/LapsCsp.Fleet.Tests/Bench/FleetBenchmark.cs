using System.Globalization;
using LapsCsp.Fleet.Runner;
using LapsCsp.Fleet.Tests.Support;

namespace LapsCsp.Fleet.Tests.Bench;

/// <summary>The scale measurement of issue 6 item 5, against the scripted in-process test server (the embedded server of
/// <c>lapscsp serve</c> does not exist yet). Not part of CI: run it with
/// <c>LAPSCSP_BENCH_DEVICES=100000 LAPSCSP_BENCH_DAYS=1 dotnet test tests/LapsCsp.Fleet.Tests -c Release --filter Category=FleetBench</c>.</summary>
[Explicit("a benchmark, minutes long at scale")]
[Category("FleetBench")]
public class FleetBenchmark
{
    [Test]
    public async Task Measure_memory_per_idle_device_check_ins_per_second_and_simulated_days_per_minute()
    {
        var devices = Setting("LAPSCSP_BENCH_DEVICES", 2000);
        var days = Setting("LAPSCSP_BENCH_DAYS", 1.0);
        var resident = Setting("LAPSCSP_BENCH_RESIDENT", 5000);
        var options = new FleetOptions
        {
            Devices = devices,
            Days = days,
            Seed = 1,
            ResidentDevices = resident,
            EnrollmentSpread = TimeSpan.FromHours(Setting("LAPSCSP_BENCH_SPREAD_HOURS", 1.0)),
            BatchWindow = TimeSpan.FromSeconds(Setting("LAPSCSP_BENCH_WINDOW_SECONDS", 5.0)),
        };
        var clock = new ClockHolder();
        var server = new ScriptedMdmServer(clock, new ScriptedServerOptions
        {
            KeepHistory = false,
            OnCheckIn = d => d.StatusCodes.Keys.Any(k => k.StartsWith("Atomic:", StringComparison.Ordinal)) ? null : [SessionKit.EntraLapsPolicy(7)],
        });
        var lastSeconds = -10.0;
        var progress = new Reporter(p =>
        {
            if (p.Wall.TotalSeconds - lastSeconds < 10 && p.Fraction < 1) return;
            lastSeconds = p.Wall.TotalSeconds;
            TestContext.Progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{p.Wall.TotalSeconds,7:0}s  {p.Fraction:P1}  {p.VirtualNow:yyyy-MM-dd HH:mm}  enrolled {p.Enrollments:#,0}  sessions {p.Sessions:#,0}  heap {GC.GetTotalMemory(false) / 1048576:#,0} MiB"));
        });
        clock.Start = options.Start;

        var result = await FleetBench.RunAsync(options, server, progress);

        var r = result.Report;
        var serverDevices = server.Devices.Count;
        server = null!;
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        GC.WaitForPendingFinalizers();
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"heap without the test server ({serverDevices} devices): {GC.GetTotalMemory(true):#,0}"));
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"""
            devices {result.Devices:#,0}, days {result.Days}, resident limit {resident:#,0}
            sessions {result.Sessions:#,0}, enrollments {r.Enrollments:#,0}, rotations {r.Rotations:#,0}, backups {r.Backups:#,0}, policy cycles {r.PolicyCycles:#,0}
            wall {result.WallSeconds:0.#} s, check-ins/s {result.CheckInsPerSecond:0.#}, simulated days per real minute {result.SimulatedDaysPerMinute:0.###}
            cpu {r.Performance!.CpuSeconds:0.#} s, check-ins per cpu second {result.CheckInsPerCpuSecond:0.#}, simulated days per cpu minute {result.SimulatedDaysPerCpuMinute:0.###}
            bytes per idle device {result.BytesPerIdleDevice:#,0}, bytes per loaded device {result.BytesPerLoadedDevice:#,0}, peak working set {result.PeakWorkingSetBytes / 1048576:#,0} MiB
            store {r.Performance!.StoreBytes / 1048576.0:0.#} MiB, device loads {r.Performance.DeviceLoads:#,0}, saves {r.Performance.DeviceSaves:#,0}, heap before/loaded/idle/without {result.Heap.Before:#,0}/{result.Heap.Loaded:#,0}/{result.Heap.Idle:#,0}/{result.Heap.Without:#,0}
            """));
        r.DeviceErrors.Should().BeEmpty();
        r.Enrollments.Should().Be(devices);
    }

    private static T Setting<T>(string name, T fallback) where T : IParsable<T> =>
        Environment.GetEnvironmentVariable(name) is { } text && T.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private sealed class Reporter(Action<FleetProgress> report) : IProgress<FleetProgress>
    {
        public void Report(FleetProgress value) => report(value);
    }

    /// <summary>The server's clock: the fleet starts at <see cref="Start"/>; the server only stamps enrollments with it.</summary>
    private sealed class ClockHolder : TimeProvider
    {
        public DateTimeOffset Start { get; set; } = FleetOptions.DefaultStart;

        public override DateTimeOffset GetUtcNow() => Start;
    }
}
