using LapsCsp.Fleet.Orleans.Grains;
using LapsCsp.Fleet.Reporting;
using LapsCsp.Fleet.Runner;
using LapsCsp.Fleet.Scheduling;
using LapsCsp.Fleet.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace LapsCsp.Fleet.Orleans.Tests.Support;

/// <summary>The reference run (one process) and the pieces of an Orleans run (a clock, directories and a scripted server
/// shared by every silo of the process, as one process's fleet shares them).</summary>
internal static class OrleansFleetKit
{
    /// <summary>A fleet with every kind of fault, so that equal reports mean equal histories, not just equal happy paths.</summary>
    public static FleetOptions Faulty(int devices, double days, int seed) => new()
    {
        Devices = devices,
        Days = days,
        Seed = seed,
        MaxConcurrency = 8,
        BatchWindow = TimeSpan.FromMinutes(1),
        Faults = FaultPlan.Default with
        {
            DropRate = 0.02, TimeoutRate = 0.01, ServerErrorRate = 0.01, GarbageRate = 0.01, DirectoryFailureRate = 0.05,
            UnenrollPercent = 5, SilentPercent = 5, AdminLogonsPerDevicePerDay = 0.2, FlakyDevicePercent = 10, ClockSkewPercent = 20,
        },
    };

    /// <summary>The scripted server hands every device an Entra LAPS policy until the device acknowledges it.</summary>
    public static ScriptedMdmServer PolicyServer(TimeProvider time) => new(time, new ScriptedServerOptions
    {
        KeepHistory = false,
        OnCheckIn = d => d.StatusCodes.Keys.Any(k => k.StartsWith("Atomic:", StringComparison.Ordinal)) ? null : [SessionKit.EntraLapsPolicy(7)],
    });

    public static string ServerName(ScriptedMdmServer server) => server.DiscoveryUrl.GetLeftPart(UriPartial.Authority);

    /// <summary>The single-process run of <paramref name="options"/>, its server on the runner's clock.</summary>
    public static async Task<FleetReport> SingleProcessAsync(FleetOptions options)
    {
        var holder = new RunnerClock(options.Start);
        using var runner = new FleetRunner(options, PolicyServer(holder));
        holder.Runner = runner;
        return await runner.RunAsync();
    }

    /// <summary>What the silos of one test share, and the environment that hands it to them.</summary>
    public static (SharedFleetSiloEnvironment Environment, ScriptedMdmServer Server, VirtualClock Clock) Shared(FleetOptions options)
    {
        var clock = new VirtualClock(options.Start);
        var server = PolicyServer(clock);
        var resources = new FleetSiloResources(server, OrleansFleet.NewDirectories(clock), clock);
        return (new SharedFleetSiloEnvironment(resources), server, clock);
    }

    /// <summary>A cluster of <paramref name="silos"/> silos whose device grains write as <paramref name="writes"/> says;
    /// with a <paramref name="log"/>, through a <see cref="CountingGrainStorage"/> over in-memory storage.</summary>
    public static async Task<InProcessTestCluster> ClusterAsync(int silos, IFleetSiloEnvironment environment,
        GrainStateWrites writes = GrainStateWrites.OnChange, GrainWriteLog? log = null)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((_, silo) =>
        {
            if (log is not null)
            {
                const string inner = "fleet-devices-inner";
                silo.AddMemoryGrainStorage(inner);
                silo.Services.AddKeyedSingleton<IGrainStorage>(FleetGrainStorage.Name,
                    (services, _) => new CountingGrainStorage(services.GetRequiredKeyedService<IGrainStorage>(inner), log));
            }

            silo.AddFleetDevices(environment, memoryStorage: log is null, writes);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>The runner's clock, for a server built before the runner.</summary>
    private sealed class RunnerClock(DateTimeOffset start) : TimeProvider
    {
        public FleetRunner? Runner { get; set; }

        public override DateTimeOffset GetUtcNow() => Runner?.Clock.GetUtcNow() ?? start;
    }

    /// <summary>Ports nobody listens on right now (the OS hands them out; released before the silos bind them).</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var listener in listeners) listener.Start();
            return [.. listeners.Select(l => ((System.Net.IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners) listener.Stop();
        }
    }
}
