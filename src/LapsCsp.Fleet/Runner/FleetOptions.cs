using System.Globalization;
using LapsCsp.Device.Processing;
using LapsCsp.Enrollment.Security;
using LapsCsp.Fleet.Session;

namespace LapsCsp.Fleet.Runner;

/// <summary>How a fleet run is set up. Validated at start-up, every problem reported at once.</summary>
public sealed record FleetOptions
{
    /// <summary>Monday 6 January 2025, 06:00 UTC: a working week starts with the run.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2025, 1, 6, 6, 0, 0, TimeSpan.Zero);

    public int Devices { get; init; } = 100;

    /// <summary>Simulated days.</summary>
    public double Days { get; init; } = 1;

    public int Seed { get; init; } = 1;

    public FleetMix Mix { get; init; } = FleetMix.Default;

    public FaultPlan Faults { get; init; } = FaultPlan.Default;

    public DateTimeOffset Start { get; init; } = DefaultStart;

    /// <summary>Devices enroll at random moments over this span from the start.</summary>
    public TimeSpan EnrollmentSpread { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long a device whose enrollment failed waits before it tries again.</summary>
    public TimeSpan EnrollmentRetryInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The credential each device enrolls with (OnPremise user and password by default; a Fleet orbit node key
    /// or an Entra token for other servers).</summary>
    public Func<DeviceBlueprint, EnrollmentCredential> Credential { get; init; } =
        b => EnrollmentCredential.UsernamePassword(UserPrincipalName(b), "fleet");

    /// <summary>Events this close together in virtual time run as one batch, in parallel: the directories' clock shows the
    /// batch's start, each device its own event time.</summary>
    public TimeSpan BatchWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Devices handled at once within a batch (sessions in flight).</summary>
    public int MaxConcurrency { get; init; } = Math.Max(2, Environment.ProcessorCount * 8);

    /// <summary>Wake every device every hour for its LAPS policy cycle. Off: a device wakes only when something is due
    /// (a poll, a logon, a rotation, a post-authentication deadline, or at least daily) and runs the hourly cycles it
    /// missed then, each at its own time (the engine's RunDueWork). Same results unless someone changes the directory's
    /// expiry behind the device's back; far fewer wakes.</summary>
    public bool HourlyWakeups { get; init; }

    /// <summary>Devices kept loaded in memory; beyond this the fleet keeps idle devices in the SQLite store and loads them
    /// on demand.</summary>
    public int ResidentDevices { get; init; } = 5000;

    /// <summary>The SQLite store for idle devices (null: a temporary file, deleted after the run, when one is needed).</summary>
    public string? StorePath { get; init; }

    /// <summary>Capacity of each device's LAPS event log (Windows keeps far more; a fleet keeps memory small).</summary>
    public int EventLogCapacity { get; init; } = 64;

    public DmClientOptions Client { get; init; } = new();

    /// <summary>The directories devices back up to (the embedded server's); null: the fleet's own emulated tenant and domain.</summary>
    public LapsDirectories? Directories { get; init; }

    public DateTimeOffset End => Start + TimeSpan.FromDays(Days);

    public bool UsesStore => StorePath is not null || Devices > ResidentDevices;

    public static string UserPrincipalName(DeviceBlueprint blueprint) =>
        string.Create(CultureInfo.InvariantCulture, $"user{blueprint.Index + 1}@fleet.example");

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Devices is < 1 or > 10_000_000) problems.Add("Devices must be between 1 and 10,000,000");
        if (Days is <= 0 or > 3650 || double.IsNaN(Days)) problems.Add("Days must be more than 0 and at most 3650");
        if (EnrollmentSpread < TimeSpan.Zero) problems.Add("EnrollmentSpread must not be negative");
        if (EnrollmentRetryInterval <= TimeSpan.Zero) problems.Add("EnrollmentRetryInterval must be positive");
        if (BatchWindow < TimeSpan.Zero || BatchWindow > TimeSpan.FromHours(1)) problems.Add("BatchWindow must be between 0 and 1 hour");
        if (MaxConcurrency is < 1 or > 10_000) problems.Add("MaxConcurrency must be between 1 and 10,000");
        if (ResidentDevices < 1) problems.Add("ResidentDevices must be at least 1");
        if (EventLogCapacity < 1) problems.Add("EventLogCapacity must be at least 1");
        problems.AddRange(Faults.Validate());
        problems.AddRange(Client.Validate());
        return problems;
    }
}
