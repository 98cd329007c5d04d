namespace LapsCsp.Fleet.Scheduling;

/// <summary>The clock of one OMA-DM session in a simulation: it starts at the session's virtual start time and moves only
/// when the session waits (simulated network latency, Polly backoff). A timer fires as soon as it is armed, advancing the
/// clock by its due time, so a session whose retries wait minutes of virtual time runs without waiting in real time.</summary>
/// <remarks>Only for one sequential flow (a session): it assumes that whoever arms a timer waits for it. Periodic timers
/// fire once. <see cref="Elapsed"/> is the session's virtual duration.</remarks>
public sealed class SessionClock : TimeProvider
{
    private readonly DateTimeOffset _start;
    private long _elapsedTicks;

    public SessionClock(DateTimeOffset start) => _start = start;

    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _elapsedTicks));

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => _start + Elapsed;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <summary>Moves the clock forward (a simulated wait that needs no timer).</summary>
    public void Advance(TimeSpan by)
    {
        if (by > TimeSpan.Zero) Interlocked.Add(ref _elapsedTicks, by.Ticks);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ImmediateTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class ImmediateTimer(SessionClock clock, TimerCallback callback, object? state) : ITimer
    {
        private readonly Lock _gate = new();
        private int _generation;
        private bool _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            int generation;
            lock (_gate)
            {
                if (_disposed) return false;
                generation = ++_generation;
            }

            if (dueTime == Timeout.InfiniteTimeSpan) return true;
            clock.Advance(dueTime);
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                lock (_gate)
                {
                    if (_disposed || generation != _generation) return;
                }

                callback(state);
            }, null);
            return true;
        }

        public void Dispose()
        {
            lock (_gate) _disposed = true;
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
