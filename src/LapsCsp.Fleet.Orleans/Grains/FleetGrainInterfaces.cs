namespace LapsCsp.Fleet.Orleans.Grains;

/// <summary>One simulated device of a run: key = device index, key extension = run id. Its persistent state is the device
/// in the forms the fleet's SQLite store uses (<see cref="DeviceGrainState"/>).</summary>
public interface IFleetDeviceGrain : IGrainWithIntegerCompoundKey
{
    /// <summary>Runs the wake at <paramref name="at"/> while fleet time is <paramref name="fleetNow"/>; returns the
    /// <see cref="LapsCsp.Fleet.Runner.DeviceWakeResult"/> as JSON.</summary>
    Task<string> WakeAsync(DateTimeOffset at, DateTimeOffset fleetNow);

    /// <summary>The end of the run (due LAPS cycles up to <paramref name="end"/>); the result as JSON.</summary>
    Task<string> FinishAsync(DateTimeOffset end);

    /// <summary>Sizes of the persistent state, for the scale figures.</summary>
    Task<DeviceGrainFigures> FiguresAsync();
}

/// <summary>The run: holds its <see cref="FleetRunSpec"/> for the device grains of every silo. Key = run id.</summary>
public interface IFleetRunGrain : IGrainWithStringKey
{
    Task StartAsync(string specJson);

    Task<string?> SpecAsync();
}

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
