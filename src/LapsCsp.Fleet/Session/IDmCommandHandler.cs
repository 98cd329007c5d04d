using LapsCsp.Device;
using LapsCsp.Device.Session;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.Fleet.Session;

/// <summary>The device side of a session: given the server commands of one message, the reply (SyncHdr Status first, one
/// Status per command, Results for Gets), as <see cref="DmSessionProcessor"/> builds it.</summary>
public interface IDmCommandHandler
{
    DmReply Process(SyncMLMessage serverMessage);
}

/// <summary>A <see cref="SimulatedDevice"/> as the device side of a session: <see cref="SimulatedDevice.Apply"/> answers
/// the package and then runs what it asked for (a reset, processing of changed LAPS policy).</summary>
public sealed class SimulatedDeviceHandler(SimulatedDevice device, Action? beforeEachMessage = null) : IDmCommandHandler
{
    public SimulatedDevice Device => device;

    public DmReply Process(SyncMLMessage serverMessage)
    {
        beforeEachMessage?.Invoke();
        return device.Apply(serverMessage);
    }
}
