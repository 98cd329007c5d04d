namespace LapsCsp.Server.Dashboard;

/// <summary>One source's data as the dashboard's summary, device list and series read it, from one walk of the source at
/// <see cref="AsOf"/>: the devices in the list's order, indexed by LAPS state, with their counts; the times of the command
/// statuses per status code and of the rotations per outcome, sorted, so that a series costs a few binary searches per
/// bucket whatever the number of statuses. Immutable once built (the last text query's matches are kept alongside).</summary>
internal sealed class DashboardView
{
    /// <summary>The list's order: id ignoring case, then id, then source (ordinal).</summary>
    public static readonly IComparer<DashboardDevice> Order = Comparer<DashboardDevice>.Create((a, b) =>
    {
        var c = StringComparer.OrdinalIgnoreCase.Compare(a.Id, b.Id);
        if (c == 0) c = StringComparer.Ordinal.Compare(a.Id, b.Id);
        return c != 0 ? c : StringComparer.Ordinal.Compare(a.Source, b.Source);
    });

    private static readonly StringComparer s_keys = StringComparer.Ordinal;

    private readonly DashboardDevice[] _devices;
    private readonly Dictionary<string, DashboardDevice[]> _byState;
    private TextMatches? _lastText;

    private DashboardView(DateTimeOffset asOf, DashboardDevice[] devices)
    {
        AsOf = asOf;
        _devices = devices;
        _byState = devices.GroupBy(d => d.LapsState, s_keys).ToDictionary(g => g.Key, g => g.ToArray(), s_keys);
        ByLapsState = _byState.ToDictionary(p => p.Key, p => p.Value.Length, s_keys);
        BySource = devices.GroupBy(d => d.Source, s_keys).ToDictionary(
            g => g.Key,
            g => (IReadOnlyDictionary<string, int>)g.GroupBy(d => d.LapsState, s_keys).ToDictionary(s => s.Key, s => s.Count(), s_keys),
            s_keys);
        foreach (var device in devices)
        {
            Sessions += device.Sessions;
            PendingCommands += device.PendingCommands;
        }
    }

    /// <summary>When the source was walked (the server's clock).</summary>
    public DateTimeOffset AsOf { get; }

    public int DeviceCount => _devices.Length;

    public IReadOnlyDictionary<string, int> ByLapsState { get; }

    /// <summary>Source name to LAPS state to count.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> BySource { get; }

    public long Sessions { get; }

    public long PendingCommands { get; }

    /// <summary>Status code to the UTC ticks of its statuses, ascending.</summary>
    public IReadOnlyDictionary<int, long[]> StatusTimes { get; private init; } = new Dictionary<int, long[]>();

    /// <summary>UTC ticks of the succeeded rotations, ascending.</summary>
    public long[] Succeeded { get; private init; } = [];

    public long[] Failed { get; private init; } = [];

    /// <summary>Rotations of any other outcome: counted nowhere, but they stretch a series' default span as the others do.</summary>
    public long[] OtherRotations { get; private init; } = [];

    /// <summary>Walks <paramref name="source"/> once: its devices, its command statuses and its rotations.</summary>
    public static DashboardView Build(IDashboardSource source, DateTimeOffset asOf)
    {
        // OrderBy is a stable sort: rows that compare equal keep the source's order, as they did when every answer sorted.
        var devices = source.Devices().OrderBy(d => d, Order).ToArray();
        var statuses = new Dictionary<int, List<long>>();
        foreach (var status in source.CommandStatuses())
        {
            if (!statuses.TryGetValue(status.Status, out var times)) statuses[status.Status] = times = [];
            times.Add(status.Time.UtcTicks);
        }

        List<long> succeeded = [], failed = [], other = [];
        foreach (var rotation in source.Rotations())
        {
            var times = rotation.Outcome switch
            {
                DashboardQueries.Succeeded => succeeded,
                DashboardQueries.Failed => failed,
                _ => other,
            };
            times.Add(rotation.Time.UtcTicks);
        }

        return new DashboardView(asOf, devices)
        {
            StatusTimes = statuses.ToDictionary(p => p.Key, p => Sorted(p.Value)),
            Succeeded = Sorted(succeeded),
            Failed = Sorted(failed),
            OtherRotations = Sorted(other),
        };
    }

    /// <summary>The devices that match, in the list's order: <paramref name="text"/> (already trimmed; null for none) in the
    /// id, name or managed account ignoring case, <paramref name="state"/> and <paramref name="source"/> exactly (null for
    /// any). Without text this is an index lookup; a text query walks the devices once and is kept for the next poll.</summary>
    public IReadOnlyList<DashboardDevice> Matching(string? text, string? state, string? source)
    {
        IReadOnlyList<DashboardDevice> candidates = state is null ? _devices : _byState.GetValueOrDefault(state) ?? [];
        if (source is not null)
        {
            if (!BySource.ContainsKey(source)) return [];
            if (BySource.Count > 1) candidates = [.. candidates.Where(d => string.Equals(d.Source, source, StringComparison.Ordinal))];
        }

        if (text is null) return candidates;
        var last = Volatile.Read(ref _lastText);
        if (last is not null && last.Text == text && last.State == state && last.Source == source) return last.Matches;
        var matches = candidates.Where(d => Contains(d.Id, text) || Contains(d.Name, text) || Contains(d.ManagedAccount, text)).ToArray();
        Volatile.Write(ref _lastText, new TextMatches(text, state, source, matches));
        return matches;
    }

    private static bool Contains(string? value, string text) => value is not null && value.Contains(text, StringComparison.OrdinalIgnoreCase);

    private static long[] Sorted(List<long> times)
    {
        var array = times.ToArray();
        Array.Sort(array);
        return array;
    }

    private sealed record TextMatches(string Text, string? State, string? Source, DashboardDevice[] Matches);
}
