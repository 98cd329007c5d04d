using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Backup;
using Microsoft.Extensions.Time.Testing;
using static LapsCsp.Directory.Tests.TestBackups;

namespace LapsCsp.Directory.Tests.ActiveDirectory;

public sealed class ActiveDirectoryDomainTests
{
    private static readonly AdBackupOptions s_clear = new(EncryptionEnabled: false);

    private FakeTimeProvider _time = null!;
    private ActiveDirectoryDomain _ad = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(Start);
        _ad = new ActiveDirectoryDomain(_time);
        _ad.AddComputer(DeviceId, "PC01");
    }

    [Test]
    public async Task Clear_password_is_the_n_t_p_JSON_with_lower_case_hex_FILETIME()
    {
        var outcome = await _ad.BackupAsync(For("Ab1,.-+;!#&@{}[]$/()%", ad: s_clear), CancellationToken.None);

        outcome.Succeeded.Should().BeTrue(outcome.Message);
        outcome.HttpStatus.Should().BeNull("AD speaks LDAP, not HTTP");
        var attributes = _ad.GetAttributes(DeviceId)!;
        attributes.Password.Should().Be("""{"n":"Administrator","t":"1d973731252f480","p":"Ab1,.-+;!#&@{}[]$/()%"}""");
        attributes.EncryptedPassword.Should().BeNull();
        attributes.EncryptedPasswordHistory.Should().BeEmpty();
    }

    [Test]
    public async Task Clear_password_JSON_escapes_quotes_and_backslashes()
    {
        await _ad.BackupAsync(For("a\"b\\c", ad: s_clear), CancellationToken.None);

        var json = _ad.GetAttributes(DeviceId)!.Password!;
        json.Should().Contain("""
            "p":"a\"b\\c"
            """);
        LapsPasswordPayload.TryParse(json)!.Password.Should().Be("a\"b\\c");
    }

    [Test]
    public async Task Legacy_attribute_names_are_read_only_aliases()
    {
        await _ad.BackupAsync(For("Legacy-1aA", ad: s_clear), CancellationToken.None);
        var attributes = _ad.GetAttributes(DeviceId)!;

        attributes.LegacyAdmPwd.Should().Be("Legacy-1aA");
        attributes.LegacyAdmPwdExpirationTime.Should().Be(StartPlus30DaysFileTime);
        attributes.GetAttribute("ms-Mcs-AdmPwd").Should().Be("Legacy-1aA");
        attributes.GetAttribute("MS-MCS-ADMPWDEXPIRATIONTIME").Should().Be(StartPlus30DaysFileTime);
        attributes.GetAttribute("msLAPS-Password").Should().Be(attributes.Password);
        attributes.GetAttribute("distinguishedName").Should().Be("CN=PC01,CN=Computers,DC=contoso,DC=com");
        attributes.GetAttribute("sAMAccountName").Should().Be("PC01$");
        attributes.GetAttribute("noSuchAttribute").Should().BeNull();
    }

    [Test]
    public async Task Expiration_time_is_UTC_FILETIME_ticks_and_an_administrator_can_move_it()
    {
        await _ad.BackupAsync(For("pw"), CancellationToken.None);

        _ad.GetAttributes(DeviceId)!.PasswordExpirationTime.Should().Be(StartPlus30DaysFileTime);
        _ad.GetPasswordExpirationTime(DeviceId).Should().Be(Start.AddDays(30));

        _ad.SetPasswordExpirationTime(DeviceId, Start, "CONTOSO\\helpdesk").Should().BeTrue();

        _ad.GetAttributes(DeviceId)!.PasswordExpirationTime.Should().Be(StartFileTime);
        _ad.GetPasswordExpirationTime(DeviceId).Should().Be(Start);
        _ad.AuditLog[^1].ActivityDisplayName.Should().Be("Update device local administrator password expiration time");
        _ad.AuditLog[^1].InitiatedBy.User!.DisplayName.Should().Be("CONTOSO\\helpdesk");
        _ad.SetPasswordExpirationTime("unknown", Start).Should().BeFalse();
        _ad.GetPasswordExpirationTime("unknown").Should().BeNull();
    }

    [Test]
    public async Task Encrypted_blob_header_follows_MS_ADA2_2_66_byte_by_byte()
    {
        await _ad.BackupAsync(For("Encrypted-1aA"), CancellationToken.None);
        var blob = _ad.GetAttributes(DeviceId)!.EncryptedPassword!;

        // PasswordUpdateTimestamp: FILETIME 0x01d97373_1252f480, upper DWORD first, each DWORD little-endian.
        blob[..4].Should().Equal(0x73, 0x73, 0xd9, 0x01);
        blob[4..8].Should().Equal(0x80, 0xf4, 0x52, 0x12);
        BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(8, 4)).Should().Be((uint)(blob.Length - 16), "EncryptedPasswordSize");
        blob[12..16].Should().Equal(0, 0, 0, 0);

        // Emulated DPAPI-NG envelope: version 1, descriptor length, "SID=<Domain Admins>" in clear.
        var descriptor = "SID=" + _ad.DomainAdminsSid;
        blob[16].Should().Be(1);
        BinaryPrimitives.ReadUInt16LittleEndian(blob.AsSpan(17, 2)).Should().Be((ushort)descriptor.Length);
        Encoding.UTF8.GetString(blob, 19, descriptor.Length).Should().Be(descriptor);
        blob.Length.Should().Be(16 + 3 + descriptor.Length + 12 + 16 + Encoding.Unicode.GetByteCount(
            """{"n":"Administrator","t":"1d973731252f480","p":"Encrypted-1aA"}""" + "\0"));

        var info = EncryptedPasswordBlob.Inspect(blob);
        info.PasswordUpdateTime.Should().Be(Start);
        info.EncryptionPrincipalSid.Should().Be(_ad.DomainAdminsSid);
        info.EncryptedPasswordSize.Should().Be(blob.Length - 16);
    }

    [Test]
    public async Task Encrypted_attributes_never_show_the_clear_password()
    {
        await _ad.BackupAsync(For("Encrypted-1aA"), CancellationToken.None);
        var attributes = _ad.GetAttributes(DeviceId)!;

        attributes.Password.Should().BeNull();
        attributes.LegacyAdmPwd.Should().BeNull();
        var blob = attributes.EncryptedPassword!;
        ContainsSequence(blob, Encoding.Unicode.GetBytes("Encrypted-1aA")).Should().BeFalse();
        ContainsSequence(blob, Encoding.UTF8.GetBytes("Encrypted-1aA")).Should().BeFalse();
        attributes.ToString().Should().NotContain("Encrypted-1aA");
    }

    [Test]
    public async Task Switching_encryption_on_clears_the_clear_attribute_and_off_clears_the_encrypted_ones()
    {
        await _ad.BackupAsync(For("clear-1", ad: s_clear), CancellationToken.None);
        await _ad.BackupAsync(For("enc-1", ad: new AdBackupOptions(EncryptedHistorySize: 3)), CancellationToken.None);
        await _ad.BackupAsync(For("enc-2", ad: new AdBackupOptions(EncryptedHistorySize: 3)), CancellationToken.None);

        var encrypted = _ad.GetAttributes(DeviceId)!;
        encrypted.Password.Should().BeNull();
        encrypted.EncryptedPassword.Should().NotBeNull();
        encrypted.EncryptedPasswordHistory.Should().HaveCount(1, "the clear password never enters the encrypted history");

        await _ad.BackupAsync(For("clear-2", ad: s_clear), CancellationToken.None);

        var clear = _ad.GetAttributes(DeviceId)!;
        clear.Password.Should().Contain("clear-2");
        clear.EncryptedPassword.Should().BeNull();
        clear.EncryptedPasswordHistory.Should().BeEmpty("history exists only with encryption");
    }

    [Test]
    public async Task The_principal_decrypts_the_current_password()
    {
        await _ad.BackupAsync(For("Decrypt-Me-1aA"), CancellationToken.None);

        var bySid = _ad.Decrypt(DeviceId, _ad.DomainAdminsSid)!;
        var byName = _ad.Decrypt(DeviceId, "CONTOSO\\Domain Admins")!;

        bySid.Password.Should().Be("Decrypt-Me-1aA");
        bySid.AccountName.Should().Be("Administrator");
        bySid.UpdateTime.Should().Be(Start);
        bySid.EncryptionPrincipalSid.Should().Be(_ad.DomainAdminsSid);
        bySid.HistoryIndex.Should().Be(-1);
        byName.Should().Be(bySid);
        bySid.ToString().Should().NotContain("Decrypt-Me-1aA");
    }

    [Test]
    public async Task A_member_of_the_principal_decrypts_directly_or_through_a_nested_group()
    {
        _ad.AddGroupMember("CONTOSO\\LAPS Readers", "CONTOSO\\alice").Should().BeTrue();
        _ad.AddGroupMember("CONTOSO\\LAPS Readers", "CONTOSO\\Helpdesk").Should().BeTrue();
        _ad.AddGroupMember("contoso.com\\Helpdesk", "bob@contoso.com").Should().BeTrue();
        _ad.AddGroupMember("CONTOSO\\LAPS Readers", "CONTOSO\\alice").Should().BeFalse("already a member");
        await _ad.BackupAsync(For("Group-1aA", ad: new AdBackupOptions(EncryptionPrincipal: "CONTOSO\\LAPS Readers")), CancellationToken.None);

        _ad.Decrypt(DeviceId, "alice@contoso.com")!.Password.Should().Be("Group-1aA");
        _ad.Decrypt(DeviceId, "CONTOSO\\bob")!.Password.Should().Be("Group-1aA");
        _ad.IsMemberOf("CONTOSO\\bob", "CONTOSO\\LAPS Readers").Should().BeTrue();
        EncryptedPasswordBlob.Inspect(_ad.GetAttributes(DeviceId)!.EncryptedPassword!).EncryptionPrincipalSid
            .Should().Be(_ad.ResolvePrincipal("CONTOSO\\LAPS Readers")!.Sid);
    }

    [Test]
    public async Task The_built_in_Administrator_decrypts_as_a_Domain_Admins_member()
    {
        await _ad.BackupAsync(For("Default-1aA"), CancellationToken.None);

        _ad.Decrypt(DeviceId, "CONTOSO\\Administrator")!.Password.Should().Be("Default-1aA");
    }

    [TestCase("CONTOSO\\mallory", TestName = "Decryption_is_refused_to_a_known_non_member")]
    [TestCase("CONTOSO\\nobody", TestName = "Decryption_is_refused_to_an_unknown_caller")]
    [TestCase("FABRIKAM\\Domain Admins", TestName = "Decryption_is_refused_to_another_domains_admins")]
    public async Task Decryption_is_refused_to_anyone_else(string caller)
    {
        _ad.AddPrincipal("CONTOSO\\mallory");
        _ad.AddGroupMember("CONTOSO\\LAPS Readers", "CONTOSO\\alice");
        await _ad.BackupAsync(For("Secret-1aA", ad: new AdBackupOptions(EncryptionPrincipal: "CONTOSO\\LAPS Readers")), CancellationToken.None);

        var act = () => _ad.Decrypt(DeviceId, caller);

        act.Should().Throw<LapsDecryptionDeniedException>().Which.Should().BeAssignableTo<UnauthorizedAccessException>();
        _ad.AuditLog[^1].ActivityDisplayName.Should().Be("Recover device local administrator password");
        _ad.AuditLog[^1].Result.Should().Be("failure");
        _ad.Invoking(d => d.Decrypt(DeviceId, "CONTOSO\\Administrator"))
            .Should().Throw<LapsDecryptionDeniedException>("Domain Admins is not the principal here, nor a member of it");
    }

    [Test]
    public async Task Successful_decryption_is_audited()
    {
        await _ad.BackupAsync(For("pw"), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(3));

        _ad.Decrypt(DeviceId, "CONTOSO\\Administrator");

        var record = _ad.AuditLog[^1];
        record.ActivityDisplayName.Should().Be("Recover device local administrator password");
        record.Result.Should().Be("success");
        record.ActivityDateTime.Should().Be(Start.AddMinutes(3));
        record.LoggedByService.Should().Be("Active Directory Domain Services");
        record.InitiatedBy.User!.DisplayName.Should().Be("CONTOSO\\Administrator");
        record.TargetResources.Single().DisplayName.Should().Be("CN=PC01,CN=Computers,DC=contoso,DC=com");
        _ad.AuditLog[0].ActivityDisplayName.Should().Be("Update device local administrator password");
    }

    [Test]
    public async Task History_keeps_six_after_eight_rotations_with_EncryptedHistorySize_6()
    {
        var options = new AdBackupOptions(EncryptedHistorySize: 6);
        for (var i = 1; i <= 8; i++)
        {
            await _ad.BackupAsync(For($"Rotation-{i}", Start.AddDays(i), options), CancellationToken.None);
        }

        var attributes = _ad.GetAttributes(DeviceId)!;
        attributes.EncryptedPasswordHistory.Should().HaveCount(6);
        _ad.Decrypt(DeviceId, _ad.DomainAdminsSid)!.Password.Should().Be("Rotation-8");
        Enumerable.Range(0, 6).Select(i => _ad.Decrypt(DeviceId, _ad.DomainAdminsSid, i)!.Password).Should()
            .Equal("Rotation-7", "Rotation-6", "Rotation-5", "Rotation-4", "Rotation-3", "Rotation-2");
        attributes.EncryptedPasswordHistory.Select(b => EncryptedPasswordBlob.Inspect(b).PasswordUpdateTime).Should()
            .BeInDescendingOrder();
        _ad.Decrypt(DeviceId, _ad.DomainAdminsSid, 6).Should().BeNull();
    }

    [Test]
    public async Task History_size_zero_keeps_no_history_and_lowering_it_trims()
    {
        await _ad.BackupAsync(For("a", ad: new AdBackupOptions(EncryptedHistorySize: 0)), CancellationToken.None);
        await _ad.BackupAsync(For("b", ad: new AdBackupOptions(EncryptedHistorySize: 0)), CancellationToken.None);
        _ad.GetAttributes(DeviceId)!.EncryptedPasswordHistory.Should().BeEmpty();

        for (var i = 0; i < 4; i++) await _ad.BackupAsync(For($"c{i}", ad: new AdBackupOptions(EncryptedHistorySize: 4)), CancellationToken.None);
        _ad.GetAttributes(DeviceId)!.EncryptedPasswordHistory.Should().HaveCount(4);

        await _ad.BackupAsync(For("d", ad: new AdBackupOptions(EncryptedHistorySize: 2)), CancellationToken.None);
        _ad.GetAttributes(DeviceId)!.EncryptedPasswordHistory.Should().HaveCount(2);
        _ad.Decrypt(DeviceId, _ad.DomainAdminsSid, 0)!.Password.Should().Be("c3");
    }

    [Test]
    public async Task Each_password_gets_a_new_CurrentPasswordVersion_returned_to_the_device()
    {
        var first = await _ad.BackupAsync(For("a"), CancellationToken.None);
        var firstVersion = _ad.GetAttributes(DeviceId)!.CurrentPasswordVersion;
        var second = await _ad.BackupAsync(For("b"), CancellationToken.None);

        first.PasswordVersion.Should().NotBeNull().And.Be(firstVersion);
        second.PasswordVersion.Should().NotBe(first.PasswordVersion!.Value);
        _ad.GetAttributes(DeviceId)!.CurrentPasswordVersion.Should().Be(second.PasswordVersion);
    }

    [TestCase(DomainFunctionalLevel.Windows2012R2, TestName = "Encryption_below_DFL_2016_fails_with_event_10006_kind_at_2012R2")]
    [TestCase(DomainFunctionalLevel.Windows2008, TestName = "Encryption_below_DFL_2016_fails_with_event_10006_kind_at_2008")]
    public async Task Encryption_below_DFL_2016_fails(DomainFunctionalLevel level)
    {
        var ad = new ActiveDirectoryDomain(_time, new ActiveDirectoryOptions(FunctionalLevel: level));
        ad.AddComputer(DeviceId, "PC01");

        var outcome = await ad.BackupAsync(For("pw"), CancellationToken.None);

        outcome.Failure.Should().Be(BackupFailureKind.EncryptionRequiresDomainFunctionalLevel2016);
        outcome.IsTransient.Should().BeFalse();
        var attributes = ad.GetAttributes(DeviceId)!;
        attributes.EncryptedPassword.Should().BeNull();
        attributes.Password.Should().BeNull();
        attributes.PasswordExpirationTime.Should().BeNull("the password was not updated");
        (await ad.BackupAsync(For("pw", ad: s_clear), CancellationToken.None)).Succeeded.Should().BeTrue();

        ad.FunctionalLevel = DomainFunctionalLevel.Windows2016;
        (await ad.BackupAsync(For("pw"), CancellationToken.None)).Succeeded.Should().BeTrue();
    }

    [Test]
    public async Task Tampering_with_a_ciphertext_byte_makes_decryption_fail_cleanly()
    {
        await _ad.BackupAsync(For("Tamper-1aA"), CancellationToken.None);
        var snapshot = _ad.Snapshot();
        var blob = (byte[])snapshot.Computers.Single().EncryptedPassword!.Clone();
        blob[^1] ^= 0x01;
        var tampered = ActiveDirectoryDomain.FromSnapshot(
            snapshot with { Computers = [snapshot.Computers.Single() with { EncryptedPassword = blob }] }, _time);

        var act = () => tampered.Decrypt(DeviceId, _ad.DomainAdminsSid);

        act.Should().Throw<InvalidLapsBlobException>().Which.Should().BeAssignableTo<CryptographicException>();
        tampered.AuditLog[^1].Result.Should().Be("failure");
        _ad.Decrypt(DeviceId, _ad.DomainAdminsSid)!.Password.Should().Be("Tamper-1aA", "the original is intact");
    }

    [Test]
    public async Task Rewriting_the_clear_protection_descriptor_breaks_authentication()
    {
        _ad.AddGroupMember("CONTOSO\\Readers", "CONTOSO\\eve");
        await _ad.BackupAsync(For("pw", ad: new AdBackupOptions(EncryptionPrincipal: "CONTOSO\\Readers")), CancellationToken.None);
        var snapshot = _ad.Snapshot();
        var blob = snapshot.Computers.Single().EncryptedPassword!;
        var readersSid = Encoding.UTF8.GetBytes(_ad.ResolvePrincipal("CONTOSO\\Readers")!.Sid);
        var eveSid = Encoding.UTF8.GetBytes(_ad.ResolvePrincipal("CONTOSO\\eve")!.Sid);
        readersSid.Length.Should().Be(eveSid.Length, "RIDs 1103 and 1104 have the same length");
        var forged = (byte[])blob.Clone();
        eveSid.CopyTo(forged, 19 + 4);
        var domain = ActiveDirectoryDomain.FromSnapshot(
            snapshot with { Computers = [snapshot.Computers.Single() with { EncryptedPassword = forged }] }, _time);

        domain.Invoking(d => d.Decrypt(DeviceId, "CONTOSO\\eve")).Should().Throw<InvalidLapsBlobException>();
    }

    [Test]
    public void Malformed_headers_are_rejected()
    {
        var good = EncryptedPasswordBlob.WithHeader(Start, new byte[40]);
        var reserved = (byte[])good.Clone();
        reserved[13] = 1;
        var wrongSize = (byte[])good.Clone();
        wrongSize[8] = 39;

        FluentActions.Invoking(() => EncryptedPasswordBlob.Inspect(good.AsSpan(0, 10))).Should().Throw<InvalidLapsBlobException>();
        FluentActions.Invoking(() => EncryptedPasswordBlob.Inspect(reserved)).Should().Throw<InvalidLapsBlobException>().WithMessage("*Reserved*");
        FluentActions.Invoking(() => EncryptedPasswordBlob.Inspect(wrongSize)).Should().Throw<InvalidLapsBlobException>().WithMessage("*EncryptedPasswordSize*");
        FluentActions.Invoking(() => EncryptedPasswordBlob.Inspect(good)).Should().Throw<InvalidLapsBlobException>().WithMessage("*envelope*");
    }

    [TestCase("Domain Admins", TestName = "Principal_plain_Domain_Admins_is_the_domains_group")]
    [TestCase("CONTOSO\\Domain Admins", TestName = "Principal_NetBIOS_backslash_name_resolves")]
    [TestCase("contoso.com\\domain admins", TestName = "Principal_DNS_backslash_name_resolves_case_insensitively")]
    [TestCase("Domain Admins@contoso.com", TestName = "Principal_name_at_domain_resolves")]
    [TestCase("S-1-5-21-3623811015-3361044348-30300820-512", TestName = "Principal_SID_resolves")]
    public async Task Principal_forms_normalise_to_the_same_SID(string principal)
    {
        var outcome = await _ad.BackupAsync(For("pw", ad: new AdBackupOptions(EncryptionPrincipal: principal)), CancellationToken.None);

        outcome.Succeeded.Should().BeTrue(outcome.Message);
        EncryptedPasswordBlob.Inspect(_ad.GetAttributes(DeviceId)!.EncryptedPassword!).EncryptionPrincipalSid
            .Should().Be("S-1-5-21-3623811015-3361044348-30300820-512");
    }

    [TestCase("LAPS Readers", BackupFailureKind.EncryptionPrincipalAmbiguous, TestName = "Isolated_principal_name_is_ambiguous_10034")]
    [TestCase("Domain Admins ", BackupFailureKind.EncryptionPrincipalAmbiguous, TestName = "Trailing_space_makes_the_default_name_ambiguous")]
    [TestCase("FABRIKAM\\LAPS Readers", BackupFailureKind.EncryptionPrincipalUnresolvable, TestName = "Foreign_domain_principal_is_unresolvable_10035")]
    [TestCase("readers@fabrikam.com", BackupFailureKind.EncryptionPrincipalUnresolvable, TestName = "Foreign_UPN_principal_is_unresolvable_10035")]
    [TestCase("S-1-5-21-1-2-3-4242", BackupFailureKind.EncryptionPrincipalUnresolvable, TestName = "Unknown_SID_principal_is_unresolvable_10035")]
    public async Task Bad_principals_fail_the_backup(string principal, BackupFailureKind expected)
    {
        var outcome = await _ad.BackupAsync(For("pw", ad: new AdBackupOptions(EncryptionPrincipal: principal)), CancellationToken.None);

        outcome.Failure.Should().Be(expected);
        _ad.GetAttributes(DeviceId)!.EncryptedPassword.Should().BeNull();
    }

    [Test]
    public async Task Missing_schema_fails_with_SchemaMissing()
    {
        _ad.SchemaExtended = false;

        var outcome = await _ad.BackupAsync(For("pw"), CancellationToken.None);

        outcome.Failure.Should().Be(BackupFailureKind.SchemaMissing);
        outcome.Message.Should().Contain("schema");
    }

    [Test]
    public async Task Backup_for_a_device_without_computer_object_fails_with_DeviceNotFound()
    {
        var outcome = await _ad.BackupAsync(For("pw", deviceId: "no-such-device"), CancellationToken.None);

        outcome.Failure.Should().Be(BackupFailureKind.DeviceNotFound);
        _ad.GetAttributes("no-such-device").Should().BeNull();
        _ad.Decrypt("no-such-device", _ad.DomainAdminsSid).Should().BeNull();
    }

    [Test]
    public void Computers_are_listed_by_sAMAccountName_with_a_trailing_dollar()
    {
        _ad.AddComputer("id-2", "AAA$");

        _ad.ListComputers().Select(c => c.SamAccountName).Should().Equal("AAA$", "PC01$");
        _ad.Invoking(d => d.AddComputer(DeviceId, "DUP")).Should().Throw<InvalidOperationException>();
        _ad.RemoveComputer("id-2").Should().BeTrue();
        _ad.ListComputers().Should().ContainSingle();
    }

    [Test]
    public void Options_report_every_problem_at_once()
    {
        var act = () => new ActiveDirectoryDomain(_time, new ActiveDirectoryOptions(DnsDomainName: "", DomainSid: "S-1-1-0"));

        act.Should().Throw<ArgumentException>().WithMessage("*DnsDomainName*").WithMessage("*DomainSid*");
    }

    private static bool ContainsSequence(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
