using System.Text.Json;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Audit;
using LapsCsp.Directory.Backup;
using Microsoft.Extensions.Time.Testing;
using static LapsCsp.Directory.Tests.TestBackups;

namespace LapsCsp.Directory.Tests.ActiveDirectory;

/// <summary><see cref="ActiveDirectoryDomain.RenameComputer"/>: a computer object takes a new sAMAccountName (and with it its
/// CN and distinguishedName) and keeps its LAPS attributes.</summary>
public sealed class ComputerRenameTests
{
    private static readonly AdBackupOptions s_encrypted = new(EncryptionPrincipal: "CONTOSO\\LAPS Readers", EncryptedHistorySize: 2);

    private FakeTimeProvider _time = null!;
    private ActiveDirectoryDomain _ad = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(Start);
        _ad = new ActiveDirectoryDomain(_time);
        _ad.AddComputer(DeviceId, "PC01");
        _ad.AddGroupMember("CONTOSO\\LAPS Readers", "CONTOSO\\alice");
    }

    /// <summary>Three encrypted backups: enc-3 is current, enc-2 and enc-1 are the history (size 2).</summary>
    private async Task BackUpThreeEncryptedPasswords()
    {
        for (var i = 1; i <= 3; i++)
        {
            var outcome = await _ad.BackupAsync(For($"enc-{i}", Start.AddDays(i), s_encrypted), CancellationToken.None);
            outcome.Succeeded.Should().BeTrue(outcome.Message);
        }
    }

    [Test]
    public void Rename_changes_sAMAccountName_CN_and_distinguishedName_and_adds_the_trailing_dollar()
    {
        _ad.RenameComputer(DeviceId, "FINANCE-LAPTOP-").Should().BeTrue();

        var attributes = _ad.GetAttributes(DeviceId)!;
        attributes.SamAccountName.Should().Be("FINANCE-LAPTOP-$");
        attributes.DistinguishedName.Should().Be("CN=FINANCE-LAPTOP-,CN=Computers,DC=contoso,DC=com");
        attributes.GetAttribute("sAMAccountName").Should().Be("FINANCE-LAPTOP-$");
    }

    [Test]
    public void A_name_given_with_its_dollar_keeps_one_dollar()
    {
        _ad.RenameComputer(DeviceId, "KIOSK-9$").Should().BeTrue();

        _ad.GetAttributes(DeviceId)!.SamAccountName.Should().Be("KIOSK-9$");
    }

    [Test]
    public async Task Rename_keeps_every_msLAPS_attribute_and_the_password_and_its_history_still_decrypt()
    {
        await BackUpThreeEncryptedPasswords();
        var before = _ad.GetAttributes(DeviceId)!;

        _ad.RenameComputer(DeviceId, "KIOSK-9").Should().BeTrue();

        var after = _ad.GetAttributes(DeviceId)!;
        after.Should().BeEquivalentTo(before, o => o.Excluding(a => a.SamAccountName).Excluding(a => a.DistinguishedName));
        after.EncryptedPassword.Should().Equal(before.EncryptedPassword);
        after.EncryptedPasswordHistory.Should().HaveCount(2);
        _ad.Decrypt(DeviceId, "CONTOSO\\alice")!.Password.Should().Be("enc-3");
        _ad.Decrypt(DeviceId, "CONTOSO\\alice", 0)!.Password.Should().Be("enc-2");
        _ad.Decrypt(DeviceId, "CONTOSO\\alice", 1)!.Password.Should().Be("enc-1");
    }

    [Test]
    public async Task Rename_keeps_a_clear_password_and_its_legacy_alias()
    {
        await _ad.BackupAsync(For("clear-1", ad: new AdBackupOptions(EncryptionEnabled: false)), CancellationToken.None);

        _ad.RenameComputer(DeviceId, "KIOSK-9").Should().BeTrue();

        var after = _ad.GetAttributes(DeviceId)!;
        after.LegacyAdmPwd.Should().Be("clear-1");
        after.PasswordExpirationTime.Should().Be(StartPlus30DaysFileTime);
        after.EncryptedPassword.Should().BeNull();
    }

    [Test]
    public async Task Backups_after_the_rename_reach_the_renamed_object_and_are_audited_under_its_new_name()
    {
        _ad.RenameComputer(DeviceId, "KIOSK-9").Should().BeTrue();

        (await _ad.BackupAsync(For("after", ad: new AdBackupOptions(EncryptionEnabled: false)), CancellationToken.None)).Succeeded.Should().BeTrue();

        _ad.GetAttributes(DeviceId)!.LegacyAdmPwd.Should().Be("after");
        var record = _ad.AuditLog[^1];
        record.ActivityDisplayName.Should().Be(LapsAuditActivities.UpdatePassword);
        record.InitiatedBy.App!.DisplayName.Should().Be("KIOSK-9$");
        record.TargetResources.Single().DisplayName.Should().Be("CN=KIOSK-9,CN=Computers,DC=contoso,DC=com");
    }

    [Test]
    public void Lookup_by_the_new_name_finds_the_computer_and_by_the_old_name_finds_nothing()
    {
        _ad.FindComputer("PC01")!.DeviceId.Should().Be(DeviceId, "before the rename the old name finds it");

        _ad.RenameComputer(DeviceId, "KIOSK-9").Should().BeTrue();

        _ad.FindComputer("KIOSK-9")!.DeviceId.Should().Be(DeviceId);
        _ad.FindComputer("kiosk-9$")!.DeviceId.Should().Be(DeviceId, "sAMAccountName is compared ignoring case, with or without $");
        _ad.FindComputer("PC01").Should().BeNull();
        _ad.FindComputer("PC01$").Should().BeNull();
        _ad.ListComputers().Select(c => c.SamAccountName).Should().Equal("KIOSK-9$");
    }

    [Test]
    public void Renaming_an_unknown_device_is_false_and_records_nothing()
    {
        var audited = _ad.AuditLog.Count;

        _ad.RenameComputer("no-such-device", "KIOSK-9").Should().BeFalse();

        _ad.AuditLog.Should().HaveCount(audited);
        _ad.FindComputer("KIOSK-9").Should().BeNull();
        _ad.GetAttributes(DeviceId)!.SamAccountName.Should().Be("PC01$");
    }

    [Test]
    public void A_name_another_computer_holds_is_refused_and_nothing_changes()
    {
        _ad.AddComputer("other-device", "KIOSK-9");
        var audited = _ad.AuditLog.Count;

        _ad.RenameComputer(DeviceId, "kiosk-9").Should().BeFalse("a sAMAccountName is unique in its domain, whatever its case");

        _ad.GetAttributes(DeviceId)!.SamAccountName.Should().Be("PC01$");
        _ad.FindComputer("KIOSK-9")!.DeviceId.Should().Be("other-device");
        _ad.AuditLog.Should().HaveCount(audited);
    }

    [Test]
    public void A_rename_is_audited_with_the_old_and_new_name_as_done_by_the_computer_itself()
    {
        _ad.RenameComputer(DeviceId, "KIOSK-9").Should().BeTrue();

        var record = _ad.AuditLog.Should().ContainSingle().Subject;
        record.ActivityDisplayName.Should().Be("Rename computer");
        record.Result.Should().Be(DirectoryAuditRecord.Success);
        record.ActivityDateTime.Should().Be(Start);
        record.LoggedByService.Should().Be(LapsAuditActivities.ActiveDirectoryService);
        record.InitiatedBy.App.Should().BeEquivalentTo(new AuditAppIdentity("KIOSK-9$", DeviceId));
        record.TargetResources.Should().BeEquivalentTo([new AuditTargetResource(DeviceId, "CN=KIOSK-9,CN=Computers,DC=contoso,DC=com", "Computer")]);
        record.AdditionalDetails.Should().BeEquivalentTo(
            [
                new AuditKeyValue("Attribute", "sAMAccountName"),
                new AuditKeyValue("OldValue", "PC01$"),
                new AuditKeyValue("NewValue", "KIOSK-9$"),
                new AuditKeyValue("OldDistinguishedName", "CN=PC01,CN=Computers,DC=contoso,DC=com"),
            ],
            o => o.WithStrictOrdering());
    }

    [Test]
    public void A_rename_by_an_administrator_is_audited_as_theirs()
    {
        _ad.RenameComputer(DeviceId, "KIOSK-9", "CONTOSO\\helpdesk").Should().BeTrue();

        _ad.AuditLog[^1].InitiatedBy.User!.DisplayName.Should().Be("CONTOSO\\helpdesk");
        _ad.AuditLog[^1].InitiatedBy.App.Should().BeNull();
    }

    [Test]
    public void Renaming_to_the_name_it_has_changes_nothing_and_records_nothing()
    {
        _ad.RenameComputer(DeviceId, "PC01").Should().BeTrue();
        _ad.RenameComputer(DeviceId, "PC01$").Should().BeTrue();

        _ad.AuditLog.Should().BeEmpty();
        _ad.GetAttributes(DeviceId)!.SamAccountName.Should().Be("PC01$");
    }

    [Test]
    public void A_change_of_case_only_is_a_rename()
    {
        _ad.RenameComputer(DeviceId, "pc01").Should().BeTrue();

        _ad.GetAttributes(DeviceId)!.SamAccountName.Should().Be("pc01$");
        _ad.AuditLog.Should().ContainSingle();
    }

    [Test]
    public async Task A_renamed_computer_round_trips_through_the_snapshot_with_its_name_attributes_and_audit()
    {
        await BackUpThreeEncryptedPasswords();
        _time.Advance(TimeSpan.FromHours(1));
        _ad.RenameComputer(DeviceId, "KIOSK-9").Should().BeTrue();

        var json = JsonSerializer.Serialize(_ad.Snapshot());
        var restored = ActiveDirectoryDomain.FromSnapshot(JsonSerializer.Deserialize<ActiveDirectorySnapshot>(json)!, _time);

        restored.GetAttributes(DeviceId).Should().BeEquivalentTo(_ad.GetAttributes(DeviceId));
        restored.GetAttributes(DeviceId)!.DistinguishedName.Should().Be("CN=KIOSK-9,CN=Computers,DC=contoso,DC=com");
        restored.FindComputer("KIOSK-9")!.DeviceId.Should().Be(DeviceId);
        restored.FindComputer("PC01").Should().BeNull();
        restored.Decrypt(DeviceId, "CONTOSO\\alice")!.Password.Should().Be("enc-3");
        restored.Decrypt(DeviceId, "CONTOSO\\alice", 1)!.Password.Should().Be("enc-1");
        restored.AuditLog.Take(_ad.AuditLog.Count).Should().BeEquivalentTo(_ad.AuditLog, o => o.WithStrictOrdering());
        restored.AuditLog.Should().Contain(r => r.ActivityDisplayName == LapsAuditActivities.RenameComputer);
        JsonSerializer.Serialize(ActiveDirectoryDomain.FromSnapshot(JsonSerializer.Deserialize<ActiveDirectorySnapshot>(json)!, _time).Snapshot())
            .Should().Be(json);
    }

    [Test]
    public void A_computer_renamed_after_a_restore_keeps_its_rename_in_the_next_snapshot()
    {
        var restored = ActiveDirectoryDomain.FromSnapshot(_ad.Snapshot(), _time);

        restored.RenameComputer(DeviceId, "KIOSK-9").Should().BeTrue();

        restored.Snapshot().Computers.Single().SamAccountName.Should().Be("KIOSK-9$");
        _ad.GetAttributes(DeviceId)!.SamAccountName.Should().Be("PC01$", "the restored domain is a copy");
    }
}
