using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LapsCsp.Fleet.Runner;

/// <summary>The quirks and faults of a fleet run (<c>--faults FILE</c>, JSON with these property names in camelCase).
/// Rates are per exchange (0..1); percentages are shares of devices (0..100). Every draw is deterministic for the seed.</summary>
/// <example><code>
/// { "slowDevicePercent": 10, "flakyDevicePercent": 5, "dropRate": 0.01, "timeoutRate": 0.005,
///   "clockSkewPercent": 5, "silentPercent": 2, "unenrollPercent": 1, "directoryFailureRate": 0.02 }
/// </code></example>
public sealed record FaultPlan
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
    };

    /// <summary>Network latency of one exchange (request and answer together) on a normal device, in milliseconds.</summary>
    public int MinLatencyMs { get; init; } = 20;

    public int MaxLatencyMs { get; init; } = 150;

    /// <summary>Devices on a slow network (a hotel Wi-Fi, a VPN over LTE).</summary>
    public double SlowDevicePercent { get; init; } = 5;

    public int SlowLatencyMs { get; init; } = 4000;

    /// <summary>Devices on a failing network: each exchange fails (dropped or timed out) with <see cref="FlakyFailureRate"/>.</summary>
    public double FlakyDevicePercent { get; init; } = 3;

    public double FlakyFailureRate { get; init; } = 0.25;

    /// <summary>Every device: an exchange's connection drops before the server sees it.</summary>
    public double DropRate { get; init; }

    /// <summary>Every device: the server handles the request but the answer never arrives (the client times out).</summary>
    public double TimeoutRate { get; init; }

    /// <summary>Every device: a proxy answers 503 without reaching the server.</summary>
    public double ServerErrorRate { get; init; }

    /// <summary>Every device: the answer arrives corrupted (not SyncML).</summary>
    public double GarbageRate { get; init; }

    /// <summary>How long a simulated timeout takes, in seconds of virtual time.</summary>
    public int RequestTimeoutSeconds { get; init; } = 60;

    /// <summary>Devices whose clock is off by up to <see cref="MaxClockSkewMinutes"/> either way.</summary>
    public double ClockSkewPercent { get; init; } = 5;

    public int MaxClockSkewMinutes { get; init; } = 15;

    /// <summary>Devices that stop checking in (switched off for good) at a random moment of the run.</summary>
    public double SilentPercent { get; init; } = 1;

    /// <summary>Devices whose user unenrolls (Settings, Disconnect) at a random moment of the run.</summary>
    public double UnenrollPercent { get; init; }

    /// <summary>Each backup attempt to Entra ID or AD fails transiently with this probability.</summary>
    public double DirectoryFailureRate { get; init; }

    /// <summary>Helpdesk logons with the LAPS-managed account (password read from Entra ID), per device per day; they
    /// trigger the post-authentication actions.</summary>
    public double AdminLogonsPerDevicePerDay { get; init; } = 0.01;

    /// <summary>Realistic defaults: some slow, failing, skewed and vanishing devices, no server-side faults.</summary>
    public static FaultPlan Default { get; } = new();

    /// <summary>A perfect world: fixed small latency, no quirks, no faults, no helpdesk logons.</summary>
    public static FaultPlan None { get; } = new()
    {
        MinLatencyMs = 50,
        MaxLatencyMs = 50,
        SlowDevicePercent = 0,
        FlakyDevicePercent = 0,
        ClockSkewPercent = 0,
        SilentPercent = 0,
        AdminLogonsPerDevicePerDay = 0,
    };

    public static FaultPlan Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var plan = JsonSerializer.Deserialize<FaultPlan>(json, s_json) ?? throw new JsonException("the faults file is null");
        var problems = plan.Validate();
        if (problems.Count > 0) throw new JsonException("invalid faults file: " + string.Join("; ", problems));
        return plan;
    }

    public static FaultPlan Load(string path) => Parse(File.ReadAllText(path));

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>Every problem at once; empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Rate(string name, double value)
        {
            if (value is < 0 or > 1 || double.IsNaN(value)) problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {value} is not between 0 and 1"));
        }

        void Percent(string name, double value)
        {
            if (value is < 0 or > 100 || double.IsNaN(value)) problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {value} is not between 0 and 100"));
        }

        if (MinLatencyMs < 0 || MaxLatencyMs < MinLatencyMs) problems.Add("latency must satisfy 0 <= minLatencyMs <= maxLatencyMs");
        if (SlowLatencyMs < 0) problems.Add("slowLatencyMs must not be negative");
        Percent(nameof(SlowDevicePercent), SlowDevicePercent);
        Percent(nameof(FlakyDevicePercent), FlakyDevicePercent);
        Rate(nameof(FlakyFailureRate), FlakyFailureRate);
        Rate(nameof(DropRate), DropRate);
        Rate(nameof(TimeoutRate), TimeoutRate);
        Rate(nameof(ServerErrorRate), ServerErrorRate);
        Rate(nameof(GarbageRate), GarbageRate);
        if (DropRate + TimeoutRate + ServerErrorRate + GarbageRate > 1) problems.Add("the per-exchange fault rates add up to more than 1");
        if (RequestTimeoutSeconds is < 1 or > 3600) problems.Add("requestTimeoutSeconds must be between 1 and 3600");
        Percent(nameof(ClockSkewPercent), ClockSkewPercent);
        if (MaxClockSkewMinutes is < 0 or > 7 * 24 * 60) problems.Add("maxClockSkewMinutes must be between 0 and a week");
        Percent(nameof(SilentPercent), SilentPercent);
        Percent(nameof(UnenrollPercent), UnenrollPercent);
        Rate(nameof(DirectoryFailureRate), DirectoryFailureRate);
        if (AdminLogonsPerDevicePerDay is < 0 or > 24 || double.IsNaN(AdminLogonsPerDevicePerDay)) problems.Add("adminLogonsPerDevicePerDay must be between 0 and 24");
        return problems;
    }
}
