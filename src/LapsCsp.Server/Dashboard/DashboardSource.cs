namespace LapsCsp.Server.Dashboard;

/// <summary>One device as the dashboard lists it.</summary>
/// <param name="Source">"hosted" (a simulated device the server hosts, <c>/devices/{id}/syncml</c>) or "enrolled" (a
/// device that enrolled over MS-MDE2 and checks in to the management endpoint).</param>
/// <param name="LapsState">"not-configured", "pending" (policy queued, not yet delivered), "managed", "failed".</param>
public sealed record DashboardDevice(
    string Id,
    string Source,
    string? Name,
    string? JoinType,
    string LapsState,
    string? ManagedAccount,
    string? BackupDirectory,
    DateTimeOffset? LastCheckIn,
    DateTimeOffset? LastRotation,
    long Sessions,
    int PendingCommands);

/// <summary>One event of a device's LAPS event log.</summary>
public sealed record DashboardEvent(long RecordId, DateTimeOffset Time, int EventId, string Level, string Message);

/// <summary>One SyncML message of a device's session trace, in either direction.</summary>
/// <param name="Direction">"fromDevice" or "toDevice".</param>
public sealed record DashboardTraceMessage(DateTimeOffset Time, string Direction, string SessionId, int MsgId, string Body);

/// <summary>One Status a device returned for a command the server sent.</summary>
public sealed record DashboardCommandStatus(DateTimeOffset Time, string DeviceId, string Command, string? Target, int Status);

/// <summary>One password rotation a device completed or failed.</summary>
/// <param name="Outcome">"succeeded" or "failed".</param>
public sealed record DashboardRotation(DateTimeOffset Time, string DeviceId, string Outcome, string? BackupDirectory);

/// <summary>A source of the dashboard's data. The server registers one per kind of device (hosted, enrolled); the
/// dashboard shows the union. Every method is cheap to call and safe from any thread.</summary>
public interface IDashboardSource
{
    IEnumerable<DashboardDevice> Devices();

    /// <summary>The newest <paramref name="max"/> events of the device, newest last; empty when the source does not see
    /// the device's event log (a remote device).</summary>
    IReadOnlyList<DashboardEvent> Events(string deviceId, int max);

    /// <summary>The newest <paramref name="max"/> messages of the device's session trace, oldest first.</summary>
    IReadOnlyList<DashboardTraceMessage> Trace(string deviceId, int max);

    IEnumerable<DashboardCommandStatus> CommandStatuses();

    IEnumerable<DashboardRotation> Rotations();
}
