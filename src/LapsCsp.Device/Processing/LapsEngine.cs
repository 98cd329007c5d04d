using LapsCsp.Ddf.Model;
using LapsCsp.Device.AccountManagement;
using LapsCsp.Device.Accounts;
using LapsCsp.Device.Events;
using LapsCsp.Device.Identity;
using LapsCsp.Device.Laps;
using LapsCsp.Device.Policy;
using LapsCsp.Device.PostAuthentication;
using LapsCsp.Directory.Backup;
using LapsCsp.Passwords;
using LapsCsp.Passwords.Randomness;
using LapsCsp.Tree;
using LapsCsp.Tree.Paths;
using static LapsCsp.Device.Events.LapsEventIds;

namespace LapsCsp.Device.Processing;

/// <summary>Knobs of the LAPS engine that Windows does not expose but a simulation needs.</summary>
/// <param name="MinimumLocalPasswordLength">The device's local password policy (<c>net accounts /minpwlen</c>); a LAPS
/// password shorter than this cannot be set (event 10027).</param>
/// <param name="PostAuthenticationRetryInterval">How long after a failed post-authentication reset LAPS retries (10043);
/// Windows does not document it.</param>
public sealed record LapsEngineSettings(
    DisabledResetBehavior DisabledReset = DisabledResetBehavior.Fail,
    int MinimumLocalPasswordLength = 0,
    TimeSpan? PostAuthenticationRetryInterval = null)
{
    public TimeSpan RetryInterval => PostAuthenticationRetryInterval ?? TimeSpan.FromHours(1);
}

/// <summary>Windows LAPS on one simulated device: the policy cycle, password rotation with backup before the local change,
/// ResetPassword, post-authentication actions, automatic account management and the protection of the managed account.</summary>
/// <remarks>
/// <para>Time: everything happens on the injected <see cref="TimeProvider"/>. The hourly cycle (digest C.2) is a due time
/// kept in <see cref="LapsLocalState.NextCycleTime"/>; <see cref="RunDueWork"/> runs every cycle and post-authentication
/// deadline that fell due, each at its own scheduled time, so a simulation may advance a fake clock by any step (an hour at
/// a time keeps the directories' own time stamps exact too). <see cref="StartTimer"/> drives it from a timer instead.</para>
/// <para>Rotation (digest C.5, 10017/10028 "The current password has not been modified"): the new password is generated,
/// backed up through a Polly pipeline (<see cref="ResilientBackup"/>) and only on success set on the account. A backup that
/// waits on the clock (retry delays, a slow directory) leaves the rotation in flight: ResetPasswordStatus stays E_PENDING
/// and cycles that fall due meanwhile are skipped; the rotation completes when the clock reaches it.</para>
/// <para>Locking: one lock guards the engine's state; the directories are called outside it. The DM tree calls in while it
/// holds its own lock (tree, then engine); the engine never calls the tree.</para>
/// </remarks>
internal sealed class LapsEngine : IAccountChangeGuard, IDisposable
{
    public static readonly TimeSpan CycleInterval = TimeSpan.FromHours(1);
    public const int MaxPostAuthenticationRetriesPerBoot = 100;

    private static readonly CspPath s_policies = CspPath.Parse("./Device/Vendor/MSFT/LAPS/Policies");

    private readonly Lock _gate = new();
    private DeviceIdentity _identity;
    private readonly OsBuild _build;
    private readonly LocalAccountStore _accounts;
    private readonly LogonSessionTable _sessions;
    private readonly LapsEventLog _events;
    private readonly LapsPolicyRoots _roots;
    private readonly LapsPasswordGenerator _generator;
    private readonly AutomaticAccountManager _automatic;
    private readonly LapsDirectories _directories;
    private readonly ResilientBackup? _entraBackup;
    private readonly ResilientBackup? _adBackup;
    private readonly TimeProvider _time;
    private readonly LapsEngineSettings _settings;
    private readonly CancellationTokenSource _shutdown = new();
    private LapsLocalState _state;
    private TreeState _csp = TreeState.Empty;
    private RotationPlan? _inFlight;
    private TaskCompletionSource? _idle;
    private ITimer? _timer;
    private int _disposed;

    public LapsEngine(
        DeviceIdentity identity,
        OsBuild build,
        LocalAccountStore accounts,
        LogonSessionTable sessions,
        LapsEventLog events,
        LapsPolicyRoots roots,
        LapsPasswordGenerator generator,
        IRandomSource random,
        LapsDirectories directories,
        LapsBackupResilienceOptions resilience,
        TimeProvider time,
        LapsEngineSettings settings)
    {
        _identity = identity;
        _build = build;
        _accounts = accounts;
        _sessions = sessions;
        _events = events;
        _roots = roots;
        _generator = generator;
        _automatic = new AutomaticAccountManager(accounts, random);
        _directories = directories;
        _time = time;
        _settings = settings;
        _entraBackup = directories.EntraId is { } entra ? new ResilientBackup(entra, resilience, time) : null;
        _adBackup = directories.ActiveDirectory is { } ad ? new ResilientBackup(ad, resilience, time) : null;
        _state = new LapsLocalState(NextCycleTime: time.GetUtcNow() + CycleInterval);
        _roots.Changed += OnPolicyRootsChanged;
        _accounts.Guard = this;
    }

    /// <summary>After every rotation that set a new password: the account (as renamed) and the password.</summary>
    public event Action<LocalAccount, string>? PasswordRotated;

    public LapsLocalState State
    {
        get
        {
            lock (_gate) return _state;
        }
    }

    public bool RotationInProgress
    {
        get
        {
            lock (_gate) return _inFlight is not null;
        }
    }

    public int ResetPasswordStatus
    {
        get
        {
            lock (_gate) return _state.ResetPasswordStatus;
        }
    }

    public bool ResetPending
    {
        get
        {
            lock (_gate) return _state.ResetPending;
        }
    }

    public LapsPolicy CurrentPolicy()
    {
        lock (_gate) return ResolvePolicy();
    }

    public LapsStatus Status()
    {
        lock (_gate)
        {
            var policy = ResolvePolicy();
            var now = _time.GetUtcNow();
            var account = _state.ManagedAccountSid is { } sid ? _accounts.FindBySid(sid) : null;
            DateTimeOffset? next = _state.PasswordExpirationTime;
            if (policy.BackupDirectory == LapsBackupDirectory.ActiveDirectory && _directories.ActiveDirectoryState?.GetPasswordExpirationTime(_identity.DeviceId) is { } ad)
            {
                next = ad;
            }

            return new LapsStatus(
                policy,
                account?.Name ?? _state.ManagedAccountName,
                _state.ManagedAccountSid,
                _state.LastPasswordUpdateTime is { } set ? now - set : null,
                _state.LastPasswordUpdateTime,
                next,
                _state.LastBackupTime,
                _state.BackupDirectory,
                _state.NextCycleTime,
                _state.PostAuthenticationDeadline,
                _state.ResetPasswordStatus,
                _inFlight is not null,
                _state.CyclesRun,
                _state.Rotations);
        }
    }

    /// <summary>Completes when no rotation is in flight.</summary>
    public Task WhenIdleAsync()
    {
        lock (_gate) return _inFlight is null ? Task.CompletedTask : (_idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
    }

    /// <summary>The DM tree committed changes: keep the CSP policy root, and process it soon when a LAPS policy changed.</summary>
    public void OnTreeCommitted(TreeState state, bool lapsPolicyChanged)
    {
        lock (_gate)
        {
            _csp = state;
            if (lapsPolicyChanged) _state = _state with { PolicyChangePending = true };
        }
    }

    /// <summary>Loads the tree state after a restore, without treating it as a change.</summary>
    public void ObserveTree(TreeState state)
    {
        lock (_gate) _csp = state;
    }

    /// <summary>Exec ResetPassword: E_PENDING until the rotation finishes (digest C.6).</summary>
    public void RequestReset()
    {
        lock (_gate) _state = _state with { ResetPending = true, ResetPasswordStatus = HResults.EPending };
    }

    /// <summary>Runs what a DM session asked for: a requested reset, then processing of changed policy, now.</summary>
    public void RunPendingWork()
    {
        while (true)
        {
            RotationPlan? plan;
            lock (_gate)
            {
                if (_inFlight is not null) return;
                var now = _time.GetUtcNow();
                if (!HasPendingWork()) return;
                plan = BeginPending(now);
            }

            if (plan is not null) Execute(plan);
        }
    }

    /// <summary>Runs every cycle and post-authentication deadline due by now, each at its scheduled time, then pending work.
    /// Returns the number of policy cycles run.</summary>
    public int RunDueWork()
    {
        var cycles = 0;
        while (true)
        {
            RotationPlan? plan;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                if (_inFlight is not null)
                {
                    // One processing at a time: cycles that fall due while a rotation waits on the clock are skipped.
                    while (NextCycle() <= now) _state = _state with { NextCycleTime = NextCycle() + CycleInterval };
                    return cycles;
                }

                var cycleDue = NextCycle();
                var deadline = _state.PostAuthenticationDeadline;
                if (deadline is { } d && d <= now && d <= cycleDue)
                {
                    plan = BeginPostAuthentication(d);
                }
                else if (cycleDue <= now)
                {
                    _state = _state with { NextCycleTime = cycleDue + CycleInterval };
                    cycles++;
                    plan = BeginCycle(cycleDue, Trigger.Scheduled);
                }
                else if (HasPendingWork())
                {
                    plan = BeginPending(now);
                }
                else
                {
                    return cycles;
                }
            }

            if (plan is not null) Execute(plan);
        }
    }

    /// <summary>An on-demand cycle now (<c>Invoke-LapsPolicyProcessing</c>, <c>gpupdate</c>; digest C.2). False when a
    /// rotation is in flight.</summary>
    public bool ProcessPolicy()
    {
        RotationPlan? plan;
        lock (_gate)
        {
            if (_inFlight is not null) return false;
            plan = BeginCycle(_time.GetUtcNow(), Trigger.OnDemand);
        }

        if (plan is not null) Execute(plan);
        return true;
    }

    /// <summary>Drives <see cref="RunDueWork"/> from a timer on the injected clock, every <see cref="CycleInterval"/>.</summary>
    public void StartTimer()
    {
        lock (_gate)
        {
            if (_timer is not null) return;
            var due = NextCycle() - _time.GetUtcNow();
            _timer = _time.CreateTimer(_ => RunDueWork(), null, due < TimeSpan.Zero ? TimeSpan.Zero : due, CycleInterval);
        }
    }

    /// <summary>A successful authentication by a local account: when it is the managed account, schedule the
    /// post-authentication actions (event 10041 with the deadline; digest C.9).</summary>
    public void OnAuthenticated(LocalAccount account, DateTimeOffset at)
    {
        lock (_gate)
        {
            var policy = ResolvePolicy();
            if (!policy.IsEnabled || policy.PostAuthenticationResetDelayHours == 0) return;
            if (!string.Equals(account.Sid, _state.ManagedAccountSid, StringComparison.OrdinalIgnoreCase)) return;
            if (_state.PostAuthenticationDeadline is not null || _state.PostAuthenticationExhausted) return;
            var deadline = at + TimeSpan.FromHours(policy.PostAuthenticationResetDelayHours);
            _state = _state with { PostAuthenticationDeadline = deadline };
            Log(PostAuthenticationScheduled, at,
                $"LAPS detected a successful authentication for the currently managed account ({account.Name}). A background task has been " +
                $"scheduled to execute post-authentication actions. Configured actions: 0x{(int)policy.PostAuthenticationActions:X}. Deadline: {LapsEventIds.Time(deadline)}.");
        }
    }

    /// <summary>The device's identity changed (a rename took effect at a reboot, or a snapshot was restored): the next backup
    /// names the device by it.</summary>
    public void Rename(DeviceIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        lock (_gate) _identity = identity;
    }

    /// <summary>The device rebooted: sessions and processes are gone, the post-authentication retry budget is back.</summary>
    public void OnRebooted()
    {
        lock (_gate) _state = _state with { PostAuthenticationRetries = 0, PostAuthenticationExhausted = false };
    }

    public void Restore(LapsLocalState state)
    {
        lock (_gate)
        {
            // A rotation that was in flight when the state was saved never finished: run the reset again.
            var pending = state.ResetPending || state.ResetPasswordStatus == HResults.EPending;
            _state = state with { ResetPending = pending, NextCycleTime = state.NextCycleTime ?? _time.GetUtcNow() + CycleInterval };
        }
    }

    /// <summary>The managed account: LAPS's own record of it, else what the policy names (AdministratorAccountName, the
    /// automatic account, or the built-in Administrator by RID 500; digest C.11).</summary>
    public LocalAccount? ManagedAccount()
    {
        lock (_gate)
        {
            var policy = ResolvePolicy();
            if (policy.AutomaticAccountManagement is { } automatic)
            {
                return automatic.ManagesBuiltInAdministrator
                    ? _accounts.FindByRid(LocalAccountStore.AdministratorRid)
                    : _state.ManagedAccountSid is { } sid ? _accounts.FindBySid(sid) : _accounts.Find(automatic.NameOrPrefix);
            }

            return policy.AdministratorAccountName is { } name ? _accounts.Find(name) : _accounts.FindByRid(LocalAccountStore.AdministratorRid);
        }
    }

    /// <summary>Outside changes to the managed account (digest C.5, C.11): in manual mode only the password is protected
    /// (10031); in automatic mode every change is blocked (10101-10104), with ERROR_POLICY_CONTROLLED_ACCOUNT.</summary>
    public AccountChangeResult? Check(LocalAccount account, AccountChangeKind change)
    {
        lock (_gate)
        {
            if (!string.Equals(account.Sid, _state.ManagedAccountSid, StringComparison.OrdinalIgnoreCase)) return null;
            var policy = ResolvePolicy();
            if (!policy.IsEnabled) return null;
            if (ManagedAccountProtection.Blocked(account, change, policy.AutomaticAccountManagement is not null) is not { } blocked) return null;
            Log(blocked.EventId, _time.GetUtcNow(), blocked.Message);
            return ManagedAccountProtection.Refusal(account);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _roots.Changed -= OnPolicyRootsChanged;
        if (ReferenceEquals(_accounts.Guard, this)) _accounts.Guard = null;
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
        }

        // Cancelled but not disposed: a late call still reads its token (a CTS without a timer holds nothing to free).
        _shutdown.Cancel();
    }

    private void OnPolicyRootsChanged()
    {
        lock (_gate) _state = _state with { PolicyChangePending = true };
    }

    private DateTimeOffset NextCycle() => _state.NextCycleTime ?? _time.GetUtcNow();

    private bool HasPendingWork() => _state.ResetPending || _state.PolicyChangePending;

    private RotationPlan? BeginPending(DateTimeOffset now)
    {
        if (_state.ResetPending)
        {
            _state = _state with { ResetPending = false, PolicyChangePending = false };
            return BeginCycle(now, Trigger.Reset);
        }

        _state = _state with { PolicyChangePending = false };
        return BeginCycle(now, Trigger.PolicyChanged);
    }

    private RotationPlan? BeginPostAuthentication(DateTimeOffset at)
    {
        var policy = ResolvePolicy();
        if (!policy.IsEnabled || policy.PostAuthenticationResetDelayHours == 0)
        {
            _state = _state with { PostAuthenticationDeadline = null };
            return null;
        }

        Log(PostAuthenticationGraceExpired, at,
            $"The post-authentication grace period has expired per policy. The configured post-authentication actions (0x{(int)policy.PostAuthenticationActions:X}) will now be executed.");
        _state = _state with { PostAuthenticationDeadline = null };
        return BeginCycle(at, Trigger.PostAuthentication);
    }

    /// <summary>One policy processing cycle up to the backup: returns the rotation to run, or null when nothing is to be
    /// rotated or the cycle already failed (then its events are written).</summary>
    private RotationPlan? BeginCycle(DateTimeOffset at, Trigger trigger)
    {
        _state = _state with { CyclesRun = _state.CyclesRun + 1, LastCycleTime = at };
        Log(PolicyProcessingStarting, at, "LAPS policy processing is now starting.");
        var policy = ResolvePolicy();
        if (!policy.IsEnabled) return DisabledCycle(policy, at, trigger);

        Log(policy.IsLegacyMode ? PolicyDumpLegacy : policy.BackupDirectory == LapsBackupDirectory.ActiveDirectory ? PolicyDumpActiveDirectory : PolicyDumpEntraId,
            at, policy.Describe());
        if (trigger == Trigger.Reset)
        {
            Log(AdministratorRequestedReset, at, "LAPS is updating the password of the managed account due to an administrator-initiated request (ResetPassword).");
        }

        var kind = policy.BackupDirectory == LapsBackupDirectory.EntraId ? DirectoryKind.EntraId : DirectoryKind.ActiveDirectory;
        if (kind == DirectoryKind.EntraId && !_identity.HasEntraDeviceIdentity)
        {
            Log(EntraDeviceAuthenticationUnavailable, at,
                "LAPS was unable to authenticate to Microsoft Entra ID using the device identity: the device is Microsoft Entra registered (workplace-joined), " +
                "and Windows LAPS backs up to Microsoft Entra ID only from Entra-joined or hybrid-joined devices.");
            return FailCycle(at, trigger, HResults.NotSupported, "Backup to Microsoft Entra ID is not supported on a workplace-joined device.");
        }

        if (kind == DirectoryKind.ActiveDirectory && !_identity.IsDomainJoined)
        {
            Log(NoWritableDomainController, at, "LAPS was unable to find a writable domain controller: the device is not joined to an Active Directory domain.");
            return FailCycle(at, trigger, HResults.NoSuchDomain, "Backup to Active Directory needs a domain-joined device.");
        }

        var account = EnsureManagedAccount(policy, at);
        if (account is null)
        {
            Log(ManagedAccountNotFound, at,
                $"LAPS failed to find the currently configured local administrator account ({policy.AdministratorAccountName}). " +
                "Windows LAPS does not create accounts named by AdministratorAccountName; create it first (for example with the Accounts CSP).");
            return FailCycle(at, trigger, HResults.NoSuchUser, "The managed account does not exist.");
        }

        var reasons = ReasonsToRotate(policy, account, kind, at, trigger);
        if (reasons == RotationReasons.None)
        {
            return SucceedCycle(at);
        }

        Log(PasswordUpdateNeeded, at, $"The password of the managed account ({account.Name}) needs to be updated: {Describe(reasons)}.");
        return PrepareRotation(policy, account, kind, reasons, at, trigger, localOnly: false);
    }

    private RotationPlan? DisabledCycle(LapsPolicy policy, DateTimeOffset at, Trigger trigger)
    {
        Log(NotConfigured, at, "LAPS is not configured to manage any account: BackupDirectory is 0 (disabled), so every other setting is ignored.");
        if (trigger == Trigger.PostAuthentication) _state = _state with { PostAuthenticationDeadline = null };
        if (trigger != Trigger.Reset) return SucceedCycle(at);
        if (_settings.DisabledReset == DisabledResetBehavior.Fail)
        {
            return FailCycle(at, trigger, HResults.NotSupported, "ResetPassword needs a backup directory (BackupDirectory is 0).");
        }

        Log(AdministratorRequestedReset, at,
            "LAPS is updating the password of the managed account due to an administrator-initiated request (ResetPassword); no backup directory is configured, so the password is not backed up.");
        var account = policy.AdministratorAccountName is { } name ? _accounts.Find(name) : _accounts.FindByRid(LocalAccountStore.AdministratorRid);
        if (account is null)
        {
            Log(ManagedAccountNotFound, at, $"LAPS failed to find the currently configured local administrator account ({policy.AdministratorAccountName}).");
            return FailCycle(at, trigger, HResults.NoSuchUser, "The managed account does not exist.");
        }

        return PrepareRotation(policy, account, DirectoryKind.EntraId, RotationReasons.ResetRequested, at, trigger, localOnly: true);
    }

    private RotationPlan? SucceedCycle(DateTimeOffset at)
    {
        Log(PolicyProcessingSucceeded, at, "LAPS policy processing succeeded.");
        _state = _state with { LastCycleResult = HResults.SOk };
        return null;
    }

    private RotationPlan? FailCycle(DateTimeOffset at, Trigger trigger, int hresult, string why)
    {
        Log(PolicyProcessingFailed, at, $"LAPS policy processing failed with the following error code: {HResults.ToHex(hresult)} ({HResults.NameOf(hresult)}). {why}");
        _state = _state with { LastCycleResult = hresult };
        if (trigger == Trigger.Reset && !_state.ResetPending) _state = _state with { ResetPasswordStatus = hresult };
        if (trigger == Trigger.PostAuthentication) PostAuthenticationFailed(at, hresult);
        return null;
    }

    private RotationReasons ReasonsToRotate(LapsPolicy policy, LocalAccount account, DirectoryKind kind, DateTimeOffset at, Trigger trigger)
    {
        var reasons = RotationReasons.None;
        if (trigger == Trigger.Reset) reasons |= RotationReasons.ResetRequested;
        if (trigger == Trigger.PostAuthentication) reasons |= RotationReasons.PostAuthentication;
        if (_state.ManagedAccountSid is not null && !string.Equals(_state.ManagedAccountSid, account.Sid, StringComparison.OrdinalIgnoreCase))
        {
            reasons |= RotationReasons.AccountChanged;
        }

        if (_state.BackupDirectory != LapsBackupDirectory.Disabled && _state.BackupDirectory != policy.BackupDirectory)
        {
            reasons |= RotationReasons.DirectoryChanged;
        }

        if (_state.LastBackupTime is null || _state.BackupDirectory == LapsBackupDirectory.Disabled || _state.ManagedAccountSid is null)
        {
            reasons |= RotationReasons.NoBackup;
        }

        if (reasons.HasFlag(RotationReasons.NoBackup) || reasons.HasFlag(RotationReasons.AccountChanged) || reasons.HasFlag(RotationReasons.DirectoryChanged))
        {
            return reasons;
        }

        var expiry = _state.PasswordExpirationTime;
        if (kind == DirectoryKind.ActiveDirectory && policy.ActiveDirectory is { } ad && _directories.ActiveDirectoryState is { } adState)
        {
            // AD mode polls the computer object each cycle (digest C.2); an administrator may have moved the expiry.
            var directoryExpiry = adState.GetPasswordExpirationTime(_identity.DeviceId);
            if (directoryExpiry is null) return reasons | RotationReasons.NoBackup;
            if (directoryExpiry <= at && directoryExpiry < _state.PasswordExpirationTime) reasons |= RotationReasons.ExpirationTimeChangedInDirectory;
            expiry = directoryExpiry;
            if (ad.PasswordExpirationProtectionEnabled && _state.LastPasswordUpdateTime is { } updated && directoryExpiry > updated + policy.PasswordAge)
            {
                reasons |= RotationReasons.ExpirationProtection;
            }

            if (_build >= LapsPolicyResolver.Build24H2 && _state.LastPasswordVersion is { } local
                && adState.GetCurrentPasswordVersion(_identity.DeviceId) is { } remote && remote != local)
            {
                reasons |= RotationReasons.PasswordVersionMismatch;
            }
        }

        if (expiry is null || expiry <= at) reasons |= RotationReasons.PasswordExpired;
        return reasons;
    }

    private RotationPlan? PrepareRotation(
        LapsPolicy policy, LocalAccount account, DirectoryKind kind, RotationReasons reasons, DateTimeOffset at, Trigger trigger, bool localOnly)
    {
        var settings = policy.PasswordSettings;
        var password = _generator.Generate(settings);
        if (password.Length < _settings.MinimumLocalPasswordLength)
        {
            Log(PasswordNotAcceptable, at,
                $"LAPS was unable to create an acceptable new password: the configured {(policy.IsPassphrase ? "passphrase" : "password")} settings produce " +
                $"{password.Length} characters, and the local password policy requires at least {_settings.MinimumLocalPasswordLength}.");
            return FailCycle(at, trigger, HResults.PasswordDoesNotMeetPolicy, "The new password does not meet the local password policy.");
        }

        var newName = policy.AutomaticAccountManagement is { RandomizeName: true } automatic
            ? _automatic.RandomName(automatic.NameOrPrefix, account)
            : account.Name;
        AdBackupOptions? ad = policy.ActiveDirectory is { } adPolicy
            ? new AdBackupOptions(adPolicy.EncryptionEnabled, adPolicy.EncryptionPrincipal ?? AdBackupOptions.DefaultEncryptionPrincipal, adPolicy.EncryptedPasswordHistorySize)
            : null;
        // The device names itself as each directory knows it: Entra by its host name, AD by its NetBIOS name (sAMAccountName).
        var backup = new PasswordBackup(
            kind == DirectoryKind.EntraId ? _identity.EntraDeviceId : _identity.DeviceId,
            kind == DirectoryKind.EntraId ? _identity.HostName : _identity.DeviceName,
            newName,
            account.Sid,
            password,
            at,
            at + policy.PasswordAge,
            ad);
        var plan = new RotationPlan(policy, kind, account.Sid, newName, backup, reasons, at, trigger, localOnly);
        _inFlight = plan;
        return plan;
    }

    private void Execute(RotationPlan plan)
    {
        Task<BackupResult> task;
        if (plan.LocalOnly)
        {
            task = Task.FromResult(new BackupResult(plan.Directory, BackupVerdict.Answered, BackupOutcome.Success(plan.Directory, "Not backed up."), 0, "Not backed up."));
        }
        else if ((plan.Directory == DirectoryKind.EntraId ? _entraBackup : _adBackup) is { } target)
        {
            task = target.BackupAsync(plan.Backup, _shutdown.Token);
        }
        else
        {
            var outcome = BackupOutcome.Failed(plan.Directory, BackupFailureKind.Unreachable, $"No {plan.Directory} directory is reachable from this device.");
            task = Task.FromResult(new BackupResult(plan.Directory, BackupVerdict.Answered, outcome, 1, outcome.Message));
        }

        if (task.IsCompleted)
        {
            Complete(plan, task, synchronous: true);
            return;
        }

        task.ContinueWith(t => Complete(plan, t, synchronous: false), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Complete(RotationPlan plan, Task<BackupResult> task, bool synchronous)
    {
        var result = task.IsCompletedSuccessfully
            ? task.Result
            : new BackupResult(plan.Directory, BackupVerdict.Faulted, null, 0, task.Exception?.GetBaseException().Message ?? "The backup was cancelled.");
        RotationPlan? next = null;
        (LocalAccount Account, string Password)? rotated;
        TaskCompletionSource? idle = null;
        lock (_gate)
        {
            var at = synchronous ? plan.At : Later(plan.At, _time.GetUtcNow());
            rotated = Finish(plan, result, at);
            _inFlight = null;
            if (HasPendingWork()) next = BeginPending(at);
            if (_inFlight is null)
            {
                idle = _idle;
                _idle = null;
            }
        }

        if (rotated is { } r) PasswordRotated?.Invoke(r.Account, r.Password);
        idle?.TrySetResult();
        if (next is not null) Execute(next);
    }

    /// <summary>Backup done (or failed): on success set the password locally, then the rest of the cycle's bookkeeping.</summary>
    private (LocalAccount, string)? Finish(RotationPlan plan, BackupResult result, DateTimeOffset at)
    {
        if (!result.Succeeded)
        {
            var (hresult, events) = BackupFailureReport.For(plan.Directory, result, plan.Policy.IsLegacyMode);
            foreach (var (id, message) in events) Log(id, at, message);
            FailCycle(at, plan.Trigger, hresult, $"The password of the managed account was not changed: {result.Message}");
            return null;
        }

        if (!plan.LocalOnly)
        {
            if (plan.Directory == DirectoryKind.EntraId)
            {
                Log(EntraUpdated, at, $"LAPS successfully updated Microsoft Entra ID with the new password (account {plan.NewName}, {result.AttemptsText}).");
            }
            else
            {
                Log(AdUpdated, at, $"LAPS successfully updated Active Directory with the new password (account {plan.NewName}, {result.AttemptsText}).");
            }
        }

        var account = _accounts.FindBySid(plan.AccountSid);
        if (account is null)
        {
            Log(LocalPasswordUpdateFailed, at, "LAPS failed when updating the local admin account with the new password: the account no longer exists.");
            FailCycle(at, plan.Trigger, HResults.NoSuchUser, "The managed account was deleted during the update.");
            return null;
        }

        var updated = _accounts.Update(account with
        {
            Name = _automatic.NameIsFree(plan.NewName, account) ? plan.NewName : account.Name,
            Password = plan.Backup.Password,
            PasswordLastSet = at,
        });
        Log(LocalAccountUpdated, at,
            $"LAPS successfully updated the local admin account with the new password. Account name: {updated.Name} Account RID: {LapsEventIds.Rid(updated.Rid)}");
        _state = _state with
        {
            ManagedAccountSid = updated.Sid,
            ManagedAccountName = updated.Name,
            BackupDirectory = plan.LocalOnly ? LapsBackupDirectory.Disabled : plan.Policy.BackupDirectory,
            LastBackupTime = plan.LocalOnly ? _state.LastBackupTime : at,
            LastPasswordUpdateTime = at,
            PasswordExpirationTime = plan.Backup.ExpirationTime,
            LastPasswordVersion = plan.LocalOnly ? _state.LastPasswordVersion : result.Outcome?.PasswordVersion,
            Rotations = _state.Rotations + 1,
        };
        // A reset requested while this one ran keeps the status E_PENDING: it runs next.
        if (plan.Trigger == Trigger.Reset && !_state.ResetPending) _state = _state with { ResetPasswordStatus = HResults.SOk };
        if (plan.Trigger == Trigger.PostAuthentication) PostAuthenticationActionsRun(plan.Policy, updated, at);
        SucceedCycle(at);
        return (updated, plan.Backup.Password);
    }

    private void PostAuthenticationActionsRun(LapsPolicy policy, LocalAccount account, DateTimeOffset at)
    {
        var actions = policy.PostAuthenticationActions;
        var done = PostAuthenticationRunner.Perform(actions, account, _sessions);
        _state = _state with { PostAuthenticationDeadline = null, PostAuthenticationRetries = 0 };
        if (actions.HasFlag(PostAuthenticationActions.Reboot)) _state = _state with { PostAuthenticationExhausted = false };
        Log(PostAuthenticationCompleted, at,
            $"LAPS successfully reset the password of the managed account and executed the post-authentication actions (0x{(int)actions:X}): {done}.");
    }

    private void PostAuthenticationFailed(DateTimeOffset at, int hresult)
    {
        var retries = _state.PostAuthenticationRetries + 1;
        if (retries >= MaxPostAuthenticationRetriesPerBoot)
        {
            Log(PostAuthenticationRetriesExhausted, at,
                $"The post-authentication password reset has been retried the maximum number of times ({MaxPostAuthenticationRetriesPerBoot}) since boot; LAPS stops retrying until the next reboot.");
            _state = _state with { PostAuthenticationRetries = retries, PostAuthenticationDeadline = null, PostAuthenticationExhausted = true };
            return;
        }

        var next = at + _settings.RetryInterval;
        Log(PostAuthenticationResetFailed, at,
            $"LAPS failed to reset the password of the managed account after the post-authentication grace period expired. Retry count: {retries}. " +
            $"Error code: {HResults.ToHex(hresult)}. LAPS will retry at {LapsEventIds.Time(next)}.");
        _state = _state with { PostAuthenticationRetries = retries, PostAuthenticationDeadline = next };
    }

    /// <summary>The managed account per policy. In automatic mode (digest C.11) LAPS creates the account if needed and keeps
    /// it in shape: in Administrators, enabled per EnableAccount, named per NameOrPrefix, "password never expires" and
    /// "password not required" cleared, description rewritten. Leaving automatic target 1 deletes the account LAPS created.</summary>
    private LocalAccount? EnsureManagedAccount(LapsPolicy policy, DateTimeOffset at)
    {
        if (policy.AutomaticAccountManagement is not { } automatic)
        {
            var manual = policy.AdministratorAccountName is { } name ? _accounts.Find(name) : _accounts.FindByRid(LocalAccountStore.AdministratorRid);
            DeleteAccountCreatedByLaps(keepSid: manual?.Sid);
            return manual;
        }

        LocalAccount? account;
        if (automatic.ManagesBuiltInAdministrator)
        {
            account = _accounts.FindByRid(LocalAccountStore.AdministratorRid);
            DeleteAccountCreatedByLaps(keepSid: account?.Sid);
            if (account is null) return null;
        }
        else
        {
            account = _state.ManagedAccountCreatedByLaps && _state.ManagedAccountSid is { } sid ? _accounts.FindBySid(sid) : null;
            if (account is null && !automatic.RandomizeName) account = _accounts.Find(automatic.NameOrPrefix);
            if (account is null)
            {
                var name = automatic.RandomizeName ? _automatic.RandomName(automatic.NameOrPrefix, null) : automatic.NameOrPrefix;
                account = _accounts.Create(name, _generator.Generate(policy.PasswordSettings), administrator: true, at);
                if (account is null) return null;
                _state = _state with { ManagedAccountCreatedByLaps = true, ManagedAccountSid = account.Sid, ManagedAccountName = account.Name, LastBackupTime = null };
            }
        }

        var shaped = _automatic.Shape(account, automatic);
        if (!ReferenceEquals(shaped, account)) account = _accounts.Update(shaped);
        return account;
    }

    private void DeleteAccountCreatedByLaps(string? keepSid)
    {
        if (!_state.ManagedAccountCreatedByLaps || _state.ManagedAccountSid is not { } sid) return;
        if (string.Equals(sid, keepSid, StringComparison.OrdinalIgnoreCase))
        {
            // The policy now names the account LAPS created: it stays, managed like any other account.
            _state = _state with { ManagedAccountCreatedByLaps = false };
            return;
        }

        if (_accounts.FindBySid(sid) is { } created) _accounts.Remove(created.Name);
        _sessions.LogOff(sid);
        _state = _state with { ManagedAccountCreatedByLaps = false, ManagedAccountSid = null, ManagedAccountName = null, LastBackupTime = null };
    }

    private LapsPolicy ResolvePolicy()
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in _csp.StoredChildNames(s_policies))
        {
            if (_csp.ValueOf(s_policies.Child(name)) is { } value) values[name] = value;
        }

        return LapsPolicyResolver.Resolve(values, _roots, _build);
    }

    private void Log(int id, DateTimeOffset at, string message) => _events.Write(id, at, message);

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string Describe(RotationReasons reasons) => string.Join(", ", Enum.GetValues<RotationReasons>()
        .Where(r => r != RotationReasons.None && reasons.HasFlag(r))
        .Select(r => r switch
        {
            RotationReasons.NoBackup => "no password has been backed up yet",
            RotationReasons.PasswordExpired => "the password has expired",
            RotationReasons.AccountChanged => "the managed account changed",
            RotationReasons.DirectoryChanged => "the backup directory changed",
            RotationReasons.ResetRequested => "an administrator requested a reset",
            RotationReasons.ExpirationTimeChangedInDirectory => "the expiration time in Active Directory was moved earlier",
            RotationReasons.ExpirationProtection => "the expiration time exceeds PasswordAgeDays (PasswordExpirationProtectionEnabled)",
            RotationReasons.PostAuthentication => "the post-authentication grace period expired",
            RotationReasons.PasswordVersionMismatch => "the password version in Active Directory does not match this device (image rollback)",
            _ => r.ToString(),
        }));

    /// <summary>Why a cycle runs.</summary>
    private enum Trigger
    {
        Scheduled,
        OnDemand,
        PolicyChanged,
        Reset,
        PostAuthentication,
    }

    /// <summary>A rotation between its start and the backup's answer.</summary>
    private sealed record RotationPlan(
        LapsPolicy Policy,
        DirectoryKind Directory,
        string AccountSid,
        string NewName,
        PasswordBackup Backup,
        RotationReasons Reasons,
        DateTimeOffset At,
        Trigger Trigger,
        bool LocalOnly);
}
