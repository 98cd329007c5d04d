namespace LapsCsp.Directory.Backup;

/// <summary>A transient backup failure raised as an exception so that a retry pipeline (Polly) can handle it.</summary>
/// <remarks>
/// Shape chosen: directories never throw for a failed backup; they return <see cref="BackupOutcome"/>. A caller that wants
/// retries calls <see cref="BackupDirectoryExtensions.BackupOrThrowAsync"/> (or <see cref="BackupOutcome.ThrowIfTransient"/>),
/// which throws this exception only when <see cref="BackupOutcome.IsTransient"/>; non-transient failures stay data because
/// retrying them is pointless. When the retries are exhausted the caller takes <see cref="Outcome"/> back out of the exception
/// and logs it like any other failure, so no information lives only in the exception message.
/// </remarks>
public sealed class DirectoryUnavailableException : Exception
{
    public DirectoryUnavailableException(BackupOutcome outcome)
        : base($"{outcome.Directory} unavailable ({outcome.Failure}): {outcome.Message}")
    {
        ArgumentNullException.ThrowIfNull(outcome);
        Outcome = outcome;
    }

    public BackupOutcome Outcome { get; }
}

public static class BackupDirectoryExtensions
{
    /// <summary>Backs up and throws <see cref="DirectoryUnavailableException"/> for a transient failure; returns success
    /// and non-transient failures as data.</summary>
    public static async Task<BackupOutcome> BackupOrThrowAsync(
        this IBackupDirectory directory, PasswordBackup backup, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var outcome = await directory.BackupAsync(backup, ct).ConfigureAwait(false);
        return outcome.ThrowIfTransient();
    }
}
