using LapsCsp.Device.Laps;
using LapsCsp.Device.Policy;

namespace LapsCsp.Device.Processing;

/// <summary>Why a cycle rotates the password (event 10015 lists them).</summary>
[Flags]
public enum RotationReasons
{
    None = 0,

    /// <summary>No password of the managed account has been backed up to the current directory yet.</summary>
    NoBackup = 1,

    /// <summary>The password reached PasswordAgeDays (the device's own expiry in Entra mode, msLAPS-PasswordExpirationTime in AD mode).</summary>
    PasswordExpired = 2,

    /// <summary>The policy now names another managed account (Intune FAQ: the new account is backed up).</summary>
    AccountChanged = 4,

    /// <summary>BackupDirectory changed between Entra ID and Active Directory.</summary>
    DirectoryChanged = 8,

    /// <summary>Exec ResetPassword (digest C.6): rotate now, ignoring the password's age.</summary>
    ResetRequested = 16,

    /// <summary>AD mode: an administrator moved msLAPS-PasswordExpirationTime earlier and it has been reached (digest C.2).</summary>
    ExpirationTimeChangedInDirectory = 32,

    /// <summary>AD mode, PasswordExpirationProtectionEnabled: the expiry is further out than PasswordAgeDays allows (digest C.10).</summary>
    ExpirationProtection = 64,

    /// <summary>The post-authentication grace period expired (digest C.9).</summary>
    PostAuthentication = 128,

    /// <summary>AD mode, 24H2: msLAPS-CurrentPasswordVersion differs from the version kept locally (image rollback, digest C.2).</summary>
    PasswordVersionMismatch = 256,
}

/// <summary>What Exec ResetPassword does while LAPS is disabled (BackupDirectory 0). Windows' behaviour is undocumented.</summary>
public enum DisabledResetBehavior
{
    /// <summary>Rotate the managed account's password locally without any backup and report S_OK (a lenient device).</summary>
    RotateLocally,

    /// <summary>Refuse (default): ResetPasswordStatus becomes ERROR_NOT_SUPPORTED (0x80070032) and event 10005 is logged,
    /// as LAPS manages nothing while disabled (digest C.3: BackupDirectory=0 disables every other setting).</summary>
    Fail,
}

/// <summary>What Windows LAPS keeps on the device between cycles (its registry state), plus the device's LAPS schedule:
/// a plain record so that a store can save it.</summary>
/// <param name="ManagedAccountSid">The account whose password LAPS last set.</param>
/// <param name="ManagedAccountCreatedByLaps">Automatic account management created it (target 1), so LAPS may delete it.</param>
/// <param name="BackupDirectory">Where the current password is backed up; Disabled when it never was (or only rotated locally).</param>
/// <param name="PasswordExpirationTime">The device's own expiry (authoritative in Entra mode; AD mode reads the directory).</param>
/// <param name="LastPasswordVersion">AD msLAPS-CurrentPasswordVersion written with the current password (digest C.2).</param>
/// <param name="NextCycleTime">When the hourly background cycle runs next (digest C.2: every hour, not configurable).</param>
/// <param name="PolicyChangePending">A policy root changed since the last cycle: process it at the next opportunity.</param>
/// <param name="ResetPending">Exec ResetPassword arrived and has not started yet.</param>
/// <param name="ResetPasswordStatus">The HRESULT Actions/ResetPasswordStatus answers (digest C.6).</param>
/// <param name="PostAuthenticationDeadline">When the post-authentication actions fall due (digest C.9), if scheduled.</param>
/// <param name="PostAuthenticationRetries">Failed post-authentication resets since boot (10048 after 100).</param>
public sealed record LapsLocalState(
    string? ManagedAccountSid = null,
    string? ManagedAccountName = null,
    bool ManagedAccountCreatedByLaps = false,
    LapsBackupDirectory BackupDirectory = LapsBackupDirectory.Disabled,
    DateTimeOffset? LastBackupTime = null,
    DateTimeOffset? LastPasswordUpdateTime = null,
    DateTimeOffset? PasswordExpirationTime = null,
    Guid? LastPasswordVersion = null,
    DateTimeOffset? NextCycleTime = null,
    bool PolicyChangePending = false,
    bool ResetPending = false,
    int ResetPasswordStatus = HResults.SOk,
    DateTimeOffset? PostAuthenticationDeadline = null,
    int PostAuthenticationRetries = 0,
    bool PostAuthenticationExhausted = false,
    DateTimeOffset? LastCycleTime = null,
    int LastCycleResult = HResults.SOk,
    long CyclesRun = 0,
    long Rotations = 0);

/// <summary>A summary of the device's LAPS state for hosts (the CLI's <c>device show</c>).</summary>
/// <param name="PasswordAge">Time since the managed account's password was last set by LAPS; null if never.</param>
/// <param name="NextRotation">When the password expires (AD: the directory's expiry when known), null if never set.</param>
public sealed record LapsStatus(
    LapsPolicy Policy,
    string? ManagedAccountName,
    string? ManagedAccountSid,
    TimeSpan? PasswordAge,
    DateTimeOffset? LastPasswordUpdateTime,
    DateTimeOffset? NextRotation,
    DateTimeOffset? LastBackupTime,
    LapsBackupDirectory BackupDirectory,
    DateTimeOffset? NextCycleTime,
    DateTimeOffset? PostAuthenticationDeadline,
    int ResetPasswordStatus,
    bool RotationInProgress,
    long CyclesRun,
    long Rotations);
