using LapsCsp.Directory.Audit;
using LapsCsp.Directory.Backup;
using LapsCsp.Directory.Entra;
using Microsoft.Extensions.Time.Testing;
using static LapsCsp.Directory.Tests.TestBackups;

namespace LapsCsp.Directory.Tests.Entra;

public sealed class EntraIdDirectoryTests
{
    private FakeTimeProvider _time = null!;
    private EntraIdDirectory _entra = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(Start);
        _entra = new EntraIdDirectory(_time);
        _entra.RegisterDevice(DeviceId, "LAPS_TEST");
    }

    [Test]
    public async Task Three_backups_keep_a_history_newest_first()
    {
        foreach (var password in new[] { "First-1aA", "Second-2bB", "Third-3cC" })
        {
            var outcome = await _entra.BackupAsync(For(password, _time.GetUtcNow()), CancellationToken.None);
            outcome.Succeeded.Should().BeTrue(outcome.Message);
            outcome.HttpStatus.Should().Be(200);
            _time.Advance(TimeSpan.FromDays(1));
        }

        var info = _entra.Get(DeviceId)!;
        info.Id.Should().Be(DeviceId);
        info.DeviceName.Should().Be("LAPS_TEST");
        info.Credentials.Select(c => c.DecodePassword()).Should().Equal("Third-3cC", "Second-2bB", "First-1aA");
        info.Credentials.Select(c => c.BackupDateTime).Should().Equal(Start.AddDays(2), Start.AddDays(1), Start);
        info.LastBackupDateTime.Should().Be(Start.AddDays(2));
        info.RefreshDateTime.Should().Be(Start.AddDays(32), "refreshDateTime is the device's next expiration");
        info.Credentials.Should().AllSatisfy(c =>
        {
            c.AccountName.Should().Be("Administrator");
            c.AccountSid.Should().Be(AccountSid);
        });
    }

    [Test]
    public void PasswordBase64_is_UTF16LE_as_in_the_Graph_doc_sample()
    {
        DeviceLocalCredential.DecodePassword("UQBRAEAAZAA4AGYAOABnAFkA").Should().Be("QQ@d8f8gY");
        DeviceLocalCredential.EncodePassword("QQ@d8f8gY").Should().Be("UQBRAEAAZAA4AGYAOABnAFkA");
    }

    [Test]
    public async Task A_backed_up_password_is_stored_as_the_Graph_passwordBase64()
    {
        await _entra.BackupAsync(For("QQ@d8f8gY"), CancellationToken.None);

        _entra.Get(DeviceId)!.Credentials.Single().PasswordBase64.Should().Be("UQBRAEAAZAA4AGYAOABnAFkA");
    }

    [Test]
    public async Task History_is_bounded_by_the_configured_size()
    {
        var entra = new EntraIdDirectory(_time, new EntraIdOptions(HistorySize: 2));
        entra.RegisterDevice(DeviceId, "LAPS_TEST");
        foreach (var password in new[] { "p1", "p2", "p3" })
        {
            await entra.BackupAsync(For(password), CancellationToken.None);
        }

        entra.Get(DeviceId)!.Credentials.Select(c => c.DecodePassword()).Should().Equal("p3", "p2");
    }

    [Test]
    public async Task Default_history_keeps_ten_credentials()
    {
        for (var i = 0; i < 12; i++)
        {
            await _entra.BackupAsync(For($"p{i}"), CancellationToken.None);
        }

        _entra.HistorySize.Should().Be(10);
        _entra.Get(DeviceId)!.Credentials.Should().HaveCount(10);
        _entra.Get(DeviceId)!.Credentials[0].DecodePassword().Should().Be("p11");
    }

    [Test]
    public void History_size_below_one_is_rejected_at_construction()
    {
        var act = () => new EntraIdDirectory(_time, new EntraIdOptions(HistorySize: 0));

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public async Task Backup_fails_with_LapsDisabledInTenant_and_403_when_the_tenant_switch_is_off()
    {
        _entra.LapsEnabled = false;

        var outcome = await _entra.BackupAsync(For("pw"), CancellationToken.None);

        outcome.Succeeded.Should().BeFalse();
        outcome.Failure.Should().Be(BackupFailureKind.LapsDisabledInTenant);
        outcome.HttpStatus.Should().Be(403);
        outcome.IsTransient.Should().BeFalse();
        _entra.Get(DeviceId).Should().BeNull();
        _entra.AuditLog.Should().BeEmpty();

        _entra.LapsEnabled = true;
        (await _entra.BackupAsync(For("pw"), CancellationToken.None)).Succeeded.Should().BeTrue();
    }

    [Test]
    public async Task Backup_for_an_unregistered_device_fails_with_DeviceNotFound()
    {
        var outcome = await _entra.BackupAsync(For("pw", deviceId: "00000000-0000-0000-0000-000000000001"), CancellationToken.None);

        outcome.Failure.Should().Be(BackupFailureKind.DeviceNotFound);
        outcome.HttpStatus.Should().Be(404);
        outcome.IsTransient.Should().BeFalse();
        _entra.List().Should().BeEmpty();
    }

    [Test]
    public async Task Deleting_the_device_deletes_its_credentials()
    {
        await _entra.BackupAsync(For("pw"), CancellationToken.None);

        _entra.DeleteDevice(DeviceId).Should().BeTrue();

        _entra.Get(DeviceId).Should().BeNull();
        _entra.List().Should().BeEmpty();
        _entra.IsRegistered(DeviceId).Should().BeFalse();
        (await _entra.BackupAsync(For("pw2"), CancellationToken.None)).Failure.Should().Be(BackupFailureKind.DeviceNotFound);
        _entra.RegisterDevice(DeviceId, "LAPS_TEST");
        _entra.Get(DeviceId).Should().BeNull("re-joining does not bring the lost credential back");
    }

    [Test]
    public async Task A_registered_device_without_backup_has_no_credential_info()
    {
        _entra.Get(DeviceId).Should().BeNull();
        _entra.List().Should().BeEmpty();
        (await _entra.BackupAsync(For("pw"), CancellationToken.None)).Succeeded.Should().BeTrue();
        _entra.List().Should().ContainSingle();
    }

    [Test]
    public async Task List_is_ordered_by_device_name()
    {
        _entra.RegisterDevice("id-c", "Charlie");
        _entra.RegisterDevice("id-a", "alpha");
        _entra.RegisterDevice("id-b", "Bravo");
        foreach (var id in new[] { "id-c", "id-a", "id-b", DeviceId })
        {
            await _entra.BackupAsync(For("pw", deviceId: id), CancellationToken.None);
        }

        _entra.List().Select(i => i.DeviceName).Should().Equal("alpha", "Bravo", "Charlie", "LAPS_TEST");
    }

    [Test]
    public async Task Every_backup_appends_an_Update_audit_record()
    {
        await _entra.BackupAsync(For("p1"), CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1));
        await _entra.BackupAsync(For("p2"), CancellationToken.None);

        _entra.AuditLog.Should().HaveCount(2);
        var record = _entra.AuditLog[1];
        record.ActivityDisplayName.Should().Be("Update device local administrator password");
        record.Category.Should().Be("Device");
        record.LoggedByService.Should().Be("Device Registration Service");
        record.Result.Should().Be("success");
        record.ActivityDateTime.Should().Be(Start.AddHours(1));
        record.TargetResources.Should().ContainSingle().Which.Should().Be(new AuditTargetResource(DeviceId, "LAPS_TEST", "Device"));
        record.InitiatedBy.App!.ServicePrincipalId.Should().Be(DeviceId);
        record.Id.Should().NotBe(_entra.AuditLog[0].Id);
    }

    [Test]
    public async Task RecordPasswordRead_appends_a_Recover_audit_record_like_Entra()
    {
        await _entra.BackupAsync(For("pw"), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(5));

        var record = _entra.RecordPasswordRead(DeviceId, "admin@contoso.com");

        record.Should().NotBeNull();
        _entra.AuditLog.Should().HaveCount(2).And.EndWith(record!);
        record!.ActivityDisplayName.Should().Be("Recover device local administrator password");
        record.Category.Should().Be("Device");
        record.LoggedByService.Should().Be("Device Registration Service");
        record.ActivityDateTime.Should().Be(Start.AddMinutes(5));
        record.InitiatedBy.User!.UserPrincipalName.Should().Be("admin@contoso.com");
        record.AdditionalDetails.Should().ContainSingle()
            .Which.Should().Be(new AuditKeyValue("AdditionalInfo", "Successfully recovered local credential by device id"));
    }

    [Test]
    public void RecordPasswordRead_for_a_device_without_credential_logs_nothing()
    {
        _entra.RecordPasswordRead(DeviceId, "admin@contoso.com").Should().BeNull();
        _entra.RecordPasswordRead("unknown", "admin@contoso.com").Should().BeNull();
        _entra.AuditLog.Should().BeEmpty();
    }

    [Test]
    public async Task Renaming_a_device_renames_its_credential_info()
    {
        await _entra.BackupAsync(For("pw"), CancellationToken.None);

        _entra.RegisterDevice(DeviceId, "RENAMED");

        _entra.Get(DeviceId)!.DeviceName.Should().Be("RENAMED");
        _entra.Get(DeviceId)!.Credentials.Should().ContainSingle();
    }

    [Test]
    public void PasswordBackup_ToString_never_shows_the_password()
    {
        var text = For("Sup3r-Secret!").ToString();

        text.Should().NotContain("Sup3r-Secret!").And.Contain("Password = ***").And.Contain(DeviceId);
    }

    [TestCase("Global Administrator", true, true, TestName = "Global_Administrator_reads_passwords_and_metadata")]
    [TestCase("Cloud Device Administrator", true, true, TestName = "Cloud_Device_Administrator_reads_passwords_and_metadata")]
    [TestCase("Intune Service Administrator", true, true, TestName = "Intune_Service_Administrator_reads_passwords_and_metadata")]
    [TestCase("Global Reader", false, true, TestName = "Global_Reader_reads_metadata_only")]
    [TestCase("Helpdesk Administrator", false, true, TestName = "Helpdesk_Administrator_reads_metadata_only")]
    [TestCase("Security Administrator", false, true, TestName = "Security_Administrator_reads_metadata_only")]
    [TestCase("Security Reader", false, true, TestName = "Security_Reader_reads_metadata_only")]
    [TestCase("User Administrator", false, false, TestName = "Unlisted_roles_read_neither")]
    public void Role_permissions_follow_the_Entra_LAPS_table(string role, bool password, bool metadata)
    {
        DeviceLocalCredentialPermissions.RoleCanReadPassword(role).Should().Be(password);
        DeviceLocalCredentialPermissions.RoleCanReadMetadata(role).Should().Be(metadata);
    }
}
