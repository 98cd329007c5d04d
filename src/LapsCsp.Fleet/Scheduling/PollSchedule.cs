using LapsCsp.Enrollment.Provisioning;

namespace LapsCsp.Fleet.Scheduling;

/// <summary>When a device checks in on its own: the DMClient Poll schedule (MDE2 §2.2.9.3; mdm-client-digest 3).</summary>
/// <remarks>
/// The three sets run in order from the anchor (enrollment, or the last change of the Poll nodes), each starting when the
/// previous one is used up: <c>NumberOf…</c> polls <c>IntervalFor…</c> minutes apart. An interval of 0 disables its set;
/// a count of 0 with a non-zero interval repeats forever (DMClient docs and Fleet; MDE2 says servers must not send it,
/// digest 6 question 10). When no set is infinite, Windows adds a 24-hour schedule after the last set.
/// The session right after enrollment is not part of the schedule (it starts at once, F-dump).
/// </remarks>
public static class PollSchedule
{
    public static readonly TimeSpan FallbackInterval = TimeSpan.FromHours(24);

    /// <summary>The time of the scheduled poll that follows <paramref name="pollsDone"/> polls since <paramref name="anchor"/>.</summary>
    public static DateTimeOffset NextPoll(PollSettings settings, DateTimeOffset anchor, long pollsDone)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegative(pollsDone);
        var time = anchor;
        var remaining = pollsDone;
        foreach (var (interval, count) in Sets(settings))
        {
            if (interval <= 0) continue;
            var step = TimeSpan.FromMinutes(interval);
            if (count <= 0 || remaining < count) return time + step * (remaining + 1);
            time += step * count;
            remaining -= count;
        }

        return time + FallbackInterval * (remaining + 1);
    }

    /// <summary>How many scheduled polls fall in (anchor, until]: lets a device that was silent catch its count up.</summary>
    public static long PollsUntil(PollSettings settings, DateTimeOffset anchor, DateTimeOffset until)
    {
        long done = 0;
        while (NextPoll(settings, anchor, done) <= until) done++;
        return done;
    }

    private static IEnumerable<(int Interval, int Count)> Sets(PollSettings s)
    {
        yield return (s.IntervalForFirstSetOfRetries, s.NumberOfFirstRetries);
        yield return (s.IntervalForSecondSetOfRetries, s.NumberOfSecondRetries);
        yield return (s.IntervalForRemainingScheduledRetries, s.NumberOfRemainingScheduledRetries);
    }
}
