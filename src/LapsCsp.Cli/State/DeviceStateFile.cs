using LapsCsp.Device;
using LapsCsp.Storage;
using LapsCsp.Storage.Devices;

namespace LapsCsp.Cli.State;

/// <summary>Keeps devices between CLI runs in the embedded SQLite store (<see cref="LapsStore"/>): a device's whole state is
/// saved in one transaction after each package, so an interrupted run never leaves half of it.</summary>
internal sealed class DeviceStateFile : IDisposable
{
    private readonly LapsStore _store;
    private readonly DeviceRepository _devices;

    private DeviceStateFile(LapsStore store)
    {
        _store = store;
        _devices = new DeviceRepository(store);
    }

    /// <summary>Opens (or creates) the store at <paramref name="path"/>.</summary>
    /// <exception cref="LapsStoreException">The file is not a LapsCsp store, or is damaged; it is left untouched.</exception>
    public static DeviceStateFile Open(string path) => new(LapsStore.Open(path));

    public SimulatedDevice LoadOrCreate(string deviceId, DeviceOptions options) => _devices.LoadOrCreate(deviceId, () => options);

    public void Save(SimulatedDevice device) => _devices.Save(device);

    public void Dispose() => _store.Dispose();
}
