using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LapsCsp.Fleet.Reporting;

/// <summary>Percentiles of a distribution, in milliseconds.</summary>
public sealed record Percentiles(long Count, double Mean, double P50, double P90, double P95, double P99, double Max);

/// <summary>One simulated day of the run.</summary>
public sealed record DayStatistics(int Day, long Sessions, long FailedSessions, long Faults, long Enrollments, long Rotations, long Backups, long BackupFailures);

/// <summary>How the run was set up.</summary>
public sealed record RunSettings(
    int Devices,
    double Days,
    int Seed,
    string Mix,
    string Server,
    DateTimeOffset Start,
    DateTimeOffset End,
    bool HourlyWakeups,
    int ResidentDevices,
    JsonElement Faults);

/// <summary>How fast the run went on this machine: not part of the simulation, so not compared between runs.</summary>
public sealed record RunPerformance(
    double WallSeconds,
    double CheckInsPerSecond,
    double SimulatedDaysPerMinute,
    long PeakWorkingSetBytes,
    long ManagedHeapBytes,
    Percentiles WallSessionLatency,
    long DeviceLoads,
    long DeviceSaves)
{
    /// <summary>Processor time the process used during the run (the fleet and an in-process server): unlike the wall
    /// time, it does not depend on what else the machine was doing.</summary>
    public double CpuSeconds { get; init; }

    public double CheckInsPerCpuSecond { get; init; }

    public int ProcessorCount { get; init; }

    /// <summary>Size of the SQLite store at the end (file and write-ahead log), 0 without a store.</summary>
    public long StoreBytes { get; init; }
}

/// <summary>What a fleet run did. Everything but <see cref="Performance"/> is a function of the settings and the seed
/// (and of the server's answers): the same seed gives the same report.</summary>
public sealed record FleetReport
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public const string Format = "lapscsp-fleet-report/1";

    [JsonPropertyOrder(-1)]
    public string Schema { get; init; } = Format;

    public required RunSettings Settings { get; init; }

    /// <summary>Devices by final state: enrolled, unenrolled, silent, never-enrolled.</summary>
    public required ImmutableSortedDictionary<string, long> DevicesByState { get; init; }

    /// <summary>Devices by join type, OS family and LAPS state (policy, backup directory).</summary>
    public required ImmutableSortedDictionary<string, long> DevicesByKind { get; init; }

    public required long EnrollmentAttempts { get; init; }

    public required long Enrollments { get; init; }

    /// <summary>Failed enrollment attempts by step and kind (<c>Enrollment:Fault</c>).</summary>
    public required ImmutableSortedDictionary<string, long> EnrollmentFailures { get; init; }

    public required long Sessions { get; init; }

    public required ImmutableSortedDictionary<string, long> SessionsByTrigger { get; init; }

    public required ImmutableSortedDictionary<string, long> SessionsByOutcome { get; init; }

    /// <summary>Failed sessions by the fault that ended them (<c>transport:Timeout</c>, <c>http:503</c>, …).</summary>
    public required ImmutableSortedDictionary<string, long> SessionFailures { get; init; }

    /// <summary>Every exchange attempt that got no usable answer, retried ones included.</summary>
    public required ImmutableSortedDictionary<string, long> Faults { get; init; }

    public required long Retries { get; init; }

    public required long MessagesSent { get; init; }

    public required long ServerCommands { get; init; }

    /// <summary>Statuses the devices sent for the server's commands, by code.</summary>
    public required ImmutableSortedDictionary<string, long> CommandsByStatus { get; init; }

    /// <summary>The server's Statuses for the devices' SyncHdr and commands, by code.</summary>
    public required ImmutableSortedDictionary<string, long> ServerStatuses { get; init; }

    /// <summary>Session duration in virtual time (simulated latency and backoff), in milliseconds.</summary>
    public required Percentiles SessionLatency { get; init; }

    public required long PolicyCycles { get; init; }

    public required long Rotations { get; init; }

    public required long Backups { get; init; }

    public required long BackupFailures { get; init; }

    /// <summary>Microsoft-Windows-LAPS/Operational events written, by id.</summary>
    public required ImmutableSortedDictionary<string, long> LapsEvents { get; init; }

    public required long UserLogons { get; init; }

    public required long AdminLogons { get; init; }

    public required long Unenrollments { get; init; }

    /// <summary>Bugs: exceptions while handling a device (the run goes on), by type.</summary>
    public required ImmutableSortedDictionary<string, long> DeviceErrors { get; init; }

    public required ImmutableArray<DayStatistics> Days { get; init; }

    public RunPerformance? Performance { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>The report without <see cref="Performance"/>: equal for two runs with the same seed.</summary>
    public string ToDeterministicJson() => (this with { Performance = null }).ToJson();

    public static FleetReport FromJson(string json)
    {
        var report = JsonSerializer.Deserialize<FleetReport>(json, s_json) ?? throw new JsonException("the report is null");
        if (report.Schema != Format) throw new JsonException($"not a fleet report (schema '{report.Schema}', expected '{Format}')");
        return report;
    }
}
