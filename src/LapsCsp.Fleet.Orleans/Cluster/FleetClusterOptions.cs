using System.Globalization;
using System.Net;
using LapsCsp.Fleet.Orleans.Grains;

namespace LapsCsp.Fleet.Orleans.Cluster;

/// <summary>How the silos of a fleet find each other (Orleans cluster membership).</summary>
public enum FleetClusterKind
{
    /// <summary>One machine: a primary silo on localhost (Orleans' development clustering).</summary>
    Localhost,

    /// <summary>ADO.NET clustering on PostgreSQL (the Orleans membership tables, see README).</summary>
    Postgres,

    /// <summary>Redis clustering.</summary>
    Redis,
}

/// <summary>The cluster a fleet runs on: <c>localhost</c> (default), <c>postgres:&lt;Npgsql connection string&gt;</c> or
/// <c>redis:&lt;StackExchange.Redis configuration&gt;</c>, plus the ports and the identity of the cluster. Validated at
/// start-up, every problem at once.</summary>
public sealed record FleetClusterOptions
{
    public const string DefaultClusterId = "lapscsp-fleet";

    public static FleetClusterOptions Localhost { get; } = new();

    public FleetClusterKind Kind { get; init; } = FleetClusterKind.Localhost;

    /// <summary>The Npgsql connection string (<see cref="FleetClusterKind.Postgres"/>) or the Redis configuration
    /// (<see cref="FleetClusterKind.Redis"/>, e.g. <c>redis1:6379,redis2:6379</c>).</summary>
    public string? ConnectionString { get; init; }

    /// <summary>Orleans ClusterId: silos and clients with the same id (and membership store) form one cluster.</summary>
    public string ClusterId { get; init; } = DefaultClusterId;

    /// <summary>Orleans ServiceId: stays the same across deployments of the same service (grain state is keyed by it).</summary>
    public string ServiceId { get; init; } = DefaultClusterId;

    /// <summary>The port silos talk to each other on (Orleans' default 11111).</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>The port clients (the coordinator) connect to (Orleans' default 30000).</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>The address other hosts reach this silo at (null: Orleans picks this host's address; localhost clustering
    /// always uses the loopback address).</summary>
    public IPAddress? AdvertisedAddress { get; init; }

    /// <summary>Localhost clustering only: the primary silo's silo endpoint when this silo is a secondary one on the same
    /// machine (null: this silo is the primary).</summary>
    public IPEndPoint? PrimarySiloEndpoint { get; init; }

    /// <summary>Whether <c>OrleansFleet.RunAsync</c> also runs a silo in its own process (null: with localhost clustering
    /// only; with a shared membership store the coordinator is a client of silos started with <c>RunSiloAsync</c>).</summary>
    public bool? HostSilo { get; init; }

    public bool HostsSilo => HostSilo ?? Kind == FleetClusterKind.Localhost;

    /// <summary>When the device grains of the silos this process starts write their state to grain storage (default
    /// <see cref="GrainStateWrites.OnChange"/>; every policy writes on deactivation).</summary>
    public GrainStateWrites StateWrites { get; init; } = GrainStateWrites.OnChange;

    /// <summary>Parses <c>localhost</c>, <c>postgres:&lt;connection string&gt;</c> or <c>redis:&lt;configuration&gt;</c>.</summary>
    /// <exception cref="FormatException">Any other text.</exception>
    public static FleetClusterOptions Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return new FleetClusterOptions();
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon < 0 ? trimmed : trimmed[..colon];
        var rest = colon < 0 ? "" : trimmed[(colon + 1)..].Trim();
        FleetClusterKind kind;
        if (scheme.Equals("postgres", StringComparison.OrdinalIgnoreCase) || scheme.Equals("postgresql", StringComparison.OrdinalIgnoreCase))
        {
            kind = FleetClusterKind.Postgres;
        }
        else if (scheme.Equals("redis", StringComparison.OrdinalIgnoreCase))
        {
            kind = FleetClusterKind.Redis;
        }
        else
        {
            throw new FormatException($"'{text}' is not a cluster: use localhost, postgres:<connection string> or redis:<configuration>");
        }

        if (rest.Length == 0) throw new FormatException($"'{scheme}:' needs a connection string after the colon");
        return new FleetClusterOptions { Kind = kind, ConnectionString = rest };
    }

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Kind != FleetClusterKind.Localhost && string.IsNullOrWhiteSpace(ConnectionString)) problems.Add($"{Kind} clustering needs a connection string");
        if (string.IsNullOrWhiteSpace(ClusterId)) problems.Add("ClusterId is empty");
        if (string.IsNullOrWhiteSpace(ServiceId)) problems.Add("ServiceId is empty");
        if (SiloPort is < 1 or > 65535) problems.Add("SiloPort must be between 1 and 65535");
        if (GatewayPort is < 1 or > 65535) problems.Add("GatewayPort must be between 1 and 65535");
        if (SiloPort == GatewayPort) problems.Add("SiloPort and GatewayPort must differ");
        if (!Enum.IsDefined(StateWrites)) problems.Add("StateWrites must be OnChange, EveryWake or OnDeactivation");
        return problems;
    }

    /// <summary>The form <see cref="Parse"/> reads, without the secret part of a connection string.</summary>
    public override string ToString() => Kind switch
    {
        FleetClusterKind.Localhost => string.Create(CultureInfo.InvariantCulture, $"localhost (silo {SiloPort}, gateway {GatewayPort})"),
        FleetClusterKind.Postgres => "postgres",
        _ => "redis",
    };
}
