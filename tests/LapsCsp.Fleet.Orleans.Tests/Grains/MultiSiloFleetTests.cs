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

    [Test]
    public async Task Device_grains_deactivated_in_the_middle_of_a_run_continue_from_their_saved_state_with_the_same_history()
    {
        var options = OrleansFleetKit.Faulty(devices: 16, days: 6, seed: 5);
        var expected = await OrleansFleetKit.SingleProcessAsync(options);

        var (environment, server, _) = OrleansFleetKit.Shared(options);
        await using var cluster = await OrleansFleetKit.ClusterAsync(2, environment);
        var grains = new GrainDeviceHost(cluster.Client, "run-deactivating");
        await grains.StartAsync(options);
        var host = new DeactivatingHost(grains, cluster, options.Start + TimeSpan.FromDays(3), options.Devices);
        using var runner = new FleetRunner(options, host, OrleansFleetKit.ServerName(server));
        var report = await runner.RunAsync();

        host.Deactivated.Should().Be(options.Devices);
        cluster.Silos.Sum(s => Runs(cluster, s).DevicesRestored).Should().BeGreaterThanOrEqualTo(options.Devices - report.DevicesByState.GetValueOrDefault("silent") - report.DevicesByState.GetValueOrDefault("unenrolled"),
            "every device still enrolled woke again from its saved state");
        report.ToDeterministicJson().Should().Be(expected.ToDeterministicJson());
        var figures = await grains.Grain(0).FiguresAsync();
        figures.SnapshotBytes.Should().BeGreaterThan(1000);
        figures.IdentityBytes.Should().BeGreaterThan(1000, "the identity keeps the device's key and certificates");
    }

    private static FleetSiloRuns Runs(InProcessTestCluster cluster, InProcessSiloHandle silo) =>
        cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredService<FleetSiloRuns>();

    /// <summary>Passes wakes to the grains and, at the first batch after <paramref name="at"/>, deactivates every device grain.</summary>
    private sealed class DeactivatingHost(GrainDeviceHost inner, InProcessTestCluster cluster, DateTimeOffset at, int devices) : IFleetDeviceHost
    {
        public int Deactivated { get; private set; }

        public Task<DeviceWakeResult> WakeAsync(int index, DateTimeOffset wake, DateTimeOffset fleetNow, CancellationToken cancellationToken) =>
            inner.WakeAsync(index, wake, fleetNow, cancellationToken);

        public async Task BatchCompletedAsync(DateTimeOffset fleetNow, CancellationToken cancellationToken)
        {
            if (Deactivated > 0 || fleetNow < at) return;
            for (var i = 0; i < devices; i++) await cluster.DeactivateAsync(inner.Grain(i));
            Deactivated = devices;
        }

        public Task<DeviceWakeResult> FinishAsync(int index, DateTimeOffset end, CancellationToken cancellationToken) =>
            inner.FinishAsync(index, end, cancellationToken);

        public DeviceHostFigures Figures() => inner.Figures();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
