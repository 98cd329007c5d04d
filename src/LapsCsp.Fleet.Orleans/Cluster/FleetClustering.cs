using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace LapsCsp.Fleet.Orleans.Cluster;

/// <summary>Applies <see cref="FleetClusterOptions"/> to a silo or a client.</summary>
internal static class FleetClustering
{
    /// <summary>The ADO.NET invariant of Npgsql: Orleans loads <c>Npgsql.NpgsqlFactory</c> by it.</summary>
    public const string PostgresInvariant = "Npgsql";

    public static void Throw(FleetClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException("invalid cluster options: " + string.Join("; ", problems), nameof(options));
    }

    public static ISiloBuilder UseFleetClustering(this ISiloBuilder silo, FleetClusterOptions options)
    {
        Throw(options);
        switch (options.Kind)
        {
            case FleetClusterKind.Localhost:
                return silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, options.PrimarySiloEndpoint, options.ServiceId, options.ClusterId);
            case FleetClusterKind.Postgres:
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = PostgresInvariant;
                    o.ConnectionString = options.ConnectionString;
                });
                break;
            default:
                silo.UseRedisClustering(options.ConnectionString!);
                break;
        }

        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        return options.AdvertisedAddress is { } address
            ? silo.ConfigureEndpoints(address, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true)
            : silo.ConfigureEndpoints(options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
    }

    public static IClientBuilder UseFleetClustering(this IClientBuilder client, FleetClusterOptions options)
    {
        Throw(options);
        switch (options.Kind)
        {
            case FleetClusterKind.Localhost:
                return client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
            case FleetClusterKind.Postgres:
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = PostgresInvariant;
                    o.ConnectionString = options.ConnectionString;
                });
                break;
            default:
                client.UseRedisClustering(options.ConnectionString!);
                break;
        }

        return client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
    }
}
