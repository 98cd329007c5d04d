using System.Collections.Immutable;
using System.Globalization;

namespace LapsCsp.Device.Events;

/// <summary>The level an event is logged at (Windows event levels 4, 3, 2).</summary>
public enum LapsEventLevel
{
    Information = 4,
    Warning = 3,
    Error = 2,
}

/// <summary>One event of the <c>Microsoft-Windows-LAPS/Operational</c> channel.</summary>
/// <param name="RecordId">Increasing from 1 over the life of the log (not reset when old events are overwritten).</param>
/// <param name="TimeCreated">On the device's simulated clock.</param>
public sealed record LapsEvent(long RecordId, int Id, LapsEventLevel Level, DateTimeOffset TimeCreated, string Message)
{
    public const string ProviderName = "Microsoft-Windows-LAPS";

    /// <summary>The event's System/Computer: the name of the computer that logged it, as it was named then (null in events
    /// saved before the log recorded it).</summary>
    public string? Computer { get; init; }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{TimeCreated:O} {Id} {Level}: {Message}");
}

/// <summary>A filter over the log, like an XPath query in Event Viewer: ids, time range, level, and a cap.</summary>
/// <param name="Ids">Empty or default: every id.</param>
/// <param name="From">Inclusive lower bound on <see cref="LapsEvent.TimeCreated"/>.</param>
/// <param name="To">Exclusive upper bound.</param>
/// <param name="MaxEvents">Keep only the newest N matches.</param>
public sealed record LapsEventQuery(
    ImmutableArray<int> Ids = default,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    LapsEventLevel? Level = null,
    int? MaxEvents = null)
{
    public static LapsEventQuery ForIds(params int[] ids) => new([.. ids]);

    public bool Matches(LapsEvent e) =>
        (Ids.IsDefaultOrEmpty || Ids.Contains(e.Id))
        && (From is null || e.TimeCreated >= From)
        && (To is null || e.TimeCreated < To)
        && (Level is null || e.Level == Level);
}

/// <summary>The <c>Microsoft-Windows-LAPS/Operational</c> event channel of one device: bounded (the oldest events are
/// overwritten, as a channel with "overwrite events as needed" does), queryable. Messages never contain a password.
/// Thread-safe.</summary>
public sealed class LapsEventLog
{
    public const string ChannelName = "Microsoft-Windows-LAPS/Operational";
    public const int DefaultCapacity = 10_000;

    private readonly Lock _gate = new();
    private readonly Queue<LapsEvent> _events = new();
    private long _nextRecordId = 1;
    private string? _computer;

    public LapsEventLog(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>The computer name stamped on every event written from now on (<see cref="LapsEvent.Computer"/>): the device's
    /// DNS host name, which changes when a rename takes effect at a reboot.</summary>
    public string? Computer
    {
        get
        {
            lock (_gate) return _computer;
        }

        set
        {
            lock (_gate) _computer = value;
        }
    }

    public int Count
    {
        get
        {
            lock (_gate) return _events.Count;
        }
    }

    /// <summary>Events written since the log was created, including overwritten ones.</summary>
    public long TotalWritten
    {
        get
        {
            lock (_gate) return _nextRecordId - 1;
        }
    }

    /// <summary>Every event still in the log, oldest first.</summary>
    public IReadOnlyList<LapsEvent> All
    {
        get
        {
            lock (_gate) return [.. _events];
        }
    }

    /// <summary>Raised after an event is written (outside the log's lock).</summary>
    public event Action<LapsEvent>? Written;

    public LapsEvent Write(int id, DateTimeOffset time, string message)
    {
        LapsEvent written;
        lock (_gate)
        {
            written = new LapsEvent(_nextRecordId++, id, LapsEventIds.LevelOf(id), time, message) { Computer = _computer };
            _events.Enqueue(written);
            while (_events.Count > Capacity) _events.Dequeue();
        }

        Written?.Invoke(written);
        return written;
    }

    /// <summary>The events matching the query, oldest first.</summary>
    public IReadOnlyList<LapsEvent> Query(LapsEventQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        List<LapsEvent> matches;
        lock (_gate) matches = _events.Where(query.Matches).ToList();
        if (query.MaxEvents is { } max && matches.Count > max) matches.RemoveRange(0, matches.Count - max);
        return matches;
    }

    /// <summary>The events with any of the ids, oldest first.</summary>
    public IReadOnlyList<LapsEvent> Query(params int[] ids) => Query(LapsEventQuery.ForIds(ids));

    public LapsEventLogSnapshot Snapshot()
    {
        lock (_gate) return new LapsEventLogSnapshot([.. _events], _nextRecordId);
    }

    public void Restore(LapsEventLogSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_gate)
        {
            _events.Clear();
            foreach (var e in (snapshot.Events ?? []).TakeLast(Capacity)) _events.Enqueue(e);
            _nextRecordId = Math.Max(snapshot.NextRecordId, _events.Count == 0 ? 1 : _events.Max(e => e.RecordId) + 1);
        }
    }
}

/// <summary>The saved form of a <see cref="LapsEventLog"/>.</summary>
public sealed record LapsEventLogSnapshot(List<LapsEvent>? Events, long NextRecordId);
