using System.Net;
using LapsCsp.Fleet.Orleans.Cluster;
using LapsCsp.Fleet.Orleans.Grains;
using LapsCsp.Fleet.Orleans.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LapsCsp.Fleet.Orleans.Tests.Cluster;

/// <summary>Silos that find each other through a shared membership store, as silos on several hosts do: PostgreSQL
/// (ADO.NET clustering, <c>LAPSCSP_TEST_POSTGRES</c>, CI: <c>bash .ci/setup-postgres.sh &gt; env &amp;&amp; . env</c>) and Redis
/// (<c>LAPSCSP_TEST_REDIS</c>, CI: <c>bash .ci/setup-redis.sh &gt; env &amp;&amp; . env</c>). Without its variable a test is ignored.</summary>
public class ClusteringTests
{
    public const string PostgresVariable = "LAPSCSP_TEST_POSTGRES";
    public const string RedisVariable = "LAPSCSP_TEST_REDIS";

    [Test]
    public async Task Two_silos_clustered_through_PostgreSQL_run_a_fleet_that_reports_what_the_single_process_fleet_reports()
    {
        var connection = Setting(PostgresVariable, ".ci/setup-postgres.sh");
        await TwoSilosAsync("postgres:" + connection, seed: 7, async (clusterId, ports, _) =>
            (await ActivePostgresSilosAsync(connection, clusterId)).Should().BeEquivalentTo(ports,
                "both silos registered themselves as active in OrleansMembershipTable"));
    }

    [Test]
    public async Task Two_silos_clustered_through_Redis_run_a_fleet_that_reports_what_the_single_process_fleet_reports()
    {
        var configuration = Setting(RedisVariable, ".ci/setup-redis.sh");
        await TwoSilosAsync("redis:" + configuration, seed: 11, async (_, ports, grains) =>
            (await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Keys.Select(h => h.Endpoint.Port)
                .Should().BeEquivalentTo(ports, "both silos joined the cluster through Redis"));
    }

    private static string Setting(string variable, string script)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value)) Assert.Ignore($"{variable} is not set: run eval \"$(bash {script})\" first");
        return value!;
    }

    /// <summary>Two silos and a client on <paramref name="cluster"/> (a fresh cluster id): <paramref name="membership"/>
    /// checks that both silos joined (cluster id, silo ports, the client's grains), then the fleet's report must equal
    /// the single-process run's and devices must have run on both silos.</summary>
    private static async Task TwoSilosAsync(string cluster, int seed, Func<string, int[], IGrainFactory, Task> membership)
    {
        var options = OrleansFleetKit.Faulty(devices: 16, days: 3, seed: seed);
        var expected = await OrleansFleetKit.SingleProcessAsync(options);

        var (environment, server, _) = OrleansFleetKit.Shared(options);
        var clusterId = "test-" + Guid.NewGuid().ToString("N")[..12];
        var parsed = FleetClusterOptions.Parse(cluster) with { ClusterId = clusterId, ServiceId = clusterId, AdvertisedAddress = IPAddress.Loopback };
        var ports = OrleansFleetKit.FreePorts(4);
        using var silo1 = await OrleansFleet.StartSiloAsync(parsed with { SiloPort = ports[0], GatewayPort = ports[1] }, environment, LogLevel.Warning, default);
        using var silo2 = await OrleansFleet.StartSiloAsync(parsed with { SiloPort = ports[2], GatewayPort = ports[3] }, environment, LogLevel.Warning, default);
        using var client = await OrleansFleet.StartClientAsync(parsed, default);
        try
        {
            var grains = client.Services.GetRequiredService<IGrainFactory>();
            await membership(clusterId, [ports[0], ports[2]], grains);

            var report = await OrleansFleet.RunOnClusterAsync(grains, options, OrleansFleetKit.ServerName(server));

            report.ToDeterministicJson().Should().Be(expected.ToDeterministicJson());
            report.Sessions.Should().BeGreaterThan(200);
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

    private static async Task<List<int>> ActivePostgresSilosAsync(string connectionString, string clusterId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT Port FROM OrleansMembershipTable WHERE DeploymentId = @id AND Status = 3 ORDER BY Port", connection);
        command.Parameters.AddWithValue("id", clusterId);
        var ports = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ports.Add(reader.GetInt32(0));
        return ports;
    }
}
