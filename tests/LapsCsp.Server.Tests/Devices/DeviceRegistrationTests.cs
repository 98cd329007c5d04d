using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LapsCsp.Server.State;
using LapsCsp.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace LapsCsp.Server.Tests.Devices;

public class DeviceRegistrationTests
{
    private LapsServerFactory _factory = null!;
    private HttpClient _client = null!;

    [SetUp]
    public void SetUp()
    {
        _factory = new LapsServerFactory();
        _client = _factory.CreateClient();
    }

    [TearDown]
    public void TearDown()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    private ServerState State => _factory.Services.GetRequiredService<ServerState>();

    [Test]
    public async Task A_registered_device_keeps_its_OS_build_edition_join_type_and_locale()
    {
        using var created = await _client.PostAsJsonAsync("/devices", new
        {
            deviceId = "HYB-1", deviceName = "HYB-PC-1", joinType = "hybridJoined", osBuild = "10.0.22631.4460", edition = "0x30", locale = "fr-FR",
        });

        created.StatusCode.Should().Be(HttpStatusCode.Created);
        created.Headers.Location!.ToString().Should().Be("/devices/HYB-1");
        var device = await _client.GetFromJsonAsync<JsonObject>("/devices/HYB-1");
        device!["deviceName"]!.GetValue<string>().Should().Be("HYB-PC-1");
        device["joinType"]!.GetValue<string>().Should().Be("hybridJoined");
        device["osBuild"]!.GetValue<string>().Should().Be("10.0.22631.4460");
        device["edition"]!.GetValue<int>().Should().Be(0x30);
        device["locale"]!.GetValue<string>().Should().Be("fr-FR");
        Guid.TryParse(device["entraDeviceId"]!.GetValue<string>(), out _).Should().BeTrue();
        State.Entra.IsRegistered(device["entraDeviceId"]!.GetValue<string>()).Should().BeTrue();
        State.ActiveDirectory.GetAttributes("HYB-1")!.SamAccountName.Should().Be("HYB-PC-1$");
    }

    [Test]
    public async Task The_edition_may_be_a_number_or_hex_text()
    {
        (await _client.PostAsJsonAsync("/devices", new { deviceId = "N", edition = 48 })).Dispose();
        (await _client.PostAsJsonAsync("/devices", new { deviceId = "H", edition = "0x30" })).Dispose();

        (await _client.GetFromJsonAsync<JsonObject>("/devices/N"))!["edition"]!.GetValue<int>().Should().Be(48);
        (await _client.GetFromJsonAsync<JsonObject>("/devices/H"))!["edition"]!.GetValue<int>().Should().Be(48);
    }

    [Test]
    public async Task A_body_that_is_not_JSON_is_400()
    {
        using var content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");

        using var response = await _client.PostAsync(new Uri("/devices", UriKind.Relative), content);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task A_workplace_joined_device_is_in_neither_directory()
    {
        (await _client.PostAsJsonAsync("/devices", new { deviceId = "WPJ-1", joinType = "workplaceJoined" })).Dispose();

        var device = await _client.GetFromJsonAsync<JsonObject>("/devices/WPJ-1");
        State.Entra.IsRegistered(device!["entraDeviceId"]!.GetValue<string>()).Should().BeFalse();
        State.ActiveDirectory.GetAttributes("WPJ-1").Should().BeNull();
    }

    [Test]
    public async Task The_OS_build_decides_applicability_of_the_24H2_nodes()
    {
        (await _client.PostAsJsonAsync("/devices", new { deviceId = "OLD", osBuild = "10.0.22631.4460" })).Dispose();
        var body = "<Add><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PassphraseLength</LocURI></Target><Meta><Format xmlns=\"syncml:metinf\">int</Format></Meta><Data>6</Data></Item></Add>";

        using var response = await SyncMLHttp.Post(_client, "OLD", SyncMLHttp.Package(body));

        SyncMLHttp.Statuses(await response.Content.ReadAsStringAsync()).Should().Equal("SyncHdr:200", "Add:405");
    }

    [Test]
    public async Task Registering_an_existing_id_is_409()
    {
        (await _client.PostAsJsonAsync("/devices", new { deviceId = "PC-1" })).Dispose();

        using var again = await _client.PostAsJsonAsync("/devices", new { deviceId = "PC-1" });

        again.StatusCode.Should().Be(HttpStatusCode.Conflict);
    }

    [Test]
    public async Task An_invalid_registration_lists_every_problem()
    {
        using var response = await _client.PostAsJsonAsync("/devices", new
        {
            deviceId = "", deviceName = "THIS-NAME-IS-FAR-TOO-LONG", osBuild = "eleven", edition = "pro", entraDeviceId = "nope",
        });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        problem!["errors"]!.AsArray().Select(e => e!.GetValue<string>()).Should().HaveCount(5)
            .And.Contain(e => e.StartsWith("deviceId", StringComparison.Ordinal))
            .And.Contain(e => e.StartsWith("osBuild", StringComparison.Ordinal))
            .And.Contain(e => e.StartsWith("edition", StringComparison.Ordinal));
    }

    [Test]
    public async Task Deleting_a_device_loses_its_Entra_LAPS_credential()
    {
        (await SyncMLHttp.Post(_client, "PC-1", SyncMLHttp.SampleFor("laps-entra-id-backup.xml", "PC-1"))).Dispose();
        (await SyncMLHttp.Post(_client, "PC-1", SyncMLHttp.SampleFor("accounts-create-managed-account.xml", "PC-1"))).Dispose();
        var device = await _client.GetFromJsonAsync<JsonObject>("/devices/PC-1");
        var entraId = device!["entraDeviceId"]!.GetValue<string>();
        State.Entra.Get(entraId).Should().NotBeNull();

        using var deleted = await _client.DeleteAsync(new Uri("/devices/PC-1", UriKind.Relative));

        deleted.StatusCode.Should().Be(HttpStatusCode.NoContent);
        State.Entra.Get(entraId).Should().BeNull();
        (await _client.GetAsync(new Uri("/devices/PC-1", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task The_LAPS_event_log_is_readable_newest_first_and_filtered_by_id()
    {
        (await SyncMLHttp.Post(_client, "PC-1", SyncMLHttp.SampleFor("laps-entra-id-backup.xml", "PC-1"))).Dispose();
        (await SyncMLHttp.Post(_client, "PC-1", SyncMLHttp.SampleFor("accounts-create-managed-account.xml", "PC-1"))).Dispose();

        var all = await _client.GetFromJsonAsync<JsonObject>("/devices/PC-1/events");
        var updated = await _client.GetFromJsonAsync<JsonObject>("/devices/PC-1/events?id=10029");

        all!["channel"]!.GetValue<string>().Should().Be("Microsoft-Windows-LAPS/Operational");
        var records = all["value"]!.AsArray().Select(e => e!["recordId"]!.GetValue<long>()).ToList();
        records.Should().BeInDescendingOrder();
        updated!["value"]!.AsArray().Should().NotBeEmpty().And.OnlyContain(e => e!["id"]!.GetValue<int>() == 10029);
    }

    [Test]
    public async Task Device_view_shows_policies_managed_account_and_accounts()
    {
        (await SyncMLHttp.Post(_client, "PC-1", SyncMLHttp.SampleFor("laps-entra-id-backup.xml", "PC-1"))).Dispose();
        (await SyncMLHttp.Post(_client, "PC-1", SyncMLHttp.SampleFor("accounts-create-managed-account.xml", "PC-1"))).Dispose();

        var device = await _client.GetFromJsonAsync<JsonObject>("/devices/PC-1");

        device!["laps"]!["backupDirectory"]!.GetValue<int>().Should().Be(1);
        device["laps"]!["policies"]!["PasswordLength"]!.GetValue<string>().Should().Be("32");
        device["laps"]!["managedAccount"]!.GetValue<string>().Should().Be("ContosoLocalLapsAdmin");
        device["accounts"]!.AsArray().Select(a => a!["name"]!.GetValue<string>()).Should().Contain(["Administrator", "ContosoLocalLapsAdmin"]);
    }
}
