using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Device.Events;
using LapsCsp.Enrollment.Client;
using LapsCsp.Fleet.Session;

namespace LapsCsp.Fleet.Reporting;

/// <summary>Millisecond histogram with exact percentiles at millisecond resolution, independent of insertion order.</summary>
public sealed class LatencyHistogram
{
    private readonly SortedDictionary<long, long> _counts = [];
    private long _total;
    private double _sum;

    public void Add(TimeSpan value)
    {
        var ms = (long)Math.Round(value.TotalMilliseconds, MidpointRounding.AwayFromZero);
        _counts[ms] = _counts.GetValueOrDefault(ms) + 1;
        _total++;
        _sum += ms;
    }

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

        return new Percentiles(_total, Math.Round(_sum / _total, 3), At(0.50), At(0.90), At(0.95), At(0.99), _counts.Keys.Last());
    }
}

/// <summary>Thread-safe counters of a fleet run. Every aggregate is order-independent (sums and histograms), so parallel
/// workers produce the same numbers as a sequential run.</summary>
public sealed class FleetMetrics(DateTimeOffset start)
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, long> _enrollmentFailures = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _byTrigger = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _byOutcome = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _failures = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _faults = new(StringComparer.Ordinal);
    private readonly SortedDictionary<int, long> _statusesSent = [];
    private readonly SortedDictionary<int, long> _statusesReceived = [];
    private readonly SortedDictionary<int, long> _events = [];
    private readonly SortedDictionary<string, long> _deviceErrors = new(StringComparer.Ordinal);
    private readonly LatencyHistogram _latency = new();
    private readonly LatencyHistogram _wallLatency = new();
    private readonly SortedDictionary<int, long[]> _days = [];
    private long _enrollmentAttempts;
    private long _enrollments;
    private long _sessions;
    private long _retries;
    private long _messages;
    private long _serverCommands;
    private long _cycles;
    private long _userLogons;
    private long _adminLogons;
    private long _unenrollments;

    public long Sessions
    {
        get
        {
            lock (_gate) return _sessions;
        }
    }

    public long Enrollments
    {
        get
        {
            lock (_gate) return _enrollments;
        }
    }

    public void Enrollment(EnrollmentOutcome outcome, DateTimeOffset at)
    {
        lock (_gate)
        {
            _enrollmentAttempts++;
            if (outcome.Succeeded)
            {
                _enrollments++;
                Day(at)[3]++;
            }
            else
            {
                Add(_enrollmentFailures, $"{outcome.FailedStep}:{outcome.FailureKind}");
            }
        }
    }

    public void Session(SessionResult result, DateTimeOffset at, TimeSpan wall)
    {
        lock (_gate)
        {
            _sessions++;
            var day = Day(at);
            day[0]++;
            Add(_byTrigger, result.Trigger.ToString());
            Add(_byOutcome, result.Outcome.ToString());
            if (result.Failure is { } failure)
            {
                Add(_failures, failure.Key);
                day[1]++;
            }

            foreach (var fault in result.AttemptFaults) Add(_faults, fault.Key);
            day[2] += result.AttemptFaults.Length;
            foreach (var (code, count) in result.StatusesSent) _statusesSent[code] = _statusesSent.GetValueOrDefault(code) + count;
            foreach (var (code, count) in result.StatusesReceived) _statusesReceived[code] = _statusesReceived.GetValueOrDefault(code) + count;
            _retries += result.Retries;
            _messages += result.MessagesSent;
            _serverCommands += result.ServerCommands;
            if (result.Outcome == SessionOutcome.Unenrolled) _unenrollments++;
            _latency.Add(result.Duration);
            _wallLatency.Add(wall);
        }
    }

    public void LapsEvent(LapsEvent e, DateTimeOffset at)
    {
        lock (_gate)
        {
            _events[e.Id] = _events.GetValueOrDefault(e.Id) + 1;
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
    }

    public void PolicyCycles(int cycles)
    {
        if (cycles > 0) Interlocked.Add(ref _cycles, cycles);
    }

    public void Logon(bool admin)
    {
        if (admin) Interlocked.Increment(ref _adminLogons);
        else Interlocked.Increment(ref _userLogons);
    }

    public void DeviceError(Exception e)
    {
        lock (_gate) Add(_deviceErrors, e.GetType().Name);
    }

    /// <summary>The deterministic part of the report; the runner adds devices by state and the performance figures.</summary>
    public FleetReport Report(RunSettings settings, ImmutableSortedDictionary<string, long> byState, ImmutableSortedDictionary<string, long> byKind,
        RunPerformance? performance)
    {
        lock (_gate)
        {
            long Event(int id) => _events.GetValueOrDefault(id);
            var days = (int)Math.Ceiling(settings.Days);
            return new FleetReport
            {
                Settings = settings,
                DevicesByState = byState,
                DevicesByKind = byKind,
                EnrollmentAttempts = _enrollmentAttempts,
                Enrollments = _enrollments,
                EnrollmentFailures = _enrollmentFailures.ToImmutableSortedDictionary(StringComparer.Ordinal),
                Sessions = _sessions,
                SessionsByTrigger = _byTrigger.ToImmutableSortedDictionary(StringComparer.Ordinal),
                SessionsByOutcome = _byOutcome.ToImmutableSortedDictionary(StringComparer.Ordinal),
                SessionFailures = _failures.ToImmutableSortedDictionary(StringComparer.Ordinal),
                Faults = _faults.ToImmutableSortedDictionary(StringComparer.Ordinal),
                Retries = _retries,
                MessagesSent = _messages,
                ServerCommands = _serverCommands,
                CommandsByStatus = Keyed(_statusesSent),
                ServerStatuses = Keyed(_statusesReceived),
                SessionLatency = _latency.Summary(),
                PolicyCycles = Interlocked.Read(ref _cycles),
                Rotations = Event(LapsEventIds.LocalAccountUpdated),
                Backups = Event(LapsEventIds.EntraUpdated) + Event(LapsEventIds.AdUpdated),
                BackupFailures = Event(LapsEventIds.EntraUpdateFailed) + Event(LapsEventIds.AdUpdateFailed),
                LapsEvents = Keyed(_events),
                UserLogons = Interlocked.Read(ref _userLogons),
                AdminLogons = Interlocked.Read(ref _adminLogons),
                Unenrollments = _unenrollments,
                DeviceErrors = _deviceErrors.ToImmutableSortedDictionary(StringComparer.Ordinal),
                Days = [.. Enumerable.Range(0, days).Select(d =>
                {
                    var c = _days.GetValueOrDefault(d) ?? new long[7];
                    return new DayStatistics(d + 1, c[0], c[1], c[2], c[3], c[4], c[5], c[6]);
                })],
                Performance = performance,
            };
        }
    }

    public Percentiles WallLatency()
    {
        lock (_gate) return _wallLatency.Summary();
    }

    private long[] Day(DateTimeOffset at)
    {
        var day = Math.Max(0, (int)Math.Floor((at - start).TotalDays));
        if (!_days.TryGetValue(day, out var counters)) _days[day] = counters = new long[7];
        return counters;
    }

    private static void Add(SortedDictionary<string, long> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    private static ImmutableSortedDictionary<string, long> Keyed(SortedDictionary<int, long> counts) =>
        counts.ToImmutableSortedDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value, StringComparer.Ordinal);
}
