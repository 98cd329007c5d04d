using System.Collections.Concurrent;
using LapsCsp.Directory.Audit;
using LapsCsp.Server.Dashboard;
using LapsCsp.Server.State;

namespace LapsCsp.Server.Mdm;

/// <summary>The dashboard's view of enrolled devices: what the MDM server itself sees (check-ins, its commands and their
/// Statuses, the session trace), the rotations the emulated directories recorded for these devices (the "Update device local
/// administrator password" audit entries, matched by device name), and, for devices simulated in this process (the
/// embedded fleet), their LAPS event log.</summary>
/// <remarks>
/// <para>Cost (a fleet enrolls 100,000 devices): the dashboard walks this source at most once per
/// <see cref="DashboardOptions.SnapshotInterval"/> (<see cref="SnapshotInterval"/>), in one pass over the records
/// (<see cref="Read"/>), and one device's detail reads that device only. A device record is immutable and replaced on every
/// change, so what the dashboard derives from its commands (LAPS state, pending commands, Statuses) is kept per record and
/// derived again only for a record that changed. The audit logs only grow: the entries seen are indexed by device name once,
/// and a walk reads only the new ones (a directory hands out a copy of its whole log, so the detail refreshes the index at
/// most once per interval too). The managed account is asked of the local device (<see cref="MdmService.LocalDevices"/>)
/// on every walk: what LAPS manages may change without the server hearing of it.</para>
/// <para>The audit names a device, not an enrollment: every enrolled device of that name shows the rotation as its last
/// rotation and in its detail, while <see cref="Rotations()"/> counts each entry once, for the first enrolled device of the
/// name.</para>
/// </remarks>
internal sealed class MdmDashboardSource(MdmService mdm, ServerState state, DashboardOptions options, TimeProvider time) : IDashboardSource, IDashboardViewSource
{
    public const string SourceName = "enrolled";

    private readonly ConcurrentDictionary<string, (MdmDeviceRecord Record, DeviceFacts Facts)> _facts = new(StringComparer.Ordinal);
    private readonly AuditIndex _audit = new(state, time);

    public TimeSpan? SnapshotInterval => options.SnapshotInterval;

    public IEnumerable<DashboardDevice> Devices()
    {
        _audit.Update();
        foreach (var record in mdm.Devices()) yield return Row(record, Facts(record));
    }

    /// <summary>What <see cref="Devices"/>, <see cref="CommandStatuses()"/> and <see cref="Rotations()"/> give, in one walk of
    /// the records, without a rotation object per audit entry.</summary>
    public void Read(DashboardViewBuilder view)
    {
        _audit.Update();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var record in mdm.Devices())
        {
            var facts = Facts(record);
            view.Device(Row(record, facts));
            foreach (var status in facts.Statuses) view.Status(status.Time, status.Status);
            if (record.Enrollment.DeviceName is { } name) names.Add(name);
        }

        _audit.Visit(entry =>
        {
            if (entry.Name is not null && names.Contains(entry.Name)) view.Rotation(entry.Time, entry.Outcome);
        });
    }

    public DashboardDevice? Device(string source, string deviceId)
    {
        if (source != SourceName || mdm.Find(deviceId) is not { } record) return null;
        _audit.UpdateIfOlderThan(options.SnapshotInterval);
        return Row(record, Facts(record));
    }

    public IReadOnlyList<DashboardEvent> Events(string deviceId, int max)
    {
        if (mdm.Find(deviceId) is null || mdm.LocalDevices?.Invoke(deviceId) is not { } local) return [];
        return [.. local.Events.All.TakeLast(max).Select(e => new DashboardEvent(e.RecordId, e.TimeCreated, e.Id, e.Level.ToString(), e.Message))];
    }

    public IReadOnlyList<DashboardTraceMessage> Trace(string deviceId, int max) =>
        [.. mdm.Trace(deviceId, max).Select(t => new DashboardTraceMessage(t.Time, t.Direction, t.SessionId, t.MsgId, t.Body))];

    public IEnumerable<DashboardCommandStatus> CommandStatuses() => mdm.Devices().SelectMany(d => Facts(d).Statuses);

    public IEnumerable<DashboardCommandStatus> CommandStatuses(string deviceId) => mdm.Find(deviceId) is { } record ? Facts(record).Statuses : [];

    public IEnumerable<DashboardRotation> Rotations()
    {
        _audit.Update();
        var entries = _audit.All();
        // The first enrolled device of each name, as the records are listed.
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var device in mdm.Devices())
        {
            if (device.Enrollment.DeviceName is { } name) byName.TryAdd(name, device.DeviceId);
        }

        foreach (var entry in entries)
        {
            if (entry.Name is not null && byName.TryGetValue(entry.Name, out var deviceId)) yield return entry.Rotation(deviceId);
        }
    }

    public IEnumerable<DashboardRotation> Rotations(string deviceId)
    {
        if (mdm.Find(deviceId)?.Enrollment.DeviceName is not { } name) return [];
        _audit.UpdateIfOlderThan(options.SnapshotInterval);
        return _audit.Of(name).Select(e => e.Rotation(deviceId));
    }

    private DashboardDevice Row(MdmDeviceRecord record, DeviceFacts facts)
    {
        string? account = null, directory = null;
        DateTimeOffset? lastRotation = null;
        if (record.Enrollment.DeviceName is { } name && _audit.LastBackup(name) is { } backup)
        {
            lastRotation = backup.Time;
            directory = backup.Directory;
        }

        if (mdm.LocalDevices?.Invoke(record.DeviceId) is { } local)
        {
            account = local.Backend.ManagedAccount()?.Name;
        }

        return new DashboardDevice(record.DeviceId, SourceName, record.Enrollment.DeviceName, facts.JoinType, facts.LapsState, account, directory,
            record.LastCheckIn, lastRotation, record.Sessions, facts.PendingCommands);
    }

    /// <summary>What the row and the statuses take from the record's commands, derived once per record.</summary>
    private DeviceFacts Facts(MdmDeviceRecord record)
    {
        if (_facts.TryGetValue(record.DeviceId, out var known) && ReferenceEquals(known.Record, record)) return known.Facts;
        // The state of the last policy that went (or goes) out; a policy refused for an account conflict never does, and
        // shows only when no other policy reached the device.
        var policy = record.Commands.LastOrDefault(c => c.Kind == "policy" && c.State != MdmCommandStates.Conflict);
        var conflicted = policy is null && record.Commands.Any(c => c.Kind == "policy" && c.State == MdmCommandStates.Conflict);
        var facts = new DeviceFacts(
            policy?.State switch
            {
                null when conflicted => "conflict",
                null => "not-configured",
                MdmCommandStates.Succeeded => "managed",
                MdmCommandStates.Failed => "failed",
                _ => "pending",
            },
            record.Commands.Count(c => !MdmCommandStates.IsFinal(c.State)),
            JoinType(record),
            [.. record.Commands.SelectMany(c => c.Statuses.Select(s => new DashboardCommandStatus(s.Time, record.DeviceId, s.Cmd, s.Target, s.Code)))]);
        _facts[record.DeviceId] = (record, facts);
        return facts;
    }

    /// <summary>From the enrollment's context items: Azure AD joined devices enroll with an AAD token (EnrollmentType Device);
    /// the MS-MDE2 context has no join type as such, so this is the server's best reading.</summary>
    private static string? JoinType(MdmDeviceRecord record) =>
        record.Enrollment.ContextItems.FirstOrDefault(c => string.Equals(c.Name, "JoinType", StringComparison.OrdinalIgnoreCase))?.Value
        ?? record.Enrollment.EnrollmentType.ToString();

    private sealed record DeviceFacts(string LapsState, int PendingCommands, string? JoinType, DashboardCommandStatus[] Statuses);

    /// <summary>One "Update device local administrator password" entry of a directory's audit log.</summary>
    /// <param name="Name">The device it is about (the initiator app or the target device, without AD's trailing $).</param>
    /// <param name="Position">Entra ID's entries before AD's, each in log order: the order of <see cref="Rotations()"/>.</param>
    private sealed record AuditEntry(string? Name, DateTimeOffset Time, bool Succeeded, string Directory, (int Log, int Index) Position)
    {
        public string Outcome => Succeeded ? DashboardQueries.Succeeded : DashboardQueries.Failed;

        public DashboardRotation Rotation(string deviceId) => new(Time, deviceId, Outcome, Directory);
    }

    /// <summary>The LAPS backups of the audit logs by device name, read incrementally (the logs only grow).</summary>
    private sealed class AuditIndex(ServerState state, TimeProvider time)
    {
        private readonly Lock _gate = new();
        private readonly List<AuditEntry> _entra = [];
        private readonly List<AuditEntry> _activeDirectory = [];
        private readonly Dictionary<string, List<AuditEntry>> _byName = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, AuditEntry> _lastBackup = new(StringComparer.OrdinalIgnoreCase);
        private int _entraRead;
        private int _activeDirectoryRead;
        private DateTimeOffset? _updated;

        /// <summary>Reads the entries added since the last update.</summary>
        public void Update()
        {
            var now = time.GetUtcNow();
            var entra = state.Entra.AuditLog;
            var activeDirectory = state.ActiveDirectory.AuditLog;
            lock (_gate)
            {
                Read(entra, 0, "azureAD", _entra, ref _entraRead);
                Read(activeDirectory, 1, "activeDirectory", _activeDirectory, ref _activeDirectoryRead);
                _updated = now;
            }
        }

        /// <summary>Updates unless the last update is younger than <paramref name="interval"/> (each update copies both logs).</summary>
        public void UpdateIfOlderThan(TimeSpan interval)
        {
            var now = time.GetUtcNow();
            DateTimeOffset? updated;
            lock (_gate) updated = _updated;
            if (updated is not { } at || now < at || now - at >= interval) Update();
        }

        /// <summary>Hands every entry read to <paramref name="visit"/>, in <see cref="Rotations()"/> order.</summary>
        public void Visit(Action<AuditEntry> visit)
        {
            lock (_gate)
            {
                foreach (var entry in _entra) visit(entry);
                foreach (var entry in _activeDirectory) visit(entry);
            }
        }

        /// <summary>Every entry read, in <see cref="Rotations()"/> order.</summary>
        public IReadOnlyList<AuditEntry> All()
        {
            lock (_gate) return [.. _entra, .. _activeDirectory];
        }

        /// <summary>The newest successful backup of the device (on equal times, the first in <see cref="Rotations()"/> order).</summary>
        public AuditEntry? LastBackup(string name)
        {
            lock (_gate) return _lastBackup.GetValueOrDefault(name);
        }

        /// <summary>The device's entries in <see cref="Rotations()"/> order.</summary>
        public IReadOnlyList<AuditEntry> Of(string name)
        {
            lock (_gate) return _byName.TryGetValue(name, out var entries) ? [.. entries.OrderBy(e => e.Position)] : [];
        }

        private void Read(IReadOnlyList<DirectoryAuditRecord> log, int which, string directory, List<AuditEntry> entries, ref int read)
        {
            for (; read < log.Count; read++)
            {
                var record = log[read];
                if (record.ActivityDisplayName != LapsAuditActivities.UpdatePassword) continue;
                var entry = new AuditEntry(DeviceName(record), record.ActivityDateTime, record.Result == DirectoryAuditRecord.Success, directory, (which, read));
                entries.Add(entry);
                if (entry.Name is not { } name) continue;
                if (!_byName.TryGetValue(name, out var named)) _byName[name] = named = [];
                named.Add(entry);
                if (entry.Succeeded && (!_lastBackup.TryGetValue(name, out var last) || last.Time < entry.Time
                    || (last.Time == entry.Time && entry.Position.CompareTo(last.Position) < 0)))
                {
                    _lastBackup[name] = entry;
                }
            }
        }

        /// <summary>The device an audit entry is about: the device that backed up (initiator app) or the target device.</summary>
        /// <remarks>AD names the computer by its sAMAccountName (NAME$).</remarks>
        private static string? DeviceName(DirectoryAuditRecord record) =>
            (record.InitiatedBy.App?.DisplayName ?? record.TargetResources.FirstOrDefault(t => t.Type == "Device")?.DisplayName)?.TrimEnd('$');
    }
}
