using System.Text.Json;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Backup;
using LapsCsp.Directory.Entra;
using Microsoft.Extensions.Time.Testing;
using static LapsCsp.Directory.Tests.TestBackups;

namespace LapsCsp.Directory.Tests.Persistence;

public sealed class SnapshotTests
{
    private FakeTimeProvider _time = null!;

    [SetUp]
    public void SetUp() => _time = new FakeTimeProvider(Start);

    [Test]
    public async Task Entra_snapshot_round_trips_through_JSON_with_everything()
    {
        var entra = new EntraIdDirectory(_time, new EntraIdOptions(HistorySize: 3));
        entra.RegisterDevice(DeviceId, "LAPS_TEST");
        entra.RegisterDevice("joined-never-backed-up", "IDLE");
        for (var i = 0; i < 4; i++)
        {
            await entra.BackupAsync(For($"p{i}", _time.GetUtcNow()), CancellationToken.None);
            _time.Advance(TimeSpan.FromHours(1));
        }

        entra.RecordPasswordRead(DeviceId, "admin@contoso.com");
        entra.LapsEnabled = false;

        var json = JsonSerializer.Serialize(entra.Snapshot());
        var restored = EntraIdDirectory.FromSnapshot(JsonSerializer.Deserialize<EntraIdSnapshot>(json)!, _time);

        restored.LapsEnabled.Should().BeFalse();
        restored.HistorySize.Should().Be(3);
        restored.IsRegistered("joined-never-backed-up").Should().BeTrue();
        restored.Get(DeviceId).Should().BeEquivalentTo(entra.Get(DeviceId));
        restored.Get(DeviceId)!.Credentials.Select(c => c.DecodePassword()).Should().Equal("p3", "p2", "p1");
        restored.AuditLog.Should().BeEquivalentTo(entra.AuditLog, o => o.WithStrictOrdering());
        JsonSerializer.Serialize(restored.Snapshot()).Should().Be(json);
    }

    [Test]
    public async Task AD_snapshot_round_trips_through_JSON_and_keeps_decryptability()
    {
        var ad = new ActiveDirectoryDomain(_time, new ActiveDirectoryOptions(DnsDomainName: "corp.fabrikam.com", NetBiosName: "FABRIKAM"));
        ad.AddComputer(DeviceId, "PC01");
        ad.AddComputer("clear-device", "PC02");
        ad.AddGroupMember("FABRIKAM\\LAPS Readers", "FABRIKAM\\alice");
        var options = new AdBackupOptions(EncryptionPrincipal: "FABRIKAM\\LAPS Readers", EncryptedHistorySize: 2);
        for (var i = 1; i <= 3; i++) await ad.BackupAsync(For($"enc-{i}", Start.AddDays(i), options), CancellationToken.None);
        await ad.BackupAsync(For("clear", ad: new AdBackupOptions(EncryptionEnabled: false), deviceId: "clear-device"), CancellationToken.None);
        ad.FunctionalLevel = DomainFunctionalLevel.Windows2025;

        var json = JsonSerializer.Serialize(ad.Snapshot());
        var snapshot = JsonSerializer.Deserialize<ActiveDirectorySnapshot>(json)!;
        var restored = ActiveDirectoryDomain.FromSnapshot(snapshot, _time);

        json.Should().Contain("\"FunctionalLevel\":\"Windows2025\"");
        snapshot.KdsKeys.Should().Contain(k => k.PrincipalSid == ad.ResolvePrincipal("FABRIKAM\\LAPS Readers")!.Sid && k.Key.Length == 32);
        restored.NetBiosName.Should().Be("FABRIKAM");
        restored.FunctionalLevel.Should().Be(DomainFunctionalLevel.Windows2025);
        restored.ListComputers().Should().BeEquivalentTo(ad.ListComputers());
        restored.Decrypt(DeviceId, "alice@corp.fabrikam.com")!.Password.Should().Be("enc-3");
        restored.Decrypt(DeviceId, "FABRIKAM\\alice", 1)!.Password.Should().Be("enc-1");
        restored.Invoking(d => d.Decrypt(DeviceId, "FABRIKAM\\Administrator")).Should().Throw<LapsDecryptionDeniedException>();
        restored.GetAttributes("clear-device")!.LegacyAdmPwd.Should().Be("clear");
        restored.AuditLog.Take(ad.AuditLog.Count).Should().BeEquivalentTo(ad.AuditLog, o => o.WithStrictOrdering());
        JsonSerializer.Serialize(ActiveDirectoryDomain.FromSnapshot(snapshot, _time).Snapshot()).Should().Be(json);
    }

    [Test]
    public async Task New_principals_after_a_reload_do_not_reuse_RIDs()
    {
        var ad = new ActiveDirectoryDomain(_time);
        var first = ad.AddPrincipal("CONTOSO\\first");

        var restored = ActiveDirectoryDomain.FromSnapshot(ad.Snapshot(), _time);
        var second = restored.AddPrincipal("CONTOSO\\second");

        second.Sid.Should().NotBe(first.Sid);
        restored.ResolvePrincipal(first.Sid).Should().Be(first);
        await Task.CompletedTask;
    }

    [Test]
    public async Task Without_its_KDS_keys_a_reloaded_domain_cannot_decrypt()
    {
        var ad = new ActiveDirectoryDomain(_time);
        ad.AddComputer(DeviceId, "PC01");
        await ad.BackupAsync(For("pw"), CancellationToken.None);

        var keyless = ActiveDirectoryDomain.FromSnapshot(ad.Snapshot() with { KdsKeys = [] }, _time);

        keyless.Invoking(d => d.Decrypt(DeviceId, "CONTOSO\\Administrator")).Should().Throw<InvalidLapsBlobException>();
    }

    [Test]
    public async Task Keys_of_another_domain_do_not_decrypt_this_domains_blobs()
    {
        var ad = new ActiveDirectoryDomain(_time);
        ad.AddComputer(DeviceId, "PC01");
        await ad.BackupAsync(For("pw"), CancellationToken.None);
        var stranger = new ActiveDirectoryDomain(_time).Snapshot();

        var swapped = ActiveDirectoryDomain.FromSnapshot(ad.Snapshot() with { KdsKeys = stranger.KdsKeys }, _time);

        swapped.Invoking(d => d.Decrypt(DeviceId, "CONTOSO\\Administrator")).Should().Throw<InvalidLapsBlobException>();
    }
}
