using LapsCsp.Device.Session;
using LapsCsp.SyncML.Messages;
using Microsoft.Extensions.Logging;

namespace LapsCsp.Server.Devices;

/// <summary>Runs work on a hosted device under its gate and stores the result: management deliveries and policy cycles.
/// (The SyncML endpoint does the same with the session checks around it.)</summary>
internal sealed class DeviceService(DeviceRegistry registry, ILogger<DeviceService> logger, Dashboard.HostedTraceLog traces)
{
    public DeviceRegistry Registry => registry;

    /// <summary>Delivers a package the server built (a policy, an action) as its own DM session, and stores the outcome.</summary>
    /// <remarks>A delivery is a complete session of its own, so a session a harness had open on the device is closed.</remarks>
    public async Task<DmReply> DeliverAsync(HostedDevice host, SyncMLMessage message, string trigger, string? requestedBy, CancellationToken ct)
    {
        await host.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            host.Session.Reset();
            var reply = host.Apply(message, trigger, requestedBy);
            traces.RecordDelivery(host.Registration.DeviceId, message, reply);
            await registry.SaveAsync(host).ConfigureAwait(false);
            logger.LogInformation("Delivered {Commands} command(s) to device {DeviceId} ({Trigger}, by {RequestedBy})",
                message.Commands.Length, host.Registration.DeviceId, trigger, requestedBy ?? "server");
            return reply;
        }
        finally
        {
            host.Gate.Release();
        }
    }

    /// <summary>Reboots the device, as an administrator restarting the PC: its logon sessions and processes end, a pending
    /// DNSComputerName rename takes effect (DevDetail CSP: "The server must explicitly reboot the device for this value to
    /// take effect") and the registration follows the new name; an open DM session ends with the restart. Stores the result.</summary>
    public async Task RebootAsync(HostedDevice host, CancellationToken ct)
    {
        await host.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var before = host.Registration.DeviceName;
            host.Device.Reboot();
            host.Session.Reset();
            await registry.SaveAsync(host).ConfigureAwait(false);
            logger.LogInformation("Device {DeviceId} rebooted (name {Before} -> {After})", host.Registration.DeviceId, before, host.Registration.DeviceName);
        }
        finally
        {
            host.Gate.Release();
        }
    }

    /// <summary>Runs the LAPS work due on the device by the clock (hourly cycles, post-authentication deadlines) and stores
    /// what it changed; returns the rotations that finished.</summary>
    public async Task<IReadOnlyList<RotationRecord>> RunDueWorkAsync(HostedDevice host, CancellationToken ct)
    {
        await host.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var rotations = host.RunDueWork();
            await registry.SaveAsync(host).ConfigureAwait(false);
            foreach (var rotation in rotations)
            {
                logger.LogInformation("Device {DeviceId} rotated its password ({Trigger}): {Result} ({Detail})",
                    host.Registration.DeviceId, rotation.Trigger, rotation.Result, rotation.Detail);
            }

            return rotations;
        }
        finally
        {
            host.Gate.Release();
        }
    }
}
