namespace LapsCsp.Server.Dashboard;

/// <summary>The answer of <c>GET /dashboard/api/summary</c>.</summary>
/// <param name="Time">The server's clock now.</param>
/// <param name="AsOf">When the data were read (the oldest view the answer used, <see cref="DashboardViews"/>).</param>
/// <param name="AgeSeconds">Time minus AsOf: 0 for data read for this answer.</param>
internal sealed record DashboardSummary(
    DateTimeOffset Time,
    DashboardDeviceCounts Devices,
    long Sessions,
    long PendingCommands,
    DashboardCommandCounts Commands,
    DashboardRotationCounts Rotations,
    DateTimeOffset AsOf,
    double AgeSeconds);

internal sealed record DashboardDeviceCounts(int Total, IReadOnlyDictionary<string, int> ByLapsState, IReadOnlyDictionary<string, DashboardSourceCounts> BySource);

internal sealed record DashboardSourceCounts(int Total, IReadOnlyDictionary<string, int> ByLapsState);

/// <param name="ByStatus">Status code (as text, "200") to count, codes in ascending order.</param>
internal sealed record DashboardCommandCounts(int Total, IReadOnlyDictionary<string, int> ByStatus);

internal sealed record DashboardRotationCounts(int Succeeded, int Failed);

/// <summary>The answer of <c>GET /dashboard/api/devices</c>: one page of the filtered devices and how many matched.</summary>
internal sealed record DashboardDevicePage(int Total, int Skip, int Top, IReadOnlyList<DashboardDevice> Value, DateTimeOffset AsOf, double AgeSeconds);

/// <summary>The answer of <c>GET /dashboard/api/devices/{source}/{id}</c>, read from the source for this answer.</summary>
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
    IReadOnlyDictionary<string, IReadOnlyList<int>> Rotations,
    DateTimeOffset AsOf,
    double AgeSeconds);

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

    /// <summary>The views' counts, summed: a few dictionary entries per view, whatever the number of devices.</summary>
    public static DashboardSummary Summary(DashboardSnapshot snapshot)
    {
        var views = snapshot.Views;
        var byState = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var bySource = new SortedDictionary<string, SortedDictionary<string, int>>(StringComparer.Ordinal);
        var byStatus = new SortedDictionary<int, int>();
        foreach (var view in views)
        {
            foreach (var (state, count) in view.ByLapsState) Add(byState, state, count);
            foreach (var (source, states) in view.BySource)
            {
                if (!bySource.TryGetValue(source, out var counts)) bySource[source] = counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
                foreach (var (state, count) in states) Add(counts, state, count);
            }

            foreach (var (code, times) in view.StatusTimes) Add(byStatus, code, times.Length);
        }

        return new DashboardSummary(
            snapshot.Now,
            new DashboardDeviceCounts(
                views.Sum(v => v.DeviceCount),
                Ordered(byState),
                bySource.ToDictionary(p => p.Key, p => new DashboardSourceCounts(p.Value.Values.Sum(), Ordered(p.Value)), StringComparer.Ordinal)),
            views.Sum(v => v.Sessions),
            views.Sum(v => v.PendingCommands),
            new DashboardCommandCounts(byStatus.Values.Sum(), byStatus.ToDictionary(p => Code(p.Key), p => p.Value, StringComparer.Ordinal)),
            new DashboardRotationCounts(views.Sum(v => v.Succeeded.Length), views.Sum(v => v.Failed.Length)),
            snapshot.AsOf,
            snapshot.AgeSeconds);
    }

    /// <summary>Devices ordered by id ignoring case, then id, then source (<see cref="DashboardView.Order"/>; rows that compare
    /// equal keep the order of the sources); <paramref name="text"/> matches id, name or managed account (ordinal, ignoring
    /// case); <paramref name="state"/> and <paramref name="source"/> match exactly. The views are merged: a page costs the
    /// rows before it, not the whole list.</summary>
    public static DashboardDevicePage Devices(DashboardSnapshot snapshot, string? text, string? state, string? source, int skip, int top)
    {
        var trimmed = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        var lists = snapshot.Views
            .Select(v => v.Matching(trimmed, string.IsNullOrEmpty(state) ? null : state, string.IsNullOrEmpty(source) ? null : source))
            .ToArray();
        var total = lists.Sum(l => l.Count);
        var page = new List<DashboardDevice>(Math.Max(0, Math.Min(top, total - skip)));
        var nonEmpty = lists.Where(l => l.Count > 0).ToArray();
        if (nonEmpty.Length == 1)
        {
            for (var i = skip; i < nonEmpty[0].Count && page.Count < top; i++) page.Add(nonEmpty[0][i]);
        }
        else
        {
            // A k-way merge; on equal rows the earlier source goes first.
            var next = new int[lists.Length];
            for (var seen = 0; page.Count < top; seen++)
            {
                var from = -1;
                for (var l = 0; l < lists.Length; l++)
                {
                    if (next[l] < lists[l].Count && (from < 0 || DashboardView.Order.Compare(lists[l][next[l]], lists[from][next[from]]) < 0)) from = l;
                }

                if (from < 0) break;
                if (seen >= skip) page.Add(lists[from][next[from]]);
                next[from]++;
            }
        }

        return new DashboardDevicePage(total, skip, top, page, snapshot.AsOf, snapshot.AgeSeconds);
    }

    /// <summary>One device of one source with its newest events, its session trace (redacted), its command statuses and
    /// rotations; null when no source has it. Read from the first source that has the device, for this answer: it costs
    /// what that device costs (<see cref="IDashboardSource.Device"/>).</summary>
    public static DashboardDeviceDetail? Device(IEnumerable<IDashboardSource> sources, string source, string id, int events, int trace)
    {
        foreach (var candidate in sources)
        {
            var device = candidate.Device(source, id);
            if (device is null) continue;
            return new DashboardDeviceDetail(
                device,
                [.. candidate.Events(id, events).Reverse()],
                [.. candidate.Trace(id, trace).Select(m => m with { Body = TraceRedaction.Redact(m.Body) })],
                [.. candidate.CommandStatuses(id).Reverse().Take(100)],
                [.. candidate.Rotations(id).OrderByDescending(r => r.Time).Take(100)]);
        }

        return null;
    }

    /// <summary>Status codes and rotations per bucket over [<paramref name="from"/>, <paramref name="to"/>] (each end
    /// defaults to the oldest or newest data, in UTC). Buckets are aligned on multiples of their size since the Unix epoch
    /// (UTC). Each count is two binary searches in a view's sorted times.</summary>
    public static DashboardSeries Series(DashboardSnapshot snapshot, DateTimeOffset? from, DateTimeOffset? to)
    {
        var low = from?.UtcTicks ?? long.MinValue;
        var high = to?.UtcTicks ?? long.MaxValue;
        var codes = new SortedSet<int>();
        long? oldest = null, newest = null;
        foreach (var view in snapshot.Views)
        {
            foreach (var (code, times) in view.StatusTimes)
            {
                if (Span(times, low, high, ref oldest, ref newest)) codes.Add(code);
            }

            Span(view.Succeeded, low, high, ref oldest, ref newest);
            Span(view.Failed, low, high, ref oldest, ref newest);
            Span(view.OtherRotations, low, high, ref oldest, ref newest);
        }

        DateTimeOffset? first = from ?? (oldest is { } o ? new DateTimeOffset(o, TimeSpan.Zero) : null);
        DateTimeOffset? last = to ?? (newest is { } n ? new DateTimeOffset(n, TimeSpan.Zero) : null);
        if (first is null || last is null)
        {
            return new DashboardSeries(from, to, (long)s_steps[0].TotalSeconds, [], new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal),
                new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal) { [Succeeded] = [], [Failed] = [] },
                snapshot.AsOf, snapshot.AgeSeconds);
        }

        var step = Step(last.Value - first.Value);
        var start = Floor(first.Value, step);
        var count = (int)((last.Value - start).Ticks / step.Ticks) + 1;
        var buckets = Enumerable.Range(0, count).Select(i => start + step * i).ToList();
        int[] Histogram(Func<DashboardView, long[]?> times)
        {
            var counts = new int[count];
            foreach (var view in snapshot.Views)
            {
                if (times(view) is { Length: > 0 } sorted) AddHistogram(sorted, low, high, start.UtcTicks, step.Ticks, counts);
            }

            return counts;
        }

        var byCode = codes.ToDictionary(c => Code(c), c => (IReadOnlyList<int>)Histogram(v => v.StatusTimes.GetValueOrDefault(c)), StringComparer.Ordinal);
        var byOutcome = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal)
        {
            [Succeeded] = Histogram(v => v.Succeeded),
            [Failed] = Histogram(v => v.Failed),
        };
        return new DashboardSeries(first, last, (long)step.TotalSeconds, buckets, byCode, byOutcome, snapshot.AsOf, snapshot.AgeSeconds);
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

    /// <summary>Whether <paramref name="sorted"/> has times in [low, high]; widens [oldest, newest] to them.</summary>
    private static bool Span(long[] sorted, long low, long high, ref long? oldest, ref long? newest)
    {
        var first = LowerBound(sorted, low);
        var end = UpperBound(sorted, high);
        if (first >= end) return false;
        if (oldest is null || sorted[first] < oldest) oldest = sorted[first];
        if (newest is null || sorted[end - 1] > newest) newest = sorted[end - 1];
        return true;
    }

    /// <summary>Adds the times of <paramref name="sorted"/> in [low, high] to the buckets of <paramref name="step"/> ticks from
    /// <paramref name="start"/>; every such time falls in one (the buckets run from the floor of the first to the last).</summary>
    private static void AddHistogram(long[] sorted, long low, long high, long start, long step, int[] counts)
    {
        var end = UpperBound(sorted, high);
        var at = LowerBound(sorted, low);
        for (var i = 0; i < counts.Length && at < end; i++)
        {
            var bucketEnd = i == counts.Length - 1 ? end : Math.Min(end, LowerBound(sorted, start + (step * (i + 1))));
            if (bucketEnd > at)
            {
                counts[i] += bucketEnd - at;
                at = bucketEnd;
            }
        }
    }

    /// <summary>The first index whose time is at or after <paramref name="ticks"/>.</summary>
    private static int LowerBound(long[] sorted, long ticks)
    {
        int low = 0, high = sorted.Length;
        while (low < high)
        {
            var mid = (int)(((uint)low + (uint)high) >> 1);
            if (sorted[mid] < ticks) low = mid + 1;
            else high = mid;
        }

        return low;
    }

    /// <summary>The first index whose time is after <paramref name="ticks"/>.</summary>
    private static int UpperBound(long[] sorted, long ticks) => ticks == long.MaxValue ? sorted.Length : LowerBound(sorted, ticks + 1);

    private static void Add<TKey>(IDictionary<TKey, int> counts, TKey key, int count) => counts[key] = counts.TryGetValue(key, out var c) ? c + count : count;

    /// <summary>A dictionary whose enumeration (and so its JSON) follows the sorted keys.</summary>
    private static Dictionary<string, int> Ordered(SortedDictionary<string, int> counts) => counts.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static string Code(int status) => status.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
