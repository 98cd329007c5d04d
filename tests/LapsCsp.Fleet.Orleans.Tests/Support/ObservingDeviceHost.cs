using System.Collections.Concurrent;
using LapsCsp.Fleet.Orleans.Grains;
using LapsCsp.Fleet.Runner;

namespace LapsCsp.Fleet.Orleans.Tests.Support;

/// <summary>Passes the runner's calls to the grains, keeps each device's latest result and, after every batch, hands
/// <see cref="AfterBatch"/> the devices that woke in it (to deactivate or migrate their grains between wakes).</summary>
internal sealed class ObservingDeviceHost(GrainDeviceHost inner) : IFleetDeviceHost
{
    private readonly ConcurrentDictionary<int, DeviceWakeResult> _latest = new();
    private readonly ConcurrentQueue<int> _batch = new();

    public GrainDeviceHost Inner => inner;

    public Func<DateTimeOffset, IReadOnlyList<int>, Task>? AfterBatch { get; init; }

    /// <summary>Each device's latest wake or finish result.</summary>
    public IReadOnlyDictionary<int, DeviceWakeResult> Latest => _latest;

    public async Task<DeviceWakeResult> WakeAsync(int index, DateTimeOffset at, DateTimeOffset fleetNow, CancellationToken cancellationToken)
    {
        var result = await inner.WakeAsync(index, at, fleetNow, cancellationToken);
        _latest[index] = result;
        _batch.Enqueue(index);
        return result;
    }

    public async Task BatchCompletedAsync(DateTimeOffset fleetNow, CancellationToken cancellationToken)
    {
        var woken = new List<int>();
        while (_batch.TryDequeue(out var index)) woken.Add(index);
        if (AfterBatch is { } after) await after(fleetNow, woken);
    }

    public async Task<DeviceWakeResult> FinishAsync(int index, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var result = await inner.FinishAsync(index, end, cancellationToken);
        _latest[index] = result;
        return result;
    }

    public DeviceHostFigures Figures() => inner.Figures();

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
