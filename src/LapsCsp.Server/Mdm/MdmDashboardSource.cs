using LapsCsp.Directory.Audit;
using LapsCsp.Server.Dashboard;
using LapsCsp.Server.State;

namespace LapsCsp.Server.Mdm;

/// <summary>The dashboard's view of enrolled devices: what the MDM server itself sees (check-ins, its commands and their
/// Statuses, the session trace), the rotations the emulated directories recorded for these devices (the "Update device local
/// administrator password" audit entries, matched by device name), and, for devices simulated in this process (the
/// embedded fleet), their LAPS event log.</summary>
internal sealed class MdmDashboardSource(MdmService mdm, ServerState state) : IDashboardSource
{
    public IEnumerable<DashboardDevice> Devices()
    {
        var lastBackups = LastBackups();
        foreach (var record in mdm.Devices())
        {
            var policy = record.Commands.LastOrDefault(c => c.Kind == "policy");
            var lapsState = policy?.State switch
            {
                null => "not-configured",
                MdmCommandStates.Succeeded => "managed",
                MdmCommandStates.Failed => "failed",
                _ => "pending",
            };
            string? account = null, directory = null;
            DateTimeOffset? lastRotation = null;
            if (record.Enrollment.DeviceName is { } name && lastBackups.TryGetValue(name, out var backup))
            {
                lastRotation = backup.Time;
                directory = backup.Directory;
            }

            if (mdm.LocalDevices?.Invoke(record.DeviceId) is { } local)
            {
                account = local.Backend.ManagedAccount()?.Name;
            }

            yield return new DashboardDevice(record.DeviceId, "enrolled", record.Enrollment.DeviceName, JoinType(record), lapsState, account, directory,
                record.LastCheckIn, lastRotation, record.Sessions, record.Commands.Count(c => !MdmCommandStates.IsFinal(c.State)));
        }
    }

    public IReadOnlyList<DashboardEvent> Events(string deviceId, int max)
    {
        if (mdm.Find(deviceId) is null || mdm.LocalDevices?.Invoke(deviceId) is not { } local) return [];
        return [.. local.Events.All.TakeLast(max).Select(e => new DashboardEvent(e.RecordId, e.TimeCreated, e.Id, e.Level.ToString(), e.Message))];
    }

    public IReadOnlyList<DashboardTraceMessage> Trace(string deviceId, int max) =>
        [.. mdm.Trace(deviceId, max).Select(t => new DashboardTraceMessage(t.Time, t.Direction, t.SessionId, t.MsgId, t.Body))];

    public IEnumerable<DashboardCommandStatus> CommandStatuses() =>
        mdm.Devices().SelectMany(d => d.Commands.SelectMany(c => c.Statuses.Select(s => new DashboardCommandStatus(s.Time, d.DeviceId, s.Cmd, s.Target, s.Code))));

    public IEnumerable<DashboardRotation> Rotations()
    {
        var byName = mdm.Devices().Where(d => d.Enrollment.DeviceName is not null)
            .GroupBy(d => d.Enrollment.DeviceName!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First().DeviceId, StringComparer.OrdinalIgnoreCase);
        foreach (var (record, directory) in Backups())
        {
            var name = DeviceName(record);
            if (name is null || !byName.TryGetValue(name, out var deviceId)) continue;
            yield return new DashboardRotation(record.ActivityDateTime, deviceId,
                record.Result == DirectoryAuditRecord.Success ? "succeeded" : "failed", directory);
        }
    }

    private Dictionary<string, (DateTimeOffset Time, string Directory)> LastBackups()
    {
        var last = new Dictionary<string, (DateTimeOffset, string)>(StringComparer.OrdinalIgnoreCase);
        foreach (var (record, directory) in Backups())
        {
            if (record.Result != DirectoryAuditRecord.Success || DeviceName(record) is not { } name) continue;
            if (!last.TryGetValue(name, out var seen) || seen.Item1 < record.ActivityDateTime) last[name] = (record.ActivityDateTime, directory);
        }

        return last;
    }

    private IEnumerable<(DirectoryAuditRecord Record, string Directory)> Backups()
    {
        foreach (var record in state.Entra.AuditLog)
        {
            if (record.ActivityDisplayName == LapsAuditActivities.UpdatePassword) yield return (record, "azureAD");
        }

        foreach (var record in state.ActiveDirectory.AuditLog)
        {
            if (record.ActivityDisplayName == LapsAuditActivities.UpdatePassword) yield return (record, "activeDirectory");
        }
    }

    /// <summary>The device an audit entry is about: the device that backed up (initiator app) or the target device.</summary>
    /// <remarks>AD names the computer by its sAMAccountName (NAME$).</remarks>
    private static string? DeviceName(DirectoryAuditRecord record) =>
        (record.InitiatedBy.App?.DisplayName ?? record.TargetResources.FirstOrDefault(t => t.Type == "Device")?.DisplayName)?.TrimEnd('$');

    /// <summary>From the enrollment's context items: Azure AD joined devices enroll with an AAD token (EnrollmentType Device);
    /// the MS-MDE2 context has no join type as such, so this is the server's best reading.</summary>
    private static string? JoinType(MdmDeviceRecord record) =>
        record.Enrollment.ContextItems.FirstOrDefault(c => string.Equals(c.Name, "JoinType", StringComparison.OrdinalIgnoreCase))?.Value
        ?? record.Enrollment.EnrollmentType.ToString();
}
