using System.Text.Json;
using System.Text.Json.Nodes;
using LapsCsp.Directory.Audit;
using LapsCsp.Server.Dashboard;
using LapsCsp.Server.Mdm;
using LapsCsp.Server.State;

namespace LapsCsp.Dashboard.Tests.Support;

/// <summary>The dashboard's answers recomputed from scratch, the way the API computed them before it kept views: every
/// source walked in full for each answer. What the views answer must equal this (<c>asOf</c> and <c>ageSeconds</c> aside).</summary>
internal static class Reference
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private static readonly TimeSpan[] s_steps =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(3), TimeSpan.FromHours(6), TimeSpan.FromHours(12),
        TimeSpan.FromDays(1), TimeSpan.FromDays(7), TimeSpan.FromDays(30),
    ];

    /// <summary>An answer as JSON without how old its data are (and without the summary's time when <paramref name="dropTime"/>),
    /// to compare.</summary>
    public static string Comparable(JsonNode answer, bool dropTime = false)
    {
        var copy = answer.DeepClone().AsObject();
        copy.Remove("asOf");
        copy.Remove("ageSeconds");
        if (dropTime) copy.Remove("time");
        return copy.ToJsonString();
    }

    public static string Comparable(object answer, bool dropTime = false) => Comparable(JsonSerializer.SerializeToNode(answer, s_json)!, dropTime);

    public static DashboardSummary Summary(IEnumerable<IDashboardSource> sources, DateTimeOffset now)
    {
        var devices = sources.SelectMany(s => s.Devices()).ToList();
        var statuses = sources.SelectMany(s => s.CommandStatuses()).ToList();
        var rotations = sources.SelectMany(s => s.Rotations()).ToList();
        return new DashboardSummary(
            now,
            new DashboardDeviceCounts(
                devices.Count,
                CountBy(devices, d => d.LapsState),
                devices.GroupBy(d => d.Source, StringComparer.Ordinal)
                    .OrderBy(g => g.Key, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => new DashboardSourceCounts(g.Count(), CountBy(g, d => d.LapsState)), StringComparer.Ordinal)),
            devices.Sum(d => d.Sessions),
            devices.Sum(d => (long)d.PendingCommands),
            new DashboardCommandCounts(statuses.Count, statuses.GroupBy(s => s.Status).OrderBy(g => g.Key)
                .ToDictionary(g => Code(g.Key), g => g.Count(), StringComparer.Ordinal)),
            new DashboardRotationCounts(
                rotations.Count(r => r.Outcome == "succeeded"),
                rotations.Count(r => r.Outcome == "failed")),
            now,
            0);
    }

    public static DashboardDevicePage Devices(IEnumerable<IDashboardSource> sources, string? text, string? state, string? source, int skip, int top)
    {
        var matches = sources.SelectMany(s => s.Devices())
            .Where(d => string.IsNullOrEmpty(state) || d.LapsState == state)
            .Where(d => string.IsNullOrEmpty(source) || d.Source == source)
            .Where(d => string.IsNullOrWhiteSpace(text) || Contains(d.Id, text) || Contains(d.Name, text) || Contains(d.ManagedAccount, text))
            .OrderBy(d => d.Id, StringComparer.OrdinalIgnoreCase)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ThenBy(d => d.Source, StringComparer.Ordinal)
            .ToList();
        return new DashboardDevicePage(matches.Count, skip, top, [.. matches.Skip(skip).Take(top)], default, 0);
    }

    public static DashboardDeviceDetail? Device(IEnumerable<IDashboardSource> sources, string source, string id, int events, int trace)
    {
        foreach (var candidate in sources)
        {
            var device = candidate.Devices().FirstOrDefault(d => d.Source == source && d.Id == id);
            if (device is null) continue;
            return new DashboardDeviceDetail(
                device,
                [.. candidate.Events(id, events).Reverse()],
                [.. candidate.Trace(id, trace).Select(m => m with { Body = TraceRedaction.Redact(m.Body) })],
                [.. candidate.CommandStatuses().Where(s => s.DeviceId == id).Reverse().Take(100)],
                [.. candidate.Rotations().Where(r => r.DeviceId == id).OrderByDescending(r => r.Time).Take(100)]);
        }

        return null;
    }

    public static DashboardSeries Series(IEnumerable<IDashboardSource> sources, DateTimeOffset? from, DateTimeOffset? to)
    {
        bool InRange(DateTimeOffset t) => (from is null || t >= from) && (to is null || t <= to);
        var statuses = sources.SelectMany(s => s.CommandStatuses()).Where(s => InRange(s.Time)).ToList();
        var rotations = sources.SelectMany(s => s.Rotations()).Where(r => InRange(r.Time)).ToList();
        var times = statuses.Select(s => s.Time).Concat(rotations.Select(r => r.Time)).ToList();
        var first = from ?? (times.Count > 0 ? times.Min() : (DateTimeOffset?)null);
        var last = to ?? (times.Count > 0 ? times.Max() : (DateTimeOffset?)null);
        if (first is null || last is null)
        {
            return new DashboardSeries(from, to, 60, [], new Dictionary<string, IReadOnlyList<int>>(),
                new Dictionary<string, IReadOnlyList<int>> { ["succeeded"] = [], ["failed"] = [] }, default, 0);
        }

        var step = DashboardQueries.Step(last.Value - first.Value);
        var ticks = first.Value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var start = DateTimeOffset.UnixEpoch.AddTicks(ticks - (((ticks % step.Ticks) + step.Ticks) % step.Ticks));
        var count = (int)((last.Value - start).Ticks / step.Ticks) + 1;
        int Index(DateTimeOffset t) => (int)((t - start).Ticks / step.Ticks);
        int[] Histogram(IEnumerable<int> indexes)
        {
            var counts = new int[count];
            foreach (var i in indexes) counts[i]++;
            return counts;
        }

        return new DashboardSeries(
            first,
            last,
            (long)step.TotalSeconds,
            [.. Enumerable.Range(0, count).Select(i => start + step * i)],
            statuses.GroupBy(s => s.Status).OrderBy(g => g.Key).ToDictionary(g => Code(g.Key), g => (IReadOnlyList<int>)Histogram(g.Select(s => Index(s.Time)))),
            new Dictionary<string, IReadOnlyList<int>>
            {
                ["succeeded"] = Histogram(rotations.Where(r => r.Outcome == "succeeded").Select(r => Index(r.Time))),
                ["failed"] = Histogram(rotations.Where(r => r.Outcome == "failed").Select(r => Index(r.Time))),
            },
            default,
            0);
    }

    private static Dictionary<string, int> CountBy(IEnumerable<DashboardDevice> devices, Func<DashboardDevice, string> key) =>
        devices.GroupBy(key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    private static string Code(int status) => status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static bool Contains(string? value, string text) => value is not null && value.Contains(text.Trim(), StringComparison.OrdinalIgnoreCase);
}

/// <summary>The enrolled devices as the dashboard read them before it kept views: every record's commands and both audit logs
/// walked for each answer.</summary>
internal sealed class ReferenceMdmSource(MdmService mdm, ServerState state) : IDashboardSource
{
    public IEnumerable<DashboardDevice> Devices()
    {
        var lastBackups = new Dictionary<string, (DateTimeOffset Time, string Directory)>(StringComparer.OrdinalIgnoreCase);
        foreach (var (record, directory) in Backups())
        {
            if (record.Result != DirectoryAuditRecord.Success || DeviceName(record) is not { } name) continue;
            if (!lastBackups.TryGetValue(name, out var seen) || seen.Time < record.ActivityDateTime) lastBackups[name] = (record.ActivityDateTime, directory);
        }

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
            string? directory = null;
            DateTimeOffset? lastRotation = null;
            if (record.Enrollment.DeviceName is { } name && lastBackups.TryGetValue(name, out var backup))
            {
                lastRotation = backup.Time;
                directory = backup.Directory;
            }

            var account = mdm.LocalDevices?.Invoke(record.DeviceId)?.Backend.ManagedAccount()?.Name;
            var joinType = record.Enrollment.ContextItems.FirstOrDefault(c => string.Equals(c.Name, "JoinType", StringComparison.OrdinalIgnoreCase))?.Value
                ?? record.Enrollment.EnrollmentType.ToString();
            yield return new DashboardDevice(record.DeviceId, "enrolled", record.Enrollment.DeviceName, joinType, lapsState, account, directory,
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
            if (DeviceName(record) is not { } name || !byName.TryGetValue(name, out var deviceId)) continue;
            yield return new DashboardRotation(record.ActivityDateTime, deviceId, record.Result == DirectoryAuditRecord.Success ? "succeeded" : "failed", directory);
        }
    }

    private IEnumerable<(DirectoryAuditRecord Record, string Directory)> Backups() =>
        state.Entra.AuditLog.Where(r => r.ActivityDisplayName == LapsAuditActivities.UpdatePassword).Select(r => (r, "azureAD"))
            .Concat(state.ActiveDirectory.AuditLog.Where(r => r.ActivityDisplayName == LapsAuditActivities.UpdatePassword).Select(r => (r, "activeDirectory")));

    private static string? DeviceName(DirectoryAuditRecord record) =>
        (record.InitiatedBy.App?.DisplayName ?? record.TargetResources.FirstOrDefault(t => t.Type == "Device")?.DisplayName)?.TrimEnd('$');
}
