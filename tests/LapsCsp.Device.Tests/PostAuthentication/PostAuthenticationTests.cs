using LapsCsp.Device.Accounts;
using LapsCsp.Device.Events;
using LapsCsp.Directory.Backup;

namespace LapsCsp.Device.Tests.PostAuthentication;

/// <summary>Post-authentication actions (digest C.9): 10041 with the deadline on a logon by the managed account, then after
/// PostAuthenticationResetDelay hours 10042, the action, and 10044 (or 10043 and a retry).</summary>
public sealed class PostAuthenticationTests
{
    private LapsWorld _world = null!;

    [SetUp]
    public void SetUp() => _world = new LapsWorld();

    [TearDown]
    public void TearDown() => _world.Dispose();

    [Test]
    public void A_logon_by_the_managed_account_schedules_the_actions_with_their_deadline()
    {
        var device = Configured(delayHours: 8, actions: 3);
        var t = _world.Now;

        device.Logon("Administrator", device.ManagedPassword()!).Succeeded.Should().BeTrue();

        var scheduled = device.Events.Query(LapsEventIds.PostAuthenticationScheduled).Single();
        scheduled.TimeCreated.Should().Be(t);
        scheduled.Message.Should().Contain("2025-03-03 17:00:00 UTC", "the deadline is 8 hours later");
        device.LapsState.PostAuthenticationDeadline.Should().Be(t + TimeSpan.FromHours(8));
    }

    [Test]
    public void Logons_by_other_accounts_and_failed_logons_schedule_nothing()
    {
        var device = Configured(delayHours: 8, actions: 3);
        device.Accounts.Create("alice", "Alice-Passw0rd", administrator: false, _world.Now);

        device.Logon("alice", "Alice-Passw0rd").Succeeded.Should().BeTrue();
        device.Logon("Administrator", "wrong").Win32Error.Should().Be(LogonResult.LogonFailure);

        device.Events.Query(LapsEventIds.PostAuthenticationScheduled).Should().BeEmpty();
    }

    [Test]
    public void A_delay_of_0_disables_the_actions()
    {
        var device = Configured(delayHours: 0, actions: 3);

        device.Logon("Administrator", device.ManagedPassword()!);
        _world.AdvanceDays(2, device);

        device.Events.Query(LapsEventIds.PostAuthenticationScheduled, LapsEventIds.PostAuthenticationGraceExpired).Should().BeEmpty();
        device.LogonSessions.Sessions.Should().ContainSingle();
    }

    [TestCase(1, 1, 2, 0, TestName = "Action_1_resets_the_password_and_leaves_sessions_and_processes")]
    [TestCase(3, 0, 1, 0, TestName = "Action_3_resets_and_logs_the_accounts_sessions_off_ending_their_processes")]
    [TestCase(5, 0, 0, 1, TestName = "Action_5_resets_and_reboots_ending_every_session_and_process")]
    [TestCase(11, 0, 0, 0, TestName = "Action_11_resets_logs_off_and_terminates_the_accounts_remaining_processes")]
    public void At_the_deadline_the_device_resets_the_password_and_acts(int actions, int sessionsLeft, int processesLeft, int reboots)
    {
        var device = Configured(delayHours: 2, actions: actions);
        var logon = device.Logon("Administrator", device.ManagedPassword()!).Session!;
        device.StartProcess("Administrator", "cmd.exe", logon.Id);
        device.StartProcess("Administrator", "backup-task.exe", sessionId: null);
        var used = device.ManagedPassword();
        var t = _world.Now;

        _world.AdvanceHours(1, device);
        device.ManagedPassword().Should().Be(used, "the grace period is not over");
        _world.AdvanceHours(1, device);

        device.ManagedPassword().Should().NotBe(used).And.Be(_world.EntraPassword(device));
        device.Events.Query(LapsEventIds.PostAuthenticationGraceExpired).Single().TimeCreated.Should().Be(t + TimeSpan.FromHours(2));
        device.Events.Query(LapsEventIds.PostAuthenticationCompleted).Single().TimeCreated.Should().Be(t + TimeSpan.FromHours(2));
        device.LogonSessions.Sessions.Should().HaveCount(sessionsLeft);
        device.LogonSessions.Processes.Should().HaveCount(processesLeft);
        device.LogonSessions.RebootCount.Should().Be(reboots);
        device.Events.Query(LapsEventIds.PasswordUpdateNeeded)[^1].Message.Should().Contain("post-authentication grace period expired");
        device.LapsState.PostAuthenticationDeadline.Should().BeNull();
    }

    [Test]
    public void A_failed_post_authentication_reset_logs_10043_and_retries_until_it_succeeds()
    {
        var device = Configured(delayHours: 1, actions: 3);
        device.Logon("Administrator", device.ManagedPassword()!);
        _world.EntraId.Faults.Fail(BackupFailureKind.Refused);

        _world.AdvanceHours(3, device);

        var failures = device.Events.Query(LapsEventIds.PostAuthenticationResetFailed);
        failures.Should().HaveCount(3);
        failures.Select(e => e.Message).Should().SatisfyRespectively(
            m => m.Should().Contain("Retry count: 1").And.Contain("0x80190191"),
            m => m.Should().Contain("Retry count: 2"),
            m => m.Should().Contain("Retry count: 3"));
        device.LogonSessions.Sessions.Should().ContainSingle("no action runs before the reset succeeded");

        _world.EntraId.Faults.None();
        _world.AdvanceHours(1, device);

        device.Events.Query(LapsEventIds.PostAuthenticationCompleted).Should().ContainSingle();
        device.LogonSessions.Sessions.Should().BeEmpty();
    }

    [Test]
    public void After_100_failed_retries_in_one_boot_the_device_logs_10048_and_stops_until_a_reboot()
    {
        var device = Configured(delayHours: 1, actions: 1);
        device.Logon("Administrator", device.ManagedPassword()!);
        _world.EntraId.Faults.Fail(BackupFailureKind.Refused);

        _world.AdvanceHours(110, device);

        device.Events.Query(LapsEventIds.PostAuthenticationResetFailed).Should().HaveCount(99);
        device.Events.Query(LapsEventIds.PostAuthenticationRetriesExhausted).Should().ContainSingle();
        device.LapsState.PostAuthenticationDeadline.Should().BeNull();
        device.Logon("Administrator", device.ManagedPassword()!);
        device.Events.Query(LapsEventIds.PostAuthenticationScheduled).Should().ContainSingle("no new schedule until the next boot");

        device.Reboot();
        device.Logon("Administrator", device.ManagedPassword()!);

        device.Events.Query(LapsEventIds.PostAuthenticationScheduled).Should().HaveCount(2);
    }

    private SimulatedDevice Configured(int delayHours, int actions)
    {
        var device = _world.NewDevice(new DeviceOptions { PasswordSeed = 11, EventLogCapacity = 50_000 });
        device.Accounts.Update(device.Accounts.FindByRid(500)! with { Enabled = true });
        device.UseEntra(ageDays: 30,
            ("PostAuthenticationResetDelay", delayHours.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("PostAuthenticationActions", actions.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return device;
    }
}
