using System.Text.Json;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Audit;
using LapsCsp.Directory.Backup;
using LapsCsp.Directory.Entra;
using LapsCsp.Storage.Audit;
using LapsCsp.Storage.Directories;
using Microsoft.Extensions.Time.Testing;
using static LapsCsp.Storage.Tests.StoreHarness;

namespace LapsCsp.Storage.Tests.Directories;

public sealed class DirectoryStoreTests
{
    private const string Device = "b465e4e8-e4e8-b465-e8e4-65b4e8e465b4";
    private const string AccountSid = "S-1-5-21-2318891144-2006163163-1497587380-1000";

    private FakeTimeProvider _clock = null!;
    private TempFolder _folder = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = NewClock();
        _folder = new TempFolder();
    }

    [TearDown]
    public void TearDown() => _folder.Dispose();

    [Test]
    public async Task Entra_tenant_reloaded_from_the_file_returns_the_backed_up_passwords_and_its_audit_log()
    {
        var path = _folder.File("laps.db");
        var entra = new EntraIdDirectory(_clock, new EntraIdOptions(HistorySize: 3));
        entra.RegisterDevice(Device, "LAPS-PC01");
        for (var i = 1; i <= 4; i++)
        {
            (await entra.BackupAsync(Backup($"pw-{i}"), CancellationToken.None)).Succeeded.Should().BeTrue();
            _clock.Advance(TimeSpan.FromDays(7));
        }

        entra.RecordPasswordRead(Device, "admin@contoso.com");
        using (var store = LapsStore.Open(path)) store.SaveEntra(entra.Snapshot()).Should().Be(1);

        using (var store = LapsStore.Open(path))
        {
            var restored = EntraIdDirectory.FromSnapshot(store.LoadEntra()!, _clock);

            restored.Get(Device)!.Credentials.Select(c => c.DecodePassword()).Should().Equal("pw-4", "pw-3", "pw-2");
            restored.AuditLog.Should().BeEquivalentTo(entra.AuditLog, o => o.WithStrictOrdering());
            JsonSerializer.Serialize(restored.Snapshot()).Should().Be(JsonSerializer.Serialize(entra.Snapshot()));
        }
    }

    [Test]
    public async Task AD_domain_reloaded_from_the_file_decrypts_for_the_encryption_principal_only()
    {
        var path = _folder.File("laps.db");
        var ad = new ActiveDirectoryDomain(_clock);
        ad.AddComputer(Device, "PC01");
        ad.AddGroupMember("CONTOSO\\LAPSAdmins", "CONTOSO\\alice");
        var options = new AdBackupOptions(EncryptionPrincipal: "LAPSAdmins@contoso.com", EncryptedHistorySize: 6);
        for (var i = 1; i <= 3; i++)
        {
            (await ad.BackupAsync(Backup($"secret-{i}", options), CancellationToken.None)).Succeeded.Should().BeTrue();
            _clock.Advance(TimeSpan.FromDays(30));
        }

        using (var store = LapsStore.Open(path)) store.SaveActiveDirectory(ad.Snapshot());

        using (var store = LapsStore.Open(path))
        {
            store.ListDirectoryNames().Should().Equal("ad:contoso.com");
            var restored = ActiveDirectoryDomain.FromSnapshot(store.LoadActiveDirectory("CONTOSO.com")!, _clock);

            restored.Decrypt(Device, "alice@contoso.com")!.Password.Should().Be("secret-3");
            restored.Decrypt(Device, "CONTOSO\\alice", historyIndex: 1)!.Password.Should().Be("secret-1");
            restored.Invoking(d => d.Decrypt(Device, "CONTOSO\\bob")).Should().Throw<LapsDecryptionDeniedException>();
            restored.ListComputers().Should().BeEquivalentTo(ad.ListComputers());
        }
    }

    [Test]
    public async Task Saving_a_directory_again_stores_each_audit_record_once_and_appends_the_new_ones()
    {
        using var store = LapsStore.OpenInMemory();
        var entra = new EntraIdDirectory(_clock);
        entra.RegisterDevice(Device, "LAPS-PC01");
        await entra.BackupAsync(Backup("one"), CancellationToken.None);
        store.SaveEntra(entra.Snapshot());
        _clock.Advance(TimeSpan.FromHours(1));
        entra.RecordPasswordRead(Device, "helpdesk@contoso.com");

        store.SaveEntra(entra.Snapshot()).Should().Be(2);

        store.CountAudit(new AuditQuery(Source: DirectoryNames.Entra)).Should().Be(2);
        store.LoadEntra()!.Audit.Select(a => a.ActivityDisplayName)
            .Should().Equal(LapsAuditActivities.UpdatePassword, LapsAuditActivities.RecoverPassword);
        store.LoadDirectory(DirectoryNames.Entra).Should().Contain("\"Audit\":[]", "the log lives in audit_records, not in the snapshot row");
    }

    [Test]
    public void Raw_directory_documents_are_versioned_like_devices()
    {
        var clock = NewClock();
        using var store = LapsStore.OpenInMemory(options: OptionsWith(clock));

        store.SaveDirectory("ad:fabrikam.com", """{"a":1}""").Should().Be(1);
        clock.Advance(TimeSpan.FromSeconds(3));
        store.SaveDirectory("ad:fabrikam.com", """{"a":2}""", expectedVersion: 1).Should().Be(2);

        store.LoadDirectoryRecord("ad:fabrikam.com").Should().BeEquivalentTo(
            new StoredDirectory("ad:fabrikam.com", """{"a":2}""", 2, Start.AddSeconds(3)));
        store.Invoking(s => s.SaveDirectory("ad:fabrikam.com", "{}", expectedVersion: 1))
            .Should().Throw<ConcurrencyException>().Which.Table.Should().Be("directory_state");
        store.Invoking(s => s.SaveDirectory("entra", "{ half")).Should().Throw<ArgumentException>();
        store.LoadDirectory("entra").Should().BeNull();
        store.LoadEntra().Should().BeNull();
    }

    private PasswordBackup Backup(string password, AdBackupOptions? ad = null)
    {
        var now = _clock.GetUtcNow();
        return new PasswordBackup(Device, "LAPS-PC01", "ContosoLocalLapsAdmin", AccountSid, password, now, now.AddDays(30), ad);
    }
}
