using System.Collections.Concurrent;
using LapsCsp.Fleet.Runner;

namespace LapsCsp.Fleet.Orleans.Grains;

/// <summary>The persistent state of a device grain: the device in the serialised forms of the fleet's SQLite store (see
/// <see cref="FleetDeviceRecord"/>). Null parts before enrollment.</summary>
[GenerateSerializer]
public sealed class DeviceGrainState
{
    /// <summary>The scheduler's bookkeeping (<see cref="FleetDeviceRecord.BookkeepingJson"/>); null: never woke.</summary>
    [Id(0)]
    public string? Bookkeeping { get; set; }

    /// <summary><c>DeviceSnapshot.ToJson()</c>, as the store's <c>devices</c> table.</summary>
    [Id(1)]
    public string? Snapshot { get; set; }

    /// <summary>The DM client state, as the store's <c>fleet/client/&lt;id&gt;</c> setting.</summary>
    [Id(2)]
    public string? Client { get; set; }

    /// <summary>The enrollment identity, as the store's <c>fleet/identity/&lt;id&gt;</c> setting.</summary>
    [Id(3)]
    public string? Identity { get; set; }
}

[GenerateSerializer]
public sealed class FleetRunState
{
    [Id(0)]
    public string? Spec { get; set; }
}

/// <summary>The runs a silo serves: each run's <see cref="FleetDeviceRuntime"/>, built once per silo from the run grain's
/// spec and the silo's <see cref="IFleetSiloEnvironment"/>; the silo's <see cref="GrainStateWrites"/> policy and the grain
/// state traffic of its device grains.</summary>
internal sealed class FleetSiloRuns(IFleetSiloEnvironment environment, FleetDeviceGrainOptions options)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<FleetDeviceRuntime>>> _runs = new(StringComparer.Ordinal);
    private long _loaded;
    private long _restored;
    private long _captures;
    private long _writes;
    private long _deactivationWrites;
    private long _unchanged;
    private long _bytesWritten;
    private long _captureTicks;

    public GrainStateWrites Writes => options.StateWrites;

    /// <summary>Device grains that loaded their device on this silo (new or restored from grain storage).</summary>
    public long DevicesLoaded => Interlocked.Read(ref _loaded);

    /// <summary>Device grains that restored their device from grain storage on this silo.</summary>
    public long DevicesRestored => Interlocked.Read(ref _restored);

    public void Loaded(bool restored)
    {
        Interlocked.Increment(ref _loaded);
        if (restored) Interlocked.Increment(ref _restored);
    }

    /// <summary>A device serialised for a write (<paramref name="elapsed"/>: the capture and the comparison with the
    /// last write), then written (<paramref name="bytes"/> UTF-8 bytes; 0: equal to the last write, not written).</summary>
    public void Saved(TimeSpan elapsed, long bytes, bool deactivating)
    {
        Interlocked.Increment(ref _captures);
        Interlocked.Add(ref _captureTicks, elapsed.Ticks);
        if (bytes == 0)
        {
            Interlocked.Increment(ref _unchanged);
            return;
        }

        Interlocked.Increment(ref _writes);
        Interlocked.Add(ref _bytesWritten, bytes);
        if (deactivating) Interlocked.Increment(ref _deactivationWrites);
    }

    public GrainStateFigures Figures() => new(
        Interlocked.Read(ref _loaded),
        Interlocked.Read(ref _restored),
        Interlocked.Read(ref _captures),
        Interlocked.Read(ref _writes),
        Interlocked.Read(ref _deactivationWrites),
        Interlocked.Read(ref _unchanged),
        Interlocked.Read(ref _bytesWritten),
        TimeSpan.FromTicks(Interlocked.Read(ref _captureTicks)));

    public Task<FleetDeviceRuntime> GetAsync(string runId, IGrainFactory grains) =>
        _runs.GetOrAdd(runId, id => new Lazy<Task<FleetDeviceRuntime>>(() => CreateAsync(id, grains))).Value;

    private async Task<FleetDeviceRuntime> CreateAsync(string runId, IGrainFactory grains)
    {
        var spec = await grains.GetGrain<IFleetRunGrain>(runId).SpecAsync().ConfigureAwait(false)
            ?? throw new InvalidOperationException($"fleet run {runId} was not started (no spec)");
        var runOptions = FleetRunSpec.FromJson(spec).ToOptions();
        var resources = environment.For(runId, runOptions);
        if (resources.Credential is { } credential) runOptions = runOptions with { Credential = credential };
        return new FleetDeviceRuntime(runOptions, resources.Server, resources.Directories, resources.Clock);
    }
}

/// <summary>How the device grains of a silo use grain storage (registered by <see cref="OrleansFleet.AddFleetDevices"/>).</summary>
public sealed record FleetDeviceGrainOptions
{
    public GrainStateWrites StateWrites { get; init; } = GrainStateWrites.OnChange;
}

/// <summary>The grain state traffic of the device grains on one silo since it started.</summary>
/// <param name="Captures">Devices serialised for a write (<see cref="FleetDeviceWorker.Capture"/>).</param>
/// <param name="Writes">Grain state writes, of which <paramref name="DeactivationWrites"/> on deactivation.</param>
/// <param name="Unchanged">Captures equal to the last write, so not written.</param>
/// <param name="BytesWritten">UTF-8 bytes of the four JSON documents of every write.</param>
/// <param name="CaptureTime">Time spent serialising and comparing (processor-bound: no I/O).</param>
public sealed record GrainStateFigures(long Loaded, long Restored, long Captures, long Writes, long DeactivationWrites, long Unchanged,
    long BytesWritten, TimeSpan CaptureTime)
{
    public static GrainStateFigures Sum(IEnumerable<GrainStateFigures> figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        return figures.Aggregate(new GrainStateFigures(0, 0, 0, 0, 0, 0, 0, TimeSpan.Zero), (a, b) => new(
            a.Loaded + b.Loaded, a.Restored + b.Restored, a.Captures + b.Captures, a.Writes + b.Writes,
            a.DeactivationWrites + b.DeactivationWrites, a.Unchanged + b.Unchanged, a.BytesWritten + b.BytesWritten, a.CaptureTime + b.CaptureTime));
    }

    public static GrainStateFigures operator -(GrainStateFigures a, GrainStateFigures b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Loaded - b.Loaded, a.Restored - b.Restored, a.Captures - b.Captures, a.Writes - b.Writes,
            a.DeactivationWrites - b.DeactivationWrites, a.Unchanged - b.Unchanged, a.BytesWritten - b.BytesWritten, a.CaptureTime - b.CaptureTime);
    }
}

internal sealed class FleetRunGrain([PersistentState("run", FleetGrainStorage.Name)] IPersistentState<FleetRunState> state) : Grain, IFleetRunGrain
{
    public async Task StartAsync(string specJson)
    {
        state.State.Spec = specJson;
        await state.WriteStateAsync().ConfigureAwait(true);
    }

    public Task<string?> SpecAsync() => Task.FromResult(state.State.Spec);
}

/// <summary>One device: its wakes run here, on whichever silo Orleans placed it. Its state goes to grain storage as the
/// silo's <see cref="GrainStateWrites"/> policy says, and always on deactivation when a wake changed it, so a deactivated
/// (or moved) device continues where it was.</summary>
[global::Orleans.Placement.RandomPlacement]
internal sealed class FleetDeviceGrain(
    [PersistentState("device", FleetGrainStorage.Name)] IPersistentState<DeviceGrainState> state,
    FleetSiloRuns runs) : Grain, IFleetDeviceGrain
{
    private FleetDeviceRuntime? _runtime;
    private FleetDeviceWorker? _worker;

    /// <summary>The durable part of the device as last written or restored (null: nothing in storage yet).</summary>
    private DurableMark? _written;

    /// <summary>A wake or the finish ran since the device was last written or restored.</summary>
    private bool _unsaved;

    public async Task<DeviceWakeReply> WakeAsync(DateTimeOffset at, DateTimeOffset fleetNow)
    {
        var runtime = await RuntimeAsync().ConfigureAwait(true);
        runtime.Clock.AdvanceTo(fleetNow);
        var (worker, restored) = Worker(runtime);
        var result = await worker.WakeAsync(at).ConfigureAwait(true);
        _unsaved = true;
        var written = await AfterWakeAsync(worker).ConfigureAwait(true);
        return new DeviceWakeReply(result.ToJson(), restored, written);
    }

    public async Task<DeviceWakeReply> FinishAsync(DateTimeOffset end)
    {
        var runtime = await RuntimeAsync().ConfigureAwait(true);
        runtime.Clock.AdvanceTo(end);
        var (worker, restored) = Worker(runtime);
        var result = worker.Finish(end);
        _unsaved = true;
        var written = await AfterWakeAsync(worker).ConfigureAwait(true);
        return new DeviceWakeReply(result.ToJson(), restored, written);
    }

    public Task<DeviceGrainFigures> FiguresAsync()
    {
        if (_worker is not null && _unsaved)
        {
            var record = _worker.Capture();
            return Task.FromResult(new DeviceGrainFigures(Bytes(record.Snapshot), Bytes(record.Client), Bytes(record.Identity), Bytes(record.BookkeepingJson())));
        }

        var s = state.State;
        return Task.FromResult(new DeviceGrainFigures(Bytes(s.Snapshot), Bytes(s.Client), Bytes(s.Identity), Bytes(s.Bookkeeping)));
    }

    /// <summary>Writes the device if a wake changed it since the last write (every policy), then drops it from memory.
    /// Orleans calls this on idle collection, <c>DeactivateOnIdle</c> and a silo's shutdown, not when a silo dies.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_worker is { } worker)
        {
            try
            {
                if (_unsaved) await SaveAsync(worker, deactivating: true).ConfigureAwait(true);
            }
            finally
            {
                worker.Unload();
                _worker = null;
            }
        }

        await base.OnDeactivateAsync(reason, cancellationToken).ConfigureAwait(true);
    }

    private static int Bytes(string? text) => text is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(text);

    private async Task<FleetDeviceRuntime> RuntimeAsync()
    {
        if (_runtime is not null) return _runtime;
        this.GetPrimaryKeyLong(out var runId);
        return _runtime = await runs.GetAsync(runId!, GrainFactory).ConfigureAwait(true);
    }

    /// <summary>The device, restored from grain storage on the first call after an activation (with the silo's clock
    /// already at the wake's fleet time, as the in-process host loads a device from SQLite).</summary>
    private (FleetDeviceWorker Worker, bool Restored) Worker(FleetDeviceRuntime runtime)
    {
        if (_worker is not null) return (_worker, false);
        var index = (int)this.GetPrimaryKeyLong(out _);
        var saved = state.State;
        var restored = saved.Bookkeeping is not null;
        runs.Loaded(restored);
        _worker = restored
            ? runtime.Restore(FleetDeviceRecord.FromBookkeeping(saved.Bookkeeping!, saved.Snapshot, saved.Client, saved.Identity))
            : runtime.NewDevice(index);

        // A new device is a pending one: nothing durable happened until it enrolls (a failed attempt is simply retried).
        _written = DurableMark.Of(_worker);
        _unsaved = false;
        return (_worker, restored);
    }

    /// <summary>Writes the device after a wake if the silo's policy asks for it; true when it wrote.</summary>
    private async Task<bool> AfterWakeAsync(FleetDeviceWorker worker)
    {
        switch (runs.Writes)
        {
            case GrainStateWrites.EveryWake:
                return await SaveAsync(worker, deactivating: false).ConfigureAwait(true);
            case GrainStateWrites.OnChange:
                var mark = DurableMark.Of(worker);
                return !mark.SameAs(_written) && await SaveAsync(worker, deactivating: false, mark).ConfigureAwait(true);
            default:
                return false;
        }
    }

    /// <summary>Captures the device and writes it unless it equals the last write (compared as the strings the grain
    /// already holds: microseconds for 30 KB, against a storage round trip). True when it wrote. A failed write leaves the
    /// grain as before it, so the next one tries again.</summary>
    private async Task<bool> SaveAsync(FleetDeviceWorker worker, bool deactivating, DurableMark? mark = null)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var record = worker.Capture();
        var next = new DeviceGrainState
        {
            Bookkeeping = record.BookkeepingJson(),
            Snapshot = record.Snapshot,
            Client = record.Client,
            Identity = record.Identity,
        };
        var previous = state.State;
        var unchanged = string.Equals(previous.Bookkeeping, next.Bookkeeping, StringComparison.Ordinal) &&
            string.Equals(previous.Snapshot, next.Snapshot, StringComparison.Ordinal) &&
            string.Equals(previous.Client, next.Client, StringComparison.Ordinal) &&
            string.Equals(previous.Identity, next.Identity, StringComparison.Ordinal);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        if (!unchanged)
        {
            state.State = next;
            try
            {
                await state.WriteStateAsync().ConfigureAwait(true);
            }
            catch
            {
                state.State = previous;
                throw;
            }
        }

        runs.Saved(elapsed, unchanged ? 0 : Bytes(next.Bookkeeping) + Bytes(next.Snapshot) + Bytes(next.Client) + Bytes(next.Identity), deactivating);
        _written = mark ?? DurableMark.Of(worker);
        _unsaved = false;
        return !unchanged;
    }
}

/// <summary>The grain storage provider the fleet's grains use.</summary>
public static class FleetGrainStorage
{
    public const string Name = "fleet-devices";
}
