using System.Globalization;
using LapsCsp.Device;
using LapsCsp.Device.Accounts;
using LapsCsp.Device.Laps;
using LapsCsp.Device.Session;
using LapsCsp.Directory.Backup;
using LapsCsp.Server.State;
using LapsCsp.SyncML;
using LapsCsp.SyncML.Messages;
using LapsCsp.Tree.Paths;

namespace LapsCsp.Server.Devices;

/// <summary>Why a rotation happened: an administrator's action, the policy cycle, or a ResetPassword sent over SyncML.</summary>
public static class RotationTriggers
{
    public const string Manual = "manual";
    public const string Scheduled = "scheduled";
    public const string SyncML = "syncml";
}

/// <summary>One password rotation of a device and its outcome (the Intune rotation report's row).</summary>
/// <param name="HResult">What Actions/ResetPasswordStatus reported: 0 on success.</param>
public sealed record RotationRecord(
    string DeviceId,
    string DeviceName,
    string Trigger,
    DateTimeOffset RequestedDateTime,
    DateTimeOffset CompletedDateTime,
    string Result,
    int HResult,
    string? AccountName,
    string? BackupDirectory,
    string? Detail,
    string? RequestedBy)
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    public string HResultHex => "0x" + HResult.ToString("X8", CultureInfo.InvariantCulture);
}

/// <summary>A simulated device as the server hosts it: its registration, its DM session across requests, one gate so
/// that its messages run one at a time, and the bridge between its LAPS actions and the directories.</summary>
/// <remarks>
/// <para>Integration seam. The device of <c>src/LapsCsp.Device</c> rotates the managed password and reports it through
/// <see cref="SimulatedDeviceBackend.PasswordRotated"/>; it does not yet back up, process policy on a schedule, nor know its
/// join type. Until it does, this class does those three things for it: it backs each rotation up to the directory
/// <c>Policies/BackupDirectory</c> names (1 Entra ID, 2 AD, digest C.4), and <see cref="RunPolicyCycle"/> rotates when the
/// policy is on and the managed account has no current backup or its backup has expired (digest C.2: hourly and on policy
/// change). Known difference from Windows: the local password is set before the backup (Windows backs up first, digest C.5).
/// When the device takes these over (directories in its options, a policy-processing call), the bodies of
/// <see cref="OnRotated"/> and <see cref="RunPolicyCycle"/> shrink to calling it, and nothing outside this class changes.</para>
/// </remarks>
public sealed class HostedDevice
{
    private static readonly CspPath s_policies = CspPath.Parse("./Device/Vendor/MSFT/LAPS/Policies");
    private const string ResetPasswordSuffix = "/LAPS/Actions/ResetPassword";

    private readonly ServerState _state;
    private readonly List<RotationRecord> _unsavedRotations = [];
    private string? _trigger;
    private string? _requestedBy;
    private RotationRecord? _lastRotation;

    internal HostedDevice(DeviceRegistration registration, SimulatedDevice device, ServerState state)
    {
        Registration = registration;
        Device = device;
        _state = state;
        Device.Backend.PasswordRotated += OnRotated;
    }

    public DeviceRegistration Registration { get; }

    public SimulatedDevice Device { get; }

    /// <summary>Held while a message runs: the device answers one message at a time.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    internal DmSessionState Session { get; } = new();

    /// <summary>The snapshot JSON last stored, to skip writes when a message changed nothing.</summary>
    internal string? SavedJson { get; set; }

    public string? PolicyValue(string name) => Device.Tree.State.ValueOf(s_policies.Child(name));

    public int PolicyInt(string name, int fallback) =>
        int.TryParse(PolicyValue(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : fallback;

    /// <summary>CSP BackupDirectory: 0 disabled (default), 1 Entra ID, 2 AD.</summary>
    public int BackupDirectory => PolicyInt("BackupDirectory", 0);

    public static string? BackupDirectoryName(int value) => value switch
    {
        1 => "azureAD",
        2 => "activeDirectory",
        _ => null,
    };

    /// <summary>Answers a message as the device, then runs what it asked for (a reset) and the policy cycle a policy change
    /// triggers. The caller holds <see cref="Gate"/>.</summary>
    public DmReply Apply(SyncMLMessage message, string trigger, string? requestedBy)
    {
        var policyBefore = PolicySignature();
        _trigger = trigger;
        _requestedBy = requestedBy;
        _lastRotation = null;
        var requestedAt = _state.Time.GetUtcNow();
        try
        {
            var reply = Device.Apply(message);
            var resetAsked = reply.Reports.Any(r => string.Equals(r.Cmd, "Exec", StringComparison.Ordinal)
                && r.Target is { } target && target.EndsWith(ResetPasswordSuffix, StringComparison.OrdinalIgnoreCase)
                && r.Status.IsSuccess());
            if (resetAsked && _lastRotation is null && Device.Backend.ResetPasswordStatus != HResults.SOk)
            {
                Record(trigger, requestedAt, RotationRecord.Failed, Device.Backend.ResetPasswordStatus, Device.Backend.ManagedAccount()?.Name,
                    ResetFailure(Device.Backend.ResetPasswordStatus));
            }

            if (!string.Equals(policyBefore, PolicySignature(), StringComparison.Ordinal)) RunPolicyCycle();
            return reply;
        }
        finally
        {
            _trigger = null;
            _requestedBy = null;
        }
    }

    /// <summary>One LAPS policy processing cycle (digest C.2): with a backup directory set and the managed account present,
    /// rotate when nothing is backed up for it yet or its expiry has passed. The caller holds <see cref="Gate"/>.</summary>
    /// <returns>The rotation it caused, if any.</returns>
    public RotationRecord? RunPolicyCycle()
    {
        var directory = BackupDirectory;
        if (directory is not (1 or 2)) return null;
        var account = Device.Backend.ManagedAccount();
        if (account is null) return null;
        var now = _state.Time.GetUtcNow();
        DateTimeOffset? expiry;
        bool backedUp;
        if (directory == 1)
        {
            var info = _state.Entra.Get(Registration.EntraDeviceId);
            backedUp = info is not null && !info.Credentials.IsDefaultOrEmpty
                && string.Equals(info.Credentials[0].AccountSid, account.Sid, StringComparison.OrdinalIgnoreCase);
            expiry = info?.RefreshDateTime;
        }
        else
        {
            var attributes = _state.ActiveDirectory.GetAttributes(Registration.DeviceId);
            backedUp = attributes?.CurrentPasswordVersion is not null;
            expiry = attributes?.PasswordExpiration;
        }

        if (backedUp && expiry is { } e && e > now) return null;
        var trigger = _trigger;
        _trigger = RotationTriggers.Scheduled;
        _lastRotation = null;
        try
        {
            Device.Backend.Execute(CspPath.Parse("./Device/Vendor/MSFT/LAPS/Actions/ResetPassword"), null);
            Device.Backend.RunPendingWork();
            return _lastRotation;
        }
        finally
        {
            _trigger = trigger;
        }
    }

    /// <summary>The rotation history kept with the device, oldest first (stored ones and those not stored yet).</summary>
    public IReadOnlyList<RotationRecord> Rotations()
    {
        var stored = _state.GetDocument<List<RotationRecord>>(RotationKey(Registration.DeviceId)) ?? [];
        lock (_unsavedRotations) return [.. stored, .. _unsavedRotations];
    }

    /// <summary>Stores the rotations not yet stored, in the caller's transaction; returns how many, to pass to
    /// <see cref="RotationsSaved"/> once the transaction committed.</summary>
    internal int SaveRotations(Storage.LapsStoreTransaction tx)
    {
        List<RotationRecord> pending;
        lock (_unsavedRotations)
        {
            if (_unsavedRotations.Count == 0) return 0;
            pending = [.. _unsavedRotations];
        }

        var key = RotationKey(Registration.DeviceId);
        var stored = tx.GetSetting(key) is { } json
            ? System.Text.Json.JsonSerializer.Deserialize<List<RotationRecord>>(json, ServerState.Json) ?? []
            : [];
        stored.AddRange(pending);
        // Keep the newest 500 per device: a report of recent rotations, not an archive (the audit log is the archive).
        if (stored.Count > 500) stored.RemoveRange(0, stored.Count - 500);
        ServerState.SetDocument(tx, key, stored);
        return pending.Count;
    }

    internal void RotationsSaved(int count)
    {
        lock (_unsavedRotations) _unsavedRotations.RemoveRange(0, Math.Min(count, _unsavedRotations.Count));
    }

    internal static string RotationKey(string deviceId) => "server.rotations." + deviceId;

    private void OnRotated(LocalAccount account, string password)
    {
        var now = _state.Time.GetUtcNow();
        var trigger = _trigger ?? RotationTriggers.SyncML;
        var directory = BackupDirectory;
        var ageDays = Math.Clamp(PolicyInt("PasswordAgeDays", 30), 1, 365);
        var backup = new PasswordBackup(
            directory == 1 ? Registration.EntraDeviceId : Registration.DeviceId,
            Registration.DeviceName,
            account.Name,
            account.Sid,
            password,
            now,
            now.AddDays(ageDays),
            directory == 2
                ? new AdBackupOptions(
                    !string.Equals(PolicyValue("ADPasswordEncryptionEnabled"), "false", StringComparison.OrdinalIgnoreCase),
                    PolicyValue("ADPasswordEncryptionPrincipal") is { Length: > 0 } principal ? principal : AdBackupOptions.DefaultEncryptionPrincipal,
                    Math.Clamp(PolicyInt("ADEncryptedPasswordHistorySize", 0), 0, AdBackupOptions.MaxEncryptedHistorySize))
                : null);
        IBackupDirectory? target = directory switch
        {
            1 when Registration.InEntra => _state.Entra,
            2 when Registration.InActiveDirectory => _state.ActiveDirectory,
            _ => null,
        };
        string detail;
        var result = RotationRecord.Succeeded;
        if (target is null)
        {
            detail = directory is 1 or 2
                ? $"not backed up: a {Registration.JoinType} device cannot back up to {BackupDirectoryName(directory)}"
                : "not backed up: BackupDirectory is 0 (disabled)";
        }
        else
        {
            // The directories are in memory; a fault injected with a delay waits on the injected TimeProvider.
            var outcome = target.BackupAsync(backup, CancellationToken.None).GetAwaiter().GetResult();
            detail = outcome.Message;
            if (!outcome.Succeeded) result = RotationRecord.Failed;
            _state.MarkChanged();
        }

        _lastRotation = Record(trigger, now, result, result == RotationRecord.Succeeded ? HResults.SOk : HResults.Fail, account.Name, detail);
    }

    private RotationRecord Record(string trigger, DateTimeOffset requestedAt, string result, int hresult, string? account, string detail)
    {
        var record = new RotationRecord(Registration.DeviceId, Registration.DeviceName, trigger, requestedAt, _state.Time.GetUtcNow(),
            result, hresult, account, BackupDirectoryName(BackupDirectory), detail, _requestedBy);
        lock (_unsavedRotations) _unsavedRotations.Add(record);
        return record;
    }

    private static string ResetFailure(int hresult) => hresult == HResults.NoSuchUser
        ? "the managed account does not exist on the device (HRESULT_FROM_WIN32(ERROR_NO_SUCH_USER))"
        : "the device reported a failure";

    private string PolicySignature() =>
        string.Join('\n', Device.Tree.State.Nodes.Where(n => n.Key.StartsWith(s_policies.ToString(), StringComparison.Ordinal))
            .Select(n => n.Key + "=" + n.Value));
}
