using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Audit;
using LapsCsp.Directory.Backup;
using LapsCsp.Directory.Entra;
using Microsoft.Extensions.Time.Testing;
using static LapsCsp.Directory.Tests.TestBackups;

namespace LapsCsp.Directory.Tests.Audit;

/// <summary><c>AuditCount</c> and <c>AuditLogSince</c> of both directories: a reader that remembers the count reads only the
/// entries appended since, and sees exactly what a copy of the whole log would show.</summary>
[TestFixture("entra")]
[TestFixture("activeDirectory")]
public sealed class AuditLogSinceTests(string directory)
{
    private FakeTimeProvider _time = null!;
    private AuditedDirectory _log = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(Start);
        _log = AuditedDirectory.Create(directory, _time);
    }

    [Test]
    public async Task A_new_directory_has_no_entries_and_reads_nothing_from_position_0()
    {
        _log.Count.Should().Be(0);
        _log.Since(0).Should().BeEmpty();

        await _log.BackupAsync("First-1aA");

        _log.Count.Should().Be(1);
        _log.Since(0).Should().Equal(_log.All);
    }

    [Test]
    public async Task Reading_from_the_last_count_gives_exactly_the_entries_appended_since_in_log_order()
    {
        var read = new List<DirectoryAuditRecord>();
        var position = 0;
        for (var round = 0; round < 4; round++)
        {
            for (var i = 0; i <= round; i++)
            {
                await _log.BackupAsync($"Password-{round}{i}aA");
                _log.ReadPassword();
                _time.Advance(TimeSpan.FromMinutes(7));
            }

            var since = _log.Since(position);
            since.Should().HaveCount(2 * (round + 1), "a backup and a password read per step of this round");
            read.AddRange(since);
            position = _log.Count;
        }

        read.Should().Equal(_log.All, "incremental reads put together are the whole log, in order, each entry once");
        _log.Since(position).Should().BeEmpty("nothing was appended since the last read");
    }

    [Test]
    public async Task The_entries_handed_out_are_a_copy_that_later_appends_do_not_change()
    {
        await _log.BackupAsync("First-1aA");
        var since = _log.Since(0);

        await _log.BackupAsync("Second-2bB");

        since.Should().HaveCount(1);
        _log.Since(1).Should().ContainSingle().Which.Should().Be(_log.All[1]);
    }

    [Test]
    public async Task Trimming_the_credential_history_never_trims_the_audit_so_positions_read_earlier_stay_valid()
    {
        // Entra keeps HistorySize credentials and AD ADEncryptedPasswordHistorySize blobs per device, dropping the oldest:
        // the audit log is not trimmed with them.
        for (var i = 0; i < 14; i++)
        {
            await _log.BackupAsync($"Password-{i}aA");
            _time.Advance(TimeSpan.FromHours(1));
        }

        _log.HistoryLength.Should().BeLessThan(14, "the device's password history was trimmed");
        var first = _log.Since(0);
        _log.Count.Should().Be(14, "one audit entry per backup, none dropped");
        first.Select(e => e.ActivityDateTime).Should().Equal(Enumerable.Range(0, 14).Select(h => Start.AddHours(h)));
        _log.Since(10).Should().Equal(first.Skip(10));
    }

    [Test]
    public async Task A_directory_restored_from_its_snapshot_counts_the_restored_entries_and_continues_after_them()
    {
        await _log.BackupAsync("First-1aA");
        _log.ReadPassword();
        var restored = _log.Restored(_time);

        restored.Count.Should().Be(2);
        await restored.BackupAsync("Second-2bB");

        restored.Since(2).Should().ContainSingle().Which.ActivityDisplayName.Should().Be(LapsAuditActivities.UpdatePassword);
        restored.Since(0).Should().Equal(restored.All);
    }

    [TestCase(-1, TestName = "AuditLogSince_refuses_a_negative_position")]
    [TestCase(3, TestName = "AuditLogSince_refuses_a_position_beyond_the_count")]
    public async Task AuditLogSince_refuses_a_position_outside_the_log(int start)
    {
        await _log.BackupAsync("First-1aA");
        _log.ReadPassword();

        var act = () => _log.Since(start);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public async Task Concurrent_appends_are_each_read_once_by_a_reader_that_follows_the_count()
    {
        await _log.BackupAsync("First-1aA");
        var read = new List<DirectoryAuditRecord>();
        var position = 0;
        var writer = Task.Run(() =>
        {
            for (var i = 0; i < 300; i++) _log.ReadPassword();
        });
        while (!writer.IsCompleted)
        {
            var since = _log.Since(position);
            read.AddRange(since);
            position += since.Count;
        }

        await writer;
        read.AddRange(_log.Since(position));

        read.Should().Equal(_log.All);
        read.Should().HaveCount(301, "the backup and 300 password reads");
    }

    /// <summary>One directory's audit API, the same for both kinds.</summary>
    private sealed record AuditedDirectory(
        Func<int> Counter,
        Func<int, IReadOnlyList<DirectoryAuditRecord>> Reader,
        Func<IReadOnlyList<DirectoryAuditRecord>> Whole,
        Func<PasswordBackup, Task<BackupOutcome>> Backup,
        Action Read,
        Func<int> History,
        Func<TimeProvider, AuditedDirectory> Restore)
    {
        public int Count => Counter();

        public IReadOnlyList<DirectoryAuditRecord> All => Whole();

        public int HistoryLength => History();

        public IReadOnlyList<DirectoryAuditRecord> Since(int start) => Reader(start);

        public AuditedDirectory Restored(TimeProvider time) => Restore(time);

        public async Task BackupAsync(string password)
        {
            var outcome = await Backup(For(password, ad: new AdBackupOptions(EncryptionEnabled: true, EncryptedHistorySize: 3)));
            outcome.Succeeded.Should().BeTrue(outcome.Message);
        }

        /// <summary>An administrator reads the password: one "Recover device local administrator password" entry.</summary>
        public void ReadPassword() => Read();

        public static AuditedDirectory Create(string kind, TimeProvider time)
        {
            if (kind == "entra")
            {
                var entra = new EntraIdDirectory(time);
                entra.RegisterDevice(DeviceId, "LAPS_TEST");
                return Of(entra);
            }

            var ad = new ActiveDirectoryDomain(time);
            ad.AddComputer(DeviceId, "PC01");
            return Of(ad);
        }

        private static AuditedDirectory Of(EntraIdDirectory entra) => new(
            () => entra.AuditCount, entra.AuditLogSince, () => entra.AuditLog, b => entra.BackupAsync(b, CancellationToken.None),
            () => entra.RecordPasswordRead(DeviceId, "helpdesk@contoso.com").Should().NotBeNull(),
            () => entra.Get(DeviceId)?.Credentials.Length ?? 0,
            time => Of(EntraIdDirectory.FromSnapshot(entra.Snapshot(), time)));

        private static AuditedDirectory Of(ActiveDirectoryDomain ad) => new(
            () => ad.AuditCount, ad.AuditLogSince, () => ad.AuditLog, b => ad.BackupAsync(b, CancellationToken.None),
            () => ad.Decrypt(DeviceId, "CONTOSO\\Administrator"),
            () => ad.GetAttributes(DeviceId) is { EncryptedPasswordHistory: var history } ? 1 + (history.IsDefault ? 0 : history.Length) : 0,
            time => Of(ActiveDirectoryDomain.FromSnapshot(ad.Snapshot(), time)));
    }
}
