using LapsCsp.Fleet.Reporting;
using LapsCsp.Fleet.Transport;

namespace LapsCsp.Fleet.Runner;

/// <summary>Figures of one benchmark run (issue 6 item 5).</summary>
/// <param name="BytesPerIdleDevice">Managed heap the fleet keeps per device once every device is idle in the store
/// (its compact record, schedule entry and its share of the fleet's emulated directories).</param>
/// <param name="BytesPerLoadedDevice">Managed heap per device while devices are loaded (simulated device, DM client
/// state, identity).</param>
public sealed record FleetBenchResult(
    int Devices,
    double Days,
    long Sessions,
    double WallSeconds,
    double CheckInsPerSecond,
    double SimulatedDaysPerMinute,
    long BytesPerIdleDevice,
    long BytesPerLoadedDevice,
    long PeakWorkingSetBytes,
    FleetReport Report)
{
    /// <summary>Managed heap after a full collection: with devices loaded, with every device idle, after the fleet was disposed.</summary>
    public (long Before, long Loaded, long Idle, long Without) Heap { get; init; }

    /// <summary>Check-ins per second of processor time (independent of other load on the machine).</summary>
    public double CheckInsPerCpuSecond => Report.Performance?.CheckInsPerCpuSecond ?? 0;

    /// <summary>Simulated days per minute of processor time.</summary>
    public double SimulatedDaysPerCpuMinute => Report.Performance is { CpuSeconds: > 0 } p ? Days / (p.CpuSeconds / 60) : 0;
}

/// <summary>Measures a fleet: memory per idle and per loaded device, check-ins per second, simulated days per real minute.</summary>
public static class FleetBench
{
    /// <param name="prepare">Runs after the runner is built and before the fleet starts (an in-process server starts on the
    /// runner's clock here); what it allocates counts in the figures.</param>
    public static async Task<FleetBenchResult> RunAsync(FleetOptions options, IMdmServerConnection server, IProgress<FleetProgress>? progress = null,
        CancellationToken cancellationToken = default, Func<FleetRunner, CancellationToken, Task>? prepare = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var before = Heap();
        FleetReport report;
        long loaded;
        long idle;
        int resident;
        var runner = new FleetRunner(options, server);
        try
        {
            if (prepare is not null) await prepare(runner, cancellationToken).ConfigureAwait(false);
            report = await runner.RunAsync(progress, cancellationToken).ConfigureAwait(false);

            // The continuation runs inline under RunAsync's completed frame, which still holds the runner: measure from a
            // fresh stack so that "without" really is without.
            await Task.Yield();
            resident = runner.ResidentCount;
            loaded = Heap();
            runner.Hibernate();
            idle = Heap();
            GC.KeepAlive(runner);
        }
        finally
        {
            runner.Dispose();
        }

        runner = null!;
        await Task.Yield();
        var after = Heap();
        var perf = report.Performance!;
        var perIdle = options.UsesStore ? Math.Max(0, idle - after) / options.Devices : Math.Max(0, loaded - after) / options.Devices;
        var perLoaded = resident > 0 ? Math.Max(0, loaded - after) / Math.Max(1, resident) : 0;
        return new FleetBenchResult(options.Devices, options.Days, report.Sessions, perf.WallSeconds, perf.CheckInsPerSecond, perf.SimulatedDaysPerMinute,
            perIdle, perLoaded, perf.PeakWorkingSetBytes, report) { Heap = (before, loaded, idle, after) };

    }

    /// <summary>The managed heap after full, compacting collections (what is really held).</summary>
    public static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
