using LapsCsp.Device;
using LapsCsp.Device.Identity;
using LapsCsp.Device.Session;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.Fleet.Session;

/// <summary>The device side of a session: given the server commands of one message, the reply (SyncHdr Status first, one
/// Status per command, Results for Gets), as <see cref="DmSessionProcessor"/> builds it.</summary>
public interface IDmCommandHandler
{
    DmReply Process(SyncMLMessage serverMessage);

    /// <summary>Where a Replace of <c>./DevDetail/Ext/Microsoft/DNSComputerName</c>, which the DM client answers itself,
    /// puts the pending name, so that the device applies it at its next reboot; null (the default): the device does not
    /// simulate renames and that Replace is 405.</summary>
    ComputerRename? ComputerRename => null;
}

/// <summary>A <see cref="SimulatedDevice"/> as the device side of a session: <see cref="SimulatedDevice.Apply"/> answers
/// the package and then runs what it asked for (a reset, processing of changed LAPS policy).</summary>
public sealed class SimulatedDeviceHandler(SimulatedDevice device, Action? beforeEachMessage = null) : IDmCommandHandler
{
    public SimulatedDevice Device => device;

    /// <summary>The device's own rename state: a DNSComputerName Replace the client accepts is the rename the device's next
    /// reboot (<see cref="SimulatedDevice.Reboot"/>, or the post-authentication Reboot action) applies.</summary>
    public ComputerRename ComputerRename => device.ComputerRename;

    public DmReply Process(SyncMLMessage serverMessage)
    {
        beforeEachMessage?.Invoke();
        return device.Apply(serverMessage);
    }
}
