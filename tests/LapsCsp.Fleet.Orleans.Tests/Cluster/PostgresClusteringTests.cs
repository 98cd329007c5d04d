using System.Net;
using LapsCsp.Fleet.Orleans.Cluster;
using LapsCsp.Fleet.Orleans.Grains;
using LapsCsp.Fleet.Orleans.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LapsCsp.Fleet.Orleans.Tests.Cluster;

/// <summary>Silos that find each other through the Orleans membership tables in PostgreSQL (ADO.NET clustering), as silos
/// on several hosts do. Needs <c>LAPSCSP_TEST_POSTGRES</c> (CI: <c>eval "$(bash .ci/setup-postgres.sh)"</c>).</summary>
public class PostgresClusteringTests
{
    public const string Variable = "LAPSCSP_TEST_POSTGRES";

    [Test]
    public async Task Two_silos_clustered_through_PostgreSQL_run_a_fleet_that_reports_what_the_single_process_fleet_reports()
    {
        var connection = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(connection)) Assert.Ignore($"{Variable} is not set: run eval \"$(bash .ci/setup-postgres.sh)\" first");
        var options = OrleansFleetKit.Faulty(devices: 16, days: 3, seed: 7);
        var expected = await OrleansFleetKit.SingleProcessAsync(options);

        var (environment, server, _) = OrleansFleetKit.Shared(options);
        var clusterId = "test-" + Guid.NewGuid().ToString("N")[..12];
        var cluster = FleetClusterOptions.Parse("postgres:" + connection) with { ClusterId = clusterId, ServiceId = clusterId, AdvertisedAddress = IPAddress.Loopback };
        var ports = OrleansFleetKit.FreePorts(4);
        using var silo1 = await OrleansFleet.StartSiloAsync(cluster with { SiloPort = ports[0], GatewayPort = ports[1] }, environment, LogLevel.Warning, default);
        using var silo2 = await OrleansFleet.StartSiloAsync(cluster with { SiloPort = ports[2], GatewayPort = ports[3] }, environment, LogLevel.Warning, default);
        using var client = await OrleansFleet.StartClientAsync(cluster, default);
        try
        {
            var active = await ActiveSilosAsync(connection, clusterId);
            active.Should().BeEquivalentTo([ports[0], ports[2]], "both silos registered themselves as active in OrleansMembershipTable");

            var report = await OrleansFleet.RunOnClusterAsync(client.Services.GetRequiredService<IGrainFactory>(), options, OrleansFleetKit.ServerName(server));

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

    private static async Task<List<int>> ActiveSilosAsync(string connectionString, string clusterId)
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
