using System.Globalization;
using System.Text.RegularExpressions;
using LapsCsp.Device;
using LapsCsp.Device.Accounts;
using LapsCsp.Device.Events;
using LapsCsp.Device.Laps;
using LapsCsp.Device.Session;
using LapsCsp.Server.State;
using LapsCsp.SyncML.Messages;
using LapsCsp.Tree.Paths;

namespace LapsCsp.Server.Devices;

/// <summary>Why a rotation happened: an administrator's action, the device's own policy processing, or a ResetPassword sent
/// over SyncML by the harness.</summary>
internal static class RotationTriggers
{
    public const string Manual = "manual";
    public const string Scheduled = "scheduled";
    public const string SyncML = "syncml";
}

/// <summary>One password rotation of a device and its outcome (the Intune rotation report's row).</summary>
/// <param name="HResult">0 on success, else the HRESULT of the device's event 10005 (also Actions/ResetPasswordStatus for a reset).</param>
internal sealed record RotationRecord(
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

/// <summary>A simulated device as the server hosts it: its registration, its DM session across requests, one gate so that
/// its work runs one piece at a time, and the rotation history read off its LAPS event log.</summary>
/// <remarks>The device does the Windows LAPS work itself (policy processing, backup to the shared directories before the
/// local change, events); the server gives it the shared tenant and domain, drives its hourly cycle
/// (<see cref="RunDueWork"/>) and turns its events into rotation records: an attempt starts with event 10014
/// (administrator-requested reset) or 10015 (password update needed), succeeds when the device reports the new password,
/// fails with event 10005 and its HRESULT (digest C.5).</remarks>
internal sealed partial class HostedDevice : IDisposable
{
    private static readonly CspPath s_policies = CspPath.Parse("./Device/Vendor/MSFT/LAPS/Policies");

    private readonly ServerState _state;
    private readonly Lock _recordsGate = new();
    private readonly List<RotationRecord> _unsavedRotations = [];
    private string _context = RotationTriggers.Scheduled;
    private string? _requestedBy;
    private Attempt? _attempt;

    private DeviceRegistration _registration;

    internal HostedDevice(DeviceRegistration registration, SimulatedDevice device, ServerState state, long version)
    {
        _registration = registration;
        Device = device;
        _state = state;
        Version = version;
        Device.Events.Written += OnEvent;
        Device.Backend.PasswordRotated += OnRotated;
    }

    /// <summary>The registration; its <see cref="DeviceRegistration.DeviceName"/> follows the device's name after a rename
    /// took effect (<see cref="FollowIdentity"/>).</summary>
    public DeviceRegistration Registration => Volatile.Read(ref _registration);

    /// <summary>The registration changed since it was last stored (a rename took effect).</summary>
    internal bool RegistrationUnsaved { get; set; }

    /// <summary>After a reboot applied a DNSComputerName rename (DevDetail CSP: the new name takes effect at the next reboot),
    /// the registration takes the device's new DNS host name, the name listings show (as DevDetail DeviceName and the Entra
    /// device now answer it). The reboot also renamed the device in the shared tenant and domain, so the directories are
    /// marked changed. Returns true when the registration changed; the caller holds <see cref="Gate"/> and stores it.</summary>
    internal bool FollowIdentity()
    {
        if (Device.Identity.DnsHostName is not { } name) return false;
        var registration = Registration;
        if (string.Equals(registration.DeviceName, name, StringComparison.Ordinal)) return false;
        Volatile.Write(ref _registration, registration with { DeviceName = name });
        RegistrationUnsaved = true;
        _state.MarkChanged();
        return true;
    }

    public SimulatedDevice Device { get; }

    /// <summary>Held while the device works: it answers one message at a time.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    internal DmSessionState Session { get; } = new();

    /// <summary>The stored row's version (0: not stored yet), for the store's optimistic check.</summary>
    internal long Version { get; set; }

    /// <summary>The highest event RecordId stored in device_events.</summary>
    internal long SavedEventRecordId { get; set; }

    /// <summary>How many of the device's events device_events holds.</summary>
    internal long StoredEventCount { get; set; }

    /// <summary>The <see cref="Fingerprint"/> when the device was last stored, to skip writes when a message changed nothing.</summary>
    internal DeviceFingerprint? SavedFingerprint { get; set; }

    /// <summary>What changes whenever the device's saved state can change: the tree (an immutable state, replaced by every
    /// commit), the LAPS local state (an immutable record, replaced by every change), the event count and the reset status.
    /// Accounts change only through the tree (Accounts CSP) or LAPS (which logs and changes its state). A DNSComputerName
    /// Replace changes none of these (DevDetail is not in the tree): the pending name and the number of rename requests
    /// count too, and a reboot's count and identity (an immutable record, replaced by the rename).</summary>
    internal DeviceFingerprint Fingerprint() => new(Device.Tree.State, Device.LapsState, Device.Events.TotalWritten,
        Device.Backend.ResetPasswordStatus, Device.Backend.ResetPending)
    {
        Identity = Device.Identity,
        PendingComputerName = Device.PendingComputerName,
        RenameRequests = Device.ComputerRename.Requests,
        Reboots = Device.LogonSessions.RebootCount,
    };

    public string? PolicyValue(string name) => Device.Tree.State.ValueOf(s_policies.Child(name));

    /// <summary>The effective BackupDirectory (CSP root first, digest C.3): 0 disabled, 1 Entra ID, 2 AD.</summary>
    public int BackupDirectory => (int)Device.Policy.BackupDirectory;

    public static string? BackupDirectoryName(int value) => value switch
    {
        1 => "azureAD",
        2 => "activeDirectory",
        _ => null,
    };

    /// <summary>Answers a message as the device; the device then runs what it asked for (a reset, processing of changed
    /// policy). The caller holds <see cref="Gate"/>.</summary>
    public DmReply Apply(SyncMLMessage message, string trigger, string? requestedBy)
    {
        _context = trigger;
        _requestedBy = requestedBy;
        try
        {
            return Device.Apply(message);
        }
        finally
        {
            _context = RotationTriggers.Scheduled;
            _requestedBy = null;
        }
    }

    /// <summary>Runs the hourly policy cycles (and post-authentication deadlines) due by the clock (digest C.2). The caller
    /// holds <see cref="Gate"/>. Returns the rotations that finished meanwhile.</summary>
    public IReadOnlyList<RotationRecord> RunDueWork()
    {
        int before;
        lock (_recordsGate) before = _unsavedRotations.Count;
        Device.RunDueWork();
        lock (_recordsGate) return [.. _unsavedRotations.Skip(before)];
    }

    /// <summary>The rotation history kept with the device, oldest first (stored ones and those not stored yet).</summary>
    public IReadOnlyList<RotationRecord> Rotations()
    {
        var stored = _state.GetDocument<List<RotationRecord>>(RotationKey(Registration.DeviceId)) ?? [];
        lock (_recordsGate) return [.. stored, .. _unsavedRotations];
    }

    /// <summary>Stores the rotations not yet stored, in the caller's transaction; returns how many, to pass to
    /// <see cref="RotationsSaved"/> once the transaction committed.</summary>
    internal int SaveRotations(Storage.LapsStoreTransaction tx)
    {
        List<RotationRecord> pending;
        lock (_recordsGate)
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
        lock (_recordsGate) _unsavedRotations.RemoveRange(0, Math.Min(count, _unsavedRotations.Count));
    }

    internal bool HasUnsavedRotations
    {
        get
        {
            lock (_recordsGate) return _unsavedRotations.Count > 0;
        }
    }

    internal static string RotationKey(string deviceId) => "server.rotations." + deviceId;

    public void Dispose()
    {
        Device.Events.Written -= OnEvent;
        Device.Backend.PasswordRotated -= OnRotated;
        Device.Dispose();
        Gate.Dispose();
    }

    // Lock order: the device's own lock, then _recordsGate. OnEvent runs inside the device's lock (the event log is written
    // there), so it may read the device; OnRotated runs outside it and reads the device before taking _recordsGate.
    private void OnEvent(LapsEvent e)
    {
        lock (_recordsGate)
        {
            switch (e.Id)
            {
                case LapsEventIds.AdministratorRequestedReset:
                    _attempt = new Attempt(_context == RotationTriggers.Scheduled ? RotationTriggers.SyncML : _context, e.TimeCreated, _requestedBy);
                    break;
                case LapsEventIds.PasswordUpdateNeeded when _attempt is null:
                    _attempt = new Attempt(RotationTriggers.Scheduled, e.TimeCreated, null);
                    break;
                case LapsEventIds.EntraUpdated or LapsEventIds.AdUpdated:
                    // The directory holds a new credential and its audit record, whatever happens locally next.
                    _state.MarkChanged();
                    if (_attempt is not null) _attempt = _attempt with { Backup = e.Message };
                    break;
                case LapsEventIds.PolicyProcessingFailed when _attempt is not null:
                    var hresult = HResultPattern().Match(e.Message) is { Success: true } m
                        ? unchecked((int)uint.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture))
                        : HResults.Fail;
                    Close(RotationRecord.Failed, hresult, Device.Backend.ManagedAccount()?.Name, e.Message, e.TimeCreated, BackupDirectory);
                    break;
            }
        }
    }

    private void OnRotated(LocalAccount account, string password)
    {
        var directory = BackupDirectory;
        var now = _state.Time.GetUtcNow();
        lock (_recordsGate)
        {
            _attempt ??= new Attempt(RotationTriggers.Scheduled, now, null);
            Close(RotationRecord.Succeeded, HResults.SOk, account.Name,
                _attempt.Backup ?? (directory == 0 ? "rotated locally; BackupDirectory is 0, nothing was backed up" : null), now, directory);
        }

        // The directory now holds a new credential and its audit record.
        _state.MarkChanged();
    }

    private void Close(string result, int hresult, string? account, string? detail, DateTimeOffset at, int directory)
    {
        var attempt = _attempt!;
        _attempt = null;
        _unsavedRotations.Add(new RotationRecord(Registration.DeviceId, Registration.DeviceName, attempt.Trigger, attempt.Started, at, result, hresult,
            account, BackupDirectoryName(directory), detail, attempt.RequestedBy));
    }

    [GeneratedRegex("0x([0-9A-Fa-f]{8})")]
    private static partial Regex HResultPattern();

    internal sealed record DeviceFingerprint(object Tree, object Laps, long Events, int ResetStatus, bool ResetPending)
    {
        public object? Identity { get; init; }

        public string? PendingComputerName { get; init; }

        public int RenameRequests { get; init; }

        public int Reboots { get; init; }

        // Reference equality on the immutable states: equal references mean nothing changed.
        public bool Equals(DeviceFingerprint? other) => other is not null && ReferenceEquals(Tree, other.Tree) && ReferenceEquals(Laps, other.Laps)
            && Events == other.Events && ResetStatus == other.ResetStatus && ResetPending == other.ResetPending
            && ReferenceEquals(Identity, other.Identity) && string.Equals(PendingComputerName, other.PendingComputerName, StringComparison.Ordinal)
            && RenameRequests == other.RenameRequests && Reboots == other.Reboots;

        public override int GetHashCode() => HashCode.Combine(Events, ResetStatus);
    }

    private sealed record Attempt(string Trigger, DateTimeOffset Started, string? RequestedBy)
    {
        public string? Backup { get; init; }
    }
}
