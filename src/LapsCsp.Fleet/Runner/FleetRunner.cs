using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LapsCsp.Device;
using LapsCsp.Device.Processing;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Backup;
using LapsCsp.Directory.Entra;
using LapsCsp.Enrollment.Client;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Fleet.Reporting;
using LapsCsp.Fleet.Scheduling;
using LapsCsp.Fleet.Session;
using LapsCsp.Fleet.Transport;
using LapsCsp.Storage;
using LapsCsp.Tree;

namespace LapsCsp.Fleet.Runner;

/// <summary>Where a run is, for a progress display.</summary>
public sealed record FleetProgress(DateTimeOffset VirtualNow, double Fraction, long Sessions, long Enrollments, TimeSpan Wall);

/// <summary>Runs a fleet of simulated Windows devices against an MDM server on virtual time (issue 6 item 4).</summary>
/// <remarks>
/// <para>One discrete-event scheduler: a priority queue of (time, device) wake-ups on a <see cref="VirtualClock"/>. At a
/// wake a device does what fell due, in order: enrollment (then the post-enrollment session at once), its LAPS policy
/// cycles (the engine runs each missed hourly cycle at its own time), logons (users on working days, PollOnLogin
/// sessions; helpdesk logons with the LAPS account, which start the post-authentication actions), its DMClient poll
/// (an OMA-DM session), switching off or unenrolling; then it computes its next wake. Wakes within
/// <see cref="FleetOptions.BatchWindow"/> run in parallel; each device's work depends only on its own state and
/// randomness streams (<see cref="SimRandom"/>), and every aggregate is order-independent, so the same seed gives the same
/// report whatever the interleaving.</para>
/// <para>Memory: with more devices than <see cref="FleetOptions.ResidentDevices"/>, idle devices are saved to the SQLite
/// store (<see cref="LapsStore"/>: the device snapshot, and the enrollment identity and DM client state as settings)
/// and dropped; a wake loads them again. A device with a rotation in flight stays loaded.</para>
/// </remarks>
public sealed class FleetRunner : IDisposable
{
    private const string ClientKeyPrefix = "fleet/client/";
    private const string IdentityKeyPrefix = "fleet/identity/";
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private readonly FleetOptions _options;
    private readonly IMdmServerConnection _server;
    private readonly string _serverName;
    private readonly FleetMetrics _metrics;
    private readonly FleetDevice[] _devices;
    private readonly PriorityQueue<int, (long Ticks, int Index)> _queue = new();
    private readonly LapsDirectories _directories;
    private readonly ConcurrentDictionary<int, byte> _resident = new();
    private readonly string? _temporaryStore;
    private LapsStore? _store;
    private long _loads;
    private long _saves;

    public FleetRunner(FleetOptions options, IMdmServerConnection server, string? serverName = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(server);
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException("invalid fleet options: " + string.Join("; ", problems), nameof(options));
        _options = options;
        _server = server;
        _serverName = serverName ?? server.DiscoveryUrl.GetLeftPart(UriPartial.Authority);
        Clock = new VirtualClock(options.Start);
        _metrics = new FleetMetrics(options.Start);
        if (options.Directories is { } shared)
        {
            _directories = shared;
        }
        else
        {
            EntraId = new EntraIdDirectory(Clock, new EntraIdOptions(LapsEnabled: true));
            Domain = new ActiveDirectoryDomain(Clock);
            _directories = LapsDirectories.Of(EntraId, Domain);
        }

        EntraId ??= _directories.EntraIdTenant;
        Domain ??= _directories.ActiveDirectoryDomain;
        _devices = new FleetDevice[options.Devices];
        for (var i = 0; i < options.Devices; i++)
        {
            var blueprint = Blueprint(i);
            _devices[i] = new FleetDevice(i, blueprint.DeviceId) { NextEnrollmentAttempt = blueprint.EnrollAt };
            _queue.Enqueue(i, (blueprint.EnrollAt.UtcTicks, i));
        }

        if (options.UsesStore)
        {
            _temporaryStore = options.StorePath is null ? Path.Combine(Path.GetTempPath(), "lapscsp-fleet-" + Guid.NewGuid().ToString("N") + ".db") : null;
            _store = LapsStore.Open(options.StorePath ?? _temporaryStore!, new LapsStoreOptions { TimeProvider = Clock });
        }
    }

    /// <summary>The fleet's virtual time.</summary>
    public VirtualClock Clock { get; }

    /// <summary>The emulated tenant devices back up to (the fleet's own, or the shared one passed in).</summary>
    public EntraIdDirectory? EntraId { get; }

    /// <summary>The emulated domain hybrid devices back up to.</summary>
    public ActiveDirectoryDomain? Domain { get; }

    public FleetMetrics Metrics => _metrics;

    /// <summary>The blueprint of device <paramref name="index"/> (a pure function of the options and the index).</summary>
    public DeviceBlueprint Blueprint(int index) =>
        _options.Mix.Blueprint(_options.Seed, index, _options.Start, _options.End - _options.Start, _options.EnrollmentSpread, _options.Faults);

    /// <summary>Loads a device for inspection after a run (tests, the report).</summary>
    public SimulatedDevice? Device(int index)
    {
        var device = _devices[index];
        if (device.State is FleetDeviceState.Pending) return null;
        Load(device);
        return device.Device;
    }

    /// <summary>The DM client state of a device after a run.</summary>
    public DmClientState? ClientState(int index)
    {
        var device = _devices[index];
        if (device.State is FleetDeviceState.Pending) return null;
        Load(device);
        return device.Client;
    }

    public FleetDeviceState State(int index) => _devices[index].State;

    /// <summary>Devices in memory right now.</summary>
    public int ResidentCount => _resident.Count;

    /// <summary>Saves every idle device to the store and drops it from memory (nothing happens without a store).</summary>
    public void Hibernate() => Evict(force: true);

    public async Task<FleetReport> RunAsync(IProgress<FleetProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        TimeSpan cpuStarted;
        using (var process = Process.GetCurrentProcess()) cpuStarted = process.TotalProcessorTime;
        var end = _options.End;
        var total = (end - _options.Start).Ticks;
        var batch = new List<FleetDevice>();
        var lastProgress = 0L;
        while (_queue.TryPeek(out _, out var head) && head.Ticks <= end.UtcTicks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batchStart = new DateTimeOffset(head.Ticks, TimeSpan.Zero);
            Clock.AdvanceTo(batchStart);
            var limit = Math.Min((batchStart + _options.BatchWindow).UtcTicks, end.UtcTicks + 1);
            batch.Clear();
            var wakes = new Dictionary<int, DateTimeOffset>();
            while (_queue.TryPeek(out var index, out var key) && (key.Ticks < limit || key.Ticks == head.Ticks) && batch.Count < 4096)
            {
                _queue.Dequeue();
                batch.Add(_devices[index]);
                wakes[index] = new DateTimeOffset(key.Ticks, TimeSpan.Zero);
            }

            var next = new DateTimeOffset?[batch.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, batch.Count),
                new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken },
                async (i, ct) => next[i] = await WakeAsync(batch[i], wakes[batch[i].Index], ct).ConfigureAwait(false)).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                if (next[i] is { } wake) _queue.Enqueue(batch[i].Index, (wake.UtcTicks, batch[i].Index));
            }

            Evict(force: false);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (progress is not null && (elapsed.Ticks - lastProgress > TimeSpan.TicksPerSecond / 4 || !_queue.TryPeek(out _, out _)))
            {
                lastProgress = elapsed.Ticks;
                progress.Report(new FleetProgress(batchStart, Math.Clamp((double)(batchStart - _options.Start).Ticks / total, 0, 1),
                    _metrics.Sessions, _metrics.Enrollments, elapsed));
            }
        }

        Clock.AdvanceTo(end);
        foreach (var device in _devices.Where(d => d.Loaded && d.State == FleetDeviceState.Enrolled))
        {
            // Loaded devices run the hourly cycles up to the end (devices idle in the store ran theirs up to their last wake).
            device.Clock!.Pin(end);
            _metrics.PolicyCycles(device.Device!.RunDueWork());
            device.Clock.Pin(null);
            Summarize(device);
        }

        var wall = Stopwatch.GetElapsedTime(started);
        progress?.Report(new FleetProgress(end, 1, _metrics.Sessions, _metrics.Enrollments, wall));
        return Report(wall, cpuStarted);
    }

    private FleetReport Report(TimeSpan wall, TimeSpan cpuStarted)
    {
        var byState = _devices.GroupBy(d => d.State switch
            {
                FleetDeviceState.Pending => "never-enrolled",
                FleetDeviceState.Enrolled => "enrolled",
                FleetDeviceState.Unenrolled => "unenrolled",
                _ => "silent",
            })
            .ToImmutableSortedDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        var byKind = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var device in _devices)
        {
            var blueprint = Blueprint(device.Index);
            Count(byKind, "join:" + blueprint.JoinType);
            Count(byKind, "os:" + blueprint.OsBuild.Build.ToString(CultureInfo.InvariantCulture));
            Count(byKind, "network:" + blueprint.Network);
            if (device.State == FleetDeviceState.Pending) continue;
            Count(byKind, "laps-policy:" + device.Laps.BackupDirectory);
            if (device.Laps.BackedUp) Count(byKind, "laps-backed-up:" + device.Laps.BackupDirectory);
        }

        using var process = Process.GetCurrentProcess();
        var performance = new RunPerformance(
            Math.Round(wall.TotalSeconds, 3),
            Math.Round(_metrics.Sessions / Math.Max(wall.TotalSeconds, 1e-9), 1),
            Math.Round(_options.Days / Math.Max(wall.TotalMinutes, 1e-9), 2),
            process.PeakWorkingSet64,
            GC.GetTotalMemory(forceFullCollection: false),
            _metrics.WallLatency(),
            Interlocked.Read(ref _loads),
            Interlocked.Read(ref _saves))
        {
            CpuSeconds = Math.Round((process.TotalProcessorTime - cpuStarted).TotalSeconds, 3),
            CheckInsPerCpuSecond = Math.Round(_metrics.Sessions / Math.Max((process.TotalProcessorTime - cpuStarted).TotalSeconds, 1e-9), 1),
            ProcessorCount = Environment.ProcessorCount,
            StoreBytes = StoreBytes(),
        };
        var settings = new RunSettings(_options.Devices, _options.Days, _options.Seed, _options.Mix.ToString(), _serverName, _options.Start, _options.End,
            _options.HourlyWakeups, _options.ResidentDevices, JsonDocument.Parse(_options.Faults.ToJson()).RootElement.Clone());
        return _metrics.Report(settings, byState, byKind.ToImmutableSortedDictionary(StringComparer.Ordinal), performance);
    }

    /// <summary>Does what fell due for one device at <paramref name="now"/>; returns its next wake (null: never again).</summary>
    private async Task<DateTimeOffset?> WakeAsync(FleetDevice device, DateTimeOffset now, CancellationToken ct)
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
                Load(device);
                await RoutineAsync(device, now, ct).ConfigureAwait(false);
            }

            if (device.State != FleetDeviceState.Enrolled)
            {
                Release(device);
                return null;
            }

            Summarize(device);
            device.Dirty = true;
            return NextWake(device, now);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            // A bug in the simulation of one device must not stop the fleet: count it and try again in an hour.
            _metrics.DeviceError(e);
            return now + TimeSpan.FromHours(1);
        }
        finally
        {
            device.Clock?.Pin(null);
        }
    }

    private async Task RoutineAsync(FleetDevice device, DateTimeOffset now, CancellationToken ct)
    {
        var blueprint = Blueprint(device.Index);
        var simulated = device.Device!;
        device.Clock!.Pin(now);
        _metrics.PolicyCycles(simulated.RunDueWork());

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
                _metrics.Logon(admin: false);
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
                _metrics.Logon(admin: true);
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
        _metrics.Enrollment(outcome, now);
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
        _metrics.Session(result, now, Stopwatch.GetElapsedTime(started));
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

    private static readonly TimeSpan LapsEngineCycle = TimeSpan.FromHours(1);

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

    private void Attach(FleetDevice device, SimulatedDevice simulated, DeviceClock clock)
    {
        simulated.Events.Written += e => _metrics.LapsEvent(e, e.TimeCreated - clock.Skew);
        device.Device = simulated;
        device.Clock = clock;
        _resident[device.Index] = 0;
    }

    private void Summarize(FleetDevice device)
    {
        if (device.Device is not { } simulated) return;
        var state = simulated.LapsState;
        device.Laps = new LapsSummary(simulated.Policy.BackupDirectory, state.LastBackupTime is not null, state.Rotations);
    }

    /// <summary>Makes sure the device is in memory, loading it from the store when it was saved there.</summary>
    private void Load(FleetDevice device)
    {
        if (device.Loaded || _store is null) return;
        var stored = _store.LoadDeviceRecord(device.DeviceId) ?? throw new InvalidOperationException($"device {device.DeviceId} is not in the store");
        var client = JsonSerializer.Deserialize<DmClientState>(_store.GetSetting(ClientKeyPrefix + device.DeviceId)
            ?? throw new InvalidOperationException($"the DM client state of {device.DeviceId} is not in the store"), s_json)!;
        var identity = _store.GetSetting(IdentityKeyPrefix + device.DeviceId)
            ?? throw new InvalidOperationException($"the enrollment identity of {device.DeviceId} is not in the store");
        var blueprint = Blueprint(device.Index);
        var clock = new DeviceClock(Clock, blueprint.ClockSkew);
        var simulated = new SimulatedDevice(DeviceOptionsFor(blueprint), clock, DirectoriesFor(device));
        simulated.Restore(stored.Snapshot);
        device.Identity = DeviceEnrollmentIdentity.FromJson(identity);
        device.StoredIdentity = device.Identity;
        device.Client = client;
        Attach(device, simulated, clock);
        Interlocked.Increment(ref _loads);
    }

    /// <summary>Drops a device that will never wake again (saving it first when there is a store).</summary>
    private void Release(FleetDevice device)
    {
        if (_store is null || !device.Loaded) return;
        Summarize(device);
        Save([device]);
        Drop(device);
    }

    /// <summary>Keeps at most <see cref="FleetOptions.ResidentDevices"/> devices in memory: the ones idle the longest (by
    /// virtual time, then index, so the choice is deterministic) are saved to the store in one transaction and dropped.
    /// A device with a rotation in flight stays.</summary>
    private void Evict(bool force)
    {
        if (_store is null) return;
        var limit = _options.ResidentDevices;
        if (!force && _resident.Count <= limit + Math.Max(16, limit / 10)) return;
        var victims = _resident.Keys.Select(i => _devices[i])
            .Where(d => d.Device is { } s && !s.LapsStatus().RotationInProgress)
            .OrderBy(d => d.LastActiveTicks).ThenBy(d => d.Index)
            .Take(Math.Max(0, _resident.Count - (force ? 0 : limit)))
            .ToList();
        if (victims.Count == 0) return;
        Save(victims);
        foreach (var victim in victims) Drop(victim);
    }

    private void Save(IReadOnlyList<FleetDevice> devices)
    {
        _store!.InTransaction(tx =>
        {
            foreach (var device in devices.Where(d => d.Dirty || d.State != FleetDeviceState.Enrolled))
            {
                tx.SaveDevice(device.Device!.Snapshot());
                tx.SetSetting(ClientKeyPrefix + device.DeviceId, JsonSerializer.Serialize(device.Client!, s_json));

                // The identity (key and certificates) changes only at enrollment and unenrollment: written when it does.
                if (!ReferenceEquals(device.StoredIdentity, device.Identity))
                {
                    tx.SetSetting(IdentityKeyPrefix + device.DeviceId, device.Identity!.ToJson());
                    device.StoredIdentity = device.Identity;
                }

                device.Dirty = false;
                Interlocked.Increment(ref _saves);
            }
        });
    }

    private void Drop(FleetDevice device)
    {
        device.Device!.Dispose();
        device.Device = null;
        device.Clock = null;
        device.Client = null;
        device.Identity = null;
        device.StoredIdentity = null;
        _resident.TryRemove(device.Index, out _);
    }

    private long StoreBytes()
    {
        if (_store is null) return 0;
        var path = _options.StorePath ?? _temporaryStore!;
        return new[] { "", "-wal" }.Select(suffix => new FileInfo(path + suffix)).Where(f => f.Exists).Sum(f => f.Length);
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

    private static void Count(SortedDictionary<string, long> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    public void Dispose()
    {
        if (_store is not null && _options.StorePath is not null)
        {
            // A store the user asked for keeps every device as it was at the end.
            var loaded = _devices.Where(d => d.Loaded).ToList();
            foreach (var device in loaded) device.Dirty = true;
            if (loaded.Count > 0) Save(loaded);
        }

        foreach (var device in _devices.Where(d => d.Loaded)) device.Device!.Dispose();
        _store?.Dispose();
        _store = null;
        if (_temporaryStore is not null)
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                try
                {
                    File.Delete(_temporaryStore + suffix);
                }
                catch (IOException)
                {
                }
            }
        }
    }

}

/// <summary>A directory behind a per-device fault injector: each backup attempt fails transiently with the given
/// probability, drawn from the device's own stream so that the fleet stays deterministic.</summary>
internal sealed class FlakyDirectory(IBackupDirectory inner, double rate, int seed, int device) : IBackupDirectory
{
    private long _attempt;

    public DirectoryKind Kind => inner.Kind;

    public Task<BackupOutcome> BackupAsync(PasswordBackup backup, CancellationToken ct)
    {
        var attempt = Interlocked.Increment(ref _attempt) + backup.UpdateTime.UtcTicks;
        return SimRandom.Unit(seed, device, SimRandom.Stream.Directory, attempt) < rate
            ? Task.FromResult(BackupOutcome.Failed(inner.Kind, BackupFailureKind.Unreachable, "simulated: the directory could not be reached"))
            : inner.BackupAsync(backup, ct);
    }
}
