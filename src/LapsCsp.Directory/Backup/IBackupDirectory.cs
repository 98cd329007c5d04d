namespace LapsCsp.Directory.Backup;

/// <summary>Which directory a device backs its LAPS password up to (CSP <c>Policies/BackupDirectory</c> 1 = Entra ID, 2 = AD).</summary>
public enum DirectoryKind
{
    EntraId,
    ActiveDirectory,
}

/// <summary>A backup target for the managed account's password.</summary>
/// <remarks>
/// The device backs the new password up BEFORE it changes the local account (digest C.5: 10017 "The current password has
/// not been modified" / 10028 on failure), so a failed backup leaves the old password in force. Failures come back as data
/// in <see cref="BackupOutcome"/>; <see cref="BackupDirectoryExtensions.BackupOrThrowAsync"/> turns transient ones into
/// <see cref="DirectoryUnavailableException"/> for a retry pipeline.
/// </remarks>
public interface IBackupDirectory
{
    DirectoryKind Kind { get; }

    Task<BackupOutcome> BackupAsync(PasswordBackup backup, CancellationToken ct);
}
