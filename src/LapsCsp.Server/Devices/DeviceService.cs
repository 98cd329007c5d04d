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
