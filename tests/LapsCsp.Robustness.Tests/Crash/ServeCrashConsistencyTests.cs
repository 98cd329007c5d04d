using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LapsCsp.Directory.Audit;
using LapsCsp.Robustness.Tests.Support;
using LapsCsp.Storage;
using LapsCsp.Storage.Audit;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.Testing;

namespace LapsCsp.Robustness.Tests.Crash;

/// <summary>Issue 7 item 4: <c>lapscsp serve</c> runs as a separate process on a data folder; two clients drive device
/// registrations, SyncML policy writes, the management API's rotate action and Graph password reads (each audited) against
/// it; the process is killed with SIGKILL at a random moment (after a random number of answers, with requests in flight), the store is checked offline, and the server is restarted on
/// the same folder for the next cycle. Every acknowledged write, rotation, backup and audit record must be there, and the
/// store consistent: PRAGMA integrity_check, and each device's managed password among its Entra ID credentials.</summary>
/// <remarks>Cycles: LAPSCSP_SERVE_CRASH_CYCLES (default 20, about 25 s). An operation in flight when
/// the process died may or may not have happened: the checks accept both, then take what the store holds as the new baseline.</remarks>
[NonParallelizable]
public sealed class ServeCrashConsistencyTests
{
    private const string Account = "ContosoLocalLapsAdmin";
    private const string AgeNode = "./Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays";
    private const string Admin = "globaladmin@contoso.com";

    [Test]
    public async Task Every_acknowledged_write_rotation_backup_and_audit_record_survives_SIGKILL_of_lapscsp_serve()
    {
        var cycles = int.TryParse(Environment.GetEnvironmentVariable("LAPSCSP_SERVE_CRASH_CYCLES"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 20;
        var random = new Random(20261125);
        var data = Path.Combine(Path.GetTempPath(), "lapscsp-serve-crash-" + Guid.NewGuid().ToString("N"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60 + (30 * cycles)));
        var ledger = new Ledger();
        var totals = new Totals();
        try
        {
            for (var cycle = 0; cycle < cycles; cycle++)
            {
                using (var server = await ServeProcess.StartAsync(data, timeout.Token))
                using (var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) })
                {
                    await CheckOnline(http, ledger, cycle);
                    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await InMemoryServer.TokenAsync(http, Admin));
                    using var stop = new CancellationTokenSource();
                    // The random moment: when the clients have had a random number of answers, while the other client's
                    // request (and often this one's next) is in flight.
                    var killAt = new KillSwitch(random.Next(10, 250));
                    var workers = Enumerable.Range(0, 2).Select(w => Work(http, ledger, cycle, w, new Random(random.Next()), totals, killAt, stop.Token)).ToList();
                    await Task.WhenAny(killAt.Reached, Task.WhenAll(workers)).WaitAsync(timeout.Token);
                    await server.KillAsync();
                    await stop.CancelAsync();
                    await Task.WhenAll(workers);
                }

                CheckStore(data, ledger, cycle, totals);
                totals.Cycles++;
            }

            TestContext.Out.WriteLine(totals.ToString());
            totals.Acknowledged.Should().BeGreaterThan(cycles * 3, "each cycle did real work before the kill");
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

    /// <summary>One client: registers and configures its devices, then writes policy, rotates and reads passwords until
    /// the server dies. Only a complete 2xx answer counts as acknowledged.</summary>
    private static async Task Work(HttpClient http, Ledger ledger, int cycle, int worker, Random random, Totals totals, KillSwitch killAt, CancellationToken stop)
    {
        var mine = ledger.Devices.Values.Where(d => d.Worker == worker).ToList();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var device = mine.FirstOrDefault(d => !d.Ready);
                if (device is null && ((mine.Count < 5 && random.Next(10) == 0) || mine.Count == 0))
                {
                    device = new DeviceLedger($"CRASH-{cycle}-{worker}-{mine.Count}", worker);
                    mine.Add(device);
                    lock (ledger) ledger.Devices[device.Id] = device;
                }

                if (device is not null)
                {
                    await SetUp(http, device, totals);
                    killAt.Answered();
                    continue;
                }

                device = mine[random.Next(mine.Count)];
                var roll = random.Next(100);
                // The server keeps a device's newest 500 rotation records (and its rotate action cannot report a rotation
                // past them, see ServerFindingsTests): a device that rotated 400 times is only written and read.
                if (roll is >= 45 and < 75 && device.AckedRotations + device.RotationsInFlight >= 400) roll = 80;
                switch (roll)
                {
                    case < 45:
                        var age = random.Next(7, 366);
                        device.AgeInFlight = age;
                        var reply = await PostSyncML(http, device.Id, AgePackage(device.Id, age));
                        reply.Should().Contain("Replace:200");
                        device.AckedAge = age;
                        device.AgeInFlight = null;
                        totals.Writes++;
                        killAt.Answered();
                        break;
                    case < 75:
                        device.RotationsInFlight++;
                        using (var rotate = await http.PostAsync(new Uri($"/beta/deviceManagement/managedDevices/{device.Id}/rotateLocalAdminPassword", UriKind.Relative), null, CancellationToken.None))
                        {
                            var body = await rotate.Content.ReadAsStringAsync(CancellationToken.None);
                            rotate.StatusCode.Should().Be(HttpStatusCode.OK, body);
                            JsonNode.Parse(body)!["rotation"]!["result"]!.GetValue<string>().Should().Be("succeeded", body);
                        }

                        device.AckedRotations++;
                        device.RotationsInFlight--;
                        totals.Rotations++;
                        killAt.Answered();
                        break;
                    default:
                        device.ReadsInFlight++;
                        using (var read = await http.GetAsync(new Uri($"/v1.0/directory/deviceLocalCredentials/{device.EntraId}?$select=credentials", UriKind.Relative), CancellationToken.None))
                        {
                            var body = await read.Content.ReadAsStringAsync(CancellationToken.None);
                            read.StatusCode.Should().Be(HttpStatusCode.OK, body);
                            (JsonNode.Parse(body)?["credentials"] as JsonArray).Should().NotBeNullOrEmpty($"{device.Id}: {body}");
                        }

                        device.AckedReads++;
                        device.ReadsInFlight--;
                        totals.Reads++;
                        killAt.Answered();
                        break;
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException || stop.IsCancellationRequested)
        {
            // The server died under this request: it stays "in flight" in the ledger.
        }
    }

    /// <summary>Registers the device, then sends the CSP document's Entra ID policy and the Accounts sample (which creates the
    /// managed account and asks for a reset). Repeated from the start after a crash until all three are acknowledged.</summary>
    private static async Task SetUp(HttpClient http, DeviceLedger device, Totals totals)
    {
        if (!device.Registered)
        {
            device.RegistrationInFlight = true;
            using var created = await http.PostAsJsonAsync(new Uri("/devices", UriKind.Relative), new { deviceId = device.Id }, CancellationToken.None);
            if (created.StatusCode != HttpStatusCode.Conflict) created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            device.Registered = true;
            totals.Registrations++;
        }

        device.EntraId ??= (await http.GetFromJsonAsync<JsonObject>(new Uri($"/devices/{device.Id}", UriKind.Relative), CancellationToken.None))!["entraDeviceId"]!.GetValue<string>();
        (await PostSyncML(http, device.Id, Sample("laps-entra-id-backup.xml", device.Id))).Should().NotContain(":5");
        // The sample's Add of AdministratorAccountName answers 418 after the policy set it, its Get of Password 405.
        (await PostSyncML(http, device.Id, Sample("accounts-create-managed-account.xml", device.Id))).Should().Contain("Atomic:200").And.Contain("Exec:200");
        device.Ready = true;
        totals.Writes += 2;
    }

    /// <summary>After a restart: the server is up on the same data and answers for every device it acknowledged.</summary>
    private static async Task CheckOnline(HttpClient http, Ledger ledger, int cycle)
    {
        foreach (var device in ledger.Devices.Values.Where(d => d.Registered))
        {
            using var response = await http.GetAsync(new Uri($"/devices/{device.Id}", UriKind.Relative));
            response.StatusCode.Should().Be(HttpStatusCode.OK, $"cycle {cycle}: {device.Id} was registered before the crash");
            if (device.AckedAge is { } age)
            {
                var policies = (await response.Content.ReadFromJsonAsync<JsonObject>())!["laps"]!["policies"]!;
                policies["PasswordAgeDays"]!.ToString().Should().Be(age.ToString(CultureInfo.InvariantCulture), $"cycle {cycle}: the restarted server serves the stored policy");
            }
        }
    }

    /// <summary>With the server dead: the store passes integrity_check and holds everything acknowledged.</summary>
    private static void CheckStore(string data, Ledger ledger, int cycle, Totals totals)
    {
        using var store = LapsStore.Open(Path.Combine(data, "lapscsp.db"));
        store.CheckIntegrity().Should().BeEmpty($"cycle {cycle}: the database is consistent after SIGKILL");
        var entra = store.LoadEntra();
        foreach (var device in ledger.Devices.Values)
        {
            var because = $"cycle {cycle}, {device.Id}";
            var snapshot = store.LoadDevice(device.Id);
            if (!device.Registered)
            {
                // A registration in flight when the process died: either it is whole or it is absent.
                device.Registered = snapshot is not null;
                device.RegistrationInFlight = false;
                if (snapshot is null) continue;
            }

            snapshot.Should().NotBeNull($"{because}: an acknowledged registration is stored");
            totals.Checks++;
            var stored = snapshot!.Tree.TryGetValue(AgeNode, out var text) && text is not null ? int.Parse(text, CultureInfo.InvariantCulture) : (int?)null;
            if (device.AckedAge is { } acked)
            {
                stored.Should().Match(v => v == acked || v == device.AgeInFlight, $"{because}: the last acknowledged PasswordAgeDays (or the one in flight)");
                totals.Checks++;
            }

            if (device.AgeInFlight is not null && stored == device.AgeInFlight) device.AckedAge = stored;
            device.AgeInFlight = null;
            if (device.EntraId is null) continue;

            var updates = CountAudit(store, LapsAuditActivities.UpdatePassword, device.EntraId);
            var recoveries = CountAudit(store, LapsAuditActivities.RecoverPassword, device.EntraId);
            var manual = ManualRotations(store, device.Id);
            manual.Should().BeInRange(device.AckedRotations, device.AckedRotations + device.RotationsInFlight, $"{because}: acknowledged rotations are recorded");
            updates.Should().BeGreaterThanOrEqualTo(device.AckedRotations + (device.Ready ? 1 : 0), $"{because}: every acknowledged rotation's backup is audited");
            recoveries.Should().BeInRange(device.AckedReads, device.AckedReads + device.ReadsInFlight, $"{because}: every acknowledged password read is audited");
            totals.Checks += 3;

            // Backup and device state are saved together: the stored managed password is one the directory holds.
            var password = snapshot.Accounts.FirstOrDefault(a => a.Name == Account)?.Password;
            var held = entra?.Devices.FirstOrDefault(d => string.Equals(d.DeviceId, device.EntraId, StringComparison.OrdinalIgnoreCase))?.Credential?.Credentials
                .Select(c => c.DecodePassword()).ToList() ?? [];
            if (password is not null && updates > 0)
            {
                held.Should().Contain(password, $"{because}: the device's stored password was backed up in the same transaction");
                totals.Checks++;
            }

            // What the store holds is now durable: it becomes the baseline of the next cycle.
            device.AckedRotations = manual;
            device.RotationsInFlight = 0;
            device.AckedReads = recoveries;
            device.ReadsInFlight = 0;
        }
    }

    private static int CountAudit(LapsStore store, string activity, string entraId) =>
        store.QueryAudit(new AuditQuery(Activity: activity, Take: int.MaxValue))
            .Count(r => r.TargetResources.Any(t => string.Equals(t.Id, entraId, StringComparison.OrdinalIgnoreCase)));

    private static int ManualRotations(LapsStore store, string deviceId) =>
        store.GetSetting("server.rotations." + deviceId) is { } json
            ? JsonNode.Parse(json)!.AsArray().Count(r => r!["trigger"]?.GetValue<string>() == "manual")
            : 0;

    private static async Task<string> PostSyncML(HttpClient http, string deviceId, string xml)
    {
        using var response = await http.PostAsync(new Uri($"/devices/{deviceId}/syncml", UriKind.Relative), InMemoryServer.SyncMLContent(Encoding.UTF8.GetBytes(xml)), CancellationToken.None);
        var body = await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
        response.StatusCode.Should().Be(HttpStatusCode.OK, Encoding.UTF8.GetString(body));
        var reply = SyncMLReader.Read(body);
        reply.Succeeded.Should().BeTrue();
        return string.Join(' ', reply.Message!.Commands.OfType<StatusCommand>().Select(s => $"{s.Cmd}:{s.Code}"));
    }

    private static string Sample(string name, string deviceId) =>
        File.ReadAllText(Path.Combine(RepoPaths.Samples, name)).Replace("LAPSCSP-DEVICE-0001", deviceId, StringComparison.Ordinal);

    private static string AgePackage(string deviceId, int age) => Wire.Text(Wire.Package(
        [Wire.Command(ItemCommandKind.Replace, "1", AgeNode, age.ToString(CultureInfo.InvariantCulture), "int")], target: deviceId));

    /// <summary>Completes when the clients together have had <c>target</c> answers.</summary>
    private sealed class KillSwitch(int target)
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _answers;

        public Task Reached => _reached.Task;

        public void Answered()
        {
            if (Interlocked.Increment(ref _answers) >= target) _reached.TrySetResult();
        }
    }

    private sealed class Ledger
    {
        public Dictionary<string, DeviceLedger> Devices { get; } = new(StringComparer.Ordinal);
    }

    private sealed class DeviceLedger(string id, int worker)
    {
        public string Id { get; } = id;

        public int Worker { get; } = worker;

        public string? EntraId { get; set; }

        public bool Registered { get; set; }

        public bool RegistrationInFlight { get; set; }

        public bool Ready { get; set; }

        public int? AckedAge { get; set; }

        public int? AgeInFlight { get; set; }

        public int AckedRotations { get; set; }

        public int RotationsInFlight { get; set; }

        public int AckedReads { get; set; }

        public int ReadsInFlight { get; set; }
    }

    private sealed class Totals
    {
        public int Cycles { get; set; }

        public int Registrations { get; set; }

        public int Writes { get; set; }

        public int Rotations { get; set; }

        public int Reads { get; set; }

        public int Checks { get; set; }

        public int Acknowledged => Registrations + Writes + Rotations + Reads;

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Cycles} SIGKILL cycles of lapscsp serve: {Acknowledged} acknowledged operations ({Registrations} registrations, {Writes} SyncML writes, "
            + $"{Rotations} rotations, {Reads} audited password reads), {Checks} store checks, integrity_check clean every cycle");
    }
}
