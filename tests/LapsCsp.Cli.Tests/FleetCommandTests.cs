using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using LapsCsp.Cli.Commands;
using LapsCsp.Directory.Audit;
using LapsCsp.Fleet.Runner;
using LapsCsp.Server.Identity;

namespace LapsCsp.Cli.Tests;

/// <summary><c>lapscsp fleet run</c> against the embedded MDM server, as a new user runs it from the README.</summary>
public class FleetCommandTests
{
    private string _folder = "";

    [SetUp]
    public void SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "lapscsp-fleet-cli-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(_folder);
        // No quirks: every device is reachable and stays on, so that the expectations are exact.
        File.WriteAllText(Faults, """{ "slowDevicePercent": 0, "flakyDevicePercent": 0, "silentPercent": 0, "clockSkewPercent": 0, "adminLogonsPerDevicePerDay": 0 }""");
    }

    [TearDown]
    public void TearDown()
    {
        if (System.IO.Directory.Exists(_folder)) System.IO.Directory.Delete(_folder, recursive: true);
    }

    private string Faults => Path.Combine(_folder, "faults.json");

    [Test]
    public void Without_a_server_the_fleet_enrolls_with_the_embedded_server_and_rotates_every_PasswordAgeDays()
    {
        var run = CliRunner.Run("fleet", "run", "--devices", "20", "--days", "16", "--seed", "5", "--faults", Faults, "--no-progress", "--out", Out("a"));

        run.ExitCode.Should().Be(0, run.Stderr);
        run.Stdout.Should().Contain("embedded MDM server");
        var report = Report("a");
        report["enrollments"]!.GetValue<long>().Should().Be(20);
        report["devicesByState"]!["enrolled"]!.GetValue<long>().Should().Be(20);
        report["serverCommands"]!.GetValue<long>().Should().Be(20, "the default policy (one Atomic) reached every device");
        report["commandsByStatus"]!.AsObject().Select(p => p.Key).Should().Equal("200");
        report["backupFailures"]!.GetValue<long>().Should().Be(0);
        report["backups"]!.GetValue<long>().Should().Be(report["rotations"]!.GetValue<long>());
        // The default policy rotates every 7 days: at enrollment on day 1, then on day 8 and day 15.
        var days = report["days"]!.AsArray().ToDictionary(d => d!["day"]!.GetValue<int>(), d => d!["rotations"]!.GetValue<long>());
        days[1].Should().Be(20);
        days[8].Should().Be(20);
        days[15].Should().Be(20);
        days.Where(d => d.Key is not (1 or 8 or 15)).Sum(d => d.Value).Should().Be(0);
    }

    [Test]
    public void The_same_seed_gives_the_same_report_twice()
    {
        CliRunner.Run("fleet", "run", "--devices", "15", "--days", "3", "--seed", "9", "--no-progress", "--out", Out("one")).ExitCode.Should().Be(0);
        CliRunner.Run("fleet", "run", "--devices", "15", "--days", "3", "--seed", "9", "--no-progress", "--out", Out("two")).ExitCode.Should().Be(0);

        var one = Report("one");
        var two = Report("two");
        one.AsObject().Remove("performance");
        two.AsObject().Remove("performance");
        one.ToJsonString().Should().Be(two.ToJsonString());
    }

    [Test]
    public void A_policy_file_sets_what_the_devices_get()
    {
        var policy = Path.Combine(_folder, "policy.json");
        File.WriteAllText(policy, """{"displayName":"ten days","settings":{"backupDirectory":1,"passwordAgeDays":10},"atomic":true}""");

        var run = CliRunner.Run("fleet", "run", "--devices", "10", "--days", "12", "--seed", "2", "--faults", Faults, "--policy", policy, "--no-progress", "--out", Out("p"));

        run.ExitCode.Should().Be(0, run.Stderr);
        var days = Report("p")["days"]!.AsArray().ToDictionary(d => d!["day"]!.GetValue<int>(), d => d!["rotations"]!.GetValue<long>());
        days[1].Should().Be(10);
        days[8].Should().Be(0, "the policy's age is 10 days, not the default 7");
        days[11].Should().Be(10);
    }

    [Test]
    public void On_Orleans_the_fleet_reports_what_the_single_process_fleet_reports_for_the_same_seed()
    {
        var ports = FreePorts(2);
        var single = CliRunner.Run("fleet", "run", "--devices", "12", "--days", "4", "--seed", "6", "--no-progress", "--out", Out("single"));
        var grains = CliRunner.Run("fleet", "run", "--devices", "12", "--days", "4", "--seed", "6", "--no-progress", "--out", Out("grains"),
            "--cluster", "localhost", "--silo-port", ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture));

        single.ExitCode.Should().Be(0, single.Stderr);
        grains.ExitCode.Should().Be(0, grains.Stderr);
        grains.Stdout.Should().Contain("Orleans grains");
        var one = Report("single");
        var two = Report("grains");
        one.AsObject().Remove("performance");
        two.AsObject().Remove("performance");
        two["enrollments"]!.GetValue<long>().Should().Be(12);
        one.ToJsonString().Should().Be(two.ToJsonString());
    }

    [TestCase("--cluster", "zookeeper:x", "not a cluster", TestName = "fleet_run_refuses_an_unknown_cluster_kind")]
    [TestCase("--server", "ftp://host", "not an http(s) URL", TestName = "fleet_run_refuses_a_server_that_is_not_http")]
    [TestCase("--policy", "/no/such/policy.json", "no file", TestName = "fleet_run_refuses_a_missing_policy_file")]
    public void Refusals(string option, string value, string message)
    {
        var run = CliRunner.Run("fleet", "run", "--devices", "1", option, value, "--no-progress", "--out", Out("x"));

        run.ExitCode.Should().Be(2);
        run.Stderr.Should().Contain(message);
    }

    [TestCase("missing", "--ca: '", TestName = "fleet_run_refuses_a_missing_ca_file")]
    [TestCase("empty", "no certificate in", TestName = "fleet_run_refuses_a_ca_file_without_certificates")]
    public void CA_file_refusals(string kind, string message)
    {
        var file = Out("ca.pem");
        if (kind == "empty")
        {
            System.IO.Directory.CreateDirectory(_folder);
            File.WriteAllText(file, "not a certificate\n");
        }

        var run = CliRunner.Run("fleet", "run", "--devices", "1", "--server", "https://127.0.0.1:9", "--ca", file, "--no-progress", "--out", Out("x"));

        run.ExitCode.Should().Be(2);
        run.Stderr.Should().Contain(message);
    }

    [Test]
    public void fleet_run_refuses_an_unknown_grain_write_policy()
    {
        var run = CliRunner.Run("fleet", "run", "--devices", "1", "--cluster", "localhost", "--grain-writes", "sometimes", "--no-progress", "--out", Out("x"));

        run.ExitCode.Should().Be(2);
        run.Stderr.Should().Contain("--grain-writes 'sometimes': on-change, every-wake or on-deactivation");
    }

    [Test]
    public void Embedded_options_are_refused_with_a_server()
    {
        var run = CliRunner.Run("fleet", "run", "--server", "http://127.0.0.1:9", "--keep-serving", "--no-progress");

        run.ExitCode.Should().Be(2);
        run.Stderr.Should().Contain("embedded server only");
    }

    [Test]
    public void fleet_bench_measures_the_fleet_and_what_the_embedded_server_keeps_per_device()
    {
        var run = CliRunner.Run("fleet", "bench", "--devices", "30", "--days", "1", "--resident", "10", "--faults", Faults);

        run.ExitCode.Should().Be(0, run.Stderr);
        var line = run.Stdout.Split('\n').Single(l => l.StartsWith("devices 30,", StringComparison.Ordinal));
        line.Should().MatchRegex(@"sessions [1-9]\d*, ").And.MatchRegex(@"bytes/idle device [1-9]\d*").And.MatchRegex(@"embedded server and directories: [1-9]\d* bytes/device");
    }

    [Test]
    public void A_saved_run_renders_again_with_fleet_report()
    {
        CliRunner.Run("fleet", "run", "--devices", "5", "--days", "1", "--no-progress", "--out", Out("r")).ExitCode.Should().Be(0);
        var html = Path.Combine(_folder, "again.html");

        var run = CliRunner.Run("fleet", "report", Path.Combine(Out("r"), "report.json"), "--html", html);

        run.ExitCode.Should().Be(0, run.Stderr);
        run.Stdout.Should().Contain("devices enrolled");
        File.ReadAllText(html).Should().Contain("<svg");
    }

    /// <summary>In process: every backup the fleet reports is in the emulated directory the server's Graph API reads.</summary>
    [Test]
    public async Task Every_backup_is_in_the_directory_the_servers_Graph_API_reads()
    {
        var options = new FleetOptions { Devices = 12, Days = 9, Seed = 4, Faults = FaultPlan.Load(Faults) };
        await using var embedded = new EmbeddedMdmServer();
        using var runner = new FleetRunner(options, embedded, "embedded");
        await embedded.StartAsync("http://127.0.0.1:0", null, runner.Clock, LapsCsp.Device.Processing.LapsDirectories.Of(runner.EntraId, runner.Domain), 10, CancellationToken.None);
        await embedded.CreatePolicyAsync(FleetCommand.DefaultPolicyJson, CancellationToken.None);

        var report = await runner.RunAsync();

        runner.EntraId!.AuditLog.Count(a => a.ActivityDisplayName == LapsAuditActivities.UpdatePassword && a.Result == DirectoryAuditRecord.Success)
            .Should().Be((int)report.Backups);
        using var http = new HttpClient { BaseAddress = new Uri(embedded.ListeningUrl!) };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "laps-read-app", ["client_secret"] = TenantConfig.DemoSecret,
        });
        using var token = await http.PostAsync(new Uri("/oauth2/v2.0/token", UriKind.Relative), form);
        var access = JsonNode.Parse(await token.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", access);
        var credentials = JsonNode.Parse(await http.GetStringAsync(new Uri("/v1.0/directory/deviceLocalCredentials", UriKind.Relative)))!;
        credentials["value"]!.AsArray().Should().HaveCount(12, "each enrolled device backed its password up to the tenant");
        embedded.Mdm.Devices().Should().HaveCount(12).And.OnlyContain(d => d.Commands.Length == 1 && d.Commands[0].State == "succeeded");
    }

    /// <summary>Over real HTTP: <c>lapscsp serve</c> on a loopback port and a fleet pointed at it as at any server. Without
    /// TLS the devices authenticate with the provisioned MD5 digest (407 challenge, then 212).</summary>
    [Test]
    public async Task A_fleet_pointed_at_lapscsp_serve_over_HTTP_enrolls_and_gets_its_policy_with_digest_authentication()
    {
        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var options = new FleetOptions { Devices = 6, Days = 2, Seed = 8, Faults = FaultPlan.Load(Faults) };
        using var connection = new LapsCsp.Fleet.Transport.HttpMdmServerConnection(new Uri(baseUrl + "/EnrollmentServer/Discovery.svc"));
        using var runner = new FleetRunner(options, connection);
        await using var server = new EmbeddedMdmServer();
        await server.StartAsync(baseUrl, null, runner.Clock, LapsCsp.Device.Processing.LapsDirectories.Of(runner.EntraId, runner.Domain), 1000, CancellationToken.None,
            publicUrl: null);
        await server.CreatePolicyAsync(FleetCommand.DefaultPolicyJson, CancellationToken.None);

        var report = await runner.RunAsync();

        report.Enrollments.Should().Be(6);
        report.ServerCommands.Should().Be(6);
        report.SessionFailures.Should().BeEmpty();
        var devices = server.Mdm.Devices().ToList();
        devices.Should().HaveCount(6).And.OnlyContain(d => d.Commands.Length == 1 && d.Commands[0].State == "succeeded" && d.Sessions > 0);
        devices.Should().OnlyContain(d => d.Alerts.Any(a => a.Code == "1201"), "each session starts with Alert 1201");
        var answers = server.Mdm.Trace(devices[0].DeviceId, 1000).Where(t => t.Direction == "toDevice").ToList();
        answers[0].Body.Should().Contain("<Data>407</Data>", "the first package 1 carries no Cred and is challenged");
        answers[1].Body.Should().Contain("<Data>212</Data>", "package 1 again with the Cred from the challenge's nonce");
    }

    /// <summary>Over https, as Windows talks to its MDM: the server presents a certificate its MDM CA issued, the fleet trusts
    /// that CA (<c>--ca</c>, as an administrator imports it before enrollment) and each device authenticates its sessions
    /// with the client certificate enrollment gave it: no digest challenge at all.</summary>
    [Test]
    public async Task A_fleet_pointed_at_lapscsp_serve_over_HTTPS_authenticates_with_its_client_certificates()
    {
        var baseUrl = $"https://127.0.0.1:{FreePort()}";
        var options = new FleetOptions { Devices = 4, Days = 1, Seed = 9, Faults = FaultPlan.Load(Faults) };
        // The server starts first (its CA is what the fleet must trust), on a clock of its own at the fleet's start.
        var serverClock = new LapsCsp.Fleet.Scheduling.VirtualClock(options.Start);
        await using var server = new EmbeddedMdmServer();
        await server.StartAsync(baseUrl, null, serverClock, LapsCsp.Device.Processing.LapsDirectories.Of(
                new LapsCsp.Directory.Entra.EntraIdDirectory(serverClock, new LapsCsp.Directory.Entra.EntraIdOptions(LapsEnabled: true)), null),
            1000, CancellationToken.None, publicUrl: null);
        await server.CreatePolicyAsync(FleetCommand.DefaultPolicyJson, CancellationToken.None);
        using var connection = new LapsCsp.Fleet.Transport.HttpMdmServerConnection(new Uri(baseUrl + "/EnrollmentServer/Discovery.svc"),
            new LapsCsp.Fleet.Transport.HttpConnectionOptions { TrustedRoots = [server.Mdm.RootCertificate.RawData] });
        using var fleet = new FleetRunner(options, connection);

        var report = await fleet.RunAsync();

        report.Enrollments.Should().Be(4);
        report.ServerCommands.Should().Be(4);
        report.SessionFailures.Should().BeEmpty();
        var devices = server.Mdm.Devices().ToList();
        devices.Should().HaveCount(4).And.OnlyContain(d => d.Commands.Length == 1 && d.Commands[0].State == "succeeded");
        var traffic = server.Mdm.Trace(devices[0].DeviceId, 1000).ToList();
        traffic.Where(t => t.Direction == "fromDevice").Should().NotContain(t => t.Body.Contains("<Cred>", StringComparison.Ordinal));
        traffic.Where(t => t.Direction == "toDevice").Should().NotContain(t => t.Body.Contains("<Data>407</Data>", StringComparison.Ordinal))
            .And.Contain(t => t.Body.Contains("<Cmd>SyncHdr</Cmd>", StringComparison.Ordinal));
    }

    private static int FreePort() => FreePorts(1)[0];

    /// <summary>Distinct free ports (the listeners are held open together so the OS hands out different ones).</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((System.Net.IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    private string Out(string name) => Path.Combine(_folder, name);

    private JsonNode Report(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(Out(name), "report.json")))!;
}
