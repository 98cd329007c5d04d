using LapsCsp.Fleet.Orleans.Grains;
using LapsCsp.Fleet.Orleans.Tests.Support;
using LapsCsp.Fleet.Runner;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace LapsCsp.Fleet.Orleans.Tests.Grains;

/// <summary>Devices as grains on a multi-silo TestingHost cluster, against the single-process fleet (issue 6 item 6).</summary>
public class MultiSiloFleetTests
{
    [Test]
    public async Task A_fleet_on_two_silos_reports_exactly_what_the_single_process_fleet_reports_for_the_same_seed()
    {
        var options = OrleansFleetKit.Faulty(devices: 40, days: 10, seed: 11);
        var expected = await OrleansFleetKit.SingleProcessAsync(options);

        var (environment, server, _) = OrleansFleetKit.Shared(options);
        await using var cluster = await OrleansFleetKit.ClusterAsync(2, environment);
        var report = await OrleansFleet.RunOnClusterAsync(cluster.Client, options, OrleansFleetKit.ServerName(server));

        report.ToDeterministicJson().Should().Be(expected.ToDeterministicJson());
        report.Sessions.Should().BeGreaterThan(1000);
        report.SessionFailures.Should().NotBeEmpty("the faults of the plan happened on the silos too");
        report.DevicesByState.Keys.Should().Contain(["enrolled", "silent"]);
        report.DeviceErrors.Should().BeEmpty();
        var loaded = cluster.Silos.Select(s => Runs(cluster, s).DevicesLoaded).ToList();
        loaded.Should().HaveCount(2).And.OnlyContain(n => n > 0, "devices ran on both silos");
        loaded.Sum().Should().Be(40);
    }

    [TestCase(GrainStateWrites.OnChange, TestName = "Device_grains_deactivated_in_the_middle_of_a_run_continue_from_their_saved_state_with_the_same_history")]
    [TestCase(GrainStateWrites.EveryWake, TestName = "Device_grains_writing_after_every_wake_deactivated_in_the_middle_of_a_run_continue_with_the_same_history")]
    [TestCase(GrainStateWrites.OnDeactivation, TestName = "Device_grains_writing_only_on_deactivation_deactivated_in_the_middle_of_a_run_continue_with_the_same_history")]
    public async Task Deactivated_in_the_middle_of_a_run(GrainStateWrites writes)
    {
        var options = OrleansFleetKit.Faulty(devices: 16, days: 6, seed: 5);
        var expected = await OrleansFleetKit.SingleProcessAsync(options);

        var (environment, server, _) = OrleansFleetKit.Shared(options);
        await using var cluster = await OrleansFleetKit.ClusterAsync(2, environment, writes);
        var grains = new GrainDeviceHost(cluster.Client, "run-deactivating");
        await grains.StartAsync(options);
        var deactivated = 0;
        var host = new ObservingDeviceHost(grains)
        {
            AfterBatch = async (fleetNow, _) =>
            {
                if (deactivated > 0 || fleetNow < options.Start + TimeSpan.FromDays(3)) return;
                for (var i = 0; i < options.Devices; i++) await cluster.DeactivateAsync(grains.Grain(i));
                deactivated = options.Devices;
            },
        };
        using var runner = new FleetRunner(options, host, OrleansFleetKit.ServerName(server));
        var report = await runner.RunAsync();

        deactivated.Should().Be(options.Devices);
        cluster.Silos.Sum(s => Runs(cluster, s).DevicesRestored).Should().BeGreaterThanOrEqualTo(options.Devices - report.DevicesByState.GetValueOrDefault("silent") - report.DevicesByState.GetValueOrDefault("unenrolled"),
            "every device still enrolled woke again from its saved state");
        report.ToDeterministicJson().Should().Be(expected.ToDeterministicJson());
        var figures = await grains.Grain(0).FiguresAsync();
        figures.SnapshotBytes.Should().BeGreaterThan(1000);
        figures.IdentityBytes.Should().BeGreaterThan(1000, "the identity keeps the device's key and certificates");
    }

    private static FleetSiloRuns Runs(InProcessTestCluster cluster, InProcessSiloHandle silo) =>
        cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredService<FleetSiloRuns>();
}
