using System.Text.Json;
using System.Text.Json.Serialization;
using LapsCsp.Device.Accounts;
using LapsCsp.Device.Catalog;
using LapsCsp.Device.DeviceInformation;
using LapsCsp.Device.Events;
using LapsCsp.Device.Identity;
using LapsCsp.Device.Laps;
using LapsCsp.Device.Policy;
using LapsCsp.Device.Processing;
using LapsCsp.Device.Session;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Backup;
using LapsCsp.Directory.Entra;
using LapsCsp.Passwords;
using LapsCsp.Passwords.Randomness;
using LapsCsp.Passwords.Wordlists;
using LapsCsp.SyncML.Messages;
using LapsCsp.Tree;
using LapsCsp.Tree.Schema;

namespace LapsCsp.Device;

/// <summary>How to build a simulated device.</summary>
public sealed record DeviceOptions
{
    public string DeviceId { get; init; } = "LAPSCSP-DEVICE-0001";

    public ProtocolProfile Profile { get; init; } = ProtocolProfile.Windows;

    public DependencyMode Dependencies { get; init; } = DependencyMode.Enforce;

    public AtomicRequiredMode AtomicRequired { get; init; } = AtomicRequiredMode.Warn;

    public DeviceContext Context { get; init; } = DeviceContext.Windows11Enterprise24H2;

    /// <summary>The simulation seed: it seeds the machine SID and the digits of <c>%RAND:x%</c> in a DNSComputerName rename;
    /// passwords always come from RandomNumberGenerator unless <see cref="PasswordSeed"/> is set.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>For reproducible simulations only: generate passwords (and random account-name suffixes) from a seeded source.</summary>
    public int? PasswordSeed { get; init; }

    public CspSchema? Schema { get; init; }

    /// <summary>The computer name; default DESKTOP- and 7 hex digits derived from <see cref="DeviceId"/>.</summary>
    public string? DeviceName { get; init; }

    /// <summary>The DNS host name when a rename made it differ from <see cref="DeviceName"/> (set by <see cref="WithIdentity"/>
    /// from a renamed identity); null: the host name is <see cref="DeviceName"/>.</summary>
    public string? DnsHostName { get; init; }

    /// <summary>The Entra deviceId (GUID); default derived from <see cref="DeviceId"/>.</summary>
    public string? EntraDeviceId { get; init; }

    /// <summary>Hybrid-joined by default, so that both the Entra and the AD samples of the CSP document work out of the box.</summary>
    public JoinType JoinType { get; init; } = JoinType.HybridJoined;

    /// <summary>The install language; it names the built-in Administrator (fr-FR: Administrateur).</summary>
    public string Locale { get; init; } = "en-US";

    /// <summary>Retry, timeout and circuit breaker around directory backups; validated when the device is built.</summary>
    public LapsBackupResilienceOptions Resilience { get; init; } = new();

    /// <summary>What Exec ResetPassword does while BackupDirectory is 0 (undocumented on Windows).</summary>
    public DisabledResetBehavior DisabledReset { get; init; } = DisabledResetBehavior.Fail;

    /// <summary>The local password policy's minimum length (0: none); a shorter LAPS password fails with event 10027.</summary>
    public int MinimumLocalPasswordLength { get; init; }

    /// <summary>How long after a failed post-authentication reset LAPS retries (undocumented on Windows).</summary>
    public TimeSpan PostAuthenticationRetryInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How many events the Microsoft-Windows-LAPS/Operational channel keeps before overwriting the oldest.</summary>
    public int EventLogCapacity { get; init; } = LapsEventLog.DefaultCapacity;

    /// <summary>What <c>./DevInfo</c> and <c>./DevDetail</c> report about the machine (make, model, BIOS, serial number, RAM);
    /// default <see cref="DeviceHardware.For"/> of <see cref="DeviceId"/>.</summary>
    public DeviceHardware? Hardware { get; init; }

    /// <summary>The DevInfo/DevDetail values of this device as built: identity, OS build and edition of <see cref="Context"/>,
    /// hardware (after a DNSComputerName rename the device answers with its renamed identity).</summary>
    public DeviceDescription Description => DeviceDescription.For(Identity, Context, Hardware ?? DeviceHardware.For(DeviceId));

    public DeviceIdentity Identity => new(
        DeviceId,
        DeviceName ?? DeviceIdentity.DefaultDeviceName(DeviceId),
        EntraDeviceId ?? DeviceIdentity.DefaultEntraDeviceId(DeviceId),
        JoinType,
        Locale)
    {
        DnsHostName = DnsHostName,
    };

    /// <summary>These options for a device with the given identity (e.g. the one a snapshot recorded).</summary>
    public DeviceOptions WithIdentity(DeviceIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return this with
        {
            DeviceId = identity.DeviceId,
            DeviceName = identity.DeviceName,
            DnsHostName = identity.DnsHostName,
            EntraDeviceId = identity.EntraDeviceId,
            JoinType = identity.JoinType,
            Locale = identity.Locale,
        };
    }

    public TreeOptions TreeOptions => StatusMap.TreeOptionsFor(Profile) with
    {
        Dependencies = Dependencies,
        AtomicRequired = AtomicRequired,
        Device = Context,
    };
}

/// <summary>A simulated Windows device: its DM tree over the CSPs of ddf/, its accounts, logon sessions and Windows LAPS
/// behaviour on a simulated clock, and the DM session that answers SyncML.</summary>
/// <remarks>
/// <para>Directories: pass <see cref="LapsDirectories"/> shared by a fleet (register the device with
/// <see cref="RegisterWithDirectories"/>); without them the device brings a private emulated tenant (LAPS enabled) and
/// domain (contoso.com) in which it is already registered, saved in its snapshot.</para>
/// <para>Time: call <see cref="RunDueWork"/> after advancing the clock (or <see cref="StartBackgroundProcessing"/> for a
/// timer); <see cref="Apply"/> runs only what the package asked for.</para>
/// <para>Rename: a Replace of <c>./DevDetail/Ext/Microsoft/DNSComputerName</c> stores a pending name
/// (<see cref="PendingComputerName"/>); the next reboot (<see cref="Reboot"/>, or the post-authentication Reboot action)
/// makes it the device's name: <see cref="Identity"/> (DNS host name, and the NetBIOS name derived from it, see
/// <see cref="DeviceIdentity.Renamed"/>), the DevInfo/DevDetail answers, the Computer of new events, the names backups carry,
/// the Entra device's name (<see cref="EntraIdDirectory.RegisterDevice"/> renames a registered device) and the computer
/// object's sAMAccountName (<see cref="ActiveDirectoryDomain.RenameComputer"/>), in the device's own domain or in a shared
/// one alike.</para>
/// </remarks>
public sealed class SimulatedDevice : IDisposable
{
    private readonly LapsEngine _engine;
    private readonly PrivateDirectories? _private;
    private readonly ComputerRename _rename;
    private readonly DeviceHardware _hardware;
    private readonly DeviceInformationNodes _deviceInformation;

    public SimulatedDevice(DeviceOptions? options = null, TimeProvider? time = null)
        : this(options, time, directories: null)
    {
    }

    public SimulatedDevice(DeviceOptions? options, TimeProvider? time, LapsDirectories? directories)
    {
        Options = options ?? new DeviceOptions();
        Time = time ?? TimeProvider.System;
        Options.Resilience.ValidateOrThrow();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.EventLogCapacity, 1, nameof(DeviceOptions.EventLogCapacity));
        Identity = Options.Identity;
        _hardware = Options.Hardware ?? DeviceHardware.For(Options.DeviceId);
        _rename = new ComputerRename(Options.Seed, Options.DeviceId, Identity.IsDomainJoined);
        Accounts = new LocalAccountStore(
            LocalAccountStore.MachineSidFor(Options.Seed),
            BuiltInAccountNames.Administrator(Identity.Locale),
            guestName: BuiltInAccountNames.Guest(Identity.Locale));
        LogonSessions = new LogonSessionTable();
        Events = new LapsEventLog(Options.EventLogCapacity) { Computer = Identity.HostName };
        PolicyRoots = new LapsPolicyRoots();
        if (directories is null)
        {
            _private = new PrivateDirectories(Identity, Time);
            directories = _private.Directories;
        }

        Directories = directories;
        IRandomSource random = Options.PasswordSeed is { } seed ? new SeededRandomSource(seed) : new CryptoRandomSource();
        _engine = new LapsEngine(
            Identity,
            Options.Context.OsBuild,
            Accounts,
            LogonSessions,
            Events,
            PolicyRoots,
            new LapsPasswordGenerator(random, PassphraseWordLists.Default),
            random,
            directories,
            Options.Resilience,
            Time,
            new LapsEngineSettings(Options.DisabledReset, Options.MinimumLocalPasswordLength, Options.PostAuthenticationRetryInterval));
        Backend = new SimulatedDeviceBackend(Accounts, _engine, Time);
        Tree = new DmTree(Options.Schema ?? CspCatalog.DefaultSchema, Options.TreeOptions, Backend);
        _deviceInformation = new DeviceInformationNodes(DeviceDescription.For(Identity, Options.Context, _hardware), Time, _rename);
        Session = new DmSessionProcessor(Tree, new SessionOptions { Profile = Options.Profile, DeviceId = Options.DeviceId }, _deviceInformation);
        LogonSessions.Rebooted += OnRebooted;
    }

    public DeviceOptions Options { get; }

    public TimeProvider Time { get; }

    /// <summary>Who the device is; it comes from <see cref="DeviceOptions"/>, renamed when a DNSComputerName rename took effect
    /// (a snapshot records it, see <see cref="DeviceOptions.WithIdentity"/> to rebuild a device as it was saved).</summary>
    public DeviceIdentity Identity { get; private set; }

    /// <summary>The DNS host name a DNSComputerName Replace set for the next reboot, or null.</summary>
    public string? PendingComputerName => _rename.Pending;

    /// <summary>The device's rename state: where a DNSComputerName Replace puts the pending name and what the next reboot
    /// applies. A host that answers <c>./DevDetail</c> itself (the fleet's DM client) passes it to its own
    /// <see cref="DeviceInformationNodes"/>, so that its Replace is the one this device's reboot applies.</summary>
    public ComputerRename ComputerRename => _rename;

    public DmTree Tree { get; }

    public SimulatedDeviceBackend Backend { get; }

    public LocalAccountStore Accounts { get; }

    public DmSessionProcessor Session { get; }

    /// <summary>Logon sessions, running processes and the reboot counter.</summary>
    public LogonSessionTable LogonSessions { get; }

    /// <summary>The Microsoft-Windows-LAPS/Operational channel.</summary>
    public LapsEventLog Events { get; }

    /// <summary>The Group Policy, local configuration and legacy LAPS policy roots (the CSP root is the DM tree).</summary>
    public LapsPolicyRoots PolicyRoots { get; }

    /// <summary>The backup targets this device talks to.</summary>
    public LapsDirectories Directories { get; }

    /// <summary>True when the device brought its own tenant and domain (no directories were passed in).</summary>
    public bool HasPrivateDirectories => _private is not null;

    /// <summary>The emulated tenant the device backs up to (its private one, or the shared one when it is an EntraIdDirectory).</summary>
    public EntraIdDirectory? EntraId => _private?.EntraId ?? Directories.EntraIdTenant;

    /// <summary>The emulated domain the device backs up to (its private one, or the shared one when it is an ActiveDirectoryDomain).</summary>
    public ActiveDirectoryDomain? ActiveDirectory => _private?.Domain ?? Directories.ActiveDirectoryDomain;

    /// <summary>The effective LAPS policy now (digest C.3, C.4).</summary>
    public LapsPolicy Policy => _engine.CurrentPolicy();

    /// <summary>Windows LAPS's local state: managed account, last rotation, expiry, schedule.</summary>
    public LapsLocalState LapsState => _engine.State;

    /// <summary>A summary for hosts: managed account, password age, next rotation, last backup, policy source.</summary>
    public LapsStatus LapsStatus() => _engine.Status();

    /// <summary>The account whose password LAPS manages (per policy).</summary>
    public LocalAccount? ManagedAccount => _engine.ManagedAccount();

    /// <summary>Answers one server package, then lets the device do what the package asked (a password reset, processing of
    /// changed LAPS policy). A rotation waiting on the clock (retry delay, slow directory) finishes later.</summary>
    public DmReply Apply(SyncMLMessage request)
    {
        var reply = Session.Process(request);
        Backend.RunPendingWork();
        return reply;
    }

    /// <summary>Runs every hourly policy cycle and post-authentication deadline due by the clock's now, each at its own
    /// time, then pending work. Returns the number of policy cycles run.</summary>
    public int RunDueWork() => _engine.RunDueWork();

    /// <summary>An on-demand policy cycle (<c>Invoke-LapsPolicyProcessing</c>). False when a rotation is still in flight.</summary>
    public bool ProcessPolicy() => _engine.ProcessPolicy();

    /// <summary>Runs <see cref="RunDueWork"/> from an hourly timer of the device's clock (for hosts on real time).</summary>
    public void StartBackgroundProcessing() => _engine.StartTimer();

    /// <summary>Completes when no rotation is in flight.</summary>
    public Task WhenIdleAsync() => _engine.WhenIdleAsync();

    /// <summary>A logon by a local account. A successful authentication by the managed account schedules the
    /// post-authentication actions (event 10041).</summary>
    public LogonResult Logon(string accountName, string password, LogonType type = LogonType.Interactive)
    {
        var account = Accounts.Find(accountName);
        if (account is null || !Accounts.CheckPassword(account.Name, password)) return new LogonResult(LogonResult.LogonFailure, null);
        if (!account.Enabled) return new LogonResult(LogonResult.AccountDisabled, null);
        var now = Time.GetUtcNow();
        var session = LogonSessions.Open(account, type, now);
        _engine.OnAuthenticated(account, now);
        return new LogonResult(0, session);
    }

    /// <summary>Starts a process as a local account, in one of its logon sessions or (null) outside any.</summary>
    public RunningProcess StartProcess(string accountName, string imageName, int? sessionId = null)
    {
        var account = Accounts.Find(accountName) ?? throw new ArgumentException($"no local account named {accountName}", nameof(accountName));
        return LogonSessions.Start(account.Sid, imageName, sessionId);
    }

    /// <summary>Reboots: every session and process ends, the reboot counter goes up, a pending rename takes effect.</summary>
    public void Reboot()
    {
        LogonSessions.Reboot();
        _engine.OnRebooted();
    }

    /// <summary>At boot a pending DNSComputerName becomes the computer's name (DevDetail CSP: "The server must explicitly
    /// reboot the device for this value to take effect").</summary>
    private void OnRebooted()
    {
        if (_rename.TakePending() is not { } name) return;
        var renamed = Identity.Renamed(name);
        UseIdentity(renamed);

        // The directories learn the name as the device joined them: Entra by its host name (RegisterDevice renames a device
        // that is registered; one that is not is not joined here), the domain — the device's own or a shared one — by the
        // NetBIOS name as sAMAccountName (RenameComputer keeps the LAPS attributes; it changes nothing when the domain has
        // no object for the device, or when another computer holds the name, and the device then keeps backing up to its
        // object, keyed by device id).
        if (renamed.HasEntraDeviceIdentity && EntraId is { } tenant && tenant.IsRegistered(renamed.EntraDeviceId))
        {
            tenant.RegisterDevice(renamed.EntraDeviceId, renamed.HostName);
        }

        if (renamed.IsDomainJoined) ActiveDirectory?.RenameComputer(renamed.DeviceId, renamed.DeviceName);
    }

    /// <summary>Everything on the device that names it follows <paramref name="identity"/>.</summary>
    private void UseIdentity(DeviceIdentity identity)
    {
        Identity = identity;
        _engine.Rename(identity);
        _deviceInformation.Describe(DeviceDescription.For(identity, Options.Context, _hardware));
        Events.Computer = identity.HostName;
        if (_private is not null) _private.Identity = identity;
    }

    /// <summary>Joins the device to shared directories: registers it in the Entra tenant (Entra- or hybrid-joined) and
    /// creates its computer object in the domain (hybrid-joined), where they are the emulated ones and it is missing.</summary>
    public void RegisterWithDirectories()
    {
        if (Identity.HasEntraDeviceIdentity) EntraId?.RegisterDevice(Identity.EntraDeviceId, Identity.HostName);
        if (Identity.IsDomainJoined && ActiveDirectory is { } domain && domain.GetAttributes(Identity.DeviceId) is null)
        {
            domain.AddComputer(Identity.DeviceId, Identity.DeviceName);
        }
    }

    /// <summary>The device's whole state as a serialisable snapshot (shared directories are saved by their owner).</summary>
    public DeviceSnapshot Snapshot() => new(
        Options.DeviceId,
        new SortedDictionary<string, string?>(Tree.State.Nodes, StringComparer.Ordinal),
        [.. Accounts.All],
        Backend.ResetPasswordStatus,
        Backend.ResetPending)
    {
        Identity = Identity,
        Laps = _engine.State,
        PolicyRoots = PolicyRoots.Snapshot(),
        LogonSessions = LogonSessions.Snapshot(),
        Events = Events.Snapshot(),
        PrivateEntraId = _private?.EntraId.Snapshot(),
        PrivateActiveDirectory = _private?.Domain.Snapshot(),
        ComputerName = _rename.Snapshot(),
    };

    /// <summary>Restores a snapshot taken by <see cref="Snapshot"/> (older snapshots without the LAPS parts restore the tree,
    /// accounts and reset status only). The identity is the one of <see cref="Options"/>, renamed to the DNS host name the
    /// snapshot's <see cref="DeviceSnapshot.ComputerName"/> records when a DNSComputerName rename took effect; a pending rename
    /// stays pending. Shared directories are not touched (their owner saves and restores them).</summary>
    public void Restore(DeviceSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var state = TreeState.From(snapshot.Tree);
        Tree.Restore(state);
        Backend.Observe(state);
        Accounts.Clear();
        foreach (var account in snapshot.Accounts) Accounts.Add(account);
        PolicyRoots.Restore(snapshot.PolicyRoots);
        if (snapshot.LogonSessions is { } sessions) LogonSessions.Restore(sessions);
        if (snapshot.Events is { } events) Events.Restore(events);
        _rename.Restore(snapshot.ComputerName);
        UseIdentity(_rename.Active is { } active ? Options.Identity.Renamed(active) : Options.Identity);
        if (_private is not null) _private.Restore(snapshot.PrivateEntraId, snapshot.PrivateActiveDirectory);
        _engine.Restore((snapshot.Laps ?? _engine.State) with
        {
            ResetPasswordStatus = snapshot.ResetPasswordStatus,
            ResetPending = snapshot.ResetPending,
        });
    }

    public void Dispose() => _engine.Dispose();

    /// <summary>The tenant and domain of a device that was given none. Backups go through proxies, so that restoring a
    /// snapshot can swap the instances underneath the engine.</summary>
    private sealed class PrivateDirectories
    {
        private readonly TimeProvider _time;

        public PrivateDirectories(DeviceIdentity identity, TimeProvider time)
        {
            Identity = identity;
            _time = time;
            EntraId = new EntraIdDirectory(time, new EntraIdOptions(LapsEnabled: true));
            Domain = new ActiveDirectoryDomain(time);
            Join();
            Directories = new LapsDirectories(
                new DirectoryProxy(() => EntraId),
                new DirectoryProxy(() => Domain),
                new ComputerStateProxy(() => Domain));
        }

        public EntraIdDirectory EntraId { get; private set; }

        public ActiveDirectoryDomain Domain { get; private set; }

        public LapsDirectories Directories { get; }

        /// <summary>Who joins after a restore (the device's identity, renamed or not).</summary>
        public DeviceIdentity Identity { get; set; }

        public void Restore(EntraIdSnapshot? entraId, ActiveDirectorySnapshot? domain)
        {
            if (entraId is not null) EntraId = EntraIdDirectory.FromSnapshot(entraId, _time, EntraId.Faults);
            if (domain is not null) Domain = ActiveDirectoryDomain.FromSnapshot(domain, _time, Domain.Faults);
            Join();
        }

        private void Join()
        {
            var identity = Identity;
            if (identity.HasEntraDeviceIdentity && !EntraId.IsRegistered(identity.EntraDeviceId))
            {
                EntraId.RegisterDevice(identity.EntraDeviceId, identity.HostName);
            }

            if (identity.IsDomainJoined && Domain.GetAttributes(identity.DeviceId) is null)
            {
                Domain.AddComputer(identity.DeviceId, identity.DeviceName);
            }
        }
    }

    private sealed class DirectoryProxy(Func<IBackupDirectory> current) : IBackupDirectory
    {
        public DirectoryKind Kind => current().Kind;

        public Task<BackupOutcome> BackupAsync(PasswordBackup backup, CancellationToken ct) =>
            current().BackupAsync(backup, ct);
    }

    private sealed class ComputerStateProxy(Func<ActiveDirectoryDomain> current) : IAdComputerState
    {
        public DateTimeOffset? GetPasswordExpirationTime(string deviceId) => current().GetPasswordExpirationTime(deviceId);

        public Guid? GetCurrentPasswordVersion(string deviceId) => current().GetAttributes(deviceId)?.CurrentPasswordVersion;
    }
}

/// <summary>Everything a device keeps between runs: plain records a store can save (System.Text.Json round-trips it).</summary>
/// <remarks>The positional members are the original format; the init members were added with the LAPS behaviour and are
/// null in older snapshots.</remarks>
public sealed record DeviceSnapshot(
    string DeviceId,
    SortedDictionary<string, string?> Tree,
    List<LocalAccount> Accounts,
    int ResetPasswordStatus,
    bool ResetPending)
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public DeviceIdentity? Identity { get; init; }

    /// <summary>Windows LAPS's local state and schedule.</summary>
    public LapsLocalState? Laps { get; init; }

    /// <summary>The Group Policy, local configuration and legacy roots (source name to setting to value).</summary>
    public SortedDictionary<string, SortedDictionary<string, string>>? PolicyRoots { get; init; }

    public LogonSessionSnapshot? LogonSessions { get; init; }

    public LapsEventLogSnapshot? Events { get; init; }

    /// <summary>The device's own tenant, when it was built without shared directories.</summary>
    public EntraIdSnapshot? PrivateEntraId { get; init; }

    /// <summary>The device's own domain, when it was built without shared directories.</summary>
    public ActiveDirectorySnapshot? PrivateActiveDirectory { get; init; }

    /// <summary>The DNSComputerName rename state: the name the last rename gave, the name pending for the next reboot (null in
    /// snapshots of devices never renamed, and in older snapshots).</summary>
    public ComputerNameSnapshot? ComputerName { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static DeviceSnapshot FromJson(string json) =>
        JsonSerializer.Deserialize<DeviceSnapshot>(json, s_json) ?? throw new JsonException("empty device state");
}
