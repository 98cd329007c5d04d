using LapsCsp.Device.Events;

namespace LapsCsp.Device.Tests.Events;

/// <summary>The Microsoft-Windows-LAPS/Operational channel: ids and levels of digest C.5, the simulated clock, queries,
/// a bounded size, and never a password.</summary>
public sealed class EventLogTests
{
    private static readonly DateTimeOffset s_t0 = LapsWorld.Start;

    [Test]
    public void Events_are_queried_by_id_time_range_and_level_oldest_first()
    {
        var log = new LapsEventLog();
        log.Write(LapsEventIds.PolicyProcessingStarting, s_t0, "a");
        log.Write(LapsEventIds.PolicyProcessingFailed, s_t0.AddHours(1), "b");
        log.Write(LapsEventIds.PolicyProcessingStarting, s_t0.AddHours(2), "c");
        log.Write(LapsEventIds.PasswordChangeBlocked, s_t0.AddHours(3), "d");

        log.Query(LapsEventIds.PolicyProcessingStarting).Select(e => e.Message).Should().Equal("a", "c");
        log.Query(new LapsEventQuery(From: s_t0.AddHours(1), To: s_t0.AddHours(3))).Select(e => e.Message).Should().Equal("b", "c");
        log.Query(new LapsEventQuery(Level: LapsEventLevel.Error)).Select(e => e.Message).Should().Equal("b");
        log.Query(new LapsEventQuery(Level: LapsEventLevel.Warning)).Select(e => e.Id).Should().Equal(LapsEventIds.PasswordChangeBlocked);
        log.Query(new LapsEventQuery(MaxEvents: 2)).Select(e => e.Message).Should().Equal("c", "d");
        log.All.Select(e => e.RecordId).Should().Equal(1, 2, 3, 4);
    }

    [Test]
    public void A_full_log_overwrites_its_oldest_events_and_keeps_counting_record_ids()
    {
        var log = new LapsEventLog(capacity: 3);

        for (var i = 0; i < 5; i++) log.Write(LapsEventIds.PolicyProcessingStarting, s_t0.AddHours(i), i.ToString(System.Globalization.CultureInfo.InvariantCulture));

        log.Count.Should().Be(3);
        log.TotalWritten.Should().Be(5);
        log.All.Select(e => (e.RecordId, e.Message)).Should().Equal((3L, "2"), (4L, "3"), (5L, "4"));
    }

    [Test]
    public void The_device_stamps_events_on_its_simulated_clock()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice();
        world.AdvanceHours(5, device);

        device.Events.Query(LapsEventIds.PolicyProcessingStarting).Select(e => e.TimeCreated)
            .Should().Equal(Enumerable.Range(1, 5).Select(h => LapsWorld.Start.AddHours(h)));
    }

    [Test]
    public void The_device_log_is_bounded_by_its_options()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice(new DeviceOptions { EventLogCapacity = 100 });

        world.AdvanceDays(5, device);

        device.Events.Count.Should().Be(100);
        device.Events.TotalWritten.Should().BeGreaterThan(300);
        device.Events.All[^1].TimeCreated.Should().Be(world.Now);
    }

    [Test]
    public void No_event_ever_contains_a_password_the_device_set()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice(new DeviceOptions { PasswordSeed = 4, EventLogCapacity = 100_000 });
        var passwords = new List<string>();
        device.Backend.PasswordRotated += (_, password) => passwords.Add(password);
        device.UseEntra(ageDays: 7, ("PasswordComplexity", "6"), ("PostAuthenticationResetDelay", "1"));
        device.Accounts.Update(device.Accounts.FindByRid(500)! with { Enabled = true });

        for (var day = 0; day < 30; day++)
        {
            device.Logon("Administrator", device.ManagedPassword()!);
            if (day % 3 == 0) device.Apply(Packages.ResetPasswordThenGetStatus());
            if (day == 10) world.EntraId.Faults.FailNext(5, Directory.Backup.BackupFailureKind.Refused);
            world.AdvanceDays(1, device);
        }

        passwords.Should().HaveCountGreaterThan(30);
        var text = string.Join("\n", device.Events.All.Select(e => e.Message));
        passwords.Should().OnlyContain(p => !text.Contains(p, StringComparison.Ordinal));
        device.Events.All.Select(e => e.Id).Distinct().Should().Contain(
            [LapsEventIds.PostAuthenticationScheduled, LapsEventIds.PostAuthenticationCompleted, LapsEventIds.EntraUpdateFailed, LapsEventIds.AdministratorRequestedReset]);
    }

    [Test]
    public void Every_id_the_device_writes_has_the_level_of_its_kind()
    {
        LapsEventIds.All.Should().HaveCountGreaterThan(35);
        LapsEventIds.LevelOf(LapsEventIds.PolicyProcessingSucceeded).Should().Be(LapsEventLevel.Information);
        LapsEventIds.LevelOf(LapsEventIds.PolicyProcessingFailed).Should().Be(LapsEventLevel.Error);
        LapsEventIds.LevelOf(LapsEventIds.EntraFailureResponse).Should().Be(LapsEventLevel.Error);
        LapsEventIds.LevelOf(LapsEventIds.AccountRemovalFromAdministratorsBlocked).Should().Be(LapsEventLevel.Warning);
        LapsEventLog.ChannelName.Should().Be("Microsoft-Windows-LAPS/Operational");
    }
}
