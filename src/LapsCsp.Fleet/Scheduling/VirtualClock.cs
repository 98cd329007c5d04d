namespace LapsCsp.Fleet.Scheduling;

/// <summary>The fleet's virtual time: a <see cref="TimeProvider"/> that stands still until the scheduler moves it with
/// <see cref="AdvanceTo"/>, firing due timers in due order, each at its own time (like FakeTimeProvider, but also able to
/// arm a timer at an absolute time, which <see cref="DeviceClock"/> needs).</summary>
/// <remarks>Thread-safe: devices arm timers from parallel workers while the scheduler only advances between batches. Ties
/// fire in the order they were armed.</remarks>
public sealed class VirtualClock : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly PriorityQueue<VirtualTimer, (DateTimeOffset Due, long Sequence)> _timers = new();
    private DateTimeOffset _now;
    private long _sequence;

    public VirtualClock(DateTimeOffset start) => _now = start;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <summary>Armed timers not yet fired.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_gate) return _timers.Count;
        }
    }

    /// <summary>When the next armed timer falls due, if any.</summary>
    public DateTimeOffset? NextTimerDue
    {
        get
        {
            lock (_gate)
            {
                while (_timers.TryPeek(out var timer, out var key))
                {
                    if (timer.IsArmed(key.Sequence)) return key.Due;
                    _timers.Dequeue();
                }

                return null;
            }
        }
    }

    /// <summary>Moves time to <paramref name="target"/>, firing every timer due by then at its due time. Never goes back.</summary>
    public void AdvanceTo(DateTimeOffset target)
    {
        while (true)
        {
            VirtualTimer timer;
            long sequence;
            lock (_gate)
            {
                if (!_timers.TryPeek(out timer!, out var key) || key.Due > target)
                {
                    if (target > _now) _now = target;
                    return;
                }

                _timers.Dequeue();
                sequence = key.Sequence;
                if (key.Due > _now) _now = key.Due;
            }

            timer.Fire(sequence);
        }
    }

    public void Advance(TimeSpan by) => AdvanceTo(GetUtcNow() + by);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>A timer that first fires at an absolute virtual time (for clocks that run ahead of or behind this one).</summary>
    public ITimer CreateTimerAt(TimerCallback callback, object? state, DateTimeOffset due, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(this, callback, state);
        timer.ArmAt(due, period);
        return timer;
    }

    private long Arm(VirtualTimer timer, DateTimeOffset due)
    {
        lock (_gate)
        {
            var sequence = ++_sequence;
            _timers.Enqueue(timer, (due < _now ? _now : due, sequence));
            return sequence;
        }
    }

    private sealed class VirtualTimer(VirtualClock clock, TimerCallback callback, object? state) : ITimer
    {
        private readonly Lock _gate = new();
        private long _armedSequence;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        private DateTimeOffset _due;
        private bool _disposed;

        public bool IsArmed(long sequence)
        {
            lock (_gate) return !_disposed && _armedSequence == sequence;
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                lock (_gate)
                {
                    if (_disposed) return false;
                    _armedSequence = 0;
                    _period = period;
                    return true;
                }
            }

            return ArmAt(clock.GetUtcNow() + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime), period);
        }

        public bool ArmAt(DateTimeOffset due, TimeSpan period)
        {
            lock (_gate)
            {
                if (_disposed) return false;
                _period = period;
                _due = due;
                _armedSequence = clock.Arm(this, due);
                return true;
            }
        }

        public void Fire(long sequence)
        {
            TimeSpan period;
            DateTimeOffset due;
            lock (_gate)
            {
                if (_disposed || _armedSequence != sequence) return;
                _armedSequence = 0;
                period = _period;
                due = _due;
            }

            callback(state);
            if (period > TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
            {
                lock (_gate)
                {
                    // Re-arm unless the callback changed or disposed the timer meanwhile.
                    if (_disposed || _armedSequence != 0) return;
                    _due = due + period;
                    _armedSequence = clock.Arm(this, _due);
                }
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _armedSequence = 0;
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
