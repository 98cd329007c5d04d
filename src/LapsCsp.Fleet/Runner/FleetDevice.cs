using LapsCsp.Device;
using LapsCsp.Device.Policy;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Fleet.Reporting;
using LapsCsp.Fleet.Scheduling;
using LapsCsp.Fleet.Session;

namespace LapsCsp.Fleet.Runner;

/// <summary>Where a device is in its life.</summary>
public enum FleetDeviceState
{
    /// <summary>Not enrolled yet (or its last enrollment attempt failed and it will try again).</summary>
    Pending,

    Enrolled,

    /// <summary>Its user unenrolled, or the server unenrolled it.</summary>
    Unenrolled,

    /// <summary>Switched off for good: it stopped checking in.</summary>
    Silent,
}

/// <summary>What the report needs of a device's LAPS state without loading it.</summary>
public readonly record struct LapsSummary(LapsBackupDirectory BackupDirectory, bool BackedUp, long Rotations);

/// <summary>One device of the fleet. Idle, it is this compact record (a few hundred bytes); its simulated device, DM client
/// state and enrollment identity are loaded when it wakes (from the SQLite store in large fleets).</summary>
/// <remarks>Idle in the store, the enrollment identity stays written under <c>fleet/identity/&lt;id&gt;</c>.</remarks>
internal sealed class FleetDevice(int index, string deviceId)
{
    public int Index { get; } = index;

    public string DeviceId { get; } = deviceId;

    public FleetDeviceState State { get; set; }

    public DateTimeOffset? NextEnrollmentAttempt { get; set; }

    public DateTimeOffset PollAnchor { get; set; }

    public long PollsDone { get; set; }

    public DateTimeOffset NextLogon { get; set; }

    public long SessionCounter { get; set; }

    public long LogonCounter { get; set; }

    public long LastActiveTicks { get; set; }

    public LapsSummary Laps { get; set; }

    /// <summary>Loaded: the simulated device, its clock, DM client state and enrollment identity (null when idle in the store).</summary>
    public SimulatedDevice? Device { get; set; }

    public DeviceClock? Clock { get; set; }

    public DmClientState? Client { get; set; }

    public DeviceEnrollmentIdentity? Identity { get; set; }

    /// <summary>The identity as last written to the store (null: never written, or dropped from memory).</summary>
    public DeviceEnrollmentIdentity? StoredIdentity { get; set; }

    /// <summary>Something changed since the device was last saved to the store.</summary>
    public bool Dirty { get; set; }

    public bool Loaded => Device is not null;

    private readonly Lock _metricsGate = new();
    private FleetMetricsDelta? _metrics;

    /// <summary>Adds to what this device contributes to the figures until the host takes it with the next wake's result
    /// (LAPS events written outside a wake, by a backup that completes later, go with the next one).</summary>
    public void Record(Action<FleetMetricsDelta> add)
    {
        lock (_metricsGate) add(_metrics ??= new FleetMetricsDelta(_start));
    }

    /// <summary>What the device contributed since the last call (an empty delta when nothing).</summary>
    public FleetMetricsDelta TakeMetrics(DateTimeOffset start)
    {
        lock (_metricsGate)
        {
            var taken = _metrics ?? new FleetMetricsDelta(start);
            _metrics = null;
            return taken;
        }
    }

    /// <summary>The run's start (day 1 of the per-day figures).</summary>
    public DateTimeOffset MetricsStart
    {
        get => _start;
        set => _start = value;
    }

    private DateTimeOffset _start;
}
