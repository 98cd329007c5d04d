namespace LapsCsp.Fleet.Orleans.Grains;

/// <summary>One simulated device of a run: key = device index, key extension = run id. Its persistent state is the device
/// in the forms the fleet's SQLite store uses (<see cref="DeviceGrainState"/>).</summary>
public interface IFleetDeviceGrain : IGrainWithIntegerCompoundKey
{
    /// <summary>Runs the wake at <paramref name="at"/> while fleet time is <paramref name="fleetNow"/>.</summary>
    Task<DeviceWakeReply> WakeAsync(DateTimeOffset at, DateTimeOffset fleetNow);

    /// <summary>The end of the run (due LAPS cycles up to <paramref name="end"/>).</summary>
    Task<DeviceWakeReply> FinishAsync(DateTimeOffset end);

    /// <summary>Deactivates the grain once this call returns: it writes its device first if a wake changed it (the bench
    /// uses it to deactivate grains a few at a time instead of all at once).</summary>
    Task UnloadAsync();

    /// <summary>Sizes of the device's state in its persistent form (captured now if the device is loaded), for the scale
    /// figures.</summary>
    Task<DeviceGrainFigures> FiguresAsync();
}

/// <summary>The run: holds its <see cref="FleetRunSpec"/> for the device grains of every silo. Key = run id.</summary>
public interface IFleetRunGrain : IGrainWithStringKey
{
    Task StartAsync(string specJson);

    Task<string?> SpecAsync();
}

/// <summary>What a wake or the finish of a device grain gives the coordinator: the
/// <see cref="LapsCsp.Fleet.Runner.DeviceWakeResult"/> as JSON, whether the call loaded the device from grain storage and
/// whether it wrote the grain state (see <see cref="GrainStateWrites"/>; writes on deactivation happen outside any call).</summary>
[GenerateSerializer]
[Immutable]
public sealed record DeviceWakeReply(
    [property: Id(0)] string Result,
    [property: Id(1)] bool Restored,
    [property: Id(2)] bool Written);

/// <summary>Bytes of a device grain's persistent state, by part.</summary>
[GenerateSerializer]
[Immutable]
public sealed record DeviceGrainFigures(
    [property: Id(0)] int SnapshotBytes,
    [property: Id(1)] int ClientBytes,
    [property: Id(2)] int IdentityBytes,
    [property: Id(3)] int BookkeepingBytes)
{
    public int Total => SnapshotBytes + ClientBytes + IdentityBytes + BookkeepingBytes;
}
