using System.Collections.Immutable;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using LapsCsp.Device;
using LapsCsp.Device.Processing;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Backup;
using LapsCsp.Directory.Entra;
using LapsCsp.Fleet.Reporting;
using LapsCsp.Fleet.Scheduling;
using LapsCsp.Fleet.Session;
using LapsCsp.Fleet.Transport;

namespace LapsCsp.Fleet.Runner;

/// <summary>Where a run is, for a progress display.</summary>
public sealed record FleetProgress(DateTimeOffset VirtualNow, double Fraction, long Sessions, long Enrollments, TimeSpan Wall);

/// <summary>Runs a fleet of simulated Windows devices against an MDM server on virtual time (issue 6 items 4 and 6).</summary>
/// <remarks>
/// <para>The scheduler: a priority queue of (time, device) wake-ups on a <see cref="VirtualClock"/>. Wakes within
/// <see cref="FleetOptions.BatchWindow"/> form a batch and run in parallel on the <see cref="IFleetDeviceHost"/>; what a
/// device does at a wake is <see cref="FleetDeviceRuntime"/>'s. Each device's work depends only on its own state and
/// randomness streams (<see cref="SimRandom"/>), and each wake hands back its contribution to the figures
/// (<see cref="FleetMetricsDelta"/>), which the scheduler merges as sums, so the same seed gives the same report whatever
/// the interleaving and wherever the devices run.</para>
/// <para>The default host keeps every device in this process (<see cref="InProcessDeviceHost"/>: idle devices go to SQLite
/// beyond <see cref="FleetOptions.ResidentDevices"/>); LapsCsp.Fleet.Orleans runs them as grains on several machines.</para>
/// </remarks>
public sealed class FleetRunner : IDisposable
{
    private readonly FleetOptions _options;
    private readonly string _serverName;
    private readonly FleetMetrics _metrics;
    private readonly IFleetDeviceHost _host;
    private readonly InProcessDeviceHost? _inProcess;
    private readonly bool _ownsHost;
    private readonly FleetDeviceState[] _states;
    private readonly LapsSummary[] _laps;
    private readonly PriorityQueue<int, (long Ticks, int Index)> _queue = new();

    /// <summary>A fleet whose devices run in this process against <paramref name="server"/>.</summary>
    public FleetRunner(FleetOptions options, IMdmServerConnection server, string? serverName = null)
        : this(Validated(options), Named(server, serverName), null)
    {
        LapsDirectories directories;
        if (options.Directories is { } shared)
        {
            directories = shared;
        }
        else
        {
            EntraId = new EntraIdDirectory(Clock, new EntraIdOptions(LapsEnabled: true));
            Domain = new ActiveDirectoryDomain(Clock);
            directories = LapsDirectories.Of(EntraId, Domain);
        }

        EntraId ??= directories.EntraIdTenant;
        Domain ??= directories.ActiveDirectoryDomain;
        _inProcess = new InProcessDeviceHost(new FleetDeviceRuntime(options, server, directories, Clock));
        _host = _inProcess;
        _ownsHost = true;
    }

    /// <summary>A fleet whose devices run on <paramref name="host"/> (the caller keeps and disposes it); this runner is
    /// the coordinator: virtual time, the queue of wakes, progress and the report.</summary>
    public FleetRunner(FleetOptions options, IFleetDeviceHost host, string serverName)
        : this(Validated(options), serverName ?? throw new ArgumentNullException(nameof(serverName)), host ?? throw new ArgumentNullException(nameof(host)))
    {
        EntraId = options.Directories?.EntraIdTenant;
        Domain = options.Directories?.ActiveDirectoryDomain;
    }

    private FleetRunner(FleetOptions options, string serverName, IFleetDeviceHost? host)
    {
        _options = options;
        _serverName = serverName;
        Clock = new VirtualClock(options.Start);
        _metrics = new FleetMetrics(options.Start);
        _states = new FleetDeviceState[options.Devices];
        _laps = new LapsSummary[options.Devices];
        for (var i = 0; i < options.Devices; i++) _queue.Enqueue(i, (Blueprint(i).EnrollAt.UtcTicks, i));
        _host = host!;
    }

    private static FleetOptions Validated(FleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException("invalid fleet options: " + string.Join("; ", problems), nameof(options));
        return options;
    }

    private static string Named(IMdmServerConnection server, string? serverName)
    {
        ArgumentNullException.ThrowIfNull(server);
        return serverName ?? server.DiscoveryUrl.GetLeftPart(UriPartial.Authority);
    }

    /// <summary>The fleet's virtual time.</summary>
    public VirtualClock Clock { get; }

    /// <summary>The emulated tenant devices back up to (the fleet's own, or the shared one passed in).</summary>
    public EntraIdDirectory? EntraId { get; }

    /// <summary>The emulated domain hybrid devices back up to.</summary>
    public ActiveDirectoryDomain? Domain { get; }

    public FleetMetrics Metrics => _metrics;

    /// <summary>Where the devices run.</summary>
    public IFleetDeviceHost Host => _host;

    /// <summary>The blueprint of device <paramref name="index"/> (a pure function of the options and the index).</summary>
    public DeviceBlueprint Blueprint(int index) =>
        _options.Mix.Blueprint(_options.Seed, index, _options.Start, _options.End - _options.Start, _options.EnrollmentSpread, _options.Faults);

    /// <summary>Loads a device for inspection after a run (tests, the report); in-process fleets only.</summary>
    public SimulatedDevice? Device(int index) => InProcess.Device(index);

    /// <summary>The device if it is in memory now, without loading it (<see cref="Device"/> loads a hibernated one from the
    /// store); false for a device not enrolled yet, hibernated, or running elsewhere (a fleet of grains).</summary>
    public bool TryGetResident(int index, [NotNullWhen(true)] out SimulatedDevice? device)
    {
        device = null;
        return _inProcess is not null && _inProcess.TryGetResident(index, out device);
    }

    /// <summary>The DM client state of a device after a run; in-process fleets only.</summary>
    public DmClientState? ClientState(int index) => InProcess.ClientState(index);

    public FleetDeviceState State(int index) => _states[index];

    /// <summary>Devices in memory right now (in-process fleets; 0 otherwise).</summary>
    public int ResidentCount => _inProcess?.ResidentCount ?? 0;

    /// <summary>Saves every idle device to the store and drops it from memory (nothing happens without a store).</summary>
    public void Hibernate() => _inProcess?.Hibernate();

    private InProcessDeviceHost InProcess =>
        _inProcess ?? throw new InvalidOperationException("the devices of this fleet do not run in this process: ask their host");

    public async Task<FleetReport> RunAsync(IProgress<FleetProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        TimeSpan cpuStarted;
        using (var process = Process.GetCurrentProcess()) cpuStarted = process.TotalProcessorTime;
        var end = _options.End;
        var total = (end - _options.Start).Ticks;
        var batch = new List<(int Index, DateTimeOffset At)>();
        var lastProgress = 0L;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken };
        while (_queue.TryPeek(out _, out var head) && head.Ticks <= end.UtcTicks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batchStart = new DateTimeOffset(head.Ticks, TimeSpan.Zero);
            Clock.AdvanceTo(batchStart);
            var limit = Math.Min((batchStart + _options.BatchWindow).UtcTicks, end.UtcTicks + 1);
            batch.Clear();
            while (_queue.TryPeek(out var index, out var key) && (key.Ticks < limit || key.Ticks == head.Ticks) && batch.Count < 4096)
            {
                _queue.Dequeue();
                batch.Add((index, new DateTimeOffset(key.Ticks, TimeSpan.Zero)));
            }

            var results = new DeviceWakeResult[batch.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, batch.Count), parallel,
                async (i, ct) => results[i] = await _host.WakeAsync(batch[i].Index, batch[i].At, batchStart, ct).ConfigureAwait(false)).ConfigureAwait(false);
            foreach (var result in results)
            {
                Apply(result);
                if (result.NextWake is { } wake) _queue.Enqueue(result.Index, (wake.UtcTicks, result.Index));
            }

            await _host.BatchCompletedAsync(batchStart, cancellationToken).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (progress is not null && (elapsed.Ticks - lastProgress > TimeSpan.TicksPerSecond / 4 || !_queue.TryPeek(out _, out _)))
            {
                lastProgress = elapsed.Ticks;
                progress.Report(new FleetProgress(batchStart, Math.Clamp((double)(batchStart - _options.Start).Ticks / total, 0, 1),
                    _metrics.Sessions, _metrics.Enrollments, elapsed));
            }
        }

        Clock.AdvanceTo(end);
        var enrolled = Enumerable.Range(0, _states.Length).Where(i => _states[i] == FleetDeviceState.Enrolled).ToList();
        var finished = new DeviceWakeResult[enrolled.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, enrolled.Count), parallel,
            async (i, ct) => finished[i] = await _host.FinishAsync(enrolled[i], end, ct).ConfigureAwait(false)).ConfigureAwait(false);
        foreach (var result in finished) Apply(result);

        var wall = Stopwatch.GetElapsedTime(started);
        progress?.Report(new FleetProgress(end, 1, _metrics.Sessions, _metrics.Enrollments, wall));
        return Report(wall, cpuStarted);
    }

    private void Apply(DeviceWakeResult result)
    {
        _states[result.Index] = result.State;
        _laps[result.Index] = result.Laps;
        _metrics.Merge(result.Metrics);
    }

    private FleetReport Report(TimeSpan wall, TimeSpan cpuStarted)
    {
        var byState = _states.GroupBy(s => s switch
            {
                FleetDeviceState.Pending => "never-enrolled",
                FleetDeviceState.Enrolled => "enrolled",
                FleetDeviceState.Unenrolled => "unenrolled",
                _ => "silent",
            })
            .ToImmutableSortedDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        var byKind = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var index = 0; index < _states.Length; index++)
        {
            var blueprint = Blueprint(index);
            Count(byKind, "join:" + blueprint.JoinType);
            Count(byKind, "os:" + blueprint.OsBuild.Build.ToString(CultureInfo.InvariantCulture));
            Count(byKind, "network:" + blueprint.Network);
            if (_states[index] == FleetDeviceState.Pending) continue;
            Count(byKind, "laps-policy:" + _laps[index].BackupDirectory);
            if (_laps[index].BackedUp) Count(byKind, "laps-backed-up:" + _laps[index].BackupDirectory);
        }

        var figures = _host.Figures();
        using var process = Process.GetCurrentProcess();
        var performance = new RunPerformance(
            Math.Round(wall.TotalSeconds, 3),
            Math.Round(_metrics.Sessions / Math.Max(wall.TotalSeconds, 1e-9), 1),
            Math.Round(_options.Days / Math.Max(wall.TotalMinutes, 1e-9), 2),
            process.PeakWorkingSet64,
            GC.GetTotalMemory(forceFullCollection: false),
            _metrics.WallLatency(),
            figures.Loads,
            figures.Saves)
        {
            CpuSeconds = Math.Round((process.TotalProcessorTime - cpuStarted).TotalSeconds, 3),
            CheckInsPerCpuSecond = Math.Round(_metrics.Sessions / Math.Max((process.TotalProcessorTime - cpuStarted).TotalSeconds, 1e-9), 1),
            ProcessorCount = Environment.ProcessorCount,
            StoreBytes = figures.StoreBytes,
        };
        var settings = new RunSettings(_options.Devices, _options.Days, _options.Seed, _options.Mix.ToString(), _serverName, _options.Start, _options.End,
            _options.HourlyWakeups, _options.ResidentDevices, JsonDocument.Parse(_options.Faults.ToJson()).RootElement.Clone());
        return _metrics.Report(settings, byState, byKind.ToImmutableSortedDictionary(StringComparer.Ordinal), performance);
    }

    private static void Count(SortedDictionary<string, long> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    public void Dispose()
    {
        if (_ownsHost) _inProcess?.Dispose();
    }
}

/// <summary>A directory behind a per-device fault injector: each backup attempt fails transiently with the given
/// probability, drawn from the device's own stream so that the fleet stays deterministic.</summary>
internal sealed class FlakyDirectory(IBackupDirectory inner, double rate, int seed, int device) : IBackupDirectory
{
    private long _attempt;

    public DirectoryKind Kind => inner.Kind;

    public Task<BackupOutcome> BackupAsync(PasswordBackup backup, CancellationToken ct)
    {
        var attempt = Interlocked.Increment(ref _attempt) + backup.UpdateTime.UtcTicks;
        return SimRandom.Unit(seed, device, SimRandom.Stream.Directory, attempt) < rate
            ? Task.FromResult(BackupOutcome.Failed(inner.Kind, BackupFailureKind.Unreachable, "simulated: the directory could not be reached"))
            : inner.BackupAsync(backup, ct);
    }
}
