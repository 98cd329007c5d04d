using LapsCsp.Device.Processing;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Entra;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Device.Tests.Support;

/// <summary>A fake clock, an emulated tenant and domain shared by the devices a test builds, and ways to move time.</summary>
internal sealed class LapsWorld : IDisposable
{
    public static readonly DateTimeOffset Start = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    private readonly List<SimulatedDevice> _devices = [];

    public LapsWorld(bool lapsEnabledInTenant = true)
    {
        Clock = new FakeTimeProvider(Start);
        EntraId = new EntraIdDirectory(Clock, new EntraIdOptions(HistorySize: 50, LapsEnabled: lapsEnabledInTenant));
        Domain = new ActiveDirectoryDomain(Clock);
        Directories = LapsDirectories.Of(EntraId, Domain);
    }

    public FakeTimeProvider Clock { get; }

    public EntraIdDirectory EntraId { get; }

    public ActiveDirectoryDomain Domain { get; }

    public LapsDirectories Directories { get; set; }

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>A device on the shared directories, registered in both (hybrid-joined unless the options say otherwise).</summary>
    public SimulatedDevice NewDevice(DeviceOptions? options = null, bool register = true)
    {
        var device = new SimulatedDevice(options ?? new DeviceOptions { PasswordSeed = 42 }, Clock, Directories);
        if (register) Register(device);
        _devices.Add(device);
        return device;
    }

    /// <summary>Registers the device in the world's tenant and domain (as its join type allows), whatever decorators
    /// <see cref="Directories"/> holds.</summary>
    public void Register(SimulatedDevice device)
    {
        var identity = device.Identity;
        if (identity.HasEntraDeviceIdentity) EntraId.RegisterDevice(identity.EntraDeviceId, identity.DeviceName);
        if (identity.IsDomainJoined && Domain.GetAttributes(identity.DeviceId) is null) Domain.AddComputer(identity.DeviceId, identity.DeviceName);
    }

    /// <summary>Advances the clock an hour at a time, letting every device run what fell due (so that the directories'
    /// own time stamps are exact too). Returns the policy cycles run.</summary>
    public int AdvanceHours(int hours, params SimulatedDevice[] devices)
    {
        var targets = devices.Length == 0 ? _devices.ToArray() : devices;
        var cycles = 0;
        for (var h = 0; h < hours; h++)
        {
            Clock.Advance(TimeSpan.FromHours(1));
            foreach (var device in targets) cycles += device.RunDueWork();
        }

        return cycles;
    }

    public int AdvanceDays(int days, params SimulatedDevice[] devices) => AdvanceHours(days * 24, devices);

    public void Dispose()
    {
        foreach (var device in _devices) device.Dispose();
    }
}
