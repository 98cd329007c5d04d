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
/// spec and the silo's <see cref="IFleetSiloEnvironment"/>.</summary>
internal sealed class FleetSiloRuns(IFleetSiloEnvironment environment)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<FleetDeviceRuntime>>> _runs = new(StringComparer.Ordinal);
    private long _loaded;
    private long _restored;

    /// <summary>Device grains that loaded their device on this silo (new or restored from grain storage).</summary>
    public long DevicesLoaded => Interlocked.Read(ref _loaded);

    /// <summary>Device grains that restored their device from grain storage on this silo.</summary>
    public long DevicesRestored => Interlocked.Read(ref _restored);

    public void Loaded(bool restored)
    {
        Interlocked.Increment(ref _loaded);
        if (restored) Interlocked.Increment(ref _restored);
    }

    public Task<FleetDeviceRuntime> GetAsync(string runId, IGrainFactory grains) =>
        _runs.GetOrAdd(runId, id => new Lazy<Task<FleetDeviceRuntime>>(() => CreateAsync(id, grains))).Value;

    private async Task<FleetDeviceRuntime> CreateAsync(string runId, IGrainFactory grains)
    {
        var spec = await grains.GetGrain<IFleetRunGrain>(runId).SpecAsync().ConfigureAwait(false)
            ?? throw new InvalidOperationException($"fleet run {runId} was not started (no spec)");
        var options = FleetRunSpec.FromJson(spec).ToOptions();
        var resources = environment.For(runId, options);
        if (resources.Credential is { } credential) options = options with { Credential = credential };
        return new FleetDeviceRuntime(options, resources.Server, resources.Directories, resources.Clock);
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

/// <summary>One device: its wakes run here, on whichever silo Orleans placed it; between wakes its state is written to
/// grain storage, so a deactivated (or moved) device continues where it was.</summary>
[global::Orleans.Placement.RandomPlacement]
internal sealed class FleetDeviceGrain(
    [PersistentState("device", FleetGrainStorage.Name)] IPersistentState<DeviceGrainState> state,
    FleetSiloRuns runs) : Grain, IFleetDeviceGrain
{
    private FleetDeviceRuntime? _runtime;
    private FleetDeviceWorker? _worker;

    public async Task<string> WakeAsync(DateTimeOffset at, DateTimeOffset fleetNow)
    {
        var runtime = await RuntimeAsync().ConfigureAwait(true);
        runtime.Clock.AdvanceTo(fleetNow);
        var worker = Worker(runtime);
        var result = await worker.WakeAsync(at).ConfigureAwait(true);
        await SaveAsync(worker).ConfigureAwait(true);
        return result.ToJson();
    }

    public async Task<string> FinishAsync(DateTimeOffset end)
    {
        var runtime = await RuntimeAsync().ConfigureAwait(true);
        runtime.Clock.AdvanceTo(end);
        var worker = Worker(runtime);
        var result = worker.Finish(end);
        await SaveAsync(worker).ConfigureAwait(true);
        return result.ToJson();
    }

    public Task<DeviceGrainFigures> FiguresAsync()
    {
        var s = state.State;
        return Task.FromResult(new DeviceGrainFigures(Bytes(s.Snapshot), Bytes(s.Client), Bytes(s.Identity), Bytes(s.Bookkeeping)));

        static int Bytes(string? text) => text is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(text);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _worker?.Unload();
        _worker = null;
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    private async Task<FleetDeviceRuntime> RuntimeAsync()
    {
        if (_runtime is not null) return _runtime;
        this.GetPrimaryKeyLong(out var runId);
        return _runtime = await runs.GetAsync(runId!, GrainFactory).ConfigureAwait(true);
    }

    /// <summary>The device, restored from grain storage on the first call after an activation (with the silo's clock
    /// already at the wake's fleet time, as the in-process host loads a device from SQLite).</summary>
    private FleetDeviceWorker Worker(FleetDeviceRuntime runtime)
    {
        if (_worker is not null) return _worker;
        var index = (int)this.GetPrimaryKeyLong(out _);
        var saved = state.State;
        runs.Loaded(restored: saved.Bookkeeping is not null);
        return _worker = saved.Bookkeeping is null
            ? runtime.NewDevice(index)
            : runtime.Restore(FleetDeviceRecord.FromBookkeeping(saved.Bookkeeping, saved.Snapshot, saved.Client, saved.Identity));
    }

    private async Task SaveAsync(FleetDeviceWorker worker)
    {
        var record = worker.Capture();
        var saved = state.State;
        saved.Bookkeeping = record.BookkeepingJson();
        saved.Snapshot = record.Snapshot;
        saved.Client = record.Client;
        saved.Identity = record.Identity;
        await state.WriteStateAsync().ConfigureAwait(true);
    }
}

/// <summary>The grain storage provider the fleet's grains use.</summary>
public static class FleetGrainStorage
{
    public const string Name = "fleet-devices";
}
