using LapsCsp.Fleet.Runner;

namespace LapsCsp.Fleet.Orleans.Grains;

/// <summary>The coordinator's side of a fleet on Orleans: each wake is a call to the device's grain, wherever the cluster
/// placed it; the results come back as JSON and the <see cref="FleetRunner"/> merges them.</summary>
public sealed class GrainDeviceHost(IGrainFactory grains, string runId) : IFleetDeviceHost
{
    private long _wakes;
    private long _loads;
    private long _saves;

    public string RunId => runId;

    public IFleetDeviceGrain Grain(int index) => grains.GetGrain<IFleetDeviceGrain>(index, runId, null);

    /// <summary>Hands the run's spec to the cluster; call once before the first wake.</summary>
    public Task StartAsync(FleetOptions options) => grains.GetGrain<IFleetRunGrain>(runId).StartAsync(FleetRunSpec.Of(options).ToJson());

    public async Task<DeviceWakeResult> WakeAsync(int index, DateTimeOffset at, DateTimeOffset fleetNow, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reply = await Grain(index).WakeAsync(at, fleetNow).ConfigureAwait(false);
        Interlocked.Increment(ref _wakes);
        return Result(reply);
    }

    public Task BatchCompletedAsync(DateTimeOffset fleetNow, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<DeviceWakeResult> FinishAsync(int index, DateTimeOffset end, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reply = await Grain(index).FinishAsync(end).ConfigureAwait(false);
        Interlocked.Increment(ref _wakes);
        return Result(reply);
    }

    /// <summary>Grain calls so far: one per wake, one per finished device.</summary>
    public long Wakes => Interlocked.Read(ref _wakes);

    /// <summary>Loads: wakes that restored their device from grain storage; saves: wakes that wrote it. Writes on
    /// deactivation happen outside any call: the silos count them (<see cref="GrainStateFigures"/>).</summary>
    public DeviceHostFigures Figures() => new(Interlocked.Read(ref _loads), Interlocked.Read(ref _saves), 0);

    private DeviceWakeResult Result(DeviceWakeReply reply)
    {
        if (reply.Restored) Interlocked.Increment(ref _loads);
        if (reply.Written) Interlocked.Increment(ref _saves);
        return DeviceWakeResult.FromJson(reply.Result);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
