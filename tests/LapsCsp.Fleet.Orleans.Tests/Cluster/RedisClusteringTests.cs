using System.Net;
using LapsCsp.Fleet.Orleans.Cluster;
using LapsCsp.Fleet.Orleans.Grains;
using LapsCsp.Fleet.Orleans.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LapsCsp.Fleet.Orleans.Tests.Cluster;

/// <summary>Silos that find each other through Redis (Orleans' Redis clustering), as silos on several hosts do. Needs
/// <c>LAPSCSP_TEST_REDIS</c> (CI: <c>eval "$(bash .ci/setup-redis.sh)"</c>).</summary>
public class RedisClusteringTests
{
    public const string Variable = "LAPSCSP_TEST_REDIS";

    [Test]
    public async Task Two_silos_clustered_through_Redis_run_a_fleet_that_reports_what_the_single_process_fleet_reports()
    {
        var configuration = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(configuration)) Assert.Ignore($"{Variable} is not set: run eval \"$(bash .ci/setup-redis.sh)\" first");
        var options = OrleansFleetKit.Faulty(devices: 16, days: 3, seed: 11);
        var expected = await OrleansFleetKit.SingleProcessAsync(options);

        var (environment, server, _) = OrleansFleetKit.Shared(options);
        var clusterId = "test-" + Guid.NewGuid().ToString("N")[..12];
        var cluster = FleetClusterOptions.Parse("redis:" + configuration) with { ClusterId = clusterId, ServiceId = clusterId, AdvertisedAddress = IPAddress.Loopback };
        var ports = OrleansFleetKit.FreePorts(4);
        using var silo1 = await OrleansFleet.StartSiloAsync(cluster with { SiloPort = ports[0], GatewayPort = ports[1] }, environment, LogLevel.Warning, default);
        using var silo2 = await OrleansFleet.StartSiloAsync(cluster with { SiloPort = ports[2], GatewayPort = ports[3] }, environment, LogLevel.Warning, default);
        using var client = await OrleansFleet.StartClientAsync(cluster, default);
        try
        {
            var grains = client.Services.GetRequiredService<IGrainFactory>();
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            hosts.Keys.Select(h => h.Endpoint.Port).Should().BeEquivalentTo([ports[0], ports[2]], "both silos joined the cluster through Redis");

            var report = await OrleansFleet.RunOnClusterAsync(grains, options, OrleansFleetKit.ServerName(server));

            report.ToDeterministicJson().Should().Be(expected.ToDeterministicJson());
            new[] { silo1, silo2 }.Select(s => s.Services.GetRequiredService<FleetSiloRuns>().DevicesLoaded)
                .Should().OnlyContain(n => n > 0, "devices ran on both silos");
        }
        finally
        {
            await client.StopAsync();
            await silo2.StopAsync();
            await silo1.StopAsync();
        }
    }
}
