using LapsCsp.Enrollment.Provisioning;
using LapsCsp.Enrollment.Server;
using LapsCsp.Fleet.Scheduling;
using LapsCsp.Fleet.Tests.Support;

namespace LapsCsp.Fleet.Tests.Scheduling;

public class ClockTests
{
    private static readonly DateTimeOffset T0 = FleetTestKit.Start;

    [Test]
    public void The_virtual_clock_fires_timers_in_due_order_each_at_its_own_time()
    {
        var clock = new VirtualClock(T0);
        var fired = new List<(string, DateTimeOffset)>();
        clock.CreateTimer(_ => fired.Add(("b", clock.GetUtcNow())), null, TimeSpan.FromMinutes(10), Timeout.InfiniteTimeSpan);
        clock.CreateTimer(_ => fired.Add(("a", clock.GetUtcNow())), null, TimeSpan.FromMinutes(5), Timeout.InfiniteTimeSpan);
        clock.CreateTimerAt(_ => fired.Add(("c", clock.GetUtcNow())), null, T0.AddHours(2), Timeout.InfiniteTimeSpan);

        clock.AdvanceTo(T0.AddHours(1));

        fired.Should().Equal(("a", T0.AddMinutes(5)), ("b", T0.AddMinutes(10)));
        clock.GetUtcNow().Should().Be(T0.AddHours(1));
        clock.NextTimerDue.Should().Be(T0.AddHours(2));
    }

    [Test]
    public void A_periodic_virtual_timer_fires_once_per_period_and_stops_when_disposed()
    {
        var clock = new VirtualClock(T0);
        var count = 0;
        var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromHours(1), TimeSpan.FromHours(1));

        clock.AdvanceTo(T0.AddHours(5).AddMinutes(30));
        count.Should().Be(5);
        timer.Dispose();
        clock.AdvanceTo(T0.AddHours(10));
        count.Should().Be(5);
        clock.PendingTimers.Should().Be(0);
    }

    [Test]
    public void The_virtual_clock_never_goes_back()
    {
        var clock = new VirtualClock(T0);
        clock.AdvanceTo(T0.AddHours(1));
        clock.AdvanceTo(T0);
        clock.GetUtcNow().Should().Be(T0.AddHours(1));
    }

    [Test]
    public void A_device_clock_shows_its_skew_and_the_pinned_event_time_and_arms_timers_at_true_times()
    {
        var fleet = new VirtualClock(T0);
        var device = new DeviceClock(fleet, TimeSpan.FromMinutes(-7));
        device.GetUtcNow().Should().Be(T0.AddMinutes(-7));

        device.Pin(T0.AddMinutes(30));
        device.GetUtcNow().Should().Be(T0.AddMinutes(23));
        DateTimeOffset? firedAt = null;
        device.CreateTimer(_ => firedAt = fleet.GetUtcNow(), null, TimeSpan.FromMinutes(10), Timeout.InfiniteTimeSpan);
        device.Pin(null);

        fleet.AdvanceTo(T0.AddHours(1));
        firedAt.Should().Be(T0.AddMinutes(40), "the timer was armed 10 minutes after the pinned event time");
    }

    [Test]
    public async Task A_session_clock_lets_a_delay_pass_at_once_and_counts_it_as_elapsed()
    {
        var clock = new SessionClock(T0);

        await Task.Delay(TimeSpan.FromHours(3), clock);
        await Task.Delay(TimeSpan.FromSeconds(16), clock);

        clock.Elapsed.Should().Be(TimeSpan.FromHours(3) + TimeSpan.FromSeconds(16));
        clock.GetUtcNow().Should().Be(T0 + clock.Elapsed);
    }

    [Test]
    public void The_default_schedule_of_our_server_polls_5_times_every_3_minutes_then_8_every_15_then_every_8_hours()
    {
        var poll = EnrollmentServerOptions.ForBaseUrl(new Uri(FleetTestKit.BaseUrl)).Poll;
        var times = Enumerable.Range(0, 16).Select(n => (PollSchedule.NextPoll(poll, T0, n) - T0).TotalMinutes).ToList();

        times.Should().Equal(3, 6, 9, 12, 15, 30, 45, 60, 75, 90, 105, 120, 135, 135 + 480, 135 + 960, 135 + 1440);
    }

    [Test]
    public void Fleet_schedule_polls_every_minute_forever_because_0_first_retries_means_infinite()
    {
        var fleet = new PollSettings { IntervalForFirstSetOfRetries = 1, NumberOfFirstRetries = 0 };

        PollSchedule.NextPoll(fleet, T0, 100_000).Should().Be(T0.AddMinutes(100_001));
    }

    [Test]
    public void Without_an_infinite_set_Windows_adds_a_24_hour_schedule_after_the_last_set()
    {
        var docsDefault = PollSettings.Default;
        PollSchedule.NextPoll(docsDefault, T0, 9).Should().Be(T0.AddMinutes(150));
        PollSchedule.NextPoll(docsDefault, T0, 10).Should().Be(T0.AddMinutes(150).AddHours(24));
        PollSchedule.NextPoll(docsDefault, T0, 11).Should().Be(T0.AddMinutes(150).AddHours(48));
    }

    [Test]
    public void A_set_with_interval_0_is_skipped_and_PollsUntil_counts_the_polls_that_fell_due()
    {
        var settings = new PollSettings { IntervalForFirstSetOfRetries = 0, NumberOfFirstRetries = 5, IntervalForSecondSetOfRetries = 60, NumberOfSecondRetries = 0 };

        PollSchedule.NextPoll(settings, T0, 0).Should().Be(T0.AddHours(1));
        PollSchedule.PollsUntil(settings, T0, T0.AddHours(5).AddMinutes(1)).Should().Be(5);
    }
}

public class PollDefaultTests
{
    private static LapsCsp.Enrollment.Identity.DeviceEnrollmentIdentity Identity(PollSettings poll) => new()
    {
        DeviceId = "D",
        HwDevId = "H",
        PrivateKeyPkcs8 = [],
        ClientCertificate = [],
        ManagementUrl = "https://mdm.example.test/ManagementServer/MDM.svc",
        ProviderId = "P",
        Poll = poll,
    };

    [Test]
    public void Without_Poll_settings_in_the_provisioning_document_a_device_polls_every_3_minutes_then_15_then_every_8_hours()
    {
        var state = LapsCsp.Fleet.Session.DmClientState.FromEnrollment(Identity(PollSettings.Default), new LapsCsp.Fleet.Session.DmDeviceInfo { DeviceId = "D" }, "A");

        state.Poll.Should().Be(LapsCsp.Fleet.Session.DmClientState.DefaultPoll);
        Enumerable.Range(0, 14).Select(n => (PollSchedule.NextPoll(state.Poll, FleetTestKit.Start, n) - FleetTestKit.Start).TotalMinutes)
            .Should().Equal(3, 6, 9, 12, 15, 30, 45, 60, 75, 90, 105, 120, 135, 615);
    }

    [Test]
    public void Poll_settings_the_provisioning_document_spells_out_are_kept_even_when_they_equal_the_documented_defaults()
    {
        var spelled = new PollSettings { IntervalForFirstSetOfRetries = 15, NumberOfFirstRetries = 10 };
        var state = LapsCsp.Fleet.Session.DmClientState.FromEnrollment(Identity(spelled), new LapsCsp.Fleet.Session.DmDeviceInfo { DeviceId = "D" }, "A");

        state.Poll.Should().BeSameAs(spelled);
    }
}
