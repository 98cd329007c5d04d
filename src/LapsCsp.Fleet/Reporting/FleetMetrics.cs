using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LapsCsp.Device.Events;
using LapsCsp.Enrollment.Client;
using LapsCsp.Fleet.Session;

namespace LapsCsp.Fleet.Reporting;

/// <summary>Millisecond histogram with exact percentiles at millisecond resolution, independent of insertion order.</summary>
public sealed class LatencyHistogram
{
    private readonly SortedDictionary<long, long> _counts = [];
    private long _total;
    private long _sum;

    public void Add(TimeSpan value) => Add(ToMilliseconds(value), 1);

    /// <summary>Adds <paramref name="count"/> samples of <paramref name="ms"/> milliseconds (merging histograms).</summary>
    public void Add(long ms, long count)
    {
        _counts[ms] = _counts.GetValueOrDefault(ms) + count;
        _total += count;
        _sum += ms * count;
    }

    public static long ToMilliseconds(TimeSpan value) => (long)Math.Round(value.TotalMilliseconds, MidpointRounding.AwayFromZero);

    public Percentiles Summary()
    {
        if (_total == 0) return new Percentiles(0, 0, 0, 0, 0, 0, 0);
        double At(double q)
        {
            var rank = (long)Math.Ceiling(q * _total);
            long seen = 0;
            foreach (var (ms, count) in _counts)
            {
                seen += count;
                if (seen >= rank) return ms;
            }

            return _counts.Keys.Last();
        }

        return new Percentiles(_total, Math.Round((double)_sum / _total, 3), At(0.50), At(0.90), At(0.95), At(0.99), _counts.Keys.Last());
    }
}

/// <summary>What one device's wake added to the fleet's figures: counters, histograms and per-day counts, each a sum, so
/// that the scheduler merges the contributions of a batch in any order (and from any host: in-process, or a grain on
/// another machine, as JSON) and gets the same totals. Not thread-safe: one device fills it at a time.</summary>
public sealed class FleetMetricsDelta
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Per-day counters: sessions, failed sessions, faults, enrollments, rotations, backups, backup failures.</summary>
    internal const int DayCounters = 7;

    /// <summary>For JSON.</summary>
    public FleetMetricsDelta()
    {
    }

    public FleetMetricsDelta(DateTimeOffset start) => Start = start;

    /// <summary>The run's start: day 1 of the per-day counts begins here.</summary>
    public DateTimeOffset Start { get; init; }

    public Dictionary<string, long> EnrollmentFailures { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> SessionsByTrigger { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> SessionsByOutcome { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> SessionFailures { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> Faults { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> DeviceErrors { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<int, long> StatusesSent { get; init; } = [];

    public Dictionary<int, long> StatusesReceived { get; init; } = [];

    public Dictionary<int, long> Events { get; init; } = [];

    /// <summary>Session durations in virtual time: milliseconds → sessions.</summary>
    public Dictionary<long, long> Latency { get; init; } = [];

    /// <summary>Session durations in wall time (performance only, never compared between runs).</summary>
    public Dictionary<long, long> WallLatency { get; init; } = [];

    /// <summary>Day index (0 = the first day) → the <see cref="DayCounters"/> per-day counters.</summary>
    public Dictionary<int, long[]> Days { get; init; } = [];

    public long EnrollmentAttempts { get; set; }

    public long Enrollments { get; set; }

    public long Sessions { get; set; }

    public long Retries { get; set; }

    public long MessagesSent { get; set; }

    public long ServerCommands { get; set; }

    public long PolicyCycles { get; set; }

    public long UserLogons { get; set; }

    public long AdminLogons { get; set; }

    public long Unenrollments { get; set; }

    [JsonIgnore]
    public bool IsEmpty => EnrollmentAttempts == 0 && Sessions == 0 && PolicyCycles == 0 && UserLogons == 0 && AdminLogons == 0 &&
        Events.Count == 0 && DeviceErrors.Count == 0;

    public void Enrollment(EnrollmentOutcome outcome, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        EnrollmentAttempts++;
        if (outcome.Succeeded)
        {
            Enrollments++;
            Day(at)[3]++;
        }
        else
        {
            Add(EnrollmentFailures, $"{outcome.FailedStep}:{outcome.FailureKind}");
        }
    }

    public void Session(SessionResult result, DateTimeOffset at, TimeSpan wall)
    {
        ArgumentNullException.ThrowIfNull(result);
        Sessions++;
        var day = Day(at);
        day[0]++;
        Add(SessionsByTrigger, result.Trigger.ToString());
        Add(SessionsByOutcome, result.Outcome.ToString());
        if (result.Failure is { } failure)
        {
            Add(SessionFailures, failure.Key);
            day[1]++;
        }

        foreach (var fault in result.AttemptFaults) Add(Faults, fault.Key);
        day[2] += result.AttemptFaults.Length;
        foreach (var (code, count) in result.StatusesSent) StatusesSent[code] = StatusesSent.GetValueOrDefault(code) + count;
        foreach (var (code, count) in result.StatusesReceived) StatusesReceived[code] = StatusesReceived.GetValueOrDefault(code) + count;
        Retries += result.Retries;
        MessagesSent += result.MessagesSent;
        ServerCommands += result.ServerCommands;
        if (result.Outcome == SessionOutcome.Unenrolled) Unenrollments++;
        Add(Latency, LatencyHistogram.ToMilliseconds(result.Duration), 1);
        Add(WallLatency, LatencyHistogram.ToMilliseconds(wall), 1);
    }

    public void LapsEvent(LapsEvent e, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(e);
        Events[e.Id] = Events.GetValueOrDefault(e.Id) + 1;
        var day = Day(at);
        switch (e.Id)
        {
            case LapsEventIds.LocalAccountUpdated:
                day[4]++;
                break;
            case LapsEventIds.EntraUpdated or LapsEventIds.AdUpdated:
                day[5]++;
                break;
            case LapsEventIds.EntraUpdateFailed or LapsEventIds.AdUpdateFailed:
                day[6]++;
                break;
        }
    }

    public void Cycles(int cycles)
    {
        if (cycles > 0) PolicyCycles += cycles;
    }

    public void Logon(bool admin)
    {
        if (admin) AdminLogons++;
        else UserLogons++;
    }

    public void DeviceError(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        Add(DeviceErrors, e.GetType().Name);
    }

    /// <summary>Adds <paramref name="other"/> to this one: every figure is a sum, so the order of merges does not matter.</summary>
    public void Merge(FleetMetricsDelta other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (k, v) in other.EnrollmentFailures) Add(EnrollmentFailures, k, v);
        foreach (var (k, v) in other.SessionsByTrigger) Add(SessionsByTrigger, k, v);
        foreach (var (k, v) in other.SessionsByOutcome) Add(SessionsByOutcome, k, v);
        foreach (var (k, v) in other.SessionFailures) Add(SessionFailures, k, v);
        foreach (var (k, v) in other.Faults) Add(Faults, k, v);
        foreach (var (k, v) in other.DeviceErrors) Add(DeviceErrors, k, v);
        foreach (var (k, v) in other.StatusesSent) Add(StatusesSent, k, v);
        foreach (var (k, v) in other.StatusesReceived) Add(StatusesReceived, k, v);
        foreach (var (k, v) in other.Events) Add(Events, k, v);
        foreach (var (k, v) in other.Latency) Add(Latency, k, v);
        foreach (var (k, v) in other.WallLatency) Add(WallLatency, k, v);
        foreach (var (day, counters) in other.Days)
        {
            if (!Days.TryGetValue(day, out var mine)) Days[day] = mine = new long[DayCounters];
            for (var i = 0; i < Math.Min(DayCounters, counters.Length); i++) mine[i] += counters[i];
        }

        EnrollmentAttempts += other.EnrollmentAttempts;
        Enrollments += other.Enrollments;
        Sessions += other.Sessions;
        Retries += other.Retries;
        MessagesSent += other.MessagesSent;
        ServerCommands += other.ServerCommands;
        PolicyCycles += other.PolicyCycles;
        UserLogons += other.UserLogons;
        AdminLogons += other.AdminLogons;
        Unenrollments += other.Unenrollments;
    }

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static FleetMetricsDelta FromJson(string json) =>
        JsonSerializer.Deserialize<FleetMetricsDelta>(json, s_json) ?? throw new JsonException("the metrics are null");

    private long[] Day(DateTimeOffset at)
    {
        var day = Math.Max(0, (int)Math.Floor((at - Start).TotalDays));
        if (!Days.TryGetValue(day, out var counters)) Days[day] = counters = new long[DayCounters];
        return counters;
    }

    private static void Add<TKey>(Dictionary<TKey, long> counts, TKey key, long by = 1)
        where TKey : notnull => counts[key] = counts.GetValueOrDefault(key) + by;
}

/// <summary>Thread-safe totals of a fleet run: the merged <see cref="FleetMetricsDelta"/> of every wake. Every aggregate is
/// order-independent (sums and histograms), so parallel workers, in one process or on many silos, produce the same
/// numbers as a sequential run.</summary>
public sealed class FleetMetrics(DateTimeOffset start)
{
    private readonly Lock _gate = new();
    private readonly FleetMetricsDelta _totals = new(start);

    public long Sessions
    {
        get
        {
            lock (_gate) return _totals.Sessions;
        }
    }

    public long Enrollments
    {
        get
        {
            lock (_gate) return _totals.Enrollments;
        }
    }

    /// <summary>Adds one wake's contribution.</summary>
    public void Merge(FleetMetricsDelta delta)
    {
        lock (_gate) _totals.Merge(delta);
    }

    public void Enrollment(EnrollmentOutcome outcome, DateTimeOffset at)
    {
        lock (_gate) _totals.Enrollment(outcome, at);
    }

    public void Session(SessionResult result, DateTimeOffset at, TimeSpan wall)
    {
        lock (_gate) _totals.Session(result, at, wall);
    }

    public void LapsEvent(LapsEvent e, DateTimeOffset at)
    {
        lock (_gate) _totals.LapsEvent(e, at);
    }

    public void PolicyCycles(int cycles)
    {
        lock (_gate) _totals.Cycles(cycles);
    }

    public void Logon(bool admin)
    {
        lock (_gate) _totals.Logon(admin);
    }

    public void DeviceError(Exception e)
    {
        lock (_gate) _totals.DeviceError(e);
    }

    /// <summary>The deterministic part of the report; the runner adds devices by state and the performance figures.</summary>
    public FleetReport Report(RunSettings settings, ImmutableSortedDictionary<string, long> byState, ImmutableSortedDictionary<string, long> byKind,
        RunPerformance? performance)
    {
        ArgumentNullException.ThrowIfNull(settings);
        lock (_gate)
        {
            var t = _totals;
            long Event(int id) => t.Events.GetValueOrDefault(id);
            var days = (int)Math.Ceiling(settings.Days);
            return new FleetReport
            {
                Settings = settings,
                DevicesByState = byState,
                DevicesByKind = byKind,
                EnrollmentAttempts = t.EnrollmentAttempts,
                Enrollments = t.Enrollments,
                EnrollmentFailures = Sorted(t.EnrollmentFailures),
                Sessions = t.Sessions,
                SessionsByTrigger = Sorted(t.SessionsByTrigger),
                SessionsByOutcome = Sorted(t.SessionsByOutcome),
                SessionFailures = Sorted(t.SessionFailures),
                Faults = Sorted(t.Faults),
                Retries = t.Retries,
                MessagesSent = t.MessagesSent,
                ServerCommands = t.ServerCommands,
                CommandsByStatus = Keyed(t.StatusesSent),
                ServerStatuses = Keyed(t.StatusesReceived),
                SessionLatency = Histogram(t.Latency).Summary(),
                PolicyCycles = t.PolicyCycles,
                Rotations = Event(LapsEventIds.LocalAccountUpdated),
                Backups = Event(LapsEventIds.EntraUpdated) + Event(LapsEventIds.AdUpdated),
                BackupFailures = Event(LapsEventIds.EntraUpdateFailed) + Event(LapsEventIds.AdUpdateFailed),
                LapsEvents = Keyed(t.Events),
                UserLogons = t.UserLogons,
                AdminLogons = t.AdminLogons,
                Unenrollments = t.Unenrollments,
                DeviceErrors = Sorted(t.DeviceErrors),
                Days = [.. Enumerable.Range(0, days).Select(d =>
                {
                    var c = t.Days.GetValueOrDefault(d) ?? new long[FleetMetricsDelta.DayCounters];
                    return new DayStatistics(d + 1, c[0], c[1], c[2], c[3], c[4], c[5], c[6]);
                })],
                Performance = performance,
            };
        }
    }

    public Percentiles WallLatency()
    {
        lock (_gate) return Histogram(_totals.WallLatency).Summary();
    }

    private static LatencyHistogram Histogram(Dictionary<long, long> counts)
    {
        var histogram = new LatencyHistogram();
        foreach (var (ms, count) in counts) histogram.Add(ms, count);
        return histogram;
    }

    private static ImmutableSortedDictionary<string, long> Sorted(Dictionary<string, long> counts) =>
        counts.ToImmutableSortedDictionary(StringComparer.Ordinal);

    private static ImmutableSortedDictionary<string, long> Keyed(Dictionary<int, long> counts) =>
        counts.ToImmutableSortedDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value, StringComparer.Ordinal);
}
