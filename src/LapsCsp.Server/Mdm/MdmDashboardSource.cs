using System.Collections.Concurrent;
using LapsCsp.Directory.Audit;
using LapsCsp.Directory.Entra;
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
/// (<see cref="Read"/>), and not at all while <see cref="ChangeStamp"/> says nothing changed: no record replaced
/// (<see cref="MdmService.Version"/>), no audit entry appended, the same local devices. One device's detail reads that
/// device only. A device record is immutable and replaced on every change, so what the dashboard derives from its commands
/// (LAPS state, pending commands, Statuses) is kept per record and derived again only for a record that changed. The audit
/// logs only grow: the entries seen are indexed by device name once, and an update reads only the entries appended since
/// (<see cref="EntraIdDirectory.AuditLogSince"/>). The managed account is asked of the local device on every walk, from its
/// cached name
/// (<see cref="LapsCsp.Device.Laps.SimulatedDeviceBackend.ManagedAccountName"/>), and only of devices in memory
/// (<see cref="MdmService.ResidentLocalDevices"/>): a walk never loads a hibernated device of a large fleet. A detail that
/// does load one (its event log) changes the stamp, so that the next walk shows its account. What LAPS manages may change
/// without the server hearing of it; the stamp does not see that, and the change shows at the next walk something else
/// causes: a local device changes when it runs, and a device that runs checks in (a fleet that stopped holds still).</para>
/// <para>The audit names a device, not an enrollment: every enrolled device of that name shows the rotation as its last
/// rotation and in its detail, while <see cref="Rotations()"/> counts each entry once, for the first enrolled device of the
/// name.</para>
/// </remarks>
internal sealed class MdmDashboardSource(MdmService mdm, ServerState state, DashboardOptions options) : IDashboardSource, IDashboardViewSource
{
    public const string SourceName = "enrolled";

    private readonly ConcurrentDictionary<string, (MdmDeviceRecord Record, DeviceFacts Facts)> _facts = new(StringComparer.Ordinal);
    private readonly AuditIndex _audit = new(state);
    private long _walks;
    private long _localLoads;

    public TimeSpan? SnapshotInterval => options.SnapshotInterval;

    /// <summary>Changes when a record was replaced, an audit entry appended, the local devices' lookups set, or a local device
    /// loaded into memory for a detail.</summary>
    public object ChangeStamp => new Stamp(
        mdm.Version, state.Entra.AuditCount, state.ActiveDirectory.AuditCount, mdm.LocalDevices, mdm.ResidentLocalDevices, Interlocked.Read(ref _localLoads));

    /// <summary>How many times the records were walked (<see cref="Devices"/>, <see cref="Read"/>): for tests.</summary>
    internal long Walks => Interlocked.Read(ref _walks);

    public IEnumerable<DashboardDevice> Devices()
    {
        Interlocked.Increment(ref _walks);
        _audit.Update();
        foreach (var record in mdm.Devices()) yield return Row(record, Facts(record), InMemory(record.DeviceId));
    }

    /// <summary>What <see cref="Devices"/>, <see cref="CommandStatuses()"/> and <see cref="Rotations()"/> give, in one walk of
    /// the records, without a rotation object per audit entry.</summary>
    public void Read(DashboardViewBuilder view)
    {
        Interlocked.Increment(ref _walks);
        _audit.Update();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var record in mdm.Devices())
        {
            var facts = Facts(record);
            view.Device(Row(record, facts, InMemory(record.DeviceId)));
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
        _audit.Update();
        return Row(record, Facts(record), Loaded(deviceId));
    }

    public IReadOnlyList<DashboardEvent> Events(string deviceId, int max)
    {
        if (mdm.Find(deviceId) is null || Loaded(deviceId) is not { } local) return [];
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
        _audit.Update();
        return _audit.Of(name).Select(e => e.Rotation(deviceId));
    }

    /// <summary>The local device, if it is in memory (<see cref="MdmService.ResidentLocalDevices"/>; without that lookup,
    /// <see cref="MdmService.LocalDevices"/>).</summary>
    private LapsCsp.Device.SimulatedDevice? InMemory(string deviceId) =>
        (mdm.ResidentLocalDevices ?? mdm.LocalDevices)?.Invoke(deviceId);

    /// <summary>The local device, loaded when it is not in memory (one device's detail); a load changes the stamp.</summary>
    private LapsCsp.Device.SimulatedDevice? Loaded(string deviceId)
    {
        if (mdm.ResidentLocalDevices?.Invoke(deviceId) is { } resident) return resident;
        var local = mdm.LocalDevices?.Invoke(deviceId);
        if (local is not null && mdm.ResidentLocalDevices is not null) Interlocked.Increment(ref _localLoads);
        return local;
    }

    private DashboardDevice Row(MdmDeviceRecord record, DeviceFacts facts, LapsCsp.Device.SimulatedDevice? local)
    {
        string? account = null, directory = null;
        DateTimeOffset? lastRotation = null;
        if (record.Enrollment.DeviceName is { } name && _audit.LastBackup(name) is { } backup)
        {
            lastRotation = backup.Time;
            directory = backup.Directory;
        }

        if (local is not null)
        {
            account = local.Backend.ManagedAccountName;
        }

        return new DashboardDevice(record.DeviceId, SourceName, record.Enrollment.DeviceName, facts.JoinType, facts.LapsState, account, directory,
            record.LastCheckIn, lastRotation, record.Sessions, facts.PendingCommands);
    }

    /// <summary>What the row and the statuses take from the record's commands, derived once per record.</summary>
    private DeviceFacts Facts(MdmDeviceRecord record)
    {
        if (_facts.TryGetValue(record.DeviceId, out var known) && ReferenceEquals(known.Record, record)) return known.Facts;
        var facts = new DeviceFacts(
            record.LapsPolicy?.State switch
            {
                MdmCommandStates.Conflict => "conflict",
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

    /// <summary>What <see cref="ChangeStamp"/> compares: the lookups by reference (a delegate equals only itself or one of the
    /// same method and target).</summary>
    private sealed record Stamp(long MdmVersion, int EntraAudit, int ActiveDirectoryAudit, object? LocalDevices, object? ResidentLocalDevices, long LocalLoads);

    /// <summary>One "Update device local administrator password" entry of a directory's audit log.</summary>
    /// <param name="Name">The device it is about (the initiator app or the target device, without AD's trailing $).</param>
    /// <param name="Position">Entra ID's entries before AD's, each in log order: the order of <see cref="Rotations()"/>.</param>
    private sealed record AuditEntry(string? Name, DateTimeOffset Time, bool Succeeded, string Directory, (int Log, int Index) Position)
    {
        public string Outcome => Succeeded ? DashboardQueries.Succeeded : DashboardQueries.Failed;

        public DashboardRotation Rotation(string deviceId) => new(Time, deviceId, Outcome, Directory);
    }

    /// <summary>The LAPS backups of the audit logs by device name, read incrementally: the logs only grow, and a directory hands
    /// out the entries from a position on (<see cref="EntraIdDirectory.AuditLogSince"/>), so an update costs what was appended.</summary>
    private sealed class AuditIndex(ServerState state)
    {
        private readonly Lock _gate = new();
        private readonly List<AuditEntry> _entra = [];
        private readonly List<AuditEntry> _activeDirectory = [];
        private readonly Dictionary<string, List<AuditEntry>> _byName = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, AuditEntry> _lastBackup = new(StringComparer.OrdinalIgnoreCase);
        private int _entraRead;
        private int _activeDirectoryRead;

        /// <summary>Reads the entries appended since the last update (two lookups when there are none).</summary>
        public void Update()
        {
            lock (_gate)
            {
                Read(state.Entra.AuditLogSince(_entraRead), 0, "azureAD", _entra, ref _entraRead);
                Read(state.ActiveDirectory.AuditLogSince(_activeDirectoryRead), 1, "activeDirectory", _activeDirectory, ref _activeDirectoryRead);
            }
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

        /// <summary>Indexes <paramref name="appended"/>, the entries from position <paramref name="read"/> on.</summary>
        private void Read(IReadOnlyList<DirectoryAuditRecord> appended, int which, string directory, List<AuditEntry> entries, ref int read)
        {
            foreach (var record in appended)
            {
                var position = read++;
                if (record.ActivityDisplayName != LapsAuditActivities.UpdatePassword) continue;
                var entry = new AuditEntry(DeviceName(record), record.ActivityDateTime, record.Result == DirectoryAuditRecord.Success, directory, (which, position));
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
