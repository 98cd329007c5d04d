using System.Text.Json;
using LapsCsp.Enrollment.Security;
using LapsCsp.Fleet.Runner;
using LapsCsp.Fleet.Session;

namespace LapsCsp.Fleet.Orleans.Grains;

/// <summary>The part of <see cref="FleetOptions"/> that travels to the silos (JSON): everything that decides what a device
/// does. Not carried: <see cref="FleetOptions.Credential"/> (silos use the default user-and-password credential, or the
/// one their <see cref="IFleetSiloEnvironment"/> gives), <see cref="FleetOptions.Directories"/> (each silo's own, from its
/// environment) and <see cref="FleetOptions.StorePath"/> (grain storage replaces the SQLite store).</summary>
public sealed record FleetRunSpec
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public int Devices { get; init; }

    public double Days { get; init; }

    public int Seed { get; init; }

    public required string Mix { get; init; }

    public required string Faults { get; init; }

    public DateTimeOffset Start { get; init; }

    public TimeSpan EnrollmentSpread { get; init; }

    public TimeSpan EnrollmentRetryInterval { get; init; }

    public TimeSpan BatchWindow { get; init; }

    public int MaxConcurrency { get; init; }

    public bool HourlyWakeups { get; init; }

    public int ResidentDevices { get; init; }

    public int EventLogCapacity { get; init; }

    public required DmClientOptions Client { get; init; }

    public static FleetRunSpec Of(FleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new FleetRunSpec
        {
            Devices = options.Devices,
            Days = options.Days,
            Seed = options.Seed,
            Mix = options.Mix.ToString(),
            Faults = options.Faults.ToJson(),
            Start = options.Start,
            EnrollmentSpread = options.EnrollmentSpread,
            EnrollmentRetryInterval = options.EnrollmentRetryInterval,
            BatchWindow = options.BatchWindow,
            MaxConcurrency = options.MaxConcurrency,
            HourlyWakeups = options.HourlyWakeups,
            ResidentDevices = options.ResidentDevices,
            EventLogCapacity = options.EventLogCapacity,
            Client = options.Client,
        };
    }

    public FleetOptions ToOptions(Func<DeviceBlueprint, EnrollmentCredential>? credential = null)
    {
        var options = new FleetOptions
        {
            Devices = Devices,
            Days = Days,
            Seed = Seed,
            Mix = FleetMix.Parse(Mix),
            Faults = FaultPlan.Parse(Faults),
            Start = Start,
            EnrollmentSpread = EnrollmentSpread,
            EnrollmentRetryInterval = EnrollmentRetryInterval,
            BatchWindow = BatchWindow,
            MaxConcurrency = MaxConcurrency,
            HourlyWakeups = HourlyWakeups,
            ResidentDevices = ResidentDevices,
            EventLogCapacity = EventLogCapacity,
            Client = Client,
        };
        return credential is null ? options : options with { Credential = credential };
    }

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static FleetRunSpec FromJson(string json) =>
        JsonSerializer.Deserialize<FleetRunSpec>(json, s_json) ?? throw new JsonException("the run spec is null");
}
