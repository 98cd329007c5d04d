using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using LapsCsp.Device;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Fleet.Session;
using LapsCsp.Storage;

namespace LapsCsp.Fleet.Runner;

/// <summary>Every device of the fleet in the scheduler's process: the default host of <see cref="FleetRunner"/>.</summary>
/// <remarks>Memory: with more devices than <see cref="FleetOptions.ResidentDevices"/>, idle devices are saved to the SQLite
/// store (<see cref="LapsStore"/>: the device snapshot, and the enrollment identity and DM client state as settings) and
/// dropped; a wake loads them again. The least recently active go first (by virtual time, then index: deterministic); a
/// device with a rotation in flight stays loaded.</remarks>
public sealed class InProcessDeviceHost : IFleetDeviceHost, IDisposable
{
    private readonly FleetDeviceRuntime _runtime;
    private readonly FleetOptions _options;
    private readonly FleetDevice[] _devices;
    private readonly ConcurrentDictionary<int, byte> _resident = new();
    private readonly string? _temporaryStore;
    private LapsStore? _store;
    private long _loads;
    private long _saves;

    public InProcessDeviceHost(FleetDeviceRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        _runtime = runtime;
        _options = runtime.Options;
        _devices = new FleetDevice[_options.Devices];
        for (var i = 0; i < _devices.Length; i++) _devices[i] = runtime.NewRecord(i);
        if (_options.UsesStore)
        {
            _temporaryStore = _options.StorePath is null ? Path.Combine(Path.GetTempPath(), "lapscsp-fleet-" + Guid.NewGuid().ToString("N") + ".db") : null;
            _store = LapsStore.Open(_options.StorePath ?? _temporaryStore!, new LapsStoreOptions { TimeProvider = runtime.Clock });
        }
    }

    /// <summary>Devices in memory right now.</summary>
    public int ResidentCount => _resident.Count;

    public FleetDeviceState State(int index) => _devices[index].State;

    /// <summary>Loads a device for inspection after a run (null before it enrolled).</summary>
    public SimulatedDevice? Device(int index)
    {
        var device = _devices[index];
        if (device.State is FleetDeviceState.Pending) return null;
        Load(device);
        return device.Device;
    }

    /// <summary>The device if it is in memory now, without loading it from the store (null: not enrolled yet, or hibernated).</summary>
    public bool TryGetResident(int index, [NotNullWhen(true)] out SimulatedDevice? device)
    {
        device = _devices[index].Device;
        return device is not null;
    }

    public DmClientState? ClientState(int index)
    {
        var device = _devices[index];
        if (device.State is FleetDeviceState.Pending) return null;
        Load(device);
        return device.Client;
    }

    public async Task<DeviceWakeResult> WakeAsync(int index, DateTimeOffset at, DateTimeOffset fleetNow, CancellationToken cancellationToken)
    {
        var device = _devices[index];
        if (device.State == FleetDeviceState.Enrolled) Load(device);
        var result = await _runtime.WakeAsync(device, at, cancellationToken).ConfigureAwait(false);
        if (device.Loaded) _resident[index] = 0;
        if (device.State != FleetDeviceState.Enrolled && device.Loaded && _store is not null)
        {
            // A device that will never wake again is saved and dropped.
            Save([device]);
            Drop(device);
        }

        return result;
    }

    public Task BatchCompletedAsync(DateTimeOffset fleetNow, CancellationToken cancellationToken)
    {
        Evict(force: false);
        return Task.CompletedTask;
    }

    /// <summary>Loaded devices run their hourly cycles up to the end; devices idle in the store ran theirs up to their last wake.</summary>
    public Task<DeviceWakeResult> FinishAsync(int index, DateTimeOffset end, CancellationToken cancellationToken) =>
        Task.FromResult(_runtime.Finish(_devices[index], end));

    public DeviceHostFigures Figures() => new(Interlocked.Read(ref _loads), Interlocked.Read(ref _saves), StoreBytes());

    /// <summary>Saves every idle device to the store and drops it from memory (nothing happens without a store).</summary>
    public void Hibernate() => Evict(force: true);

    /// <summary>Makes sure the device is in memory, loading it from the store when it was saved there.</summary>
    private void Load(FleetDevice device)
    {
        if (device.Loaded || _store is null) return;
        var stored = _store.LoadDeviceRecord(device.DeviceId) ?? throw new InvalidOperationException($"device {device.DeviceId} is not in the store");
        var client = JsonSerializer.Deserialize<DmClientState>(_store.GetSetting(FleetDeviceRuntime.ClientKeyPrefix + device.DeviceId)
            ?? throw new InvalidOperationException($"the DM client state of {device.DeviceId} is not in the store"), FleetDeviceRuntime.ClientJson)!;
        var identity = _store.GetSetting(FleetDeviceRuntime.IdentityKeyPrefix + device.DeviceId)
            ?? throw new InvalidOperationException($"the enrollment identity of {device.DeviceId} is not in the store");
        _runtime.Materialize(device, stored.Snapshot, client, DeviceEnrollmentIdentity.FromJson(identity));
        _resident[device.Index] = 0;
        Interlocked.Increment(ref _loads);
    }

    /// <summary>Keeps at most <see cref="FleetOptions.ResidentDevices"/> devices in memory: the ones idle the longest (by
    /// virtual time, then index, so the choice is deterministic) are saved to the store in one transaction and dropped.
    /// A device with a rotation in flight stays.</summary>
    private void Evict(bool force)
    {
        if (_store is null) return;
        var limit = _options.ResidentDevices;
        if (!force && _resident.Count <= limit + Math.Max(16, limit / 10)) return;
        var victims = _resident.Keys.Select(i => _devices[i])
            .Where(d => d.Device is { } s && !s.LapsStatus().RotationInProgress)
            .OrderBy(d => d.LastActiveTicks).ThenBy(d => d.Index)
            .Take(Math.Max(0, _resident.Count - (force ? 0 : limit)))
            .ToList();
        if (victims.Count == 0) return;
        Save(victims);
        foreach (var victim in victims) Drop(victim);
    }

    private void Save(IReadOnlyList<FleetDevice> devices)
    {
        _store!.InTransaction(tx =>
        {
            foreach (var device in devices.Where(d => d.Dirty || d.State != FleetDeviceState.Enrolled))
            {
                tx.SaveDevice(device.Device!.Snapshot());
                tx.SetSetting(FleetDeviceRuntime.ClientKeyPrefix + device.DeviceId, JsonSerializer.Serialize(device.Client!, FleetDeviceRuntime.ClientJson));

                // The identity (key and certificates) changes only at enrollment and unenrollment: written when it does.
                if (!ReferenceEquals(device.StoredIdentity, device.Identity))
                {
                    tx.SetSetting(FleetDeviceRuntime.IdentityKeyPrefix + device.DeviceId, device.Identity!.ToJson());
                    device.StoredIdentity = device.Identity;
                }

                device.Dirty = false;
                Interlocked.Increment(ref _saves);
            }
        });
    }

    private void Drop(FleetDevice device)
    {
        FleetDeviceRuntime.Drop(device);
        _resident.TryRemove(device.Index, out _);
    }

    private long StoreBytes()
    {
        if (_store is null) return 0;
        var path = _options.StorePath ?? _temporaryStore!;
        return new[] { "", "-wal" }.Select(suffix => new FileInfo(path + suffix)).Where(f => f.Exists).Sum(f => f.Length);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        if (_store is not null && _options.StorePath is not null)
        {
            // A store the user asked for keeps every device as it was at the end.
            var loaded = _devices.Where(d => d.Loaded).ToList();
            foreach (var device in loaded) device.Dirty = true;
            if (loaded.Count > 0) Save(loaded);
        }

        foreach (var device in _devices.Where(d => d.Loaded)) device.Device!.Dispose();
        _store?.Dispose();
        _store = null;
        if (_temporaryStore is not null)
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                try
                {
                    File.Delete(_temporaryStore + suffix);
                }
                catch (IOException)
                {
                }
            }
        }
    }
}
