using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LapsCsp.Enrollment.Security;
using LapsCsp.Fleet.Orleans;
using LapsCsp.Fleet.Orleans.Cluster;
using LapsCsp.Fleet.Orleans.Grains;
using LapsCsp.Fleet.Reporting;
using LapsCsp.Fleet.Runner;
using LapsCsp.Fleet.Transport;
using LapsCsp.Server.Identity;
using Spectre.Console;

namespace LapsCsp.Cli.Commands;

/// <summary><c>lapscsp fleet run|report|bench</c>: fleets of simulated Windows devices against an MDM server (issue 6).</summary>
internal static class FleetCommand
{
    /// <summary>The LAPS policy an embedded run creates when no --policy is given: Entra ID backup (every join type of the mix
    /// can back up there), rotation every 7 days, the defaults for the rest.</summary>
    internal const string DefaultPolicyJson =
        """{"displayName":"Fleet LAPS policy","description":"created by lapscsp fleet run","settings":{"backupDirectory":1,"passwordAgeDays":7},"atomic":true}""";

    public static Command Create() => new("fleet", "Fleets of simulated Windows devices that enroll and check in to an MDM server on virtual time")
    {
        RunCommand(),
        ReportCommand(),
        BenchCommand(),
        SiloCommand(),
    };

    private sealed class RunArguments
    {
        public Option<int> Devices { get; } = new("--devices") { Description = "how many devices (default 100)", DefaultValueFactory = _ => 100 };

        public Option<string?> Server { get; } = new("--server") { Description = "the MDM server: a base URL (https://host) or its discovery URL" };

        public Option<double> Days { get; } = new("--days") { Description = "simulated days (default 1)", DefaultValueFactory = _ => 1 };

        public Option<int> Seed { get; } = new("--seed") { Description = "the seed: the same seed gives the same run (default 1)", DefaultValueFactory = _ => 1 };

        public Option<string?> Mix { get; } = new("--mix") { Description = "relative weights, e.g. entra=70,hybrid=30 (also registered, win10, win11)" };

        public Option<FileInfo?> Faults { get; } = new("--faults") { Description = "a JSON file of quirks and faults (see the fleet README)" };

        public Option<string?> User { get; } = new("--enroll-user") { Description = "OnPremise user name for every device (default user<n>@fleet.example)" };

        public Option<string?> Password { get; } = new("--enroll-password") { Description = "OnPremise password (default fleet)" };

        public Option<string?> OrbitNodeKey { get; } = new("--fleet-orbit-node-key") { Description = "enroll with Fleet's programmatic token (digest 5.4)" };

        public Option<bool> Insecure { get; } = new("--insecure") { Description = "accept any server TLS certificate" };

        public Option<FileInfo?> Ca { get; } = CaOption();

        public Option<int?> Concurrency { get; } = new("--concurrency") { Description = "devices handled at once" };

        public Option<int?> Resident { get; } = new("--resident") { Description = "devices kept in memory; the rest wait in SQLite (default 5000)" };

        public Option<string?> Store { get; } = new("--store") { Description = "the SQLite file for idle devices (default: a temporary file)" };

        public Option<bool> Hourly { get; } = new("--hourly") { Description = "wake every device every hour for its LAPS cycle" };

        public Option<FileInfo?> Policy { get; } = new("--policy")
        {
            Description = "embedded server only: the LAPS policy to create and assign to all devices (the JSON body of POST /beta/deviceManagement/lapsPolicies); default: Entra ID backup every 7 days",
        };

        public Option<string> Listen { get; } = new("--listen")
        {
            Description = "embedded server only: where its management API, Graph and dashboard listen (default http://127.0.0.1:0, a free port)",
            DefaultValueFactory = _ => "http://127.0.0.1:0",
        };

        public Option<string?> Data { get; } = new("--data") { Description = "embedded server only: keep its store in this folder (default: in memory)" };

        public Option<int?> Trace { get; } = new("--trace") { Description = "embedded server only: SyncML messages kept per device for the dashboard (default 20, 0 above 2,000 devices)" };

        public Option<bool> KeepServing { get; } = new("--keep-serving") { Description = "embedded server only: keep serving the API and dashboard after the run until Ctrl+C" };

        public Option<string?> Cluster { get; } = new("--cluster")
        {
            Description = "run the devices as Orleans grains: localhost (one silo in this process), postgres:<Npgsql connection string> or redis:<configuration> (silos started with `lapscsp fleet silo`)",
        };

        public Option<string?> ClusterId { get; } = new("--cluster-id") { Description = "the Orleans cluster and service id (default lapscsp-fleet)" };

        public Option<bool> HostSilo { get; } = new("--host-silo") { Description = "with postgres or redis clustering: this process runs a silo too" };

        public Option<int?> SiloPort { get; } = new("--silo-port") { Description = "the silo port of this process's silo (default 11111)" };

        public Option<int?> GatewayPort { get; } = new("--gateway-port") { Description = "the gateway port of this process's silo (default 30000)" };

        public Option<string?> GrainWrites { get; } = GrainWritesOption();

        /// <summary>SyncML messages kept per device for the dashboard: --trace, else 20 (none above 2,000 devices).</summary>
        public int TraceFor(ParseResult result, FleetOptions options) => result.GetValue(Trace) ?? (options.Devices > 2000 ? 0 : 20);

        /// <summary>Starts the embedded server on the fleet's clock and directories, then creates the --policy (or the
        /// default one) and assigns it to all devices through the management API.</summary>
        public async Task StartEmbeddedAsync(EmbeddedMdmServer embedded, ParseResult result, TimeProvider clock, LapsCsp.Device.Processing.LapsDirectories directories,
            string? data, int trace, CancellationToken ct)
        {
            var policy = result.GetValue(Policy) is { } file ? await File.ReadAllTextAsync(file.FullName, ct).ConfigureAwait(false) : DefaultPolicyJson;
            await embedded.StartAsync(result.GetValue(Listen)!, data, clock, directories, trace, ct).ConfigureAwait(false);
            await embedded.CreatePolicyAsync(policy, ct).ConfigureAwait(false);
        }

        /// <summary>What a failed start of the embedded server throws (and the command reports as refused).</summary>
        public static bool IsStartFailure(Exception e) => e is InvalidOperationException or IOException or HttpRequestException or ServerConfigurationException;

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { Devices, Server, Days, Seed, Mix, Faults, User, Password, OrbitNodeKey, Insecure, Ca, Concurrency, Resident, Store, Hourly, Policy, Listen, Data, Trace, KeepServing, Cluster, ClusterId, HostSilo, SiloPort, GatewayPort, GrainWrites })
            {
                command.Options.Add(option);
            }
        }

        /// <summary>The options and the server (null: the embedded one), or an error message.</summary>
        public (FleetOptions? Options, HttpMdmServerConnection? Server, string? Error) Read(ParseResult result)
        {
            var server = result.GetValue(Server);
            Uri? url = null;
            if (!string.IsNullOrWhiteSpace(server) && (!Uri.TryCreate(server, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
            {
                return (null, null, $"--server '{server}' is not an http(s) URL");
            }

            if (url is not null && (result.GetValue(Policy) is not null || result.GetValue(Data) is not null || result.GetValue(KeepServing)))
            {
                return (null, null, "--policy, --data and --keep-serving apply to the embedded server only (without --server)");
            }

            if (result.GetValue(Policy) is { Exists: false } missing) return (null, null, $"--policy: no file '{missing.FullName}'");
            if (url is null && result.GetValue(Ca) is not null) return (null, null, "--ca applies with --server only (the embedded server needs no TLS)");
            if (!TryLoadRoots(result.GetValue(Ca), out var roots, out var caProblem)) return (null, null, caProblem);

            FleetMix mix;
            FaultPlan faults;
            try
            {
                mix = result.GetValue(Mix) is { } text ? FleetMix.Parse(text) : FleetMix.Default;
                faults = result.GetValue(Faults) is { } file ? FaultPlan.Load(file.FullName) : FaultPlan.Default;
            }
            catch (Exception e) when (e is FormatException or JsonException or IOException or UnauthorizedAccessException)
            {
                return (null, null, e.Message);
            }

            var user = result.GetValue(User);
            var password = result.GetValue(Password) ?? "fleet";
            var nodeKey = result.GetValue(OrbitNodeKey);
            var defaults = new FleetOptions();
            var options = new FleetOptions
            {
                Devices = result.GetValue(Devices),
                Days = result.GetValue(Days),
                Seed = result.GetValue(Seed),
                Mix = mix,
                Faults = faults,
                MaxConcurrency = result.GetValue(Concurrency) ?? defaults.MaxConcurrency,
                ResidentDevices = result.GetValue(Resident) ?? defaults.ResidentDevices,
                StorePath = result.GetValue(Store),
                HourlyWakeups = result.GetValue(Hourly),
                Credential = nodeKey is not null
                    ? _ => EnrollmentCredential.FleetOrbitNodeKey(nodeKey)
                    : b => EnrollmentCredential.UsernamePassword(user ?? FleetOptions.UserPrincipalName(b), password),
            };
            var problems = options.Validate();
            if (problems.Count > 0) return (null, null, string.Join("; ", problems));
            if (url is null) return (options, null, null);
            var discovery = url.AbsolutePath is "" or "/" ? new Uri(url, "/EnrollmentServer/Discovery.svc") : url;
            var connection = new HttpMdmServerConnection(discovery, new HttpConnectionOptions { AcceptAnyServerCertificate = result.GetValue(Insecure), TrustedRoots = roots });
            return (options, connection, null);
        }
    }

    private static Command RunCommand()
    {
        var arguments = new RunArguments();
        var output = new Option<string>("--out") { Description = "folder for report.json, report.csv, report.html", DefaultValueFactory = _ => "fleet-report" };
        var noProgress = new Option<bool>("--no-progress") { Description = "no live progress display" };
        var command = new Command("run", "Run a fleet against an MDM server and report what happened");
        arguments.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(noProgress);
        command.SetAction(async (result, ct) =>
        {
            var (options, server, error) = arguments.Read(result);
            if (error is not null)
            {
                await Console.Error.WriteLineAsync("lapscsp fleet run: " + error).ConfigureAwait(false);
                return ExitCodes.Refused;
            }

            var show = !result.GetValue(noProgress);
            var (cluster, clusterError) = ReadCluster(result, arguments);
            if (clusterError is not null)
            {
                server?.Dispose();
                await Console.Error.WriteLineAsync("lapscsp fleet run: " + clusterError).ConfigureAwait(false);
                return ExitCodes.Refused;
            }

            if (cluster is not null) return await RunOnClusterAsync(arguments, result, options!, server, cluster, result.GetValue(output)!, show, ct).ConfigureAwait(false);
            if (server is null) return await RunEmbeddedAsync(arguments, result, options!, result.GetValue(output)!, show, ct).ConfigureAwait(false);
            using (server)
            using (var runner = new FleetRunner(options!, server))
            {
                var report = await WithProgressAsync(p => runner.RunAsync(p, ct), show, options!).ConfigureAwait(false);
                Finish(report, result.GetValue(output)!);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A run against the embedded server: start it on the fleet's clock, create and assign the policy through its
    /// management API, run, report; with --keep-serving the API and dashboard stay up until Ctrl+C.</summary>
    private static async Task<int> RunEmbeddedAsync(RunArguments arguments, ParseResult result, FleetOptions options, string folder, bool show, CancellationToken ct)
    {
        await using var embedded = new EmbeddedMdmServer();
        using var runner = new FleetRunner(options, embedded, "embedded");
        try
        {
            await arguments.StartEmbeddedAsync(embedded, result, runner.Clock, LapsCsp.Device.Processing.LapsDirectories.Of(runner.EntraId, runner.Domain),
                result.GetValue(arguments.Data), arguments.TraceFor(result, options), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (RunArguments.IsStartFailure(e))
        {
            await Console.Error.WriteLineAsync("lapscsp fleet run: the embedded server: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Refused;
        }

        Console.WriteLine($"embedded MDM server: management API, Graph and dashboard at {embedded.ListeningUrl} ({embedded.ListeningUrl}/dashboard)");
        var report = await WithProgressAsync(p => runner.RunAsync(p, ct), show, options).ConfigureAwait(false);
        Finish(report, folder);
        if (result.GetValue(arguments.KeepServing))
        {
            var index = Enumerable.Range(0, options.Devices).ToDictionary(i => runner.Blueprint(i).DeviceId, StringComparer.Ordinal);
            var gate = new Lock();
            // After the run the fleet is still: the dashboard may look into each device's event log (one device's detail
            // loads it from the store), and its walk of every device asks only those in memory.
            embedded.Mdm.LocalDevices = id =>
            {
                lock (gate) return index.TryGetValue(id, out var i) ? runner.Device(i) : null;
            };
            embedded.Mdm.ResidentLocalDevices = id =>
            {
                lock (gate) return index.TryGetValue(id, out var i) && runner.TryGetResident(i, out var device) ? device : null;
            };
            Console.WriteLine("serving until Ctrl+C");
            try
            {
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return ExitCodes.Ok;
    }

    private static (FleetClusterOptions? Cluster, string? Error) ReadCluster(ParseResult result, RunArguments arguments)
    {
        if (result.GetValue(arguments.Cluster) is not { } text) return (null, null);
        FleetClusterOptions cluster;
        try
        {
            cluster = FleetClusterOptions.Parse(text);
        }
        catch (FormatException e)
        {
            return (null, "--cluster: " + e.Message);
        }

        if (result.GetValue(arguments.ClusterId) is { } id) cluster = cluster with { ClusterId = id, ServiceId = id };
        if (result.GetValue(arguments.HostSilo)) cluster = cluster with { HostSilo = true };
        if (result.GetValue(arguments.SiloPort) is { } siloPort) cluster = cluster with { SiloPort = siloPort };
        if (result.GetValue(arguments.GatewayPort) is { } gatewayPort) cluster = cluster with { GatewayPort = gatewayPort };
        if (!TryGrainWrites(result.GetValue(arguments.GrainWrites), out var writes, out var writesProblem)) return (null, writesProblem);
        cluster = cluster with { StateWrites = writes };
        var problems = cluster.Validate();
        return problems.Count > 0 ? (null, "--cluster: " + string.Join("; ", problems)) : (cluster, null);
    }

    /// <summary>The fleet on Orleans: this process is the coordinator. Against the embedded server it also runs the silo (the
    /// server lives here, on the silo's clock); against a server URL, silos elsewhere may run the devices.</summary>
    private static async Task<int> RunOnClusterAsync(RunArguments arguments, ParseResult result, FleetOptions options, HttpMdmServerConnection? server,
        FleetClusterOptions cluster, string folder, bool show, CancellationToken ct)
    {
        if (server is not null)
        {
            using (server)
            {
                var remote = await WithProgressAsync(p => OrleansFleet.RunAsync(options, server, cluster, p, ct), show, options).ConfigureAwait(false);
                Finish(remote, folder);
            }

            return ExitCodes.Ok;
        }

        if (!cluster.HostsSilo)
        {
            await Console.Error.WriteLineAsync("lapscsp fleet run: the embedded server lives in this process: pass --host-silo, or --server URL for remote silos").ConfigureAwait(false);
            return ExitCodes.Refused;
        }

        var clock = new LapsCsp.Fleet.Scheduling.VirtualClock(options.Start);
        var directories = OrleansFleet.NewDirectories(clock);
        await using var embedded = new EmbeddedMdmServer();
        try
        {
            await arguments.StartEmbeddedAsync(embedded, result, clock, directories, result.GetValue(arguments.Data), arguments.TraceFor(result, options), ct)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (RunArguments.IsStartFailure(e))
        {
            await Console.Error.WriteLineAsync("lapscsp fleet run: the embedded server: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Refused;
        }

        var environment = new SharedFleetSiloEnvironment(new FleetSiloResources(embedded, directories, clock));
        using var silo = await OrleansFleet.StartSiloAsync(cluster, environment, Microsoft.Extensions.Logging.LogLevel.Warning, ct).ConfigureAwait(false);
        try
        {
            Console.WriteLine($"embedded MDM server: management API, Graph and dashboard at {embedded.ListeningUrl}; devices run as Orleans grains ({cluster})");
            var grains = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Orleans.IGrainFactory>(silo.Services);
            var report = await WithProgressAsync(p => OrleansFleet.RunOnClusterAsync(grains, options, "embedded", p, ct), show, options).ConfigureAwait(false);
            Finish(report, folder);
        }
        finally
        {
            await silo.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    private static Option<string?> GrainWritesOption() => new("--grain-writes")
    {
        Description = "Orleans: when device grains write their state: on-change (default), every-wake or on-deactivation",
    };

    private static bool TryGrainWrites(string? text, out GrainStateWrites writes, out string? problem)
    {
        problem = null;
        writes = text switch
        {
            null or "on-change" => GrainStateWrites.OnChange,
            "every-wake" => GrainStateWrites.EveryWake,
            "on-deactivation" => GrainStateWrites.OnDeactivation,
            _ => (GrainStateWrites)(-1),
        };
        if (Enum.IsDefined(writes)) return true;
        problem = $"--grain-writes '{text}': on-change, every-wake or on-deactivation";
        return false;
    }

    private static Option<FileInfo?> CaOption() => new("--ca")
    {
        Description = "PEM file of CA certificates to trust for the server's TLS certificate, enrollment included (e.g. lapscsp serve --export-ca)",
    };

    /// <summary>The certificates of a <c>--ca</c> PEM file, DER; false with the reason when the file is missing or holds none.</summary>
    private static bool TryLoadRoots(FileInfo? file, out System.Collections.Immutable.ImmutableArray<byte[]> roots, out string? problem)
    {
        roots = [];
        problem = null;
        if (file is null) return true;
        try
        {
            var collection = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            collection.ImportFromPemFile(file.FullName);
            roots = [.. collection.Select(c => c.RawData)];
            foreach (var certificate in collection) certificate.Dispose();
            if (roots.IsEmpty) problem = $"--ca: no certificate in '{file.FullName}'";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            problem = $"--ca: '{file.FullName}': {e.Message}";
        }

        return problem is null;
    }

    /// <summary><c>lapscsp fleet silo</c>: one silo of a fleet cluster on this host, until Ctrl+C.</summary>
    private static Command SiloCommand()
    {
        var cluster = new Option<string>("--cluster") { Description = "postgres:<Npgsql connection string>, redis:<configuration> or localhost", Required = true };
        var server = new Option<string>("--server") { Description = "the MDM server the devices of this silo talk to", Required = true };
        var advertise = new Option<string?>("--advertise") { Description = "the IP address other silos reach this one at" };
        var siloPort = new Option<int>("--silo-port") { Description = "silo-to-silo port (default 11111)", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "client gateway port (default 30000)", DefaultValueFactory = _ => 30000 };
        var clusterId = new Option<string?>("--cluster-id") { Description = "the Orleans cluster and service id (default lapscsp-fleet)" };
        var insecure = new Option<bool>("--insecure") { Description = "accept any server TLS certificate" };
        var ca = CaOption();
        var grainWrites = GrainWritesOption();
        var command = new Command("silo", "Run one Orleans silo of a fleet cluster; the coordinator is `lapscsp fleet run --cluster ...`")
        {
            cluster, server, advertise, siloPort, gatewayPort, clusterId, insecure, ca, grainWrites,
        };
        command.SetAction(async (result, ct) =>
        {
            FleetClusterOptions options;
            try
            {
                options = FleetClusterOptions.Parse(result.GetValue(cluster)!) with { SiloPort = result.GetValue(siloPort), GatewayPort = result.GetValue(gatewayPort) };
            }
            catch (FormatException e)
            {
                await Console.Error.WriteLineAsync("lapscsp fleet silo: --cluster: " + e.Message).ConfigureAwait(false);
                return ExitCodes.Refused;
            }

            if (result.GetValue(clusterId) is { } id) options = options with { ClusterId = id, ServiceId = id };
            if (!TryGrainWrites(result.GetValue(grainWrites), out var writes, out var writesProblem))
            {
                await Console.Error.WriteLineAsync("lapscsp fleet silo: " + writesProblem).ConfigureAwait(false);
                return ExitCodes.Refused;
            }

            options = options with { StateWrites = writes };
            if (result.GetValue(advertise) is { } ip)
            {
                if (!System.Net.IPAddress.TryParse(ip, out var address))
                {
                    await Console.Error.WriteLineAsync($"lapscsp fleet silo: --advertise '{ip}' is not an IP address").ConfigureAwait(false);
                    return ExitCodes.Refused;
                }

                options = options with { AdvertisedAddress = address };
            }

            var problems = options.Validate();
            var url = result.GetValue(server)!;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) problems = [.. problems, $"--server '{url}' is not an http(s) URL"];
            if (!TryLoadRoots(result.GetValue(ca), out var roots, out var caProblem)) problems = [.. problems, caProblem!];
            if (problems.Count > 0)
            {
                await Console.Error.WriteLineAsync("lapscsp fleet silo: " + string.Join("; ", problems)).ConfigureAwait(false);
                return ExitCodes.Refused;
            }

            var discovery = uri!.AbsolutePath is "" or "/" ? new Uri(uri, "/EnrollmentServer/Discovery.svc") : uri;
            using var connection = new HttpMdmServerConnection(discovery, new HttpConnectionOptions { AcceptAnyServerCertificate = result.GetValue(insecure), TrustedRoots = roots });
            Console.WriteLine($"lapscsp fleet silo: {options}, devices talk to {discovery}; Ctrl+C stops");
            await OrleansFleet.RunSiloAsync(options, connection, ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Finish(FleetReport report, string folder)
    {
        ReportConsole.Render(report, AnsiConsole.Console);
        Write(report, folder);
        Console.WriteLine($"report: {Path.GetFullPath(Path.Combine(folder, "report.html"))}");
    }

    private static Command ReportCommand()
    {
        var file = new Argument<FileInfo>("file") { Description = "a report.json of an earlier run" };
        var html = new Option<string?>("--html") { Description = "also write the HTML page here" };
        var csv = new Option<string?>("--csv") { Description = "also write the CSV table here" };
        var command = new Command("report", "Render a saved fleet report in the terminal (and as HTML or CSV)") { file, html, csv };
        command.SetAction(result =>
        {
            FleetReport report;
            try
            {
                report = FleetReport.FromJson(File.ReadAllText(result.GetValue(file)!.FullName));
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or NotSupportedException)
            {
                Console.Error.WriteLine($"lapscsp fleet report: {e.Message}");
                return ExitCodes.Refused;
            }

            ReportConsole.Render(report, AnsiConsole.Console);
            if (result.GetValue(html) is { } htmlPath) File.WriteAllText(htmlPath, ReportHtml.Render(report));
            if (result.GetValue(csv) is { } csvPath) File.WriteAllText(csvPath, ReportCsv.Render(report));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command BenchCommand()
    {
        var arguments = new RunArguments();
        var command = new Command("bench", "Measure memory per idle device, check-ins per second and simulated days per real minute");
        arguments.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var (options, server, error) = arguments.Read(result);
            if (error is not null)
            {
                await Console.Error.WriteLineAsync("lapscsp fleet bench: " + error).ConfigureAwait(false);
                return ExitCodes.Refused;
            }

            if (server is null)
            {
                // Against the embedded server: the fleet's figures, then what the server keeps per device (its records and the
                // emulated directories it shares with the fleet).
                var embedded = new EmbeddedMdmServer();
                try
                {
                    var embeddedBench = await WithProgressAsync(p => FleetBench.RunAsync(options!, embedded, p, ct, (runner, token) =>
                        arguments.StartEmbeddedAsync(embedded, result, runner.Clock, LapsCsp.Device.Processing.LapsDirectories.Of(runner.EntraId, runner.Domain),
                            data: null, trace: 0, token)), true, options!).ConfigureAwait(false);
                    // The server started after the bench's first heap figure and is still up at its last one.
                    var serverBytes = Math.Max(0, embeddedBench.Heap.Without - embeddedBench.Heap.Before) / options!.Devices;
                    Console.WriteLine(Describe(embeddedBench) + string.Create(CultureInfo.InvariantCulture,
                        $"; embedded server and directories: {serverBytes} bytes/device"));
                }
                finally
                {
                    await embedded.DisposeAsync().ConfigureAwait(false);
                }

                return ExitCodes.Ok;
            }

            using (server)
            {
                var bench = await WithProgressAsync(p => FleetBench.RunAsync(options!, server!, p, ct), true, options!).ConfigureAwait(false);
                Console.WriteLine(Describe(bench));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Describe(FleetBenchResult bench) => string.Create(CultureInfo.InvariantCulture,
        $"devices {bench.Devices}, days {bench.Days}, sessions {bench.Sessions}, wall {bench.WallSeconds:0.##} s, " +
        $"check-ins/s {bench.CheckInsPerSecond:0.#}, check-ins/CPU-s {bench.CheckInsPerCpuSecond:0.#}, simulated days/min {bench.SimulatedDaysPerMinute:0.##}, " +
        $"bytes/idle device {bench.BytesPerIdleDevice}, bytes/loaded device {bench.BytesPerLoadedDevice}, peak working set {bench.PeakWorkingSetBytes / 1048576} MiB");

    internal static void Write(FleetReport report, string folder)
    {
        System.IO.Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "report.json"), report.ToJson());
        File.WriteAllText(Path.Combine(folder, "report.csv"), ReportCsv.Render(report));
        File.WriteAllText(Path.Combine(folder, "report.html"), ReportHtml.Render(report));
    }

    /// <summary>Runs with a live progress bar and ETA when the terminal is interactive.</summary>
    private static async Task<T> WithProgressAsync<T>(Func<IProgress<FleetProgress>?, Task<T>> run, bool show, FleetOptions options)
    {
        if (!show || !AnsiConsole.Profile.Capabilities.Interactive) return await run(null).ConfigureAwait(false);
        T value = default!;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Describe(options.Start, 0, 0), maxValue: 100);
                var progress = new Reporter(p =>
                {
                    task.Value = p.Fraction * 100;
                    task.Description = Describe(p.VirtualNow, p.Sessions, p.Enrollments);
                });
                value = await run(progress).ConfigureAwait(false);
                task.Value = 100;
            }).ConfigureAwait(false);
        return value;

        static string Describe(DateTimeOffset at, long sessions, long enrollments) => Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{at:yyyy-MM-dd HH:mm} · {enrollments:#,0} enrolled · {sessions:#,0} check-ins"));
    }

    private sealed class Reporter(Action<FleetProgress> report) : IProgress<FleetProgress>
    {
        public void Report(FleetProgress value) => report(value);
    }
}
