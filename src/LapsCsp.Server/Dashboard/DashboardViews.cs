namespace LapsCsp.Server.Dashboard;

/// <summary>What one answer of the dashboard reads: a view per registered source, in registration order.</summary>
/// <param name="Now">The server's clock when the answer was asked for.</param>
internal sealed record DashboardSnapshot(DateTimeOffset Now, IReadOnlyList<DashboardView> Views)
{
    /// <summary>When the oldest view was computed: the answer is as of then.</summary>
    public DateTimeOffset AsOf => Views.Count == 0 ? Now : Views.Min(v => v.AsOf);

    public double AgeSeconds => Math.Max(0, (Now - AsOf).TotalSeconds);
}

/// <summary>The views the dashboard answers from: a source without a <see cref="IDashboardSource.SnapshotInterval"/> is walked
/// for every answer; one with an interval is walked at most once per interval of the server's clock (the injected
/// <see cref="TimeProvider"/>), by the first request that finds its view too old, while the others wait for that walk rather
/// than walking too; and not even then when it says it did not change since (<see cref="IDashboardViewSource.ChangeStamp"/>):
/// its view is served again as of now.</summary>
internal sealed class DashboardViews(IEnumerable<IDashboardSource> sources, TimeProvider time)
{
    private readonly Entry[] _entries = [.. sources.Select(s => new Entry(s))];

    public DashboardSnapshot Current()
    {
        var now = time.GetUtcNow();
        return new DashboardSnapshot(now, [.. _entries.Select(e => e.View(now, time))]);
    }

    private sealed class Entry(IDashboardSource source)
    {
        private readonly Lock _gate = new();
        private DashboardView? _view;

        public DashboardView View(DateTimeOffset now, TimeProvider time)
        {
            if (source.SnapshotInterval is not { } interval)
            {
                // Walked for every answer; the last view only lends its order.
                var live = DashboardView.Build(source, now, Volatile.Read(ref _view));
                Volatile.Write(ref _view, live);
                return live;
            }

            var view = Volatile.Read(ref _view);
            if (Fresh(view, now, interval)) return view!;
            lock (_gate)
            {
                // Another request may have walked the source while this one waited.
                now = time.GetUtcNow();
                view = _view;
                if (Fresh(view, now, interval)) return view!;
                view = DashboardView.Build(source, now, view);
                Volatile.Write(ref _view, view);
                return view;
            }
        }

        /// <summary>Younger than the interval; a clock that went back makes the view stale too.</summary>
        private static bool Fresh(DashboardView? view, DateTimeOffset now, TimeSpan interval) =>
            view is not null && now >= view.AsOf && now - view.AsOf < interval;
    }
}
