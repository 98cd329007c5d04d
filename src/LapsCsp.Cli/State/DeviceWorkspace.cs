using System.Globalization;
using System.Text.Json;
using LapsCsp.Ddf.Model;
using LapsCsp.Device;
using LapsCsp.Storage;
using LapsCsp.Storage.Devices;
using LapsCsp.Tree;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Cli.State;

/// <summary>What the CLI keeps about a stored device beyond its snapshot: the device's simulated clock and platform.</summary>
internal sealed record StoredDeviceSettings(DateTimeOffset Now, string OsBuild, int Edition);

/// <summary>Devices kept between CLI runs in the embedded SQLite store. Each device has its own simulated clock, saved with
/// it, so <c>device advance</c> moves that device's time and nothing reads the wall clock after creation.</summary>
/// <remarks>A device and its clock are saved in one transaction after each command, so an interrupted run never leaves
/// half of it (the store runs SQLite in WAL mode with synchronous=FULL).</remarks>
internal sealed class DeviceWorkspace : IDisposable
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private readonly LapsStore _store;
    private readonly DeviceRepository _devices;

    private DeviceWorkspace(LapsStore store)
    {
        _store = store;
        _devices = new DeviceRepository(store);
    }

    /// <summary>Opens (or creates) the store at <paramref name="path"/>.</summary>
    /// <exception cref="LapsStoreException">The file is not a LapsCsp store, or is damaged; it is left untouched.</exception>
    public static DeviceWorkspace Open(string path) => new(LapsStore.Open(path));

    public bool Exists(string deviceId) => _store.LoadDeviceRecord(deviceId) is not null;

    public IReadOnlyList<string> List() => _store.ListDeviceIds(0, int.MaxValue);

    /// <summary>A stored device, rebuilt with the identity, platform and clock it was saved with; null when unknown.</summary>
    public StoredDevice? Load(string deviceId, DeviceOptions engine)
    {
        var record = _store.LoadDeviceRecord(deviceId);
        if (record is null) return null;
        var settings = LoadSettings(deviceId) ?? new StoredDeviceSettings(TimeProvider.System.GetUtcNow(),
            engine.Context.OsBuild.ToString(), engine.Context.Edition);
        return Build(deviceId, engine, settings, record.Snapshot.Identity);
    }

    /// <summary>The stored device, or a new one (saved only by <see cref="Save"/>).</summary>
    public StoredDevice LoadOrCreate(string deviceId, DeviceOptions engine, DateTimeOffset? start = null) =>
        Load(deviceId, engine) ?? Build(deviceId, engine,
            new StoredDeviceSettings(start ?? TimeProvider.System.GetUtcNow(), engine.Context.OsBuild.ToString(), engine.Context.Edition), null);

    public void Save(StoredDevice device)
    {
        _store.InTransaction(tx =>
        {
            _devices.Save(device.Device, tx);
            tx.SetSetting(SettingsKey(device.Device.Options.DeviceId), JsonSerializer.Serialize(
                new StoredDeviceSettings(device.Clock.GetUtcNow(), device.Device.Options.Context.OsBuild.ToString(), device.Device.Options.Context.Edition), s_json));
        });
    }

    public void Dispose() => _store.Dispose();

    private StoredDevice Build(string deviceId, DeviceOptions engine, StoredDeviceSettings settings, Device.Identity.DeviceIdentity? identity)
    {
        var clock = new FakeTimeProvider(settings.Now);
        var osBuild = OsBuild.TryParse(settings.OsBuild, out var build) ? build : engine.Context.OsBuild;
        var options = engine with { DeviceId = deviceId, Context = new DeviceContext(osBuild, settings.Edition) };
        if (identity is not null) options = options.WithIdentity(identity);
        var repositoryDevice = _devices.LoadOrCreate(deviceId, () => options, clock);
        return new StoredDevice(repositoryDevice, clock);
    }

    private StoredDeviceSettings? LoadSettings(string deviceId)
    {
        var json = _store.GetSetting(SettingsKey(deviceId));
        return json is null ? null : JsonSerializer.Deserialize<StoredDeviceSettings>(json, s_json);
    }

    private static string SettingsKey(string deviceId) => string.Create(CultureInfo.InvariantCulture, $"cli:device:{deviceId}");
}

/// <summary>A device loaded by the CLI with the clock it runs on.</summary>
internal sealed record StoredDevice(SimulatedDevice Device, FakeTimeProvider Clock);
