using System.Runtime.CompilerServices;
using LapsCsp.Device;

namespace LapsCsp.Storage.Devices;

/// <summary>Simulated devices kept in a <see cref="LapsStore"/>, for hosts (<c>lapscsp apply --state</c>, the server).</summary>
/// <remarks>
/// The repository remembers the version each device was loaded or last saved at, and <see cref="Save(SimulatedDevice)"/>
/// saves only if the stored row is still at that version: two hosts that loaded the same device cannot silently overwrite each
/// other's work (the second gets <see cref="ConcurrencyException"/>). A save inside a transaction that rolls back leaves the
/// remembered version as it was.
/// </remarks>
public sealed class DeviceRepository
{
    private readonly LapsStore _store;
    private readonly TimeProvider _time;
    private readonly ConditionalWeakTable<SimulatedDevice, StrongBox<long>> _versions = [];

    /// <param name="time">The clock of the devices it creates; the store's clock when <c>null</c>.</param>
    public DeviceRepository(LapsStore store, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _time = time ?? store.Options.TimeProvider;
    }

    /// <summary>The stored device <paramref name="deviceId"/>, or a new one built from <paramref name="options"/> (not saved
    /// until <see cref="Save(SimulatedDevice)"/>). The options' DeviceId is replaced by <paramref name="deviceId"/>.</summary>
    /// <exception cref="StoreCorruptException">The stored snapshot no longer parses; it is left untouched, never replaced by a
    /// new device.</exception>
    public SimulatedDevice LoadOrCreate(string deviceId, Func<DeviceOptions> options) => LoadOrCreate(deviceId, options, _time);

    /// <summary>As <see cref="LoadOrCreate(string, Func{DeviceOptions})"/>, with the device on its own clock (a simulated
    /// device whose time is saved beside it).</summary>
    public SimulatedDevice LoadOrCreate(string deviceId, Func<DeviceOptions> options, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var stored = _store.LoadDeviceRecord(deviceId);
        var device = new SimulatedDevice(options() with { DeviceId = deviceId }, time);
        if (stored is not null) device.Restore(stored.Snapshot);
        _versions.AddOrUpdate(device, new StrongBox<long>(stored?.Version ?? 0));
        return device;
    }

    /// <summary>Saves the device in its own transaction and returns the stored version.</summary>
    /// <exception cref="ConcurrencyException">Someone saved (or deleted) the device since this repository loaded it.</exception>
    public long Save(SimulatedDevice device) => _store.InTransaction(tx => Save(device, tx));

    /// <summary>Saves the device as part of <paramref name="transaction"/> (e.g. with its directory backup and audit).</summary>
    public long Save(SimulatedDevice device, LapsStoreTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(transaction);
        // A device this repository did not load is saved unconditionally (null): it has no version to compare with.
        long? expected = _versions.TryGetValue(device, out var known) ? known.Value : null;
        var version = transaction.SaveDevice(device.Snapshot(), expected);
        transaction.AfterCommit(() => _versions.AddOrUpdate(device, new StrongBox<long>(version)));
        return version;
    }

    /// <summary>The version this repository last saw for <paramref name="device"/> (0: not stored yet), or <c>null</c>.</summary>
    public long? KnownVersion(SimulatedDevice device) => _versions.TryGetValue(device, out var known) ? known.Value : null;
}
