using LapsCsp.Device.Events;

namespace LapsCsp.Device.Tests.Processing;

/// <summary>The hourly background cycle driven by a timer of the injected clock (digest C.2).</summary>
public sealed class BackgroundProcessingTests
{
    [Test]
    public void A_timer_on_the_fake_clock_runs_one_cycle_per_hour_at_each_cycles_own_time()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice();
        device.StartBackgroundProcessing();

        world.Clock.Advance(TimeSpan.FromHours(5));

        device.Events.Query(LapsEventIds.PolicyProcessingStarting).Select(e => e.TimeCreated)
            .Should().Equal(Enumerable.Range(1, 5).Select(h => LapsWorld.Start.AddHours(h)));
    }

    [Test]
    public void Disposing_the_device_stops_its_timer()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice();
        device.StartBackgroundProcessing();
        world.Clock.Advance(TimeSpan.FromHours(1));

        device.Dispose();
        world.Clock.Advance(TimeSpan.FromHours(3));

        device.Events.Query(LapsEventIds.PolicyProcessingStarting).Should().ContainSingle();
    }
}
