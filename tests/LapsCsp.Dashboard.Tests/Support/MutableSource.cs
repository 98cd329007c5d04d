using LapsCsp.Server.Dashboard;

namespace LapsCsp.Dashboard.Tests.Support;

/// <summary>A source whose data the test changes between answers; it counts how often the dashboard walks its devices.</summary>
internal sealed class MutableSource(TimeSpan? snapshotInterval = null) : IDashboardSource
{
    private readonly Lock _gate = new();

    public List<DashboardDevice> DeviceList { get; } = [];

    public List<DashboardCommandStatus> StatusList { get; } = [];

    public List<DashboardRotation> RotationList { get; } = [];

    public int DeviceWalks { get; private set; }

    public TimeSpan? SnapshotInterval => snapshotInterval;

    public IEnumerable<DashboardDevice> Devices()
    {
        lock (_gate)
        {
            DeviceWalks++;
            return [.. DeviceList];
        }
    }

    public IReadOnlyList<DashboardEvent> Events(string deviceId, int max) => [];

    public IReadOnlyList<DashboardTraceMessage> Trace(string deviceId, int max) => [];

    public IEnumerable<DashboardCommandStatus> CommandStatuses()
    {
        lock (_gate) return [.. StatusList];
    }

    public IEnumerable<DashboardRotation> Rotations()
    {
        lock (_gate) return [.. RotationList];
    }

    /// <summary>Random devices, statuses and rotations from <paramref name="random"/>: ids that differ only in case, ids shared
    /// with other sources, names and accounts that may be missing, every LAPS state, a handful of status codes and outcomes
    /// (one that is neither succeeded nor failed), times spread over <paramref name="span"/> from <paramref name="start"/>.</summary>
    public void Fill(Random random, string source, int devices, DateTimeOffset start, TimeSpan span)
    {
        string[] states = ["managed", "pending", "failed", "not-configured"];
        string[] accounts = ["ContosoLocalLapsAdmin", "Administrator", "NoSuchAdmin"];
        int[] codes = [200, 200, 200, 404, 405, 500, 215];
        string[] outcomes = ["succeeded", "succeeded", "failed", "abandoned"];
        DateTimeOffset At() => start + TimeSpan.FromTicks((long)(random.NextDouble() * span.Ticks));
        for (var i = 0; i < devices; i++)
        {
            var number = random.Next(0, devices * 2);
            var id = random.Next(4) switch
            {
                0 => $"pc-{number:D4}",
                1 => $"PC-{number:D4}",
                2 => $"Desktop-{number:D4}",
                _ => $"PC-{number:D4}-{source}",
            };
            DeviceList.Add(new DashboardDevice(
                id,
                random.Next(5) == 0 ? "other" : source,
                random.Next(6) == 0 ? null : $"NAME-{random.Next(1000):D3}",
                "entraJoined",
                states[random.Next(states.Length)],
                random.Next(3) == 0 ? null : accounts[random.Next(accounts.Length)],
                random.Next(2) == 0 ? "azureAD" : null,
                random.Next(4) == 0 ? null : At(),
                random.Next(4) == 0 ? null : At(),
                random.Next(0, 20),
                random.Next(0, 3)));
            for (var s = random.Next(0, 6); s > 0; s--) StatusList.Add(new DashboardCommandStatus(At(), id, "Replace", null, codes[random.Next(codes.Length)]));
            for (var r = random.Next(0, 3); r > 0; r--) RotationList.Add(new DashboardRotation(At(), id, outcomes[random.Next(outcomes.Length)], "azureAD"));
        }
    }
}
