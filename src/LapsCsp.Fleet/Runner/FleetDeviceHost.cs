using System.Text.Json;
using System.Text.Json.Serialization;
using LapsCsp.Device;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Fleet.Reporting;
using LapsCsp.Fleet.Session;

namespace LapsCsp.Fleet.Runner;

/// <summary>Where the devices of a fleet live and run their wakes: in the scheduler's process
/// (<see cref="InProcessDeviceHost"/>), or as Orleans grains on several machines (LapsCsp.Fleet.Orleans). The scheduler
/// (<see cref="FleetRunner"/>) owns virtual time, the queue of wakes, the batches and the report; a host only runs wakes
/// and hands back each wake's <see cref="DeviceWakeResult"/>, which the scheduler merges order-independently.</summary>
/// <remarks>Calls for different devices may run concurrently (a batch); calls for one device never overlap. Every wake of a
/// batch completes before the next batch starts, so <c>fleetNow</c> never goes back.</remarks>
public interface IFleetDeviceHost : IAsyncDisposable
{
    /// <summary>Wakes device <paramref name="index"/> at <paramref name="at"/> (its own event time) while the fleet's clock
    /// shows <paramref name="fleetNow"/> (the batch's start, which the directories see).</summary>
    Task<DeviceWakeResult> WakeAsync(int index, DateTimeOffset at, DateTimeOffset fleetNow, CancellationToken cancellationToken);

    /// <summary>Every wake of the batch that started at <paramref name="fleetNow"/> is done (a host may evict idle devices).</summary>
    Task BatchCompletedAsync(DateTimeOffset fleetNow, CancellationToken cancellationToken);

    /// <summary>The end of the run, for an enrolled device: it runs its due LAPS cycles up to <paramref name="end"/>.</summary>
    Task<DeviceWakeResult> FinishAsync(int index, DateTimeOffset end, CancellationToken cancellationToken);

    /// <summary>How many times devices were loaded from and saved to storage so far (performance figures only).</summary>
    DeviceHostFigures Figures();
}

/// <summary>Storage traffic of a host, for the performance part of the report.</summary>
public sealed record DeviceHostFigures(long Loads, long Saves, long StoreBytes);

/// <summary>What one wake did: when the device wakes next (null: never), its state and LAPS summary afterwards, and what it
/// added to the fleet's figures. Serializable (JSON), so that a wake can run on another machine.</summary>
public sealed record DeviceWakeResult(int Index, DateTimeOffset? NextWake, FleetDeviceState State, LapsSummary Laps, FleetMetricsDelta Metrics)
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static DeviceWakeResult FromJson(string json) =>
        JsonSerializer.Deserialize<DeviceWakeResult>(json, s_json) ?? throw new JsonException("the wake result is null");
}

/// <summary>Everything a host keeps of one device between wakes, in the serialised forms the fleet's SQLite store uses: the
/// device snapshot (<see cref="DeviceSnapshot.ToJson"/>, the store's <c>devices</c> table), the DM client state (camelCase
/// JSON, as under <c>fleet/client/&lt;id&gt;</c>) and the enrollment identity (<see cref="DeviceEnrollmentIdentity.ToJson"/>,
/// as under <c>fleet/identity/&lt;id&gt;</c>), plus the scheduler's bookkeeping of the device.</summary>
public sealed record FleetDeviceRecord
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public int Index { get; init; }

    public FleetDeviceState State { get; init; }

    public DateTimeOffset? NextEnrollmentAttempt { get; init; }

    public DateTimeOffset PollAnchor { get; init; }

    public long PollsDone { get; init; }

    public DateTimeOffset NextLogon { get; init; }

    public long SessionCounter { get; init; }

    public long LogonCounter { get; init; }

    public long LastActiveTicks { get; init; }

    public LapsSummary Laps { get; init; }

    /// <summary>The device snapshot JSON (null before enrollment).</summary>
    [JsonIgnore]
    public string? Snapshot { get; init; }

    /// <summary>The DM client state JSON (null before enrollment).</summary>
    [JsonIgnore]
    public string? Client { get; init; }

    /// <summary>The enrollment identity JSON (null before enrollment).</summary>
    [JsonIgnore]
    public string? Identity { get; init; }

    /// <summary>The bookkeeping part as JSON (the three documents are kept apart, as the store keeps them).</summary>
    public string BookkeepingJson() => JsonSerializer.Serialize(this, s_json);

    public static FleetDeviceRecord FromBookkeeping(string json, string? snapshot, string? client, string? identity) =>
        (JsonSerializer.Deserialize<FleetDeviceRecord>(json, s_json) ?? throw new JsonException("the device record is null")) with
        {
            Snapshot = snapshot,
            Client = client,
            Identity = identity,
        };

    internal static FleetDeviceRecord Of(FleetDevice device) => new()
    {
        Index = device.Index,
        State = device.State,
        NextEnrollmentAttempt = device.NextEnrollmentAttempt,
        PollAnchor = device.PollAnchor,
        PollsDone = device.PollsDone,
        NextLogon = device.NextLogon,
        SessionCounter = device.SessionCounter,
        LogonCounter = device.LogonCounter,
        LastActiveTicks = device.LastActiveTicks,
        Laps = device.Laps,
        Snapshot = device.Device?.Snapshot().ToJson(),
        Client = device.Client is { } client ? JsonSerializer.Serialize(client, FleetDeviceRuntime.ClientJson) : null,
        Identity = device.Identity?.ToJson(),
    };

    internal void ApplyTo(FleetDevice device)
    {
        device.State = State;
        device.NextEnrollmentAttempt = NextEnrollmentAttempt;
        device.PollAnchor = PollAnchor;
        device.PollsDone = PollsDone;
        device.NextLogon = NextLogon;
        device.SessionCounter = SessionCounter;
        device.LogonCounter = LogonCounter;
        device.LastActiveTicks = LastActiveTicks;
        device.Laps = Laps;
    }
}

/// <summary>One device of a fleet for a host that keeps devices one by one (an Orleans grain): wake it, finish it, save it.
/// Not thread-safe: one call at a time, as a grain runs them.</summary>
public sealed class FleetDeviceWorker
{
    private readonly FleetDeviceRuntime _runtime;
    private readonly FleetDevice _device;

    internal FleetDeviceWorker(FleetDeviceRuntime runtime, FleetDevice device)
    {
        _runtime = runtime;
        _device = device;
    }

    public int Index => _device.Index;

    public string DeviceId => _device.DeviceId;

    public FleetDeviceState State => _device.State;

    /// <summary>The simulated device (null before enrollment).</summary>
    public SimulatedDevice? Device => _device.Device;

    public DmClientState? Client => _device.Client;

    public Task<DeviceWakeResult> WakeAsync(DateTimeOffset at, CancellationToken cancellationToken = default) =>
        _runtime.WakeAsync(_device, at, cancellationToken);

    public DeviceWakeResult Finish(DateTimeOffset end) => _runtime.Finish(_device, end);

    /// <summary>The device in its saved forms (<see cref="FleetDeviceRuntime.Restore"/> brings it back).</summary>
    public FleetDeviceRecord Capture() => FleetDeviceRecord.Of(_device);

    /// <summary>Disposes the simulated device (the worker must not be used afterwards).</summary>
    public void Unload() => FleetDeviceRuntime.Drop(_device);
}
