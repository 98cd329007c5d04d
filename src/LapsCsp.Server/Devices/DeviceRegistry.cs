using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using LapsCsp.Device;
using LapsCsp.Device.Events;
using LapsCsp.Device.Identity;
using LapsCsp.Device.Processing;
using LapsCsp.Server.State;

namespace LapsCsp.Server.Devices;

/// <summary>The devices the server hosts: loaded from the store on first use and kept in memory, created on registration or
/// on the first message to an unknown id, saved after every message that changed them.</summary>
internal sealed class DeviceRegistry : IDisposable
{
    private const string RegistrationPrefix = "server.device.";
    private const string EventCountPrefix = "server.device-event-count.";
    private readonly ServerState _state;
    private readonly ConcurrentDictionary<string, HostedDevice> _loaded = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _deviceByEntraId = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _loadGate = new();

    private readonly CommitQueue _commits;

    private readonly int _eventLogCapacity;

    public DeviceRegistry(ServerState state, CommitQueue commits, Hosting.ServerOptions options)
    {
        _state = state;
        _commits = commits;
        _eventLogCapacity = options.DeviceEventLogCapacity;
        foreach (var registration in List(null, int.MaxValue)) _deviceByEntraId[registration.EntraDeviceId] = registration.DeviceId;
    }

    public ServerState State => _state;

    /// <summary>The device, loaded from the store if needed; null when it was never registered.</summary>
    public HostedDevice? Find(string deviceId)
    {
        if (_loaded.TryGetValue(deviceId, out var host)) return host;
        lock (_loadGate)
        {
            if (_loaded.TryGetValue(deviceId, out host)) return host;
            var registration = _state.GetDocument<DeviceRegistration>(RegistrationPrefix + deviceId);
            if (registration is null) return null;
            host = Load(registration);
            _loaded[deviceId] = host;
            return host;
        }
    }

    /// <summary>What RBAC needs to place an Entra device in administrative units: both of its ids.</summary>
    public Identity.DeviceScope ScopeForEntraId(string entraDeviceId) =>
        new(_deviceByEntraId.TryGetValue(entraDeviceId, out var deviceId) ? deviceId : entraDeviceId, entraDeviceId);

    /// <summary>Registers a new device: stores it, joins it to Entra ID (and to AD when hybrid). Null when the id is taken.</summary>
    public HostedDevice? Create(DeviceRegistration registration)
    {
        lock (_loadGate)
        {
            if (_loaded.ContainsKey(registration.DeviceId) || _state.Store.GetSetting(RegistrationPrefix + registration.DeviceId) is not null)
            {
                return null;
            }

            var host = Load(registration);
            // Joins the shared tenant (Entra- and hybrid-joined) and domain (hybrid-joined).
            host.Device.RegisterWithDirectories();
            _state.MarkChanged();
            long version = 0;
            _state.Commit(tx =>
            {
                ServerState.SetDocument(tx, RegistrationPrefix + registration.DeviceId, registration);
                (version, var saved) = SaveDevice(tx, host, host.Device.Snapshot());
                (host.SavedEventRecordId, host.StoredEventCount) = saved;
            });
            host.Version = version;
            host.SavedFingerprint = host.Fingerprint();
            _loaded[registration.DeviceId] = host;
            _deviceByEntraId[registration.EntraDeviceId] = registration.DeviceId;
            return host;
        }
    }

    /// <summary>The device, created with default settings (Entra joined Windows 11 24H2 Enterprise) when unknown.</summary>
    public HostedDevice GetOrCreate(string deviceId, out bool created)
    {
        created = false;
        var host = Find(deviceId);
        if (host is not null) return host;
        var registration = new DeviceCreateRequest(deviceId).ToRegistration(_state.Time.GetUtcNow(), [])
            ?? throw new ArgumentException($"'{deviceId}' is not a usable device id", nameof(deviceId));
        host = Create(registration);
        created = host is not null;
        return host ?? Find(deviceId)!;
    }

    /// <summary>Stores what a message changed: the device (when its snapshot differs from the stored one), its registration
    /// (when a rename took effect, see <see cref="HostedDevice.FollowIdentity"/>), its new rotation records and the
    /// directories, in one transaction shared with concurrent requests (<see cref="CommitQueue"/>). Nothing is written, nor
    /// serialised, when nothing changed. The caller holds the device's gate.</summary>
    public async Task SaveAsync(HostedDevice host)
    {
        host.FollowIdentity();
        var fingerprint = host.Fingerprint();
        var deviceChanged = fingerprint != host.SavedFingerprint;
        var registration = host.RegistrationUnsaved ? host.Registration : null;
        if (!deviceChanged && registration is null && !host.HasUnsavedRotations && !_state.HasUnsavedChanges) return;
        var snapshot = deviceChanged ? host.Device.Snapshot() : null;
        var rotations = 0;
        var version = host.Version;
        var saved = (RecordId: host.SavedEventRecordId, Count: host.StoredEventCount);
        await _commits.CommitAsync(tx =>
        {
            version = host.Version;
            if (snapshot is not null) (version, saved) = SaveDevice(tx, host, snapshot);
            if (registration is not null) ServerState.SetDocument(tx, RegistrationPrefix + registration.DeviceId, registration);
            rotations = host.SaveRotations(tx);
        }).ConfigureAwait(false);
        host.Version = version;
        (host.SavedEventRecordId, host.StoredEventCount) = saved;
        host.SavedFingerprint = fingerprint;
        if (ReferenceEquals(registration, host.Registration)) host.RegistrationUnsaved = false;
        host.RotationsSaved(rotations);
    }

    /// <summary>Deletes the device; its Entra device object goes with it and with that its LAPS credential (001 FAQ: "When
    /// a device is deleted in Microsoft Entra ID, the LAPS credential that was tied to that device is lost").</summary>
    public bool Delete(string deviceId)
    {
        lock (_loadGate)
        {
            var host = Find(deviceId);
            if (host is null) return false;
            _state.Entra.DeleteDevice(host.Registration.EntraDeviceId);
            _state.ActiveDirectory.RemoveComputer(deviceId);
            _state.MarkChanged();
            _state.Commit(tx =>
            {
                tx.DeleteDevice(deviceId);
                tx.SetSetting(RegistrationPrefix + deviceId, null);
                tx.SetSetting(HostedDevice.RotationKey(deviceId), null);
                tx.SetSetting(EventCountPrefix + deviceId, null);
            });
            _loaded.TryRemove(deviceId, out _);
            _deviceByEntraId.TryRemove(host.Registration.EntraDeviceId, out _);
            host.Dispose();
            return true;
        }
    }

    /// <summary>Registrations in device-id order after <paramref name="afterDeviceId"/>.</summary>
    public IReadOnlyList<DeviceRegistration> List(string? afterDeviceId, int take)
    {
        var result = new List<DeviceRegistration>();
        var after = afterDeviceId;
        while (result.Count < take)
        {
            var ids = _state.Store.ListDeviceIdsAfter(after, Math.Min(500, take - result.Count));
            if (ids.Count == 0) break;
            foreach (var id in ids)
            {
                var registration = _loaded.TryGetValue(id, out var h) ? h.Registration : _state.GetDocument<DeviceRegistration>(RegistrationPrefix + id);
                if (registration is not null) result.Add(registration);
            }

            after = ids[^1];
        }

        return result;
    }

    public int Count => _state.Store.CountDevices();

    /// <summary>Every registered device, for the policy cycle.</summary>
    public IEnumerable<HostedDevice> All()
    {
        foreach (var registration in List(null, int.MaxValue))
        {
            if (Find(registration.DeviceId) is { } host) yield return host;
        }
    }

    /// <summary>Builds the device on the shared directories and restores its stored state, if any.</summary>
    private HostedDevice Load(DeviceRegistration registration)
    {
        var options = new DeviceOptions
        {
            DeviceId = registration.DeviceId,
            DeviceName = registration.DeviceName,
            EntraDeviceId = registration.EntraDeviceId,
            JoinType = registration.JoinType switch
            {
                JoinKind.EntraJoined => JoinType.EntraJoined,
                JoinKind.HybridJoined => JoinType.HybridJoined,
                _ => JoinType.WorkplaceJoined,
            },
            Locale = registration.Locale,
            Context = registration.Context,
            EventLogCapacity = _eventLogCapacity,
        };
        var stored = _state.Store.LoadDeviceRecord(registration.DeviceId);

        // A device renamed by DNSComputerName is rebuilt with the names its snapshot recorded (the NetBIOS name and the DNS
        // host name); its registration holds the host name only.
        if (stored?.Snapshot.Identity is { DnsHostName: not null } renamed)
        {
            options = options with { DeviceName = renamed.DeviceName, DnsHostName = renamed.DnsHostName };
        }

        var device = new SimulatedDevice(options, _state.Time, LapsDirectories.Of(_state.Entra, _state.ActiveDirectory));
        long savedRecordId = 0, storedCount = 0;
        if (stored is not null)
        {
            var snapshot = stored.Snapshot;
            if (snapshot.Events is { Events: null } slim)
            {
                // The event log is in device_events: the newest events the log holds come back from there.
                storedCount = long.TryParse(_state.Store.GetSetting(EventCountPrefix + registration.DeviceId), NumberStyles.None,
                    CultureInfo.InvariantCulture, out var count) ? count : 0;
                var skip = (int)Math.Max(0, storedCount - _eventLogCapacity);
                var events = _state.Store.QueryDeviceEvents(registration.DeviceId, skip: skip, take: _eventLogCapacity)
                    .Select(e => JsonSerializer.Deserialize<LapsEvent>(e.Json, ServerState.Json)!)
                    .ToList();
                snapshot = snapshot with { Events = new LapsEventLogSnapshot(events, slim.NextRecordId) };
                savedRecordId = events.Count == 0 ? slim.NextRecordId - 1 : events.Max(e => e.RecordId);
            }

            device.Restore(snapshot);
        }

        var host = new HostedDevice(registration, device, _state, stored?.Version ?? 0)
        {
            SavedEventRecordId = savedRecordId,
            StoredEventCount = storedCount,
        };
        if (stored is not null) host.SavedFingerprint = host.Fingerprint();
        return host;
    }

    /// <summary>Stores a device: its snapshot without the event log, and the events written since the last save as rows of
    /// device_events (the store's table for them), so that a save costs the same however long the log is.</summary>
    private static (long Version, (long RecordId, long Count) Saved) SaveDevice(Storage.LapsStoreTransaction tx, HostedDevice host, DeviceSnapshot snapshot)
    {
        var events = snapshot.Events?.Events ?? [];
        var slim = snapshot with { Events = new LapsEventLogSnapshot(null, snapshot.Events?.NextRecordId ?? 1) };
        var version = tx.SaveDevice(slim, host.Version);
        var (recordId, count) = (host.SavedEventRecordId, host.StoredEventCount);
        foreach (var e in events.Where(e => e.RecordId > host.SavedEventRecordId))
        {
            tx.AppendDeviceEvent(host.Registration.DeviceId, e.TimeCreated, e.Id, JsonSerializer.Serialize(e, ServerState.Json));
            recordId = Math.Max(recordId, e.RecordId);
            count++;
        }

        if (count != host.StoredEventCount)
        {
            tx.SetSetting(EventCountPrefix + host.Registration.DeviceId, count.ToString(CultureInfo.InvariantCulture));
        }

        return (version, (recordId, count));
    }

    public void Dispose()
    {
        foreach (var host in _loaded.Values) host.Dispose();
        _loaded.Clear();
    }
}
