using LapsCsp.Device.Events;
using LapsCsp.Device.Policy;
using LapsCsp.Directory.Backup;

namespace LapsCsp.Device.Tests.Processing;

/// <summary>When a cycle rotates the password (digest C.2, C.10) and when it does not.</summary>
public sealed class RotationTriggerTests
{
    private LapsWorld _world = null!;

    [SetUp]
    public void SetUp() => _world = new LapsWorld();

    [TearDown]
    public void TearDown() => _world.Dispose();

    [Test]
    public void The_first_cycle_with_a_backup_directory_rotates_because_nothing_is_backed_up_yet()
    {
        var device = _world.NewDevice();
        var before = device.ManagedPassword();

        device.UseEntra();

        device.LapsState.Rotations.Should().Be(1);
        device.ManagedAccount!.Rid.Should().Be(500, "without AdministratorAccountName LAPS manages the built-in Administrator");
        device.ManagedPassword().Should().NotBe(before).And.Be(_world.EntraPassword(device));
        device.Events.Query(LapsEventIds.PasswordUpdateNeeded).Single().Message.Should().Contain("no password has been backed up yet");
    }

    [Test]
    public void Nothing_rotates_while_the_password_is_younger_than_PasswordAgeDays()
    {
        var device = _world.NewDevice();
        device.UseEntra(ageDays: 30);

        _world.AdvanceHours(30 * 24 - 1, device);

        device.LapsState.Rotations.Should().Be(1);
        _world.AdvanceHours(1, device);
        device.LapsState.Rotations.Should().Be(2);
        device.Events.Query(LapsEventIds.PasswordUpdateNeeded)[^1].Message.Should().Contain("the password has expired");
    }

    [Test]
    public void Changing_PasswordAgeDays_alone_neither_moves_the_expiry_nor_rotates()
    {
        var device = _world.NewDevice();
        var t0 = _world.Now;
        device.UseEntra(ageDays: 30);
        _world.AdvanceDays(10, device);

        device.UseEntra(ageDays: 7);
        _world.AdvanceDays(19, device);

        device.LapsState.Rotations.Should().Be(1, "the password set at day 0 keeps its 30-day expiry (digest C.2)");
        device.LapsState.PasswordExpirationTime.Should().Be(t0 + TimeSpan.FromDays(30));
        _world.AdvanceDays(1, device);
        device.LapsState.Rotations.Should().Be(2);
        device.LapsState.PasswordExpirationTime.Should().Be(t0 + TimeSpan.FromDays(37), "the new age applies from the next rotation");
    }

    [TestCase(true, 2, TestName = "In_AD_mode_with_expiration_protection_a_shorter_PasswordAgeDays_rotates_a_password_now_too_old_for_it")]
    [TestCase(false, 1, TestName = "In_AD_mode_without_expiration_protection_a_shorter_PasswordAgeDays_waits_for_the_current_expiry")]
    public void Shortening_PasswordAgeDays_in_AD_mode(bool protection, int rotations)
    {
        var device = _world.NewDevice();
        var flag = ("PasswordExpirationProtectionEnabled", protection ? "True" : "False");
        device.UseAd(ageDays: 30, flag);
        _world.AdvanceDays(10, device);

        device.UseAd(ageDays: 5, flag);

        device.LapsState.Rotations.Should().Be(rotations);
    }

    [Test]
    public void Naming_another_managed_account_rotates_that_account_at_once()
    {
        var device = _world.NewDevice();
        device.Accounts.Create("HelpdeskAdmin", "Old-Passw0rd!", administrator: true, _world.Now);
        device.UseEntra();
        var builtInPassword = device.ManagedPassword();

        device.Apply(Packages.SetPolicies(("AdministratorAccountName", "HelpdeskAdmin")));

        device.ManagedAccount!.Name.Should().Be("HelpdeskAdmin");
        device.Accounts.CheckPassword("HelpdeskAdmin", "Old-Passw0rd!").Should().BeFalse();
        _world.EntraPassword(device).Should().Be(device.ManagedPassword());
        _world.EntraId.Get(device.Identity.EntraDeviceId)!.Credentials[0].AccountName.Should().Be("HelpdeskAdmin");
        device.Accounts.FindByRid(500)!.Password.Should().Be(builtInPassword, "the previous account is no longer managed");
        device.Events.Query(LapsEventIds.PasswordUpdateNeeded)[^1].Message.Should().Contain("the managed account changed");
    }

    [Test]
    public void Switching_the_backup_directory_rotates_and_backs_up_to_the_new_directory()
    {
        var device = _world.NewDevice();
        device.UseEntra();
        var entraPassword = _world.EntraPassword(device);

        device.UseAd(more: ("ADPasswordEncryptionEnabled", "False"));

        device.LapsState.Rotations.Should().Be(2);
        _world.AdPassword(device).Should().Be(device.ManagedPassword()).And.NotBe(entraPassword);
        device.Events.Query(LapsEventIds.PasswordUpdateNeeded)[^1].Message.Should().Contain("the backup directory changed");
    }

    [Test]
    public void In_AD_mode_an_administrator_moving_the_expiry_earlier_rotates_at_the_next_cycle()
    {
        var device = _world.NewDevice();
        device.UseAd(ageDays: 30);
        _world.AdvanceDays(3, device);
        var before = device.ManagedPassword();

        _world.Domain.SetPasswordExpirationTime(device.Identity.DeviceId, _world.Now + TimeSpan.FromMinutes(10));
        _world.AdvanceHours(1, device);

        device.ManagedPassword().Should().NotBe(before);
        _world.AdPassword(device).Should().Be(device.ManagedPassword());
        device.Events.Query(LapsEventIds.PasswordUpdateNeeded)[^1].Message.Should().Contain("moved earlier");
        _world.Domain.GetPasswordExpirationTime(device.Identity.DeviceId).Should().Be(_world.Now + TimeSpan.FromDays(30));
    }

    [Test]
    public void In_Entra_mode_the_device_keeps_its_own_expiry_and_never_reads_the_directory()
    {
        var device = _world.NewDevice();
        device.UseEntra(ageDays: 30);
        _world.Domain.SetPasswordExpirationTime(device.Identity.DeviceId, _world.Now);

        _world.AdvanceDays(2, device);

        device.LapsState.Rotations.Should().Be(1);
    }

    [TestCase(true, 2, TestName = "An_expiry_set_beyond_PasswordAgeDays_is_not_honoured_with_PasswordExpirationProtectionEnabled")]
    [TestCase(false, 1, TestName = "An_expiry_set_beyond_PasswordAgeDays_is_honoured_without_PasswordExpirationProtectionEnabled")]
    public void An_expiry_moved_later_than_PasswordAgeDays_allows(bool protection, int rotations)
    {
        var device = _world.NewDevice();
        device.UseAd(ageDays: 30, ("PasswordExpirationProtectionEnabled", protection ? "True" : "False"));

        _world.Domain.SetPasswordExpirationTime(device.Identity.DeviceId, _world.Now + TimeSpan.FromDays(90));
        _world.AdvanceHours(1, device);

        device.LapsState.Rotations.Should().Be(rotations);
        if (protection)
        {
            device.Events.Query(LapsEventIds.PasswordUpdateNeeded)[^1].Message.Should().Contain("PasswordExpirationProtectionEnabled");
            _world.Domain.GetPasswordExpirationTime(device.Identity.DeviceId).Should().Be(_world.Now + TimeSpan.FromDays(30), "expiry recomputed per policy");
        }
    }

    [Test]
    public void Legacy_LAPS_mode_defaults_PasswordExpirationProtectionEnabled_to_false()
    {
        var device = _world.NewDevice();
        device.PolicyRoots.Set(PolicySource.LegacyMicrosoftLaps, LapsSettingNames.LegacyAdmPwdEnabled, "1");
        device.RunDueWork();
        device.LapsState.Rotations.Should().Be(1);
        _world.Domain.GetAttributes(device.Identity.DeviceId)!.LegacyAdmPwd.Should().Be(device.ManagedPassword(), "legacy mode writes the clear password");

        _world.Domain.SetPasswordExpirationTime(device.Identity.DeviceId, _world.Now + TimeSpan.FromDays(90));
        _world.AdvanceDays(31, device);

        device.LapsState.Rotations.Should().Be(1, "the later expiry is honoured");
        device.Events.Query(LapsEventIds.PolicyDumpLegacy).Should().NotBeEmpty();
    }

    [Test]
    public void A_failed_backup_leaves_the_password_unchanged_and_the_next_cycle_retries()
    {
        var device = _world.NewDevice();
        device.UseEntra(ageDays: 7);
        var backedUp = device.ManagedPassword();
        _world.EntraId.Faults.Fail(BackupFailureKind.Refused);

        _world.AdvanceDays(7, device);

        device.ManagedPassword().Should().Be(backedUp, "the device changes the password only after the directory has it");
        _world.EntraPassword(device).Should().Be(backedUp);
        device.Events.Query(LapsEventIds.EntraUpdateFailed).Should().ContainSingle();
        device.Events.Query(LapsEventIds.EntraDeviceAuthenticationFailed).Should().ContainSingle();

        _world.EntraId.Faults.None();
        _world.AdvanceHours(1, device);

        device.ManagedPassword().Should().NotBe(backedUp).And.Be(_world.EntraPassword(device));
        device.LapsState.Rotations.Should().Be(2);
    }

    [Test]
    public void An_image_rollback_that_AD_has_moved_past_rotates_at_once_on_24H2()
    {
        var device = _world.NewDevice();
        device.UseAd(ageDays: 30, ("ADPasswordEncryptionEnabled", "False"));
        var image = device.Snapshot();
        _world.AdvanceDays(1, device);
        device.Apply(Packages.ResetPasswordThenGetStatus());
        var current = _world.AdPassword(device);

        device.Restore(image);
        device.ManagedPassword().Should().NotBe(current, "the image has the older password, which AD no longer holds");
        _world.AdvanceHours(1, device);

        device.Events.Query(LapsEventIds.PasswordUpdateNeeded)[^1].Message.Should().Contain("image rollback");
        _world.AdPassword(device).Should().Be(device.ManagedPassword());
    }

    [Test]
    public void A_cycle_after_a_policy_root_change_runs_on_the_next_RunDueWork_like_a_GPO_change_notification()
    {
        var device = _world.NewDevice();
        device.PolicyRoots.Set(PolicySource.GroupPolicy, LapsSettingNames.BackupDirectory, "1");

        device.RunDueWork().Should().Be(0, "no hourly cycle is due yet");

        device.LapsState.Rotations.Should().Be(1);
        device.Policy.Source.Should().Be(PolicySource.GroupPolicy);
        device.Events.Query(LapsEventIds.PolicyDumpEntraId).Single().Message.Should().Contain("Policy source: GPO");
    }

    [Test]
    public void ProcessPolicy_runs_a_cycle_on_demand()
    {
        var device = _world.NewDevice();
        device.UseEntra();
        var cycles = device.LapsState.CyclesRun;

        device.ProcessPolicy().Should().BeTrue();

        device.LapsState.CyclesRun.Should().Be(cycles + 1);
        device.LapsState.Rotations.Should().Be(1);
    }

    [Test]
    public void A_disabled_policy_logs_that_nothing_is_managed_and_touches_no_password()
    {
        var device = _world.NewDevice();
        var before = device.ManagedPassword();

        _world.AdvanceHours(2, device);

        device.ManagedPassword().Should().Be(before);
        device.Events.Query(LapsEventIds.NotConfigured).Should().HaveCount(2);
        device.LapsState.Rotations.Should().Be(0);
        device.LapsStatus().Policy.Source.Should().Be(PolicySource.None);
    }

    [Test]
    public void The_status_summary_reports_account_age_next_rotation_and_source()
    {
        var device = _world.NewDevice();
        var t0 = _world.Now;
        device.UseAd(ageDays: 10);
        _world.AdvanceDays(2, device);

        var status = device.LapsStatus();

        status.ManagedAccountName.Should().Be("Administrator");
        status.PasswordAge.Should().Be(TimeSpan.FromDays(2));
        status.NextRotation.Should().Be(t0 + TimeSpan.FromDays(10));
        status.LastBackupTime.Should().Be(t0);
        status.BackupDirectory.Should().Be(LapsBackupDirectory.ActiveDirectory);
        status.Policy.Source.Should().Be(PolicySource.Csp);
        status.NextCycleTime.Should().Be(_world.Now + TimeSpan.FromHours(1));
        status.RotationInProgress.Should().BeFalse();
    }
}
