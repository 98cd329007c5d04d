namespace LapsCsp.Server.Dashboard;

/// <summary>A source that hands over what a view needs in one walk of its data, cheaper than walking
/// <see cref="IDashboardSource.Devices"/>, <see cref="IDashboardSource.CommandStatuses()"/> and
/// <see cref="IDashboardSource.Rotations()"/> one after the other (the enrolled devices: one walk of 100,000 records, no
/// rotation objects). What it adds must equal what those three give.</summary>
internal interface IDashboardViewSource
{
    void Read(DashboardViewBuilder view);

    /// <summary>A value (compared with <see cref="object.Equals(object?, object?)"/>) that changes whenever what
    /// <see cref="Read"/> gives may have changed; null: the source cannot tell, and is read every time. Taken before a read,
    /// so that a change during the read makes the next stamp differ. A view whose stamp equals the source's current one is
    /// served again, as of now, without reading the source (a fleet that stopped costs no walk of its 100,000 records).</summary>
    object? ChangeStamp => null;
}

/// <summary>What one walk of a source gives a view: its devices in the source's order, and the time and code of each command
/// status and the time and outcome of each rotation, in any order.</summary>
internal sealed class DashboardViewBuilder
{
    internal List<DashboardDevice> Devices { get; } = [];

    internal Dictionary<int, List<long>> StatusTimes { get; } = [];

    internal List<long> Succeeded { get; } = [];

    internal List<long> Failed { get; } = [];

    internal List<long> OtherRotations { get; } = [];

    public void Device(DashboardDevice device) => Devices.Add(device);

    public void Status(DateTimeOffset time, int code)
    {
        if (!StatusTimes.TryGetValue(code, out var times)) StatusTimes[code] = times = [];
        times.Add(time.UtcTicks);
    }

    public void Rotation(DateTimeOffset time, string outcome) => (outcome switch
    {
        DashboardQueries.Succeeded => Succeeded,
        DashboardQueries.Failed => Failed,
        _ => OtherRotations,
    }).Add(time.UtcTicks);

    /// <summary>Walks a source that is no <see cref="IDashboardViewSource"/> through its three enumerations.</summary>
    public void ReadAll(IDashboardSource source)
    {
        foreach (var device in source.Devices()) Device(device);
        foreach (var status in source.CommandStatuses()) Status(status.Time, status.Status);
        foreach (var rotation in source.Rotations()) Rotation(rotation.Time, rotation.Outcome);
    }
}

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

    /// <summary>The ids and sources as the source listed them, and where each went in the list's order: the next walk that
    /// lists the same devices in the same order reuses the order instead of sorting again.</summary>
    private readonly (string Id, string Source)[] _listed;
    private readonly int[] _order;

    private DashboardView(DateTimeOffset asOf, DashboardViewBuilder data, DashboardView? previous, object? stamp)
    {
        AsOf = asOf;
        Stamp = stamp;
        _listed = [.. data.Devices.Select(d => (d.Id, d.Source))];
        _order = previous is not null && previous._listed.AsSpan().SequenceEqual(_listed)
            ? previous._order
            // OrderBy is a stable sort: rows that compare equal keep the source's order, as they did when every answer sorted.
            : [.. Enumerable.Range(0, data.Devices.Count).OrderBy(i => data.Devices[i], Order)];
        _devices = new DashboardDevice[_order.Length];
        for (var i = 0; i < _order.Length; i++) _devices[i] = data.Devices[_order[i]];

        var byState = new Dictionary<string, List<DashboardDevice>>(s_keys);
        var bySource = new Dictionary<string, Dictionary<string, int>>(s_keys);
        foreach (var device in _devices)
        {
            if (!byState.TryGetValue(device.LapsState, out var list)) byState[device.LapsState] = list = [];
            list.Add(device);
            if (!bySource.TryGetValue(device.Source, out var counts)) bySource[device.Source] = counts = new Dictionary<string, int>(s_keys);
            counts[device.LapsState] = counts.GetValueOrDefault(device.LapsState) + 1;
            Sessions += device.Sessions;
            PendingCommands += device.PendingCommands;
        }

        _byState = byState.ToDictionary(p => p.Key, p => p.Value.ToArray(), s_keys);
        ByLapsState = byState.ToDictionary(p => p.Key, p => p.Value.Count, s_keys);
        BySource = bySource.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, int>)p.Value, s_keys);
        StatusTimes = data.StatusTimes.ToDictionary(p => p.Key, p => Sorted(p.Value));
        Succeeded = Sorted(data.Succeeded);
        Failed = Sorted(data.Failed);
        OtherRotations = Sorted(data.OtherRotations);
    }

    /// <summary>The same data as <paramref name="view"/>, as of <paramref name="asOf"/>: the source said nothing changed.</summary>
    private DashboardView(DashboardView view, DateTimeOffset asOf)
    {
        AsOf = asOf;
        Stamp = view.Stamp;
        _listed = view._listed;
        _order = view._order;
        _devices = view._devices;
        _byState = view._byState;
        _lastText = Volatile.Read(ref view._lastText);
        ByLapsState = view.ByLapsState;
        BySource = view.BySource;
        Sessions = view.Sessions;
        PendingCommands = view.PendingCommands;
        StatusTimes = view.StatusTimes;
        Succeeded = view.Succeeded;
        Failed = view.Failed;
        OtherRotations = view.OtherRotations;
    }

    /// <summary>When the source was walked (the server's clock), or when it last said nothing changed since.</summary>
    public DateTimeOffset AsOf { get; }

    /// <summary>The source's <see cref="IDashboardViewSource.ChangeStamp"/> taken before the walk (null: none).</summary>
    public object? Stamp { get; }

    public int DeviceCount => _devices.Length;

    public IReadOnlyDictionary<string, int> ByLapsState { get; }

    /// <summary>Source name to LAPS state to count.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> BySource { get; }

    public long Sessions { get; }

    public long PendingCommands { get; }

    /// <summary>Status code to the UTC ticks of its statuses, ascending.</summary>
    public IReadOnlyDictionary<int, long[]> StatusTimes { get; }

    /// <summary>UTC ticks of the succeeded rotations, ascending.</summary>
    public long[] Succeeded { get; }

    public long[] Failed { get; }

    /// <summary>Rotations of any other outcome: counted nowhere, but they stretch a series' default span as the others do.</summary>
    public long[] OtherRotations { get; }

    /// <summary>Walks <paramref name="source"/> once (in one pass when it is an <see cref="IDashboardViewSource"/>), unless
    /// its <see cref="IDashboardViewSource.ChangeStamp"/> equals the one of <paramref name="previous"/>: then the previous
    /// view's data are served as of <paramref name="asOf"/>.</summary>
    /// <param name="previous">The source's last view, whose order is reused when the source lists the same devices.</param>
    public static DashboardView Build(IDashboardSource source, DateTimeOffset asOf, DashboardView? previous = null)
    {
        var oneWalk = source as IDashboardViewSource;
        var stamp = oneWalk?.ChangeStamp;
        if (stamp is not null && previous is not null && Equals(stamp, previous.Stamp)) return new DashboardView(previous, asOf);
        var data = new DashboardViewBuilder();
        if (oneWalk is not null) oneWalk.Read(data);
        else data.ReadAll(source);
        return new DashboardView(asOf, data, previous, stamp);
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
