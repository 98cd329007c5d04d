using LapsCsp.Device.Processing;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Entra;
using LapsCsp.Fleet.Orleans.Cluster;
using LapsCsp.Fleet.Orleans.Grains;
using LapsCsp.Fleet.Reporting;
using LapsCsp.Fleet.Runner;
using LapsCsp.Fleet.Scheduling;
using LapsCsp.Fleet.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LapsCsp.Fleet.Orleans;

/// <summary>Fleets on Orleans (issue 6 item 6): devices as grains on one or many silos, driven by the fleet's scheduler
/// (<see cref="FleetRunner"/>) as the coordinator. The same seed gives the same report as the single-process run.</summary>
public static class OrleansFleet
{
    /// <summary>Registers what the fleet's grains need on a silo: the environment (server, directories, clock per run),
    /// the silo's run registry, when device grains write their state (<paramref name="stateWrites"/>) and, unless
    /// <paramref name="memoryStorage"/> is false (the caller registered another grain storage named
    /// <see cref="FleetGrainStorage.Name"/>), in-memory grain storage.</summary>
    public static ISiloBuilder AddFleetDevices(this ISiloBuilder silo, IFleetSiloEnvironment environment, bool memoryStorage = true,
        GrainStateWrites stateWrites = GrainStateWrites.OnChange)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(environment);
        if (!Enum.IsDefined(stateWrites)) throw new ArgumentOutOfRangeException(nameof(stateWrites), stateWrites, "not a GrainStateWrites policy");
        silo.Services.AddSingleton(environment);
        silo.Services.AddSingleton(new FleetDeviceGrainOptions { StateWrites = stateWrites });
        silo.Services.AddSingleton<FleetSiloRuns>();
        if (memoryStorage) silo.AddMemoryGrainStorage(FleetGrainStorage.Name);
        return silo;
    }

    /// <summary>Runs a fleet on a cluster: with localhost clustering (or <see cref="FleetClusterOptions.HostSilo"/>) this
    /// process also runs a silo whose devices talk to <paramref name="server"/>; otherwise it joins the cluster as a client
    /// and the silos started with <see cref="RunSiloAsync"/> run the devices (with their own server connection).</summary>
    public static async Task<FleetReport> RunAsync(FleetOptions options, IMdmServerConnection server, FleetClusterOptions cluster,
        IProgress<FleetProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(cluster);
        FleetClustering.Throw(cluster);
        var builder = NewHostBuilder(LogLevel.Warning);
        if (cluster.HostsSilo)
        {
            var environment = options.Directories is { } shared
                ? new SharedFleetSiloEnvironment(new FleetSiloResources(server, shared, new VirtualClock(options.Start)))
                : (IFleetSiloEnvironment)new FleetSiloEnvironment(server);
            builder.UseOrleans(silo => silo.UseFleetClustering(cluster).AddFleetDevices(environment, stateWrites: cluster.StateWrites));
        }
        else
        {
            builder.UseOrleansClient(client => client.UseFleetClustering(cluster));
        }

        using var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            return await RunOnClusterAsync(grains, options, server.DiscoveryUrl.GetLeftPart(UriPartial.Authority), progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a fleet on the cluster behind <paramref name="grains"/> (a client or a silo's grain factory): this
    /// process is the coordinator, every wake is a grain call. A new run id each time.</summary>
    public static async Task<FleetReport> RunOnClusterAsync(IGrainFactory grains, FleetOptions options, string serverName,
        IProgress<FleetProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(options);
        var host = new GrainDeviceHost(grains, "run-" + Guid.NewGuid().ToString("N"));
        await host.StartAsync(options).ConfigureAwait(false);
        using var runner = new FleetRunner(options, host, serverName);
        return await runner.RunAsync(progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a silo of the fleet's cluster until <paramref name="cancellationToken"/> is cancelled (<c>lapscsp fleet
    /// silo</c>): its devices talk to <paramref name="server"/> and back up to directories of their own per run.</summary>
    public static async Task RunSiloAsync(FleetClusterOptions cluster, IMdmServerConnection server, CancellationToken cancellationToken)
    {
        using var host = await StartSiloAsync(cluster, new FleetSiloEnvironment(server), LogLevel.Information, cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Starts a silo and returns its host (stop and dispose it when done).</summary>
    public static async Task<IHost> StartSiloAsync(FleetClusterOptions cluster, IFleetSiloEnvironment environment, LogLevel logLevel,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(environment);
        FleetClustering.Throw(cluster);
        var builder = NewHostBuilder(logLevel);
        builder.UseOrleans(silo => silo.UseFleetClustering(cluster).AddFleetDevices(environment, stateWrites: cluster.StateWrites));
        return await StartedAsync(builder, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a client of the cluster (the coordinator of <see cref="RunOnClusterAsync"/>) and returns its host.</summary>
    public static async Task<IHost> StartClientAsync(FleetClusterOptions cluster, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        FleetClustering.Throw(cluster);
        var builder = NewHostBuilder(LogLevel.Warning);
        builder.UseOrleansClient(client => client.UseFleetClustering(cluster));
        return await StartedAsync(builder, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Builds and starts the host; a host that fails to start is disposed.</summary>
    private static async Task<IHost> StartedAsync(HostApplicationBuilder builder, CancellationToken cancellationToken)
    {
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return host;
    }

    /// <summary>A fresh emulated tenant and domain on <paramref name="clock"/> (a silo's or a test's).</summary>
    public static LapsDirectories NewDirectories(VirtualClock clock) =>
        LapsDirectories.Of(new EntraIdDirectory(clock, new EntraIdOptions(LapsEnabled: true)), new ActiveDirectoryDomain(clock));

    private static HostApplicationBuilder NewHostBuilder(LogLevel logLevel)
    {
        // No appsettings, environment variables or command line: everything comes from the options.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(logLevel);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        return builder;
    }
}
