namespace LapsCsp.Server.Dashboard;

/// <summary>The answer of <c>GET /dashboard/api/summary</c>.</summary>
internal sealed record DashboardSummary(
    DateTimeOffset Time,
    DashboardDeviceCounts Devices,
    long Sessions,
    long PendingCommands,
    DashboardCommandCounts Commands,
    DashboardRotationCounts Rotations);

internal sealed record DashboardDeviceCounts(int Total, IReadOnlyDictionary<string, int> ByLapsState, IReadOnlyDictionary<string, DashboardSourceCounts> BySource);

internal sealed record DashboardSourceCounts(int Total, IReadOnlyDictionary<string, int> ByLapsState);

/// <param name="ByStatus">Status code (as text, "200") to count, codes in ascending order.</param>
internal sealed record DashboardCommandCounts(int Total, IReadOnlyDictionary<string, int> ByStatus);

internal sealed record DashboardRotationCounts(int Succeeded, int Failed);

/// <summary>The answer of <c>GET /dashboard/api/devices</c>: one page of the filtered devices and how many matched.</summary>
internal sealed record DashboardDevicePage(int Total, int Skip, int Top, IReadOnlyList<DashboardDevice> Value);

/// <summary>The answer of <c>GET /dashboard/api/devices/{source}/{id}</c>.</summary>
/// <param name="Events">Newest first.</param>
/// <param name="Trace">Oldest first, bodies redacted (<see cref="TraceRedaction"/>).</param>
/// <param name="Commands">The device's command statuses, newest first.</param>
/// <param name="Rotations">The device's rotations, newest first.</param>
internal sealed record DashboardDeviceDetail(
    DashboardDevice Device,
    IReadOnlyList<DashboardEvent> Events,
    IReadOnlyList<DashboardTraceMessage> Trace,
    IReadOnlyList<DashboardCommandStatus> Commands,
    IReadOnlyList<DashboardRotation> Rotations);

/// <summary>The answer of <c>GET /dashboard/api/series</c>: counts per time bucket.</summary>
/// <param name="Buckets">The start of each bucket; every series has one count per bucket.</param>
/// <param name="StatusCodes">Status code (as text) to counts, codes in ascending order.</param>
/// <param name="Rotations">"succeeded" and "failed" to counts.</param>
internal sealed record DashboardSeries(
    DateTimeOffset? From,
    DateTimeOffset? To,
    long BucketSeconds,
    IReadOnlyList<DateTimeOffset> Buckets,
    IReadOnlyDictionary<string, IReadOnlyList<int>> StatusCodes,
    IReadOnlyDictionary<string, IReadOnlyList<int>> Rotations);

/// <summary>What the dashboard's API computes over the union of the registered sources.</summary>
internal static class DashboardQueries
{
    /// <summary>The most buckets a series has; the bucket is the smallest step of <see cref="s_steps"/> that keeps under it.</summary>
    public const int MaxBuckets = 60;

    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    private static readonly TimeSpan[] s_steps =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(3), TimeSpan.FromHours(6), TimeSpan.FromHours(12),
        TimeSpan.FromDays(1), TimeSpan.FromDays(7), TimeSpan.FromDays(30),
    ];

    public static DashboardSummary Summary(IEnumerable<IDashboardSource> sources, DateTimeOffset now)
    {
        var devices = sources.SelectMany(s => s.Devices()).ToList();
        var statuses = sources.SelectMany(s => s.CommandStatuses()).ToList();
        var rotations = sources.SelectMany(s => s.Rotations()).ToList();
        return new DashboardSummary(
            now,
            new DashboardDeviceCounts(
                devices.Count,
                CountBy(devices, d => d.LapsState),
                devices.GroupBy(d => d.Source, StringComparer.Ordinal)
                    .OrderBy(g => g.Key, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => new DashboardSourceCounts(g.Count(), CountBy(g, d => d.LapsState)), StringComparer.Ordinal)),
            devices.Sum(d => d.Sessions),
            devices.Sum(d => (long)d.PendingCommands),
            new DashboardCommandCounts(statuses.Count, statuses.GroupBy(s => s.Status).OrderBy(g => g.Key)
                .ToDictionary(g => Code(g.Key), g => g.Count(), StringComparer.Ordinal)),
            new DashboardRotationCounts(
                rotations.Count(r => string.Equals(r.Outcome, Succeeded, StringComparison.Ordinal)),
                rotations.Count(r => string.Equals(r.Outcome, Failed, StringComparison.Ordinal))));
    }

    /// <summary>Devices ordered by id then source; <paramref name="text"/> matches id, name or managed account (ordinal,
    /// ignoring case); <paramref name="state"/> and <paramref name="source"/> match exactly.</summary>
    public static DashboardDevicePage Devices(IEnumerable<IDashboardSource> sources, string? text, string? state, string? source, int skip, int top)
    {
        var matches = sources.SelectMany(s => s.Devices())
            .Where(d => string.IsNullOrEmpty(state) || string.Equals(d.LapsState, state, StringComparison.Ordinal))
            .Where(d => string.IsNullOrEmpty(source) || string.Equals(d.Source, source, StringComparison.Ordinal))
            .Where(d => string.IsNullOrWhiteSpace(text) || Contains(d.Id, text) || Contains(d.Name, text) || Contains(d.ManagedAccount, text))
            .OrderBy(d => d.Id, StringComparer.OrdinalIgnoreCase)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ThenBy(d => d.Source, StringComparer.Ordinal)
            .ToList();
        return new DashboardDevicePage(matches.Count, skip, top, [.. matches.Skip(skip).Take(top)]);
    }

    /// <summary>One device of one source with its newest events, its session trace (redacted), its command statuses and
    /// rotations; null when no source has it.</summary>
    public static DashboardDeviceDetail? Device(IEnumerable<IDashboardSource> sources, string source, string id, int events, int trace)
    {
        foreach (var candidate in sources)
        {
            var device = candidate.Devices().FirstOrDefault(d =>
                string.Equals(d.Source, source, StringComparison.Ordinal) && string.Equals(d.Id, id, StringComparison.Ordinal));
            if (device is null) continue;
            return new DashboardDeviceDetail(
                device,
                [.. candidate.Events(id, events).Reverse()],
                [.. candidate.Trace(id, trace).Select(m => m with { Body = TraceRedaction.Redact(m.Body) })],
                [.. candidate.CommandStatuses().Where(s => string.Equals(s.DeviceId, id, StringComparison.Ordinal)).Reverse().Take(100)],
                [.. candidate.Rotations().Where(r => string.Equals(r.DeviceId, id, StringComparison.Ordinal)).OrderByDescending(r => r.Time).Take(100)]);
        }

        return null;
    }

    /// <summary>Status codes and rotations per bucket over [<paramref name="from"/>, <paramref name="to"/>] (each end
    /// defaults to the oldest or newest data). Buckets are aligned on multiples of their size since the Unix epoch (UTC).</summary>
    public static DashboardSeries Series(IEnumerable<IDashboardSource> sources, DateTimeOffset? from, DateTimeOffset? to)
    {
        bool InRange(DateTimeOffset t) => (from is null || t >= from) && (to is null || t <= to);
        var statuses = sources.SelectMany(s => s.CommandStatuses()).Where(s => InRange(s.Time)).ToList();
        var rotations = sources.SelectMany(s => s.Rotations()).Where(r => InRange(r.Time)).ToList();
        var times = statuses.Select(s => s.Time).Concat(rotations.Select(r => r.Time)).ToList();
        var first = from ?? (times.Count > 0 ? times.Min() : (DateTimeOffset?)null);
        var last = to ?? (times.Count > 0 ? times.Max() : (DateTimeOffset?)null);
        var empty = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
        if (first is null || last is null)
        {
            return new DashboardSeries(from, to, (long)s_steps[0].TotalSeconds, [], empty,
                new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal) { [Succeeded] = [], [Failed] = [] });
        }

        var step = Step(last.Value - first.Value);
        var start = Floor(first.Value, step);
        var count = (int)((last.Value - start).Ticks / step.Ticks) + 1;
        var buckets = Enumerable.Range(0, count).Select(i => start + step * i).ToList();
        int Index(DateTimeOffset t) => (int)((t - start).Ticks / step.Ticks);

        var byCode = statuses.GroupBy(s => s.Status).OrderBy(g => g.Key).ToDictionary(
            g => Code(g.Key), g => (IReadOnlyList<int>)Histogram(g.Select(s => Index(s.Time)), count), StringComparer.Ordinal);
        var byOutcome = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal)
        {
            [Succeeded] = Histogram(rotations.Where(r => string.Equals(r.Outcome, Succeeded, StringComparison.Ordinal)).Select(r => Index(r.Time)), count),
            [Failed] = Histogram(rotations.Where(r => string.Equals(r.Outcome, Failed, StringComparison.Ordinal)).Select(r => Index(r.Time)), count),
        };
        return new DashboardSeries(first, last, (long)step.TotalSeconds, buckets, byCode, byOutcome);
    }

    /// <summary>The smallest step that covers <paramref name="span"/> in at most <see cref="MaxBuckets"/> buckets (aligned
    /// buckets may need one more than the span divided by the step).</summary>
    public static TimeSpan Step(TimeSpan span)
    {
        foreach (var step in s_steps)
        {
            if (span.Ticks / step.Ticks + 2 <= MaxBuckets) return step;
        }

        var days = (long)Math.Ceiling(span.TotalDays / (MaxBuckets - 2));
        return TimeSpan.FromDays(days);
    }

    private static DateTimeOffset Floor(DateTimeOffset time, TimeSpan step)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return DateTimeOffset.UnixEpoch.AddTicks(ticks - (((ticks % step.Ticks) + step.Ticks) % step.Ticks));
    }

    private static int[] Histogram(IEnumerable<int> indexes, int count)
    {
        var counts = new int[count];
        foreach (var i in indexes) counts[i]++;
        return counts;
    }

    private static Dictionary<string, int> CountBy(IEnumerable<DashboardDevice> devices, Func<DashboardDevice, string> key) =>
        devices.GroupBy(key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    private static string Code(int status) => status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static bool Contains(string? value, string text) => value is not null && value.Contains(text.Trim(), StringComparison.OrdinalIgnoreCase);
}
