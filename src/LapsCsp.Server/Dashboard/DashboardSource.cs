namespace LapsCsp.Server.Dashboard;

/// <summary>One device as the dashboard lists it.</summary>
/// <param name="Source">"hosted" (a simulated device the server hosts, <c>/devices/{id}/syncml</c>) or "enrolled" (a
/// device that enrolled over MS-MDE2 and checks in to the management endpoint).</param>
/// <param name="LapsState">"not-configured", "pending" (policy queued, not yet delivered), "managed", "failed", "conflict"
/// (only policies refused for an account conflict were assigned).</param>
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
/// dashboard shows the union. Every method is safe from any thread; the per-device ones should cost what that device costs.</summary>
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

    /// <summary>How long the dashboard may answer from a view of this source it computed earlier (the device list, the
    /// counts, the series); every answer says how old its data is. Null (the default): the source is walked for every
    /// answer. A source with many devices sets it, so that a page polling every few seconds costs one walk per interval.</summary>
    TimeSpan? SnapshotInterval => null;

    /// <summary>The device listed as <paramref name="deviceId"/> under <paramref name="source"/>, or null. The default walks
    /// <see cref="Devices"/>; a source with many devices answers from its index.</summary>
    DashboardDevice? Device(string source, string deviceId) =>
        Devices().FirstOrDefault(d => string.Equals(d.Source, source, StringComparison.Ordinal) && string.Equals(d.Id, deviceId, StringComparison.Ordinal));

    /// <summary>The statuses of one device, in the order of <see cref="CommandStatuses()"/> (oldest first).</summary>
    IEnumerable<DashboardCommandStatus> CommandStatuses(string deviceId) =>
        CommandStatuses().Where(s => string.Equals(s.DeviceId, deviceId, StringComparison.Ordinal));

    /// <summary>The rotations of one device, in the order of <see cref="Rotations()"/>.</summary>
    IEnumerable<DashboardRotation> Rotations(string deviceId) =>
        Rotations().Where(r => string.Equals(r.DeviceId, deviceId, StringComparison.Ordinal));
}
