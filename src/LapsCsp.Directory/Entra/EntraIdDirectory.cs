using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Directory.Audit;
using LapsCsp.Directory.Backup;

namespace LapsCsp.Directory.Entra;

/// <summary>An emulated Entra ID tenant storing LAPS passwords as Graph <c>deviceLocalCredentialInfo</c> resources.</summary>
/// <remarks>
/// Devices must be joined (<see cref="RegisterDevice"/>) before they can back up; deleting the device deletes its credential
/// ("When a device is deleted in Microsoft Entra ID, the LAPS credential that was tied to that device is lost", Entra LAPS
/// FAQ). A backup needs the tenant switch <see cref="LapsEnabled"/> (digest C.4). Thread-safe.
/// </remarks>
public sealed class EntraIdDirectory : IBackupDirectory
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<string, Device> _devices = new(StringComparer.OrdinalIgnoreCase);
    private readonly AuditTrail _audit = new();
    private bool _lapsEnabled;

    public EntraIdDirectory(TimeProvider timeProvider, EntraIdOptions? options = null, DirectoryFaults? faults = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        options ??= new EntraIdOptions();
        options.Validate();
        _timeProvider = timeProvider;
        HistorySize = options.HistorySize;
        _lapsEnabled = options.LapsEnabled;
        Faults = faults ?? new DirectoryFaults();
    }

    public DirectoryKind Kind => DirectoryKind.EntraId;

    public DirectoryFaults Faults { get; }

    /// <summary>How many credentials are kept per device, newest first.</summary>
    public int HistorySize { get; }

    /// <summary>The tenant-wide "Enable LAPS" device setting; when off every backup fails with
    /// <see cref="BackupFailureKind.LapsDisabledInTenant"/> (HTTP 403, see <see cref="BackupFailureKindExtensions.EntraHttpStatus"/>).</summary>
    public bool LapsEnabled
    {
        get { lock (_lock) return _lapsEnabled; }
        set { lock (_lock) _lapsEnabled = value; }
    }

    /// <summary>Joins a device (or renames an already joined one).</summary>
    public void RegisterDevice(string deviceId, string deviceName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceName);
        lock (_lock)
        {
            if (_devices.TryGetValue(deviceId, out var device))
            {
                device.Name = deviceName;
                device.Info = device.Info is null ? null : device.Info with { DeviceName = deviceName };
            }
            else
            {
                _devices.Add(deviceId, new Device(deviceId, deviceName));
            }
        }
    }

    /// <summary>Deletes the device object and with it its LAPS credential. Returns false when it was not registered.</summary>
    public bool DeleteDevice(string deviceId)
    {
        lock (_lock)
        {
            return _devices.Remove(deviceId);
        }
    }

    public bool IsRegistered(string deviceId)
    {
        lock (_lock)
        {
            return _devices.ContainsKey(deviceId);
        }
    }

    public async Task<BackupOutcome> BackupAsync(PasswordBackup backup, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(backup);
        if (await Faults.InjectAsync(_timeProvider, ct).ConfigureAwait(false) is { } injected)
        {
            return BackupOutcome.Failed(Kind, injected, $"Injected fault: {injected}.");
        }

        ct.ThrowIfCancellationRequested();
        lock (_lock)
        {
            // The device authenticates with its device identity before anything else (digest C.13), so an unknown
            // device is reported before the tenant setting is looked at.
            if (!_devices.TryGetValue(backup.DeviceId, out var device))
            {
                return BackupOutcome.Failed(Kind, BackupFailureKind.DeviceNotFound, $"No device with deviceId {backup.DeviceId} in the tenant.");
            }

            if (!_lapsEnabled)
            {
                return BackupOutcome.Failed(
                    Kind,
                    BackupFailureKind.LapsDisabledInTenant,
                    "Windows LAPS is not enabled in this tenant (device setting 'Enable Microsoft Entra Local Administrator Password Solution').");
            }

            var now = _timeProvider.GetUtcNow();
            var credential = new DeviceLocalCredential(
                backup.AccountName, backup.AccountSid, now, DeviceLocalCredential.EncodePassword(backup.Password));
            var previous = device.Info?.Credentials ?? [];
            var history = previous.Insert(0, credential);
            if (history.Length > HistorySize) history = history.RemoveRange(HistorySize, history.Length - HistorySize);

            // deviceName is the device object's name; lastBackupDateTime and backupDateTime are stamped by the service.
            device.Info = new DeviceLocalCredentialInfo(device.Id, device.Name, now, backup.ExpirationTime, history);
            _audit.Add(NewAudit(
                now,
                LapsAuditActivities.UpdatePassword,
                AuditInitiator.ForDevice(device.Id, device.Name),
                device,
                []));
            return BackupOutcome.Success(Kind, $"Password of {backup.AccountName} backed up for device {device.Name}.");
        }
    }

    /// <summary>The credential info of a device, or <c>null</c> when the device is unknown or never backed up (Graph 404).</summary>
    public DeviceLocalCredentialInfo? Get(string deviceId)
    {
        lock (_lock)
        {
            return _devices.TryGetValue(deviceId, out var device) ? device.Info : null;
        }
    }

    /// <summary>All devices that have backed up, ordered by deviceName (then id).</summary>
    public IReadOnlyList<DeviceLocalCredentialInfo> List()
    {
        lock (_lock)
        {
            return _devices.Values
                .Where(d => d.Info is not null)
                .Select(d => d.Info!)
                .OrderBy(i => i.DeviceName, StringComparer.OrdinalIgnoreCase)
                .ThenBy(i => i.Id, StringComparer.Ordinal)
                .ToList();
        }
    }

    /// <summary>Appends the "Recover device local administrator password" audit entry for a read of the passwords by
    /// <paramref name="actor"/> (a user principal name). Returns <c>null</c> and logs nothing when the device has no
    /// credential to recover.</summary>
    public DirectoryAuditRecord? RecordPasswordRead(string deviceId, string actor)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        lock (_lock)
        {
            if (!_devices.TryGetValue(deviceId, out var device) || device.Info is null) return null;
            var record = NewAudit(
                _timeProvider.GetUtcNow(),
                LapsAuditActivities.RecoverPassword,
                AuditInitiator.ForUser(actor),
                device,
                [new AuditKeyValue(LapsAuditActivities.AdditionalInfoKey, LapsAuditActivities.RecoveredByDeviceId)]);
            _audit.Add(record);
            return record;
        }
    }

    /// <summary>The audit trail, oldest first.</summary>
    public IReadOnlyList<DirectoryAuditRecord> AuditLog
    {
        get
        {
            lock (_lock) return _audit.All();
        }
    }

    /// <summary>How many entries the audit trail holds: entries are only ever appended (the log is never trimmed), so this is
    /// also the position the next entry will take, for <see cref="AuditLogSince"/>.</summary>
    public int AuditCount
    {
        get
        {
            lock (_lock) return _audit.Count;
        }
    }

    /// <summary>The entries from position <paramref name="start"/> (0 for the first) on, oldest first: a reader that keeps
    /// <see cref="AuditCount"/> reads only what was appended since, instead of copying the whole <see cref="AuditLog"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> is negative or beyond <see cref="AuditCount"/>.</exception>
    public IReadOnlyList<DirectoryAuditRecord> AuditLogSince(int start)
    {
        lock (_lock) return _audit.Since(start);
    }

    public EntraIdSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new EntraIdSnapshot(
                _lapsEnabled,
                HistorySize,
                [.. _devices.Values.OrderBy(d => d.Id, StringComparer.Ordinal).Select(d => new EntraDeviceSnapshot(d.Id, d.Name, d.Info))],
                [.. _audit.All()]);
        }
    }

    public static EntraIdDirectory FromSnapshot(EntraIdSnapshot snapshot, TimeProvider timeProvider, DirectoryFaults? faults = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var directory = new EntraIdDirectory(timeProvider, new EntraIdOptions(snapshot.HistorySize, snapshot.LapsEnabled), faults);
        foreach (var d in snapshot.Devices.IsDefault ? [] : snapshot.Devices)
        {
            var info = d.Credential;
            if (info is not null && info.Credentials.IsDefault) info = info with { Credentials = [] };
            directory._devices[d.DeviceId] = new Device(d.DeviceId, d.DeviceName) { Info = info };
        }

        directory._audit.AddRange(snapshot.Audit.IsDefault ? [] : snapshot.Audit);
        return directory;
    }

    private static DirectoryAuditRecord NewAudit(
        DateTimeOffset now, string activity, AuditInitiator initiator, Device device, ImmutableArray<AuditKeyValue> details) =>
        new(
            Guid.NewGuid().ToString("D", CultureInfo.InvariantCulture),
            now,
            activity,
            LapsAuditActivities.DeviceCategory,
            LapsAuditActivities.EntraService,
            DirectoryAuditRecord.Success,
            initiator,
            [new AuditTargetResource(device.Id, device.Name, "Device")],
            details);

    private sealed class Device(string id, string name)
    {
        public string Id { get; } = id;

        public string Name { get; set; } = name;

        public DeviceLocalCredentialInfo? Info { get; set; }
    }
}
