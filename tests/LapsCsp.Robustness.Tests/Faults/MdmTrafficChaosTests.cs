using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LapsCsp.Robustness.Tests.Support;
using LapsCsp.Server.Hosting;
using LapsCsp.Storage;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.Testing;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.Simmy;
using Polly.Simmy.Behavior;
using Polly.Simmy.Fault;
using Polly.Simmy.Outcomes;

namespace LapsCsp.Robustness.Tests.Faults;

/// <summary>Issue 7 item 3, on the MDM side: <c>lapscsp serve</c> in process (its SQLite store in a temporary folder, its
/// clock simulated) behind an HttpClient whose handler runs Polly chaos strategies: refused connections, 503s that never
/// reached the server, latency on the simulated clock, and answers lost after the server acted. Clients retry as devices
/// and consoles do. For a simulated month, hour by hour, devices run DM sessions (resets, policy changes), administrators
/// rotate passwords and read them through Graph. After every hour the store must show each device's managed password among
/// its Entra ID credentials; at the end no password may appear in a log line, an event, a problem document or an exception.</summary>
[NonParallelizable]
public sealed class MdmTrafficChaosTests
{
    private const string Account = "ContosoLocalLapsAdmin";
    private const string InitialPassword = "Initial-P@ssw0rd-2026";
    private static readonly DateTimeOffset s_start = new(2026, 2, 2, 8, 0, 0, TimeSpan.Zero);

    [TestCase(1)]
    [TestCase(2)]
    public async Task Under_MDM_traffic_chaos_the_directory_always_holds_the_password_that_opens_the_account_and_none_leaks(int seed)
    {
        var days = int.TryParse(Environment.GetEnvironmentVariable("LAPSCSP_CHAOS_DAYS"), NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d > 0 ? Math.Min(d, 40) : 30;
        var data = Path.Combine(Path.GetTempPath(), "lapscsp-mdm-chaos-" + Guid.NewGuid().ToString("N"));
        var clock = new FakeTimeProvider(s_start);
        var random = new Random(seed);
        var chaos = new TrafficChaos(seed, clock);
        var seen = new Seen();
        // No policy cycle during the run: a background cycle would race the checks.
        var options = new ServerOptions
        {
            // 45 days: longer than the run, within PeriodicTimer's limit of 49.7 days (see ServerFindingsTests).
            LogFormat = "simple", DataDirectory = data, PolicyCycleInterval = TimeSpan.FromDays(45), TokenLifetime = TimeSpan.FromDays(1),
        };
        try
        {
            await using var server = InMemoryServer.Start(clock, options);
            using var admin = server.CreateClient();
            using var client = server.CreateClient(new ChaosHandler(chaos, seen));
            var token = await InMemoryServer.TokenAsync(admin, "globaladmin@contoso.com");
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var store = LapsStore.Open(Path.Combine(data, "lapscsp.db"));

            var devices = new List<(string Id, string EntraId)>();
            for (var i = 0; i < 3; i++)
            {
                var id = $"MDM-CHAOS-{seed}-{i}";
                (await admin.PostAsJsonAsync(new Uri("/devices", UriKind.Relative), new { deviceId = id })).EnsureSuccessStatusCode();
                var entraId = (await admin.GetFromJsonAsync<JsonObject>(new Uri($"/devices/{id}", UriKind.Relative)))!["entraDeviceId"]!.GetValue<string>();
                await Session(client, seen, id, Sample("laps-entra-id-backup.xml", id));
                await Session(client, seen, id, Sample("accounts-create-managed-account.xml", id));
                devices.Add((id, entraId));
            }

            int checks = 0, sessions = 0, rotations = 0, reads = 0;
            for (var hour = 0; hour < days * 24; hour++)
            {
                clock.Advance(TimeSpan.FromHours(1));
                if (hour % 12 == 0)
                {
                    // Tokens live an hour of the simulated clock or a day at most: fetch a fresh one now and then.
                    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await InMemoryServer.TokenAsync(admin, "globaladmin@contoso.com"));
                }

                foreach (var (id, entraId) in devices)
                {
                    var roll = random.Next(100);
                    if (roll < 30)
                    {
                        var commands = new List<SyncCommand> { Wire.Command(ItemCommandKind.Get, "1", "./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus") };
                        if (random.Next(10) < 4) commands.Add(Wire.Command(ItemCommandKind.Exec, "2", "./Device/Vendor/MSFT/LAPS/Actions/ResetPassword"));
                        if (random.Next(10) < 3) commands.Add(Wire.Command(ItemCommandKind.Replace, "3", "./Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays", random.Next(7, 60).ToString(CultureInfo.InvariantCulture), "int"));
                        var sessionId = (hour * 10 + devices.FindIndex(x => x.Id == id)).ToString(CultureInfo.InvariantCulture);
                        await Session(client, seen, id, Wire.Text(Wire.Package(commands, sessionId: sessionId, target: id)), sessionId);
                        sessions++;
                    }
                    else if (roll < 40)
                    {
                        using var rotate = await Send(client, seen, () => new HttpRequestMessage(HttpMethod.Post, $"/beta/deviceManagement/managedDevices/{id}/rotateLocalAdminPassword"));
                        rotate.StatusCode.Should().Be(HttpStatusCode.OK);
                        rotations++;
                    }
                    else if (roll < 50)
                    {
                        using var read = await Send(client, seen, () => new HttpRequestMessage(HttpMethod.Get, $"/v1.0/directory/deviceLocalCredentials/{entraId}?$select=credentials"));
                        read.StatusCode.Should().Be(HttpStatusCode.OK);
                        var newest = (await read.Content.ReadFromJsonAsync<JsonObject>())!["credentials"]![0]!["passwordBase64"]!.GetValue<string>();
                        seen.Passwords.Add(Directory.Entra.DeviceLocalCredential.DecodePassword(newest));
                        reads++;
                    }
                }

                foreach (var (id, entraId) in devices)
                {
                    var password = store.LoadDevice(id)!.Accounts.Single(a => a.Name == Account).Password!;
                    var held = store.LoadEntra()!.Devices.Single(x => string.Equals(x.DeviceId, entraId, StringComparison.OrdinalIgnoreCase)).Credential!.Credentials
                        .Select(c => c.DecodePassword()).ToList();
                    seen.Passwords.Add(password);
                    seen.Passwords.UnionWith(held);
                    held.Should().Contain(password, $"seed {seed}, {clock.GetUtcNow():O}, {id}: the directory holds the password that opens {Account}");
                    checks++;
                }
            }

            // Where a password must never be: logs, events, problem documents, exception messages.
            var events = new List<string>();
            foreach (var (id, _) in devices)
            {
                var json = await admin.GetStringAsync(new Uri($"/devices/{id}/events?top=10000", UriKind.Relative));
                events.Add(json);
            }

            seen.Passwords.Add(InitialPassword);
            var places = new Dictionary<string, IReadOnlyList<string>>
            {
                ["log line"] = server.Logs.Lines,
                ["event"] = events,
                ["problem document"] = seen.Problems,
                ["exception message"] = seen.Exceptions,
            };
            foreach (var (place, texts) in places)
            {
                foreach (var text in texts)
                {
                    foreach (var password in seen.Passwords) text.Should().NotContain(password, $"a {place} must not carry a password");
                }
            }

            server.Logs.Lines.Should().NotContain(l => l.StartsWith("Error", StringComparison.Ordinal), "the chaos is on the wire; the server itself never failed");
            chaos.Injected.Should().BeGreaterThan(days * 2);
            TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"seed {seed}: {days} days, {checks} invariant checks, {sessions} DM sessions, {rotations} rotations, {reads} Graph reads, "
                + $"{seen.Retries} client retries after {chaos}; {seen.Passwords.Count} passwords looked for in {server.Logs.Lines.Count} log lines, "
                + $"{events.Count} event logs, {seen.Problems.Count} problem documents, {seen.Exceptions.Count} exception messages"));
        }
        finally
        {
            try
            {
                System.IO.Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>A DM session as a device runs it: the server package (MsgID 1), then the closing message of Statuses
    /// (MsgID 2). Each message is resent as it was until it gets through; the server replays a repeated MsgID 2.</summary>
    private static async Task Session(HttpClient client, Seen seen, string deviceId, string package, string sessionId = "1")
    {
        using var first = await Send(client, seen, () => SyncMLRequest(deviceId, package));
        first.StatusCode.Should().Be(HttpStatusCode.OK);
        var reply = SyncMLReader.Read(await first.Content.ReadAsByteArrayAsync());
        reply.Succeeded.Should().BeTrue();
        var statuses = reply.Message!.Commands.OfType<StatusCommand>().Count();
        var closing = Wire.Text(Wire.Package(
            [new StatusCommand("1", "2", "0", "SyncHdr", "200")], msgId: "2", sessionId: reply.Message.Header.SessionId, target: deviceId));
        using var second = await Send(client, seen, () => SyncMLRequest(deviceId, closing));
        second.StatusCode.Should().Be(HttpStatusCode.NoContent,
            $"a message of Statuses only ends the session ({statuses} statuses answered), and its repeat after a lost answer is answered alike");
    }

    private static HttpRequestMessage SyncMLRequest(string deviceId, string xml) =>
        new(HttpMethod.Post, $"/devices/{deviceId}/syncml") { Content = InMemoryServer.SyncMLContent(Encoding.UTF8.GetBytes(xml)) };

    /// <summary>Sends until an answer that is not a transport failure or a 503 arrives (at most 12 attempts).</summary>
    private static async Task<HttpResponseMessage> Send(HttpClient client, Seen seen, Func<HttpRequestMessage> request)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var message = request();
                var response = await client.SendAsync(message);
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 12) return response;
                response.Dispose();
            }
            catch (HttpRequestException e) when (attempt < 12)
            {
                lock (seen) seen.Exceptions.Add(e.ToString());
            }

            seen.Retries++;
        }
    }

    private static string Sample(string name, string deviceId) =>
        File.ReadAllText(Path.Combine(RepoPaths.Samples, name)).Replace("LAPSCSP-DEVICE-0001", deviceId, StringComparison.Ordinal);

    /// <summary>What the clients saw.</summary>
    private sealed class Seen
    {
        public HashSet<string> Passwords { get; } = new(StringComparer.Ordinal);

        public List<string> Problems { get; } = [];

        public List<string> Exceptions { get; } = [];

        public int Retries { get; set; }
    }

    /// <summary>The chaos pipeline of the MDM traffic, seeded.</summary>
    private sealed class TrafficChaos
    {
        private readonly Random _random;
        private int _refused;
        private int _unavailable;
        private int _latencies;
        private int _lost;

        public TrafficChaos(int seed, FakeTimeProvider clock)
        {
            _random = new Random(seed * 7919);
            Pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
                .AddChaosFault(new ChaosFaultStrategyOptions
                {
                    InjectionRate = 0.06,
                    Randomizer = NextDouble,
                    FaultGenerator = _ => ValueTask.FromResult<Exception?>(new HttpRequestException("chaos: connection refused")),
                    OnFaultInjected = _ =>
                    {
                        Interlocked.Increment(ref _refused);
                        return ValueTask.CompletedTask;
                    },
                })
                .AddChaosOutcome(new ChaosOutcomeStrategyOptions<HttpResponseMessage>
                {
                    InjectionRate = 0.06,
                    Randomizer = NextDouble,
                    OutcomeGenerator = _ => ValueTask.FromResult<Outcome<HttpResponseMessage>?>(Outcome.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
                    {
                        Content = new StringContent("chaos: a proxy answered 503"),
                    })),
                    OnOutcomeInjected = _ =>
                    {
                        Interlocked.Increment(ref _unavailable);
                        return ValueTask.CompletedTask;
                    },
                })
                // Latency on the simulated clock: time passes on the server while the request travels.
                .AddChaosBehavior(new ChaosBehaviorStrategyOptions
                {
                    InjectionRate = 0.15,
                    Randomizer = NextDouble,
                    BehaviorGenerator = _ =>
                    {
                        clock.Advance(TimeSpan.FromSeconds(Next(1, 60)));
                        Interlocked.Increment(ref _latencies);
                        return ValueTask.CompletedTask;
                    },
                })
                .Build();
        }

        public ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

        public int Injected => _refused + _unavailable + _latencies + _lost;

        /// <summary>The server acted and answered, but the answer never reached the client.</summary>
        public bool LoseAnswer()
        {
            if (NextDouble() >= 0.05) return false;
            Interlocked.Increment(ref _lost);
            return true;
        }

        public override string ToString() =>
            $"{Injected} injected faults ({_refused} refused connections, {_unavailable} 503s, {_latencies} latencies, {_lost} lost answers)";

        private double NextDouble()
        {
            lock (_random) return _random.NextDouble();
        }

        private int Next(int min, int max)
        {
            lock (_random) return _random.Next(min, max);
        }
    }

    /// <summary>Runs every request through the chaos pipeline; keeps the problem documents the server answered.</summary>
    private sealed class ChaosHandler(TrafficChaos chaos, Seen seen) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await chaos.Pipeline.ExecuteAsync(async ct => await base.SendAsync(request, ct), cancellationToken);
            if ((int)response.StatusCode >= 400 && response.RequestMessage is not null)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                lock (seen) seen.Problems.Add(body);
                ((int)response.StatusCode).Should().BeLessThan(500, $"the server itself never fails: {body}");
            }

            if (response.RequestMessage is not null && chaos.LoseAnswer())
            {
                response.Dispose();
                throw new HttpRequestException("chaos: the answer was lost after the server acted");
            }

            return response;
        }
    }
}
