using System.Globalization;
using LapsCsp.Device.Session;
using LapsCsp.Server.Devices;
using LapsCsp.Server.State;
using LapsCsp.SyncML;

namespace LapsCsp.Server.Management;

/// <summary>What happened when a policy or an action was sent to one device.</summary>
/// <param name="Status">delivered (every command 2xx), failed (some command refused), conflict (not sent), notFound.</param>
internal sealed record DeliveryResult(string DeviceId, string Status, string? Detail, IReadOnlyList<CommandResult> Commands);

/// <summary>One Status of the device's reply, explained.</summary>
internal sealed record CommandResult(string? CmdRef, string Cmd, string? Target, int Status, string? Reason);

/// <summary>Intune-style management: LAPS policies, their assignment and delivery, and the rotate action.</summary>
internal sealed class PolicyService
{
    private readonly StoredList<LapsPolicy> _policies;
    private readonly DeviceService _devices;
    private readonly ServerState _state;
    private readonly Mdm.MdmService _mdm;
    private readonly DeviceGroupStore _groups;
    private long _sessions;

    public PolicyService(DeviceService devices, ServerState state, Mdm.MdmService mdm, DeviceGroupStore groups)
    {
        _devices = devices;
        _state = state;
        _mdm = mdm;
        _groups = groups;
        _policies = new StoredList<LapsPolicy>(state, "server.policies");
        mdm.NewDeviceAssignments = EnrollmentAssignments;
    }

    /// <summary>A device that enrolls gets every policy assigned to all devices (Intune's "All devices") or to a device group
    /// that already lists it (a device enrolling again) on its first check-in. Two of them that manage different accounts
    /// conflict: the older policy (created first) goes out, the other is recorded as a conflict and not sent, as
    /// <see cref="AssignAsync"/> refuses the second of two rival assignments.</summary>
    private IReadOnlyList<Mdm.MdmPackage> EnrollmentAssignments(string deviceId)
    {
        var chosen = new List<LapsPolicy>();
        var packages = new List<Mdm.MdmPackage>();
        foreach (var policy in List().Where(p => p.AssignedToAllDevices || InAssignedGroup(p, deviceId)))
        {
            var rival = chosen.FirstOrDefault(p => !SameAccount(p, policy));
            if (rival is null) chosen.Add(policy);
            packages.Add(PolicyPackage(policy, deviceId) with { Conflict = rival is null ? null : ConflictDetail(rival) });
        }

        return packages;
    }

    private Mdm.MdmPackage PolicyPackage(LapsPolicy policy, string deviceId) =>
        new("policy", $"LAPS policy '{policy.DisplayName}'", policy.Id, ManagementSyncML.Policy(policy.Settings, policy.Atomic, deviceId, NextSessionId()));

    private bool InAssignedGroup(LapsPolicy policy, string deviceId) => policy.AssignedGroupIds.Any(g => _groups.Contains(g, deviceId));

    private static bool SameAccount(LapsPolicy a, LapsPolicy b) =>
        string.Equals(a.Settings.AdministratorAccountName ?? "", b.Settings.AdministratorAccountName ?? "", StringComparison.OrdinalIgnoreCase);

    private static string ConflictDetail(LapsPolicy rival) =>
        $"policy '{rival.DisplayName}' already manages account '{rival.Settings.AdministratorAccountName ?? "(built-in Administrator)"}' on this device";

    public IReadOnlyList<LapsPolicy> List() => _policies.Items;

    public LapsPolicy? Find(string id) => List().FirstOrDefault(p => string.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase));

    public LapsPolicy Create(string displayName, string? description, LapsPolicySettings settings, bool atomic)
    {
        var now = _state.Time.GetUtcNow();
        var policy = new LapsPolicy(Guid.NewGuid().ToString("D", CultureInfo.InvariantCulture), displayName, description, settings, atomic, now, now, []);
        Update(list => list.Add(policy));
        return policy;
    }

    public bool Delete(string id)
    {
        var removed = false;
        Update(list => removed = list.RemoveAll(p => string.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase)) > 0);
        return removed;
    }

    /// <summary>Assigns the policy to the devices and delivers it to each now (the server plays the MDM's side of a session).</summary>
    /// <remarks>Two policies that name different AdministratorAccountNames on one device conflict and the second is not
    /// delivered (000 FAQ: "a conflict occurs that must be resolved before the device's account can be managed"); a policy
    /// assigned to all devices counts as assigned to every device, and one assigned to a group as assigned to its members.
    /// <paramref name="direct"/>: the devices are recorded as assigned one by one (false when they come through a group).</remarks>
    public async Task<IReadOnlyList<DeliveryResult>> AssignAsync(LapsPolicy policy, IReadOnlyList<string> deviceIds, string requestedBy, CancellationToken ct,
        bool direct = true)
    {
        var results = new List<DeliveryResult>();
        var assigned = new List<string>();
        var others = List().Where(p => p.Id != policy.Id).ToList();
        foreach (var deviceId in deviceIds.Distinct(StringComparer.Ordinal))
        {
            var host = _devices.Registry.Find(deviceId);
            var enrolled = host is null ? _mdm.Find(deviceId) : null;
            if (host is null && (enrolled is null || enrolled.Unenrolled))
            {
                results.Add(new DeliveryResult(deviceId, "notFound", $"no device '{deviceId}'", []));
                continue;
            }

            var rival = others.FirstOrDefault(p => (p.AssignedToAllDevices || p.AssignedDeviceIds.Contains(deviceId, StringComparer.Ordinal)
                || InAssignedGroup(p, deviceId)) && !SameAccount(p, policy));
            if (rival is not null)
            {
                results.Add(new DeliveryResult(deviceId, "conflict", ConflictDetail(rival), []));
                continue;
            }

            if (host is null)
            {
                // An enrolled device: the package waits for its next check-in (Atomic unless the policy says otherwise).
                var queued = await _mdm.QueueAsync(deviceId, PolicyPackage(policy, deviceId), requestedBy, ct).ConfigureAwait(false);
                results.Add(queued is null
                    ? new DeliveryResult(deviceId, "notFound", $"device '{deviceId}' unenrolled", [])
                    : new DeliveryResult(deviceId, "queued", $"command {queued.Id} goes out on the device's next check-in", []));
                if (queued is not null) assigned.Add(deviceId);
                continue;
            }

            var message = ManagementSyncML.Policy(policy.Settings, policy.Atomic, deviceId, NextSessionId());
            var reply = await _devices.DeliverAsync(host, message, RotationTriggers.Scheduled, requestedBy, ct).ConfigureAwait(false);
            results.Add(Result(deviceId, reply));
            assigned.Add(deviceId);
        }

        if (assigned.Count > 0 && direct)
        {
            UpdatePolicy(policy.Id, p => p with { AssignedDeviceIds = [.. p.AssignedDeviceIds.Union(assigned, StringComparer.Ordinal)] });
        }

        return results;
    }

    /// <summary>Assigns the policy to all devices: every hosted and enrolled device now, and each device that enrolls later
    /// on its first check-in.</summary>
    public async Task<IReadOnlyList<DeliveryResult>> AssignToAllAsync(LapsPolicy policy, string requestedBy, CancellationToken ct)
    {
        UpdatePolicy(policy.Id, p => p with { AssignedToAllDevices = true });
        var ids = _devices.Registry.All().Select(h => h.Registration.DeviceId)
            .Concat(_mdm.Devices().Where(d => !d.Unenrolled).Select(d => d.DeviceId))
            .ToList();
        return ids.Count == 0 ? [] : await AssignAsync(policy with { AssignedToAllDevices = true }, ids, requestedBy, ct).ConfigureAwait(false);
    }

    /// <summary>Assigns the policy to device groups: their members get it now, devices added to them later get it then.</summary>
    public async Task<IReadOnlyList<DeliveryResult>> AssignToGroupsAsync(LapsPolicy policy, IReadOnlyList<string> groupIds, string requestedBy, CancellationToken ct)
    {
        var ids = groupIds.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        UpdatePolicy(policy.Id, p => p with { AssignedGroupIds = [.. p.AssignedGroupIds.Union(ids, StringComparer.OrdinalIgnoreCase)] });
        var members = ids.SelectMany(id => _groups.Find(id)?.DeviceIds ?? []).Distinct(StringComparer.Ordinal).ToList();
        return members.Count == 0 ? [] : await AssignAsync(policy, members, requestedBy, ct, direct: false).ConfigureAwait(false);
    }

    /// <summary>Devices just added to a group get the policies assigned to it.</summary>
    public async Task<IReadOnlyList<DeliveryResult>> GroupMembersAddedAsync(string groupId, IReadOnlyList<string> deviceIds, string requestedBy, CancellationToken ct)
    {
        var results = new List<DeliveryResult>();
        foreach (var policy in List().Where(p => p.AssignedGroupIds.Contains(groupId, StringComparer.OrdinalIgnoreCase)))
        {
            results.AddRange(await AssignAsync(policy, deviceIds, requestedBy, ct, direct: false).ConfigureAwait(false));
        }

        return results;
    }

    /// <summary>A deleted group is no longer an assignment target of any policy (its devices keep what they received).</summary>
    public void ForgetGroup(string groupId) => Update(list =>
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].AssignedGroupIds.Contains(groupId, StringComparer.OrdinalIgnoreCase))
            {
                list[i] = list[i] with { AssignedGroupIds = [.. list[i].AssignedGroupIds.Where(g => !string.Equals(g, groupId, StringComparison.OrdinalIgnoreCase))] };
            }
        }
    });

    /// <summary>The "Rotate local admin password" action: Exec ResetPassword in a session of its own; the device rotates
    /// when the session ends, and the rotation (backup included) is recorded for the report.</summary>
    public async Task<(DeliveryResult Delivery, RotationRecord? Rotation)> RotateAsync(HostedDevice host, string requestedBy, CancellationToken ct)
    {
        var requested = _state.Time.GetUtcNow();
        var reply = await _devices.DeliverAsync(host, ManagementSyncML.RotatePassword(host.Registration.DeviceId, NextSessionId()),
            RotationTriggers.Manual, requestedBy, ct).ConfigureAwait(false);
        // The rotation this action caused: the newest manual one requested since (the history is capped, so counting
        // records before and after would miss it once the cap is reached).
        var rotation = host.Rotations().LastOrDefault(r => r.Trigger == RotationTriggers.Manual && r.RequestedDateTime >= requested
            && string.Equals(r.RequestedBy, requestedBy, StringComparison.Ordinal));
        return (Result(host.Registration.DeviceId, reply), rotation);
    }

    /// <summary>The rotate action for an enrolled device: Exec ResetPassword queued for its next check-in.</summary>
    public async Task<DeliveryResult> QueueRotateAsync(string deviceId, string requestedBy, CancellationToken ct)
    {
        var package = new Mdm.MdmPackage("rotate", "Rotate local admin password", null, ManagementSyncML.RotatePassword(deviceId, NextSessionId()));
        var queued = await _mdm.QueueAsync(deviceId, package, requestedBy, ct).ConfigureAwait(false);
        return queued is null
            ? new DeliveryResult(deviceId, "notFound", $"no enrolled device '{deviceId}'", [])
            : new DeliveryResult(deviceId, "queued", $"command {queued.Id} goes out on the device's next check-in", []);
    }

    public string NextSessionId() => Interlocked.Increment(ref _sessions).ToString(CultureInfo.InvariantCulture);

    private static DeliveryResult Result(string deviceId, DmReply reply)
    {
        var commands = reply.Reports.Where(r => r.Cmd != "SyncHdr")
            .Select(r => new CommandResult(r.CmdRef, r.Cmd, r.Target, (int)r.Status, r.Reason))
            .ToList();
        var ok = reply.Reports.All(r => r.Status.IsSuccess());
        return new DeliveryResult(deviceId, ok ? "delivered" : "failed",
            ok ? null : reply.Reports.FirstOrDefault(r => !r.Status.IsSuccess())?.Reason, commands);
    }

    private void Update(Action<List<LapsPolicy>> change) => _policies.Update(change);

    /// <summary>Replaces one policy (by id) with what <paramref name="change"/> makes of it, dated now.</summary>
    private void UpdatePolicy(string id, Func<LapsPolicy, LapsPolicy> change)
    {
        var now = _state.Time.GetUtcNow();
        Update(list =>
        {
            var index = list.FindIndex(p => p.Id == id);
            if (index >= 0) list[index] = change(list[index]) with { LastModifiedDateTime = now };
        });
    }
}

/// <summary>Lets every device run the LAPS work due by the injected clock (each device keeps its own hourly schedule,
/// digest C.2); the service wakes every <see cref="Hosting.ServerOptions.PolicyCycleInterval"/> to drive them.</summary>
internal sealed class PolicyCycleService(DeviceService devices, Hosting.ServerOptions options, TimeProvider time,
    Microsoft.Extensions.Logging.ILogger<PolicyCycleService> logger) : Microsoft.Extensions.Hosting.BackgroundService
{
    /// <summary>Raised after each cycle with the rotations it caused.</summary>
    public event Action<IReadOnlyList<RotationRecord>>? CycleCompleted;

    /// <summary>One cycle over every device; returns the rotations it caused.</summary>
    public async Task<IReadOnlyList<RotationRecord>> RunOnceAsync(CancellationToken ct)
    {
        var rotations = new List<RotationRecord>();
        foreach (var host in devices.Registry.All().ToList())
        {
            try
            {
                rotations.AddRange(await devices.RunDueWorkAsync(host, ct).ConfigureAwait(false));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One broken device must not stop the others' cycles.
                Microsoft.Extensions.Logging.LoggerExtensions.LogError(logger, e, "Policy cycle of device {DeviceId} failed", host.Registration.DeviceId);
            }
        }

        CycleCompleted?.Invoke(rotations);
        return rotations;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.PolicyCycleInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
