namespace LapsCsp.Fleet.Scheduling;

/// <summary>One device's view of the fleet's <see cref="VirtualClock"/>: shifted by the device's clock skew, and pinned to
/// the time of the event the device is handling (a batch of events runs while the fleet clock shows the batch's start).
/// Timers are armed on the fleet clock at the absolute time they fall due.</summary>
public sealed class DeviceClock : TimeProvider
{
    private readonly VirtualClock _fleet;
    private long _pinnedTicks;

    public DeviceClock(VirtualClock fleet, TimeSpan skew = default)
    {
        _fleet = fleet;
        Skew = skew;
    }

    /// <summary>How far the device's clock is ahead of (positive) or behind true time.</summary>
    public TimeSpan Skew { get; }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>True (fleet) time as the device's work sees it: the pinned event time, else the fleet clock.</summary>
    public DateTimeOffset TrueNow => Interlocked.Read(ref _pinnedTicks) is var ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : _fleet.GetUtcNow();

    public override DateTimeOffset GetUtcNow() => TrueNow + Skew;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <summary>Pins the device to a true time while it handles an event (null: follow the fleet clock again).</summary>
    public void Pin(DateTimeOffset? trueTime) => Interlocked.Exchange(ref _pinnedTicks, trueTime?.UtcTicks ?? 0);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime == Timeout.InfiniteTimeSpan) return _fleet.CreateTimer(callback, state, dueTime, period);
        return _fleet.CreateTimerAt(callback, state, TrueNow + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime), period);
    }
}
