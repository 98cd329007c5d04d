using System.Collections.Concurrent;
using LapsCsp.Fleet.Orleans.Grains;
using Orleans.Storage;

namespace LapsCsp.Fleet.Orleans.Tests.Support;

/// <summary>What the device grains of a test cluster wrote: per grain, the number of writes and the last state written
/// (a copy: what a silo that dies right now would leave behind). Shared by every silo of the cluster.</summary>
internal sealed class GrainWriteLog
{
    private readonly ConcurrentDictionary<GrainId, int> _writes = new();
    private readonly ConcurrentDictionary<GrainId, DeviceGrainState> _last = new();

    public int Total => _writes.Values.Sum();

    public int WritesOf(IAddressable grain) => _writes.GetValueOrDefault(grain.GetGrainId());

    /// <summary>The state last written for <paramref name="grain"/> (null: never written).</summary>
    public DeviceGrainState? LastOf(IAddressable grain) => _last.GetValueOrDefault(grain.GetGrainId());

    public void Written(GrainId grain, DeviceGrainState state)
    {
        _writes.AddOrUpdate(grain, 1, (_, n) => n + 1);
        _last[grain] = new DeviceGrainState { Bookkeeping = state.Bookkeeping, Snapshot = state.Snapshot, Client = state.Client, Identity = state.Identity };
    }
}

/// <summary>Grain storage that passes everything to <paramref name="inner"/> and logs the writes of device state.</summary>
internal sealed class CountingGrainStorage(IGrainStorage inner, GrainWriteLog log) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        await inner.WriteStateAsync(stateName, grainId, grainState);
        if (grainState.State is DeviceGrainState state) log.Written(grainId, state);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);
}
