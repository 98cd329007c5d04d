using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LapsCsp.Device;
using LapsCsp.Device.Processing;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Entra;
using LapsCsp.Enrollment.Client;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Fleet.Scheduling;
using LapsCsp.Fleet.Session;
using LapsCsp.Fleet.Transport;
using LapsCsp.Tree;

namespace LapsCsp.Fleet.Runner;

/// <summary>What one device does when it wakes, wherever it runs: in the fleet's process (<see cref="InProcessDeviceHost"/>)
/// or in an Orleans grain on another machine. It holds what every device of a run shares on one host: the options, the
/// MDM server connection, the directories devices back up to and the host's view of fleet time.</summary>
/// <remarks>A wake does what fell due, in order: enrollment (then the post-enrollment session at once), the LAPS policy
/// cycles (the engine runs each missed hourly cycle at its own time), logons (users on working days, PollOnLogin
/// sessions; helpdesk logons with the LAPS account, which start the post-authentication actions), the DMClient poll (an
/// OMA-DM session), switching off or unenrolling; then the next wake. Each device's work depends only on its own state
/// and its <see cref="SimRandom"/> streams, so the host, the machine and the interleaving do not change the outcome.</remarks>
public sealed class FleetDeviceRuntime
{
    internal const string ClientKeyPrefix = "fleet/client/";
    internal const string IdentityKeyPrefix = "fleet/identity/";
    internal static readonly JsonSerializerOptions ClientJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private static readonly TimeSpan LapsEngineCycle = TimeSpan.FromHours(1);

    private readonly FleetOptions _options;
    private readonly IMdmServerConnection _server;
    private readonly LapsDirectories _directories;

    /// <param name="clock">This host's view of fleet time: the scheduler (or the wake, on a silo) moves it to the start of
    /// each batch; the directories' clock should show the same time.</param>
    public FleetDeviceRuntime(FleetOptions options, IMdmServerConnection server, LapsDirectories directories, VirtualClock clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(directories);
        ArgumentNullException.ThrowIfNull(clock);
        _options = options;
        _server = server;
        _directories = directories;
        Clock = clock;
    }

    public FleetOptions Options => _options;

    public VirtualClock Clock { get; }

    public EntraIdDirectory? EntraId => _directories.EntraIdTenant;

    public ActiveDirectoryDomain? Domain => _directories.ActiveDirectoryDomain;

    /// <summary>The blueprint of device <paramref name="index"/> (a pure function of the options and the index).</summary>
    public DeviceBlueprint Blueprint(int index) =>
        _options.Mix.Blueprint(_options.Seed, index, _options.Start, _options.End - _options.Start, _options.EnrollmentSpread, _options.Faults);

    /// <summary>A device that has not enrolled yet; its first wake is its enrollment time.</summary>
    public FleetDeviceWorker NewDevice(int index) => new(this, NewRecord(index));

    /// <summary>A device as a host saved it (<see cref="FleetDeviceWorker.Capture"/>), loaded and ready to wake.</summary>
    public FleetDeviceWorker Restore(FleetDeviceRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var device = new FleetDevice(record.Index, Blueprint(record.Index).DeviceId) { MetricsStart = _options.Start };
        record.ApplyTo(device);
        if (record.Snapshot is not null)
        {
            var client = JsonSerializer.Deserialize<DmClientState>(record.Client ?? throw new ArgumentException("a saved device without its DM client state", nameof(record)), ClientJson)!;
            var identity = DeviceEnrollmentIdentity.FromJson(record.Identity ?? throw new ArgumentException("a saved device without its identity", nameof(record)));
            Materialize(device, DeviceSnapshot.FromJson(record.Snapshot), client, identity);
        }

        return new FleetDeviceWorker(this, device);
    }

    internal FleetDevice NewRecord(int index)
    {
        var blueprint = Blueprint(index);
        return new FleetDevice(index, blueprint.DeviceId) { NextEnrollmentAttempt = blueprint.EnrollAt, MetricsStart = _options.Start };
    }

    /// <summary>Does what fell due for one device at <paramref name="now"/>; the result carries its next wake (null: never
    /// again), its state and what it added to the figures.</summary>
    internal async Task<DeviceWakeResult> WakeAsync(FleetDevice device, DateTimeOffset now, CancellationToken ct)
    {
        var next = await NextAfterWakeAsync(device, now, ct).ConfigureAwait(false);
        return Result(device, next);
    }

    internal DeviceWakeResult Result(FleetDevice device, DateTimeOffset? next) =>
        new(device.Index, next, device.State, device.Laps, device.TakeMetrics(_options.Start));

    private async Task<DateTimeOffset?> NextAfterWakeAsync(FleetDevice device, DateTimeOffset now, CancellationToken ct)
    {
        try
        {
            device.LastActiveTicks = now.UtcTicks;
            if (device.State == FleetDeviceState.Pending)
            {
                if (device.NextEnrollmentAttempt > now) return device.NextEnrollmentAttempt;
                if (!await EnrollAsync(device, now, ct).ConfigureAwait(false)) return device.NextEnrollmentAttempt;
            }
            else if (device.State != FleetDeviceState.Enrolled)
            {
                return null;
            }
            else
            {
                if (!device.Loaded) throw new InvalidOperationException($"device {device.DeviceId} woke without being loaded");
                await RoutineAsync(device, now, ct).ConfigureAwait(false);
            }

            Summarize(device);
            device.Dirty = true;
            return device.State == FleetDeviceState.Enrolled ? NextWake(device, now) : null;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            // A bug in the simulation of one device must not stop the fleet: count it and try again in an hour.
            device.Record(m => m.DeviceError(e));
            return now + TimeSpan.FromHours(1);
        }
        finally
        {
            device.Clock?.Pin(null);
        }
    }

    /// <summary>The end of the run: a loaded, enrolled device runs its hourly cycles up to <paramref name="end"/>.</summary>
    internal DeviceWakeResult Finish(FleetDevice device, DateTimeOffset end)
    {
        if (device.Loaded && device.State == FleetDeviceState.Enrolled)
        {
            device.Clock!.Pin(end);
            try
            {
                var cycles = device.Device!.RunDueWork();
                device.Record(m => m.Cycles(cycles));
                FollowRename(device);
            }
            finally
            {
                device.Clock.Pin(null);
            }

            Summarize(device);
            device.Dirty = true;
        }

        return Result(device, null);
    }

    private async Task RoutineAsync(FleetDevice device, DateTimeOffset now, CancellationToken ct)
    {
        var blueprint = Blueprint(device.Index);
        var simulated = device.Device!;
        device.Clock!.Pin(now);
        var cycles = simulated.RunDueWork();
        device.Record(m => m.Cycles(cycles));
        FollowRename(device);

        if (blueprint.SilentFrom is { } silent && silent <= now)
        {
            device.State = FleetDeviceState.Silent;
            return;
        }

        if (blueprint.UnenrollAt is { } unenroll && unenroll <= now)
        {
            await SessionAsync(device, SessionTrigger.Unenroll, now, ct).ConfigureAwait(false);
            device.State = FleetDeviceState.Unenrolled;
            return;
        }

        var pollOnLogon = false;
        if (device.NextLogon <= now && (blueprint.LocalUsers > 0 || _options.Faults.AdminLogonsPerDevicePerDay > 0))
        {
            pollOnLogon = Logons(device, blueprint, now);
            device.NextLogon = NextWorkingDay(now, blueprint.LogonTimeOfDay);
        }

        if (pollOnLogon && device.Client!.Poll.PollOnLogin)
        {
            await SessionAsync(device, SessionTrigger.Logon, now, ct).ConfigureAwait(false);
            if (device.State != FleetDeviceState.Enrolled) return;
        }

        if (PollSchedule.NextPoll(device.Client!.Poll, device.PollAnchor, device.PollsDone) <= now)
        {
            device.PollsDone = PollSchedule.PollsUntil(device.Client.Poll, device.PollAnchor, now);
            await SessionAsync(device, SessionTrigger.Scheduled, now, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The working day's logons: each standard user, then perhaps a helpdesk logon with the LAPS account.
    /// Returns whether anybody logged on.</summary>
    private bool Logons(FleetDevice device, DeviceBlueprint blueprint, DateTimeOffset now)
    {
        var simulated = device.Device!;
        var anyone = false;
        for (var u = 1; u <= blueprint.LocalUsers; u++)
        {
            if (simulated.Logon(UserName(u), UserPassword(device.Index, u)).Succeeded)
            {
                device.Record(m => m.Logon(admin: false));
                anyone = true;
            }
        }

        var draw = SimRandom.Unit(_options.Seed, device.Index, SimRandom.Stream.Logon, device.LogonCounter++);
        if (draw < _options.Faults.AdminLogonsPerDevicePerDay && EntraId is { } tenant &&
            tenant.Get(simulated.Identity.EntraDeviceId) is { Credentials: [var latest, ..] })
        {
            // A helpdesk engineer reads the password from Entra ID and signs in with it (digest C.9 post-authentication).
            tenant.RecordPasswordRead(simulated.Identity.EntraDeviceId, "helpdesk@fleet.example");
            if (simulated.Logon(latest.AccountName, latest.DecodePassword()).Succeeded)
            {
                device.Record(m => m.Logon(admin: true));
                anyone = true;
            }
        }

        return anyone;
    }

    private async Task<bool> EnrollAsync(FleetDevice device, DateTimeOffset now, CancellationToken ct)
    {
        var blueprint = Blueprint(device.Index);
        var clock = new DeviceClock(Clock, blueprint.ClockSkew);
        clock.Pin(now);
        var guids = SimRandom.For(_options.Seed, device.Index, SimRandom.Stream.Enrollment, device.SessionCounter);
        var client = new EnrollmentClient(r => _server.SendEnrollmentAsync(r, ct), clock, new EnrollmentClientOptions
        {
            DiscoveryUrl = _server.DiscoveryUrl.ToString(),
            KeyFactory = KeyPool.Shared.Create,
            NewGuid = () =>
            {
                var bytes = new byte[16];
                guids.NextBytes(bytes);
                return new Guid(bytes);
            },
        });
        var profile = new DeviceProfile
        {
            DeviceId = blueprint.DeviceId,
            HwDevId = blueprint.HwDevId,
            DeviceName = blueprint.DeviceName,
            EmailAddress = FleetOptions.UserPrincipalName(blueprint),
            OsVersion = blueprint.OsVersion,
            OsEdition = blueprint.Edition,
            Locale = blueprint.Locale,
            MacAddresses = blueprint.MacAddresses,
        };
        var outcome = await client.EnrollAsync(profile, _options.Credential(blueprint), ct).ConfigureAwait(false);
        device.Record(m => m.Enrollment(outcome, now));
        if (!outcome.Succeeded)
        {
            device.NextEnrollmentAttempt = now + _options.EnrollmentRetryInterval;
            device.SessionCounter++;
            return false;
        }

        device.Identity = outcome.Identity!;
        device.Client = DmClientState.FromEnrollment(outcome.Identity!, DeviceInfo(blueprint), blueprint.CorrelationVectorBase);
        device.State = FleetDeviceState.Enrolled;
        device.NextEnrollmentAttempt = null;
        device.PollAnchor = now;
        device.PollsDone = 0;
        device.NextLogon = NextWorkingDay(now, blueprint.LogonTimeOfDay);
        Create(device, blueprint, clock, now);

        // The first session follows enrollment at once (F-dump).
        await SessionAsync(device, SessionTrigger.PostEnrollment, now, ct).ConfigureAwait(false);
        return true;
    }

    private async Task SessionAsync(FleetDevice device, SessionTrigger trigger, DateTimeOffset now, CancellationToken ct)
    {
        FollowRename(device);
        var blueprint = Blueprint(device.Index);
        var identity = device.Identity!;
        var state = device.Client!;
        var sessionClock = new SessionClock(now);
        var random = SimRandom.For(_options.Seed, device.Index, SimRandom.Stream.Session, device.SessionCounter++);
        var channel = new SimulatedNetworkChannel(_server, Conditions(blueprint), random, sessionClock);
        var handler = new SimulatedDeviceHandler(device.Device!, () => device.Clock!.Pin(sessionClock.GetUtcNow()));
        var certificate = identity.SessionAuthentication.HasFlag(ManagementAuthentication.ClientCertificate) && identity.ClientCertificate.Length > 0
            ? new ClientTlsCertificate(identity.ClientCertificate, identity.PrivateKeyPkcs8) { TrustedRoots = identity.RootCertificates }
            : null;
        var authentication = new DmClientAuthentication(state.CredentialScheme, state.Credential, certificate, state.ChallengeNonceKnown);
        var client = new DmClient(channel, handler, sessionClock, _options.Client);
        var started = Stopwatch.GetTimestamp();
        var result = await client.RunSessionAsync(state, authentication, trigger, ct).ConfigureAwait(false);
        var wall = Stopwatch.GetElapsedTime(started);
        device.Record(m => m.Session(result, now, wall));
        device.Client = result.State;
        device.Clock!.Pin(now);
        if (result.PollChanged)
        {
            device.PollAnchor = now;
            device.PollsDone = 0;
        }

        if (result.Outcome == SessionOutcome.Unenrolled)
        {
            device.State = FleetDeviceState.Unenrolled;
            device.Identity = identity.Unenroll(now);
        }
    }

    /// <summary>A fleet device reboots when its LAPS policy's post-authentication actions say so (PostAuthenticationActions 5:
    /// reset and reboot, after a helpdesk logon with the managed account); the reboot applies a DNSComputerName rename the
    /// server asked for (the DM client stored it in the device's <see cref="LapsCsp.Device.Identity.ComputerRename"/>). Then
    /// the DM client's DevInfo/DevDetail values follow the device's new DNS host name (DevDetail DeviceName and
    /// DNSComputerName answer it from the next session). The reboot itself renamed the Entra device and the AD computer
    /// object when the device talks to the emulated directories directly; behind the fault injector
    /// (<see cref="FaultPlan.DirectoryFailureRate"/>) it sees wrappers only, so the shared tenant and domain are renamed here
    /// too (both calls change nothing when it is already done). A device that never reboots keeps the rename pending and
    /// its name. Nothing happens for a device never renamed.</summary>
    private void FollowRename(FleetDevice device)
    {
        if (device.Device?.Identity is not { DnsHostName: { } name } identity || device.Client is not { } client) return;
        if (string.Equals(client.Device.DeviceName, name, StringComparison.Ordinal)) return;
        device.Client = client with { Device = client.Device with { DeviceName = name } };
        if (identity.HasEntraDeviceIdentity && EntraId is { } tenant && tenant.IsRegistered(identity.EntraDeviceId))
        {
            tenant.RegisterDevice(identity.EntraDeviceId, name);
        }

        if (identity.IsDomainJoined) Domain?.RenameComputer(identity.DeviceId, identity.DeviceName);
    }

    private NetworkConditions Conditions(DeviceBlueprint blueprint)
    {
        var plan = _options.Faults;
        var (min, max) = blueprint.Network == NetworkKind.Slow
            ? (plan.SlowLatencyMs / 2, plan.SlowLatencyMs * 2)
            : (plan.MinLatencyMs, plan.MaxLatencyMs);
        var flaky = blueprint.Network == NetworkKind.Flaky ? plan.FlakyFailureRate / 2 : 0;
        return new NetworkConditions(TimeSpan.FromMilliseconds(min), TimeSpan.FromMilliseconds(max),
            DropRate: Math.Min(1, plan.DropRate + flaky),
            TimeoutRate: Math.Min(1, plan.TimeoutRate + flaky),
            ServerErrorRate: plan.ServerErrorRate,
            GarbageRate: plan.GarbageRate,
            Timeout: TimeSpan.FromSeconds(plan.RequestTimeoutSeconds));
    }

    /// <summary>The earliest of what will fall due: the next poll, logon, LAPS work, switch-off or unenrollment.</summary>
    private DateTimeOffset NextWake(FleetDevice device, DateTimeOffset now)
    {
        var blueprint = Blueprint(device.Index);
        var next = PollSchedule.NextPoll(device.Client!.Poll, device.PollAnchor, device.PollsDone);
        if (blueprint.LocalUsers > 0 || _options.Faults.AdminLogonsPerDevicePerDay > 0) next = Min(next, device.NextLogon);
        if (blueprint.SilentFrom is { } silent && silent > now) next = Min(next, silent);
        if (blueprint.UnenrollAt is { } unenroll && unenroll > now) next = Min(next, unenroll);
        if (NextLapsWork(device, now) is { } laps) next = Min(next, laps);
        return next > now ? next : now + TimeSpan.FromSeconds(1);
    }

    /// <summary>When the device's LAPS engine next has something to do, in true time: every hourly cycle with
    /// <see cref="FleetOptions.HourlyWakeups"/>, else the cycle at which the password expires, the post-authentication
    /// deadline, the next cycle after a failure or without a backup, and at least once a day.</summary>
    private DateTimeOffset? NextLapsWork(FleetDevice device, DateTimeOffset now)
    {
        var simulated = device.Device!;
        var status = simulated.LapsStatus();
        var skew = device.Clock!.Skew;
        var cycle = (status.NextCycleTime ?? now + skew + LapsEngineCycle) - skew;
        if (_options.HourlyWakeups) return cycle;
        if (!status.Policy.IsEnabled && status.PostAuthenticationDeadline is null) return null;
        var due = cycle + TimeSpan.FromDays(1);
        if (status.RotationInProgress || simulated.LapsState.LastCycleResult != 0 || status.LastBackupTime is null) due = cycle;
        if (status.NextRotation is { } expiry)
        {
            var at = expiry - skew;
            var firstCycle = at <= cycle ? cycle : cycle + LapsEngineCycle * Math.Ceiling((at - cycle) / LapsEngineCycle);
            due = Min(due, firstCycle);
        }

        if (status.PostAuthenticationDeadline is { } deadline) due = Min(due, deadline - skew);
        return due;
    }

    private void Create(FleetDevice device, DeviceBlueprint blueprint, DeviceClock clock, DateTimeOffset now)
    {
        var simulated = new SimulatedDevice(DeviceOptionsFor(blueprint), clock, DirectoriesFor(device));
        Register(simulated);
        for (var u = 1; u <= blueprint.LocalUsers; u++) simulated.Accounts.Create(UserName(u), UserPassword(device.Index, u), administrator: false, now);
        if (blueprint.AdministratorEnabled && simulated.Accounts.FindByRid(LapsCsp.Device.Accounts.LocalAccountStore.AdministratorRid) is { } administrator)
        {
            simulated.Accounts.SetAccountEnabled(administrator.Name, enabled: true);
        }

        if (blueprint.ExtraAdministrator is { } extra)
        {
            simulated.Accounts.Create(extra, UserPassword(device.Index, 0), administrator: true, now);
        }

        Attach(device, simulated, clock);
    }

    /// <summary>Brings a saved device back into memory: its simulated device from the snapshot, its DM client state and
    /// enrollment identity.</summary>
    internal void Materialize(FleetDevice device, DeviceSnapshot snapshot, DmClientState client, DeviceEnrollmentIdentity identity)
    {
        var blueprint = Blueprint(device.Index);
        var clock = new DeviceClock(Clock, blueprint.ClockSkew);
        var simulated = new SimulatedDevice(DeviceOptionsFor(blueprint), clock, DirectoriesFor(device));
        simulated.Restore(snapshot);
        device.Identity = identity;
        device.StoredIdentity = identity;
        device.Client = client;
        Attach(device, simulated, clock);
    }

    private DeviceOptions DeviceOptionsFor(DeviceBlueprint blueprint) => new()
    {
        DeviceId = blueprint.DeviceId,
        DeviceName = blueprint.DeviceName,
        JoinType = blueprint.JoinType,
        Locale = blueprint.Locale,
        Context = new DeviceContext(blueprint.OsBuild, blueprint.Edition),
        Seed = blueprint.Index + 1,
        PasswordSeed = (int)(SimRandom.Hash(_options.Seed, blueprint.Index, SimRandom.Stream.Blueprint, 1) & 0x7FFFFFFF),
        EventLogCapacity = _options.EventLogCapacity,
    };

    /// <summary>The shared directories, behind a per-device fault injector when the plan asks for directory failures.</summary>
    private LapsDirectories DirectoriesFor(FleetDevice device)
    {
        var rate = _options.Faults.DirectoryFailureRate;
        if (rate <= 0) return _directories;
        return _directories with
        {
            EntraId = _directories.EntraId is { } e ? new FlakyDirectory(e, rate, _options.Seed, device.Index) : null,
            ActiveDirectory = _directories.ActiveDirectory is { } a ? new FlakyDirectory(a, rate, _options.Seed, device.Index) : null,
        };
    }

    private void Register(SimulatedDevice device)
    {
        var identity = device.Identity;
        if (identity.HasEntraDeviceIdentity && EntraId is { } tenant && !tenant.IsRegistered(identity.EntraDeviceId))
        {
            tenant.RegisterDevice(identity.EntraDeviceId, identity.DeviceName);
        }

        if (identity.IsDomainJoined && Domain is { } domain && domain.GetAttributes(identity.DeviceId) is null)
        {
            domain.AddComputer(identity.DeviceId, identity.DeviceName);
        }
    }

    private static void Attach(FleetDevice device, SimulatedDevice simulated, DeviceClock clock)
    {
        simulated.Events.Written += e => device.Record(m => m.LapsEvent(e, e.TimeCreated - clock.Skew));
        device.Device = simulated;
        device.Clock = clock;
    }

    internal static void Summarize(FleetDevice device)
    {
        if (device.Device is not { } simulated) return;
        var state = simulated.LapsState;
        device.Laps = new LapsSummary(simulated.Policy.BackupDirectory, state.LastBackupTime is not null, state.Rotations);
    }

    /// <summary>Drops a device's loaded parts from memory (after saving them somewhere).</summary>
    internal static void Drop(FleetDevice device)
    {
        device.Device?.Dispose();
        device.Device = null;
        device.Clock = null;
        device.Client = null;
        device.Identity = null;
        device.StoredIdentity = null;
    }

    private static DmDeviceInfo DeviceInfo(DeviceBlueprint blueprint) => new()
    {
        DeviceId = blueprint.DeviceId,
        Manufacturer = blueprint.Manufacturer,
        Model = blueprint.Model,
        Language = blueprint.Locale,
        HwDevId = blueprint.HwDevId,
        SoftwareVersion = blueprint.OsVersion,
        Oem = blueprint.Manufacturer,
        DeviceType = blueprint.Model,
        DeviceName = blueprint.DeviceName,
        SerialNumber = blueprint.HwDevId[..12],
    };

    private static string UserName(int n) => "user" + n.ToString(CultureInfo.InvariantCulture);

    private string UserPassword(int index, int n) =>
        "P@ss-" + SimRandom.Hash(_options.Seed, index, SimRandom.Stream.Logon, -n).ToString("x12", CultureInfo.InvariantCulture);

    /// <summary>The next Monday-to-Friday at <paramref name="timeOfDay"/> after <paramref name="now"/>.</summary>
    private static DateTimeOffset NextWorkingDay(DateTimeOffset now, TimeSpan timeOfDay)
    {
        var day = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var candidate = day + timeOfDay;
        if (candidate <= now) candidate += TimeSpan.FromDays(1);
        while (candidate.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) candidate += TimeSpan.FromDays(1);
        return candidate;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;
}
