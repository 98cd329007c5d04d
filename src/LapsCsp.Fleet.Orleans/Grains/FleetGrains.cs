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
    private long _active;
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

    /// <summary>Device grains on this silo that hold their device in memory now.</summary>
    public long DevicesActive => Interlocked.Read(ref _active);

    public void Loaded(bool restored)
    {
        Interlocked.Increment(ref _loaded);
        Interlocked.Increment(ref _active);
        if (restored) Interlocked.Increment(ref _restored);
    }

    public void Unloaded() => Interlocked.Decrement(ref _active);

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
/// <remarks>While the device is loaded the grain does not keep the JSON it last wrote or read (about 64 KB of UTF-16 a
/// device): only its SHA-256, to skip a write equal to the last one. On deactivation <c>state.State</c>
/// is filled again with the device as it is, because a migration hands the state to the next activation from there.</remarks>
[global::Orleans.Placement.RandomPlacement]
internal sealed class FleetDeviceGrain(
    [PersistentState("device", FleetGrainStorage.Name)] IPersistentState<DeviceGrainState> state,
    FleetSiloRuns runs) : Grain, IFleetDeviceGrain
{
    private FleetDeviceRuntime? _runtime;
    private FleetDeviceWorker? _worker;

    /// <summary>The durable part of the device as last written or restored.</summary>
    private DurableMark? _written;

    /// <summary>SHA-256 of the grain state as last written or restored.</summary>
    private byte[] _writtenHash = [];

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
        var s = _worker is { } worker ? Captured(worker) : state.State;
        return Task.FromResult(new DeviceGrainFigures(Bytes(s.Snapshot), Bytes(s.Client), Bytes(s.Identity), Bytes(s.Bookkeeping)));
    }

    public Task UnloadAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    /// <summary>Writes the device if a wake changed it since the last write (every policy), then drops it from memory.
    /// Orleans calls this on idle collection, <c>DeactivateOnIdle</c>, migration and a silo's shutdown, not when a silo
    /// dies. A migrating grain also fills <c>state.State</c> again: Orleans hands it to the next
    /// activation after this returns.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_worker is { } worker)
        {
            try
            {
                if (_unsaved || reason.ReasonCode == DeactivationReasonCode.Migrating)
                {
                    await SaveAsync(worker, deactivating: true).ConfigureAwait(true);
                }
            }
            finally
            {
                worker.Unload();
                _worker = null;
                runs.Unloaded();
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
        _writtenHash = Hash(saved);
        _unsaved = false;
        state.State = new DeviceGrainState();
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

    /// <summary>Captures the device and writes it unless its hash equals the last write's (SHA-256 of 64 KB: tens of
    /// microseconds, against a storage round trip). True when it wrote. Deactivating, the capture stays in
    /// <c>state.State</c> (a migration carries it); otherwise the grain lets go of it. A failed write
    /// leaves the grain as before it, so the next one tries again.</summary>
    private async Task<bool> SaveAsync(FleetDeviceWorker worker, bool deactivating, DurableMark? mark = null)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var next = Captured(worker);
        var hash = Hash(next);
        var unchanged = hash.AsSpan().SequenceEqual(_writtenHash);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var previous = state.State;
        state.State = next;
        if (!unchanged)
        {
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

        if (!deactivating) state.State = new DeviceGrainState();
        runs.Saved(elapsed, unchanged ? 0 : Bytes(next.Bookkeeping) + Bytes(next.Snapshot) + Bytes(next.Client) + Bytes(next.Identity), deactivating);
        _written = mark ?? DurableMark.Of(worker);
        _writtenHash = hash;
        _unsaved = false;
        return !unchanged;
    }

    private static DeviceGrainState Captured(FleetDeviceWorker worker)
    {
        var record = worker.Capture();
        return new DeviceGrainState { Bookkeeping = record.BookkeepingJson(), Snapshot = record.Snapshot, Client = record.Client, Identity = record.Identity };
    }

    /// <summary>SHA-256 over the four documents, each as its length and its UTF-16 code units (null: length -1).</summary>
    private static byte[] Hash(DeviceGrainState s)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in (ReadOnlySpan<string?>)[s.Bookkeeping, s.Snapshot, s.Client, s.Identity])
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, part?.Length ?? -1);
            hash.AppendData(length);
            if (part is not null) hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(part.AsSpan()));
        }

        return hash.GetHashAndReset();
    }
}

/// <summary>The grain storage provider the fleet's grains use.</summary>
public static class FleetGrainStorage
{
    public const string Name = "fleet-devices";
}
