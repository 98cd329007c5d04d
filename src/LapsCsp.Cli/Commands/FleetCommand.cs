using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LapsCsp.Enrollment.Security;
using LapsCsp.Fleet.Reporting;
using LapsCsp.Fleet.Runner;
using LapsCsp.Fleet.Transport;
using Spectre.Console;

namespace LapsCsp.Cli.Commands;

/// <summary><c>lapscsp fleet run|report|bench</c>: fleets of simulated Windows devices against an MDM server (issue 6).</summary>
internal static class FleetCommand
{
    /// <summary>Why --server is required: the embedded server's enrollment and management endpoints (issue 6 item 3) are
    /// not in <c>lapscsp serve</c> yet; a scripted test double is not a product default.</summary>
    internal const string NoEmbeddedServer =
        "--server is required: lapscsp serve has no enrollment and management endpoints yet (issue 6 item 3), so there is no embedded server to run against";

    public static Command Create() => new("fleet", "Fleets of simulated Windows devices that enroll and check in to an MDM server on virtual time")
    {
        RunCommand(),
        ReportCommand(),
        BenchCommand(),
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

        public Option<int?> Concurrency { get; } = new("--concurrency") { Description = "devices handled at once" };

        public Option<int?> Resident { get; } = new("--resident") { Description = "devices kept in memory; the rest wait in SQLite (default 5000)" };

        public Option<string?> Store { get; } = new("--store") { Description = "the SQLite file for idle devices (default: a temporary file)" };

        public Option<bool> Hourly { get; } = new("--hourly") { Description = "wake every device every hour for its LAPS cycle" };

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { Devices, Server, Days, Seed, Mix, Faults, User, Password, OrbitNodeKey, Insecure, Concurrency, Resident, Store, Hourly })
            {
                command.Options.Add(option);
            }
        }

        /// <summary>The options and the server, or an error message.</summary>
        public (FleetOptions? Options, HttpMdmServerConnection? Server, string? Error) Read(ParseResult result)
        {
            var server = result.GetValue(Server);
            if (string.IsNullOrWhiteSpace(server)) return (null, null, NoEmbeddedServer);
            if (!Uri.TryCreate(server, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                return (null, null, $"--server '{server}' is not an http(s) URL");
            }

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
            var discovery = url.AbsolutePath is "" or "/" ? new Uri(url, "/EnrollmentServer/Discovery.svc") : url;
            var connection = new HttpMdmServerConnection(discovery, new HttpConnectionOptions { AcceptAnyServerCertificate = result.GetValue(Insecure) });
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

            using (server)
            using (var runner = new FleetRunner(options!, server!))
            {
                var report = await WithProgressAsync(p => runner.RunAsync(p, ct), !result.GetValue(noProgress), options!).ConfigureAwait(false);
                ReportConsole.Render(report, AnsiConsole.Console);
                var folder = result.GetValue(output)!;
                Write(report, folder);
                Console.WriteLine($"report: {Path.GetFullPath(Path.Combine(folder, "report.html"))}");
            }

            return ExitCodes.Ok;
        });
        return command;
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

            using (server)
            {
                var bench = await WithProgressAsync(p => FleetBench.RunAsync(options!, server!, p, ct), true, options!).ConfigureAwait(false);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"devices {bench.Devices}, days {bench.Days}, sessions {bench.Sessions}, wall {bench.WallSeconds:0.##} s, " +
                    $"check-ins/s {bench.CheckInsPerSecond:0.#}, simulated days/min {bench.SimulatedDaysPerMinute:0.##}, " +
                    $"bytes/idle device {bench.BytesPerIdleDevice}, bytes/loaded device {bench.BytesPerLoadedDevice}, peak working set {bench.PeakWorkingSetBytes / 1048576} MiB"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

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
