using LapsCsp.Fleet.Runner;

namespace LapsCsp.Fleet.Orleans.Grains;

/// <summary>The coordinator's side of a fleet on Orleans: each wake is a call to the device's grain, wherever the cluster
/// placed it; the results come back as JSON and the <see cref="FleetRunner"/> merges them.</summary>
public sealed class GrainDeviceHost(IGrainFactory grains, string runId) : IFleetDeviceHost
{
    private long _wakes;

    public string RunId => runId;

    public IFleetDeviceGrain Grain(int index) => grains.GetGrain<IFleetDeviceGrain>(index, runId, null);

    /// <summary>Hands the run's spec to the cluster; call once before the first wake.</summary>
    public Task StartAsync(FleetOptions options) => grains.GetGrain<IFleetRunGrain>(runId).StartAsync(FleetRunSpec.Of(options).ToJson());

    public async Task<DeviceWakeResult> WakeAsync(int index, DateTimeOffset at, DateTimeOffset fleetNow, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var json = await Grain(index).WakeAsync(at, fleetNow).ConfigureAwait(false);
        Interlocked.Increment(ref _wakes);
        return DeviceWakeResult.FromJson(json);
    }

    public Task BatchCompletedAsync(DateTimeOffset fleetNow, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<DeviceWakeResult> FinishAsync(int index, DateTimeOffset end, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return DeviceWakeResult.FromJson(await Grain(index).FinishAsync(end).ConfigureAwait(false));
    }

    /// <summary>Every wake writes the device's grain state once: saves = wakes; loads are the cluster's business.</summary>
    public DeviceHostFigures Figures() => new(0, Interlocked.Read(ref _wakes), 0);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
