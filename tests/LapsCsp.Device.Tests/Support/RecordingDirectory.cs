using LapsCsp.Device.Accounts;
using LapsCsp.Directory.Backup;

namespace LapsCsp.Device.Tests.Support;

/// <summary>Wraps a directory and records, at the moment of each backup, what the managed account's password was then:
/// the evidence that the device backs up BEFORE it changes the local password.</summary>
internal sealed class RecordingDirectory(IBackupDirectory inner, Func<LocalAccountStore?> accounts) : IBackupDirectory
{
    public List<(PasswordBackup Backup, bool AccountAlreadyHadIt, BackupOutcome Outcome)> Calls { get; } = [];

    public DirectoryKind Kind => inner.Kind;

    public async Task<BackupOutcome> BackupAsync(PasswordBackup backup, CancellationToken ct)
    {
        var store = accounts();
        var alreadyHadIt = store is not null && store.All.Any(a => a.Sid == backup.AccountSid && a.Password == backup.Password);
        var outcome = await inner.BackupAsync(backup, ct).ConfigureAwait(false);
        Calls.Add((backup, alreadyHadIt, outcome));
        return outcome;
    }
}
