namespace LapsCsp.Server.Dashboard;

/// <summary>How the dashboard reads its sources.</summary>
internal sealed record DashboardOptions
{
    /// <summary>How long a view of a source that allows it (<see cref="IDashboardSource.SnapshotInterval"/>: the enrolled
    /// devices) is reused before the source is walked again. The page polls every 5 s by default, so one walk serves every
    /// request of a poll and every open page. The server sets it from <see cref="Hosting.ServerOptions.DashboardSnapshotInterval"/>
    /// (<c>lapscsp serve --dashboard-interval</c>).</summary>
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromSeconds(5);
}
