using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LapsCsp.Directory.Audit;
using LapsCsp.Directory.Entra;
using LapsCsp.Server.Devices;
using LapsCsp.Server.Hosting;
using LapsCsp.Server.State;
using LapsCsp.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static LapsCsp.Server.Tests.Support.SyncMLHttp;

namespace LapsCsp.Server.Tests.Devices;

/// <summary>A hosted device renamed through <c>./DevDetail/Ext/Microsoft/DNSComputerName</c>: the rename waits for the
/// reboot (<c>POST /devices/{id}/reboot</c>), then the registration, the listings and the directories carry the new name.</summary>
public sealed class RenameTests
{
    private const string DnsComputerName = "./DevDetail/Ext/Microsoft/DNSComputerName";

    private string _data = null!;

    [SetUp]
    public void SetUp() => _data = System.IO.Directory.CreateTempSubdirectory("lapscsp-rename-").FullName;

    [TearDown]
    public void TearDown() => System.IO.Directory.Delete(_data, recursive: true);

    private LapsServerFactory Server(FakeTimeProvider time) =>
        new(new ServerOptions { DataDirectory = _data, LogFormat = "simple", PolicyCycleInterval = TimeSpan.FromDays(49) }, time: time);

    private static string Replace(string value, string cmdId = "2") =>
        $"<Replace><CmdID>{cmdId}</CmdID><Item><Target><LocURI>{DnsComputerName}</LocURI></Target>"
        + $"<Meta><Format xmlns=\"syncml:metinf\">chr</Format></Meta><Data>{value}</Data></Item></Replace>";

    /// <summary>Posts the rename as a session of its own (SessionID 2, MsgID 1) and returns the Status codes of the reply.</summary>
    private static async Task<List<string>> PostRename(HttpClient client, string deviceId, string value)
    {
        using var response = await Post(client, deviceId, Package(Replace(value), sessionId: "2", deviceId: deviceId));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return Statuses(await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonObject> Reboot(HttpClient client, string deviceId)
    {
        using var response = await client.PostAsync(new Uri($"/devices/{deviceId}/reboot", UriKind.Relative), null);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static async Task<List<string>> ListedNames(HttpClient client) =>
        [.. (await client.GetFromJsonAsync<JsonObject>("/devices"))!["value"]!.AsArray().Select(d => d!["deviceName"]!.GetValue<string>())];

    [Test]
    public async Task A_rename_through_SyncML_shows_in_GET_and_the_listings_after_the_reboot_and_the_next_backup_carries_it_to_Graph()
    {
        using var factory = new LapsServerFactory();
        using var client = factory.CreateClient();
        var entraId = await Scenario.EntraDeviceWithBackup(client, "PC-1");
        var oldName = (await client.GetFromJsonAsync<JsonObject>("/devices/PC-1"))!["deviceName"]!.GetValue<string>();

        (await PostRename(client, "PC-1", "KIOSK-9")).Should().Equal("SyncHdr:200", "Replace:200");

        var pending = await client.GetFromJsonAsync<JsonObject>("/devices/PC-1");
        pending!["deviceName"]!.GetValue<string>().Should().Be(oldName, "the rename waits for the reboot");
        pending["pendingComputerName"]!.GetValue<string>().Should().Be("KIOSK-9");

        var rebooted = await Reboot(client, "PC-1");

        rebooted["deviceName"]!.GetValue<string>().Should().Be("KIOSK-9");
        rebooted.ContainsKey("pendingComputerName").Should().BeFalse();
        (await client.GetFromJsonAsync<JsonObject>("/devices/PC-1"))!["deviceName"]!.GetValue<string>().Should().Be("KIOSK-9");
        (await ListedNames(client)).Should().Equal("KIOSK-9");
        using var intune = await factory.ClientFor("intuneadmin@contoso.com");
        var managed = await intune.GetFromJsonAsync<JsonObject>("/beta/deviceManagement/managedDevices");
        managed!["value"]!.AsArray().Select(d => d!["deviceName"]!.GetValue<string>()).Should().Equal("KIOSK-9");

        // The next backup: an administrator's rotation, backed up to Entra ID under the device's new name.
        using (var rotated = await intune.PostAsync(new Uri("/beta/deviceManagement/managedDevices/PC-1/rotateLocalAdminPassword", UriKind.Relative), null))
        {
            rotated.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await LapsServerFactory.Token(client, "clouddevice@contoso.com"));
        var info = await client.GetFromJsonAsync<JsonObject>($"/v1.0/directory/deviceLocalCredentials/{entraId}?$select=deviceName,credentials");
        info!["deviceName"]!.GetValue<string>().Should().Be("KIOSK-9");
        DeviceLocalCredential.DecodePassword(info["credentials"]![0]!["passwordBase64"]!.GetValue<string>())
            .Should().Be(Scenario.DevicePassword(factory.Services.GetRequiredService<DeviceRegistry>(), "PC-1"));
        var report = await intune.GetFromJsonAsync<JsonObject>("/beta/deviceManagement/reports/localAdminPasswordRotations?trigger=manual");
        report!["value"]![0]!["deviceName"]!.GetValue<string>().Should().Be("KIOSK-9", "the rotation report names the device as it is now");
    }

    [Test]
    public async Task The_renamed_registration_and_device_survive_a_restart()
    {
        var time = new FakeTimeProvider(LapsServerFactory.Start);
        using (var first = Server(time))
        {
            using var client = first.CreateClient();
            await Scenario.EntraDeviceWithBackup(client, "PC-1");
            (await PostRename(client, "PC-1", "Finance-Laptop-0042")).Should().Equal("SyncHdr:200", "Replace:200");
            (await Reboot(client, "PC-1"))["deviceName"]!.GetValue<string>().Should().Be("Finance-Laptop-0042");
        }

        using var second = Server(time);
        using var again = second.CreateClient();

        (await again.GetFromJsonAsync<JsonObject>("/devices/PC-1"))!["deviceName"]!.GetValue<string>().Should().Be("Finance-Laptop-0042");
        (await ListedNames(again)).Should().Equal("Finance-Laptop-0042");
        var identity = second.Services.GetRequiredService<DeviceRegistry>().Find("PC-1")!.Device.Identity;
        identity.HostName.Should().Be("Finance-Laptop-0042");
        identity.DeviceName.Should().Be("FINANCE-LAPTOP-", "the NetBIOS name: the first 15 characters, upper case");
        using var reply = await Post(again, "PC-1", Package(Get("2", "./DevDetail/Ext/Microsoft/DeviceName"), sessionId: "3"));
        (await reply.Content.ReadAsStringAsync()).Should().Contain("<Data>Finance-Laptop-0042</Data>");
    }

    [Test]
    public async Task A_pending_rename_is_stored_and_a_reboot_after_a_restart_applies_it()
    {
        var time = new FakeTimeProvider(LapsServerFactory.Start);
        using (var first = Server(time))
        {
            using var client = first.CreateClient();
            await Scenario.EntraDeviceWithBackup(client, "PC-1");
            (await PostRename(client, "PC-1", "KIOSK-9")).Should().Equal("SyncHdr:200", "Replace:200");
        }

        using var second = Server(time);
        using var again = second.CreateClient();
        (await again.GetFromJsonAsync<JsonObject>("/devices/PC-1"))!["pendingComputerName"]!.GetValue<string>()
            .Should().Be("KIOSK-9", "a Replace of DNSComputerName changes no tree node, yet the device is stored");

        (await Reboot(again, "PC-1"))["deviceName"]!.GetValue<string>().Should().Be("KIOSK-9");
    }

    [Test]
    public async Task A_hybrid_device_renamed_and_rebooted_renames_its_computer_object_in_the_servers_domain()
    {
        using var factory = new LapsServerFactory();
        using var client = factory.CreateClient();
        using (var created = await client.PostAsJsonAsync("/devices", new { deviceId = "PC-2", deviceName = "DESKTOP-OLD", joinType = "hybridJoined" }))
        {
            created.StatusCode.Should().Be(HttpStatusCode.Created);
        }

        (await PostRename(client, "PC-2", "LAB-%RAND:4%")).Should().Equal("SyncHdr:200", "Replace:200");
        var name = (await Reboot(client, "PC-2"))["deviceName"]!.GetValue<string>();

        name.Should().MatchRegex("^LAB-[0-9]{4}$");
        var domain = factory.Services.GetRequiredService<ServerState>().ActiveDirectory;
        domain.GetAttributes("PC-2")!.SamAccountName.Should().Be(name.ToUpperInvariant() + "$");
        domain.FindComputer("DESKTOP-OLD").Should().BeNull();
        domain.AuditLog.Should().Contain(r => r.ActivityDisplayName == LapsAuditActivities.RenameComputer);
        factory.Services.GetRequiredService<ServerState>().HasUnsavedChanges.Should().BeFalse("the reboot stored the renamed directories");
    }

    [Test]
    public async Task A_reboot_without_a_pending_rename_keeps_the_name_and_ends_the_open_DM_session()
    {
        using var factory = new LapsServerFactory();
        using var client = factory.CreateClient();
        using (await Post(client, "PC-1", Package(Get("2", "./DevDetail/Ext/Microsoft/DeviceName"))))
        {
        }

        var before = await client.GetFromJsonAsync<JsonObject>("/devices/PC-1");
        before!["session"]!["open"]!.GetValue<bool>().Should().BeTrue();

        var after = await Reboot(client, "PC-1");

        after["deviceName"]!.GetValue<string>().Should().Be(before["deviceName"]!.GetValue<string>());
        after["session"]!["open"]!.GetValue<bool>().Should().BeFalse();
        factory.Services.GetRequiredService<DeviceRegistry>().Find("PC-1")!.Device.LogonSessions.RebootCount.Should().Be(1);
    }

    [Test]
    public async Task Rebooting_an_unknown_device_is_404()
    {
        using var factory = new LapsServerFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsync(new Uri("/devices/NO-SUCH/reboot", UriKind.Relative), null);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
