using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LapsCsp.Directory.Entra;
using LapsCsp.Server.Devices;
using LapsCsp.Server.Hosting;
using LapsCsp.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Server.Tests.Hosting;

/// <summary>A server restarted on the same data folder keeps devices, passwords, audit records, policies and reports.</summary>
public class RestartTests
{
    private string _data = null!;

    [SetUp]
    public void SetUp() => _data = System.IO.Directory.CreateTempSubdirectory("lapscsp-restart-").FullName;

    [TearDown]
    public void TearDown() => System.IO.Directory.Delete(_data, recursive: true);

    private LapsServerFactory Server(FakeTimeProvider? time = null) =>
        new(new ServerOptions { DataDirectory = _data, LogFormat = "simple", PolicyCycleInterval = TimeSpan.FromDays(49) }, time: time);

    [Test]
    public async Task Devices_passwords_audit_policies_and_reports_survive_a_restart()
    {
        string entraId, password, token;
        var time = new FakeTimeProvider(LapsServerFactory.Start);
        using (var first = Server(time))
        {
            using var client = first.CreateClient();
            entraId = await Scenario.EntraDeviceWithBackup(client, "PC-1");
            using var intune = await first.ClientFor("intuneadmin@contoso.com");
            using var created = await intune.PostAsJsonAsync("/beta/deviceManagement/lapsPolicies",
                new { displayName = "kept", settings = new { backupDirectory = 1, passwordAgeDays = 30, administratorAccountName = "ContosoLocalLapsAdmin" } });
            (await intune.PostAsync(new Uri("/beta/deviceManagement/managedDevices/PC-1/rotateLocalAdminPassword", UriKind.Relative), null)).Dispose();
            token = await LapsServerFactory.Token(client, "clouddevice@contoso.com");
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            (await client.GetAsync(new Uri($"/v1.0/directory/deviceLocalCredentials/{entraId}?$select=credentials", UriKind.Relative))).Dispose();
            password = Scenario.DevicePassword(first.Services.GetRequiredService<DeviceRegistry>(), "PC-1");
        }

        time.Advance(TimeSpan.FromMinutes(10));
        using var second = Server(time);
        using var again = second.CreateClient();
        again.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var info = await again.GetFromJsonAsync<JsonObject>($"/v1.0/directory/deviceLocalCredentials/{entraId}?$select=credentials");
        var device = await again.GetFromJsonAsync<JsonObject>("/devices/PC-1");
        using var auditor = await second.ClientFor("globalreader@contoso.com");
        var audits = await auditor.GetFromJsonAsync<JsonObject>("/v1.0/auditLogs/directoryAudits?$count=true");
        using var intuneAgain = await second.ClientFor("intuneadmin@contoso.com");
        var policies = await intuneAgain.GetFromJsonAsync<JsonObject>("/beta/deviceManagement/lapsPolicies");
        var report = await intuneAgain.GetFromJsonAsync<JsonObject>("/beta/deviceManagement/reports/localAdminPasswordRotations");

        DeviceLocalCredential.DecodePassword(info!["credentials"]![0]!["passwordBase64"]!.GetValue<string>()).Should().Be(password, "the token signed before the restart still works");
        Scenario.DevicePassword(second.Services.GetRequiredService<DeviceRegistry>(), "PC-1").Should().Be(password);
        device!["laps"]!["policies"]!["PasswordLength"]!.GetValue<string>().Should().Be("32");
        var activities = audits!["value"]!.AsArray().Select(a => a!["activityDisplayName"]!.GetValue<string>()).ToList();
        activities.Should().Contain("Update device local administrator password");
        activities.Count(a => a == "Recover device local administrator password").Should().Be(2, "the read before the restart and the one after");
        policies!["value"]!.AsArray().Should().ContainSingle();
        report!["summary"]!["manual"]!.GetValue<int>().Should().Be(1);
        report["summary"]!["total"]!.GetValue<int>().Should().BeGreaterThanOrEqualTo(2);
    }

    [Test]
    public async Task The_event_log_is_stored_beside_the_device_and_comes_back_after_a_restart()
    {
        var time = new FakeTimeProvider(LapsServerFactory.Start);
        List<long> before;
        using (var first = Server(time))
        {
            using var client = first.CreateClient();
            await Scenario.EntraDeviceWithBackup(client, "PC-1");
            before = [.. (await client.GetFromJsonAsync<JsonObject>("/devices/PC-1/events?top=1000"))!["value"]!.AsArray().Select(e => e!["recordId"]!.GetValue<long>())];
            var store = first.Services.GetRequiredService<LapsCsp.Server.State.ServerState>().Store;
            store.QueryDeviceEvents("PC-1", take: 10_000).Should().HaveCount(before.Count, "each event is a row of device_events");
            store.LoadDeviceRecord("PC-1")!.Snapshot.Events!.Events.Should().BeNull("the snapshot leaves the log to device_events");
        }

        using var second = Server(time);
        using var again = second.CreateClient();
        var after = (await again.GetFromJsonAsync<JsonObject>("/devices/PC-1/events?top=1000"))!["value"]!.AsArray().Select(e => e!["recordId"]!.GetValue<long>());
        (await SyncMLHttp.Post(again, "PC-1", SyncMLHttp.SampleFor("accounts-create-managed-account.xml", "PC-1"))).Dispose();
        var next = (await again.GetFromJsonAsync<JsonObject>("/devices/PC-1/events?top=1"))!["value"]![0]!["recordId"]!.GetValue<long>();

        before.Should().NotBeEmpty();
        after.Should().Equal(before);
        next.Should().BeGreaterThan(before.Max(), "record ids go on from where they were");
        second.Services.GetRequiredService<LapsCsp.Server.State.ServerState>().Store.QueryDeviceEvents("PC-1", take: 10_000).Select(e => e.Sequence)
            .Should().OnlyHaveUniqueItems();
    }

    [Test]
    public async Task A_restarted_device_keeps_its_LAPS_schedule_and_rotates_when_due()
    {
        var time = new FakeTimeProvider(LapsServerFactory.Start);
        string before;
        using (var first = Server(time))
        {
            using var client = first.CreateClient();
            await Scenario.EntraDeviceWithBackup(client, "PC-1");
            before = Scenario.DevicePassword(first.Services.GetRequiredService<DeviceRegistry>(), "PC-1");
        }

        time.Advance(TimeSpan.FromDays(8));
        using var second = Server(time);
        var rotations = await second.Services.GetRequiredService<LapsCsp.Server.Management.PolicyCycleService>().RunOnceAsync(CancellationToken.None);

        rotations.Should().ContainSingle().Which.Trigger.Should().Be("scheduled", "PasswordAgeDays is 7 in the Entra sample");
        Scenario.DevicePassword(second.Services.GetRequiredService<DeviceRegistry>(), "PC-1").Should().NotBe(before);
    }
}
