using LapsCsp.Device.Laps;
using LapsCsp.Device.Policy;
using LapsCsp.Server.Devices;

namespace LapsCsp.Server.Dashboard;

/// <summary>The dashboard's view of the devices the server hosts (<c>/devices</c>, <c>/devices/{id}/syncml</c>).</summary>
/// <remarks>
/// LAPS state: "not-configured" while the effective BackupDirectory is 0 (LAPS disabled, digest C.3); "failed" when the last
/// policy cycle failed or Actions/ResetPasswordStatus holds an error HRESULT (digest C.5, C.6); else "managed". A hosted
/// device receives its policies when they are sent, so it is never "pending" and has no pending commands. Managed account:
/// none while LAPS is disabled, else the account the policy names (which may not exist yet: that is why a device fails).
/// Last rotation:
/// when LAPS last set the managed account's password. Sessions, last check-in, trace and command statuses come from
/// <see cref="HostedTraceLog"/> (in memory, since the server started); events and rotations from the device and the store.
/// The device's state is read without its gate: the engine and the event log lock their own state.
/// </remarks>
internal sealed class HostedDashboardSource(DeviceRegistry registry, HostedTraceLog traces) : IDashboardSource
{
    public const string SourceName = "hosted";

    public IEnumerable<DashboardDevice> Devices() => registry.All().Select(Row);

    public IReadOnlyList<DashboardEvent> Events(string deviceId, int max)
    {
        if (max <= 0 || registry.Find(deviceId) is not { } host) return [];
        var all = host.Device.Events.All;
        return [.. all.Skip(Math.Max(0, all.Count - max)).Select(e => new DashboardEvent(e.RecordId, e.TimeCreated, e.Id, e.Level.ToString(), e.Message))];
    }

    public IReadOnlyList<DashboardTraceMessage> Trace(string deviceId, int max) =>
        registry.Find(deviceId) is null ? [] : traces.Trace(deviceId, max);

    public IEnumerable<DashboardCommandStatus> CommandStatuses() =>
        registry.All().SelectMany(host => traces.Statuses(host.Registration.DeviceId));

    public IEnumerable<DashboardRotation> Rotations() =>
        registry.All().SelectMany(host => host.Rotations().Select(r =>
            new DashboardRotation(r.CompletedDateTime, r.DeviceId, r.Result, r.BackupDirectory)));

    public DashboardDevice? Device(string source, string deviceId) =>
        source == SourceName && registry.Find(deviceId) is { } host ? Row(host) : null;

    public IEnumerable<DashboardCommandStatus> CommandStatuses(string deviceId) =>
        registry.Find(deviceId) is null ? [] : traces.Statuses(deviceId);

    public IEnumerable<DashboardRotation> Rotations(string deviceId) =>
        registry.Find(deviceId) is not { } host ? [] : host.Rotations()
            .Where(r => string.Equals(r.DeviceId, deviceId, StringComparison.Ordinal))
            .Select(r => new DashboardRotation(r.CompletedDateTime, r.DeviceId, r.Result, r.BackupDirectory));

    private DashboardDevice Row(HostedDevice host)
    {
        var registration = host.Registration;
        var status = host.Device.LapsStatus();
        var local = host.Device.LapsState;
        var state = status.Policy.BackupDirectory == LapsBackupDirectory.Disabled ? "not-configured"
            : local.LastCycleResult != HResults.SOk || status.ResetPasswordStatus is not (HResults.SOk or HResults.EPending) ? "failed"
            : "managed";
        var (sessions, lastCheckIn) = traces.Activity(registration.DeviceId);
        return new DashboardDevice(
            registration.DeviceId,
            SourceName,
            registration.DeviceName,
            JoinTypeName(registration.JoinType),
            state,
            state == "not-configured" ? null : host.Device.Backend.ManagedAccountName ?? host.PolicyValue("AdministratorAccountName") ?? status.ManagedAccountName,
            HostedDevice.BackupDirectoryName(host.BackupDirectory),
            lastCheckIn,
            status.LastPasswordUpdateTime,
            sessions,
            PendingCommands: 0);
    }

    private static string JoinTypeName(JoinKind kind) => kind switch
    {
        JoinKind.EntraJoined => "entraJoined",
        JoinKind.HybridJoined => "hybridJoined",
        _ => "workplaceJoined",
    };
}
