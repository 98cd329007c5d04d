using System.Diagnostics;
using System.Globalization;
using System.Net;
using LapsCsp.Fleet.Orleans.Cluster;
using LapsCsp.Fleet.Orleans.Grains;
using LapsCsp.Fleet.Reporting;
using LapsCsp.Fleet.Runner;
using LapsCsp.Fleet.Scheduling;
using LapsCsp.Fleet.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LapsCsp.Fleet.Orleans.Bench;

/// <summary>Figures of a fleet measured on a localhost Orleans cluster (issue 6 item 6: what a million devices need).</summary>
public sealed record OrleansBenchResult
{
    public required int Devices { get; init; }

    public required double Days { get; init; }

    public required int Silos { get; init; }

    public required GrainStateWrites StateWrites { get; init; }

    /// <summary>Every grain was deactivated after each of its wakes.</summary>
    public required bool UnloadedAfterEveryWake { get; init; }

    public required long Sessions { get; init; }

    /// <summary>Grain calls the coordinator made (one per wake, plus one per device at the end).</summary>
    public required long Wakes { get; init; }

    public required double WallSeconds { get; init; }

    /// <summary>Processor time of the whole process: silos, coordinator and the in-process test server.</summary>
    public required double CpuSeconds { get; init; }

    /// <summary>Average bytes of a device grain's persistent state (UTF-8 JSON), by part, over the enrolled devices.</summary>
    public required double StateBytes { get; init; }

    public required double SnapshotBytes { get; init; }

    public required double IdentityBytes { get; init; }

    public required double ClientBytes { get; init; }

    public required double BookkeepingBytes { get; init; }

    /// <summary>Managed heap per device with every device grain active (loaded again from grain storage after the run),
    /// minus the heap after they are all deactivated again.</summary>
    public required long BytesPerActiveGrain { get; init; }

    /// <summary>Managed heap per device once every device grain is deactivated (the state in memory grain storage, the
    /// directories' and the test server's records), above the heap before the run.</summary>
    public required long BytesPerIdleDevice { get; init; }

    /// <summary>Grain state traffic of the silos during the run (up to the report).</summary>
    public required GrainStateFigures Run { get; init; }

    /// <summary>Grain state traffic when Orleans deactivated every device grain after the run.</summary>
    public required GrainStateFigures Collection { get; init; }

    public required FleetReport Report { get; init; }

    public double WritesPerWake => Run.Writes / (double)Math.Max(Wakes, 1);

    public double BytesWrittenPerCheckIn => Run.BytesWritten / (double)Math.Max(Sessions, 1);

    public double CpuMillisecondsPerCheckIn => CpuSeconds * 1000 / Math.Max(Sessions, 1);

    public double CheckInsPerDeviceDay => Sessions / (double)Devices / Days;

    public double WakesPerDeviceDay => Wakes / (double)Devices / Days;

    public double CheckInsPerCpuSecond => Sessions / Math.Max(CpuSeconds, 1e-9);

    public double CheckInsPerSecondPerSilo => Sessions / Math.Max(WallSeconds, 1e-9) / Silos;

    public string ToText() => string.Create(CultureInfo.InvariantCulture, $"""
        devices {Devices:#,0}, days {Days}, silos {Silos} (one process, {Environment.ProcessorCount} cores), grain state writes {StateWrites}{(UnloadedAfterEveryWake ? ", grains deactivated after every wake" : "")}
        sessions {Sessions:#,0} ({CheckInsPerDeviceDay:0.##} per device-day), grain calls {Wakes:#,0} ({WakesPerDeviceDay:0.##} per device-day)
        wall {WallSeconds:0.#} s, cpu {CpuSeconds:0.#} s: {CheckInsPerSecondPerSilo:0.#} check-ins/s per silo, {CheckInsPerCpuSecond:0.#} check-ins per cpu-second ({CpuMillisecondsPerCheckIn:0.###} ms per check-in)
        grain state in the run: {Run.Writes:#,0} writes ({WritesPerWake:0.###} per grain call), {Run.BytesWritten:#,0} B ({BytesWrittenPerCheckIn:#,0} B per check-in), {Run.Captures:#,0} captures ({Run.Unchanged:#,0} unchanged), capture time {Run.CaptureTime.TotalSeconds:0.##} s, restored {Run.Restored:#,0}
        grain state at the final collection: {Collection.Writes:#,0} writes ({Collection.DeactivationWrites:#,0} on deactivation), {Collection.BytesWritten:#,0} B, {Collection.Unchanged:#,0} unchanged
        grain state per device {StateBytes:#,0} B (snapshot {SnapshotBytes:#,0}, identity {IdentityBytes:#,0}, client {ClientBytes:#,0}, bookkeeping {BookkeepingBytes:#,0})
        heap per active device grain {BytesPerActiveGrain:#,0} B, per idle device {BytesPerIdleDevice:#,0} B
        sessions by day: {string.Join(", ", Report.Days.Select(d => d.Sessions.ToString("#,0", CultureInfo.InvariantCulture)))}; rotations {Report.Rotations:#,0}, backups {Report.Backups:#,0}
        """);
}

/// <summary>Measures a fleet on a localhost cluster of <c>silos</c> silos in this process: grain state bytes, memory per
/// active and idle device grain, check-ins per second per silo and per processor-second (the input of the million-device
/// estimate in the README). A command path for <c>lapscsp fleet silo --bench</c>-like tooling; not a test.</summary>
public static class OrleansFleetBench
{
    /// <param name="unloadAfterEveryWake">Deactivate every grain after each of its wakes, as Orleans does when a device's
    /// wakes are further apart in real time than the collection age: every wake then restores the device from grain
    /// storage and writes it on deactivation.</param>
    public static async Task<OrleansBenchResult> RunAsync(FleetOptions options, IMdmServerConnection server, VirtualClock serverClock, int silos,
        GrainStateWrites stateWrites = GrainStateWrites.OnChange, bool unloadAfterEveryWake = false, IProgress<FleetProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(silos, 1);
        var environment = new SharedFleetSiloEnvironment(new FleetSiloResources(server, OrleansFleet.NewDirectories(serverClock), serverClock));
        var basePort = 21111;
        var primary = new IPEndPoint(IPAddress.Loopback, basePort);
        var hosts = new List<IHost>();
        try
        {
            for (var i = 0; i < silos; i++)
            {
                var cluster = new FleetClusterOptions
                {
                    SiloPort = basePort + i,
                    GatewayPort = basePort + 100 + i,
                    PrimarySiloEndpoint = i == 0 ? null : primary,
                    ClusterId = "bench",
                    ServiceId = "bench",
                    StateWrites = stateWrites,
                };
                hosts.Add(await OrleansFleet.StartSiloAsync(cluster, environment, LogLevel.Warning, cancellationToken).ConfigureAwait(false));
            }

            var grains = hosts[0].Services.GetRequiredService<IGrainFactory>();
            var before = Heap();
            var started = Stopwatch.GetTimestamp();
            TimeSpan cpuStarted;
            using (var process = Process.GetCurrentProcess()) cpuStarted = process.TotalProcessorTime;
            var host = new GrainDeviceHost(grains, "bench-" + Guid.NewGuid().ToString("N"));
            await host.StartAsync(options).ConfigureAwait(false);
            FleetReport report;
            var runs = hosts.Select(h => h.Services.GetRequiredService<FleetSiloRuns>()).ToList();
            IFleetDeviceHost runHost = unloadAfterEveryWake ? new UnloadingHost(host, runs) : host;
            using (var runner = new FleetRunner(options, runHost, server.DiscoveryUrl.GetLeftPart(UriPartial.Authority)))
            {
                report = await runner.RunAsync(progress, cancellationToken).ConfigureAwait(false);
            }

            var wall = Stopwatch.GetElapsedTime(started);
            double cpu;
            using (var process = Process.GetCurrentProcess()) cpu = (process.TotalProcessorTime - cpuStarted).TotalSeconds;

            GrainStateFigures Traffic() => GrainStateFigures.Sum(hosts.Select(h => h.Services.GetRequiredService<FleetSiloRuns>().Figures()));
            var run = Traffic();
            var figures = new List<DeviceGrainFigures>();
            for (var i = 0; i < options.Devices; i++)
            {
                var f = await host.Grain(i).FiguresAsync().ConfigureAwait(false);
                if (f.SnapshotBytes > 0) figures.Add(f);
            }

            // Deactivated 64 at a time: all 2,000 at once (ForceActivationCollection) run 2,000 grain-state writes
            // concurrently, which grows Orleans' message buffer pools by about 30 KB a device for good and hides the
            // idle figure. Each grain writes its device first (if a wake changed it since its last write).
            long Active() => hosts.Sum(h => h.Services.GetRequiredService<FleetSiloRuns>().DevicesActive);
            async Task InWavesAsync(Func<IFleetDeviceGrain, Task> call, bool unloading)
            {
                for (var i = 0; i < options.Devices; i += 64)
                {
                    await Task.WhenAll(Enumerable.Range(i, Math.Min(64, options.Devices - i)).Select(d => call(host.Grain(d)))).ConfigureAwait(false);
                    var waiting = Stopwatch.StartNew();
                    while (unloading && Active() > Math.Max(0, options.Devices - i - 64) && waiting.Elapsed < TimeSpan.FromMinutes(1))
                    {
                        await Task.Delay(5, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            await InWavesAsync(g => g.UnloadAsync(), unloading: true).ConfigureAwait(false);
            var idle = Heap();
            var collection = Traffic() - run;

            // Every device loaded again from grain storage (a second finish at the end does nothing) and unloaded again:
            // the heap between the two is what a loaded device grain costs, whatever grain storage held during the run.
            await InWavesAsync(g => g.FinishAsync(options.End), unloading: false).ConfigureAwait(false);
            var active = Heap();
            await InWavesAsync(g => g.UnloadAsync(), unloading: true).ConfigureAwait(false);
            var idleAgain = Heap();
            double Average(Func<DeviceGrainFigures, int> part) => figures.Count == 0 ? 0 : figures.Average(part);
            return new OrleansBenchResult
            {
                Devices = options.Devices,
                Days = options.Days,
                Silos = silos,
                StateWrites = stateWrites,
                UnloadedAfterEveryWake = unloadAfterEveryWake,
                Sessions = report.Sessions,
                Wakes = host.Wakes,
                WallSeconds = Math.Round(wall.TotalSeconds, 2),
                CpuSeconds = Math.Round(cpu, 2),
                StateBytes = Math.Round(Average(f => f.Total)),
                SnapshotBytes = Math.Round(Average(f => f.SnapshotBytes)),
                IdentityBytes = Math.Round(Average(f => f.IdentityBytes)),
                ClientBytes = Math.Round(Average(f => f.ClientBytes)),
                BookkeepingBytes = Math.Round(Average(f => f.BookkeepingBytes)),
                BytesPerActiveGrain = Math.Max(0, active - idleAgain) / options.Devices,
                BytesPerIdleDevice = Math.Max(0, idle - before) / options.Devices,
                Run = run,
                Collection = collection,
                Report = report,
            };
        }
        finally
        {
            foreach (var h in Enumerable.Reverse(hosts))
            {
                await h.StopAsync(CancellationToken.None).ConfigureAwait(false);
                h.Dispose();
            }
        }

        static long Heap()
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            return GC.GetTotalMemory(forceFullCollection: true);
        }
    }
}

/// <summary>Passes the runner's calls to the grains and, after every batch, deactivates the grains that woke in it and
/// waits until they have (each writes its device first).</summary>
internal sealed class UnloadingHost(GrainDeviceHost inner, IReadOnlyList<FleetSiloRuns> silos) : IFleetDeviceHost
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<int> _woken = new();

    public async Task<DeviceWakeResult> WakeAsync(int index, DateTimeOffset at, DateTimeOffset fleetNow, CancellationToken cancellationToken)
    {
        var result = await inner.WakeAsync(index, at, fleetNow, cancellationToken).ConfigureAwait(false);
        _woken.Enqueue(index);
        return result;
    }

    public async Task BatchCompletedAsync(DateTimeOffset fleetNow, CancellationToken cancellationToken)
    {
        var woken = new List<int>();
        while (_woken.TryDequeue(out var index)) woken.Add(index);
        await Task.WhenAll(woken.Select(i => inner.Grain(i).UnloadAsync())).ConfigureAwait(false);
        var waiting = Stopwatch.StartNew();
        while (silos.Sum(s => s.DevicesActive) > 0 && waiting.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<DeviceWakeResult> FinishAsync(int index, DateTimeOffset end, CancellationToken cancellationToken) =>
        inner.FinishAsync(index, end, cancellationToken);

    public DeviceHostFigures Figures() => inner.Figures();

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
