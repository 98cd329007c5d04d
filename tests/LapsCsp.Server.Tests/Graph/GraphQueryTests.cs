using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LapsCsp.Directory.Entra;
using LapsCsp.Server.Devices;
using LapsCsp.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace LapsCsp.Server.Tests.Graph;

/// <summary>OData query options of GET /directory/deviceLocalCredentials and the get-by-id shapes (digest C.13).</summary>
public class GraphQueryTests
{
    private LapsServerFactory _factory = null!;
    private HttpClient _admin = null!;
    private readonly Dictionary<string, string> _entraIds = [];

    [OneTimeSetUp]
    public async Task OneTimeSetUp()
    {
        _factory = new LapsServerFactory();
        using var client = _factory.CreateClient();
        foreach (var (id, name) in new[] { ("D1", "ALPHA-01"), ("D2", "ALPHA-02"), ("D3", "BRAVO-01"), ("D4", "BRAVO-02"), ("D5", "CHARLIE-01") })
        {
            (await client.PostAsJsonAsync("/devices", new { deviceId = id, deviceName = name })).Dispose();
            _entraIds[name] = await Scenario.EntraDeviceWithBackup(client, id);
            _factory.Time.Advance(TimeSpan.FromMinutes(1));
        }

        _admin = await _factory.ClientFor("clouddevice@contoso.com");
    }

    [OneTimeTearDown]
    public void OneTimeTearDown()
    {
        _admin.Dispose();
        _factory.Dispose();
    }

    private async Task<JsonObject> GetJson(string url)
    {
        using var response = await _admin.GetAsync(new Uri(url, UriKind.RelativeOrAbsolute));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static List<string> Names(JsonObject page) => [.. page["value"]!.AsArray().Select(v => v!["deviceName"]!.GetValue<string>())];

    [Test]
    public async Task The_list_is_metadata_only_in_Graphs_shape()
    {
        var page = await GetJson("/v1.0/directory/deviceLocalCredentials");

        page["@odata.context"]!.GetValue<string>().Should().EndWith("/v1.0/$metadata#directory/deviceLocalCredentials");
        Names(page).Should().Equal("ALPHA-01", "ALPHA-02", "BRAVO-01", "BRAVO-02", "CHARLIE-01");
        var first = page["value"]![0]!.AsObject();
        first.Select(p => p.Key).Should().Equal("id", "deviceName", "lastBackupDateTime", "refreshDateTime");
        first["lastBackupDateTime"]!.GetValue<string>().Should().MatchRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$");
    }

    [TestCase("deviceName eq 'BRAVO-01'", new[] { "BRAVO-01" }, TestName = "Filter_deviceName_eq")]
    [TestCase("deviceName eq 'bravo-01'", new[] { "BRAVO-01" }, TestName = "Filter_deviceName_eq_ignores_case")]
    [TestCase("startswith(deviceName,'ALPHA')", new[] { "ALPHA-01", "ALPHA-02" }, TestName = "Filter_startswith_deviceName")]
    [TestCase("deviceName eq 'ALPHA-01' or deviceName eq 'CHARLIE-01'", new[] { "ALPHA-01", "CHARLIE-01" }, TestName = "Filter_or")]
    [TestCase("startswith(deviceName,'BRAVO') and not (deviceName eq 'BRAVO-02')", new[] { "BRAVO-01" }, TestName = "Filter_and_not_with_parentheses")]
    [TestCase("deviceName ne 'ALPHA-01' and endswith(deviceName,'02')", new[] { "ALPHA-02", "BRAVO-02" }, TestName = "Filter_ne_and_endswith")]
    [TestCase("deviceName eq 'NOPE'", new string[0], TestName = "Filter_matching_nothing_is_an_empty_page")]
    public async Task Filter(string filter, string[] expected)
    {
        var page = await GetJson($"/v1.0/directory/deviceLocalCredentials?$filter={Uri.EscapeDataString(filter)}");

        Names(page).Should().Equal(expected);
    }

    [Test]
    public async Task Filter_on_lastBackupDateTime_compares_dates()
    {
        var after = _factory.Services.GetRequiredService<DeviceRegistry>().State.Entra.List().Single(i => i.DeviceName == "BRAVO-02").LastBackupDateTime;

        var page = await GetJson($"/v1.0/directory/deviceLocalCredentials?$filter={Uri.EscapeDataString($"lastBackupDateTime ge {after.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffffffZ}")}");

        Names(page).Should().Equal("BRAVO-02", "CHARLIE-01");
    }

    [Test]
    public async Task Top_pages_with_an_absolute_nextLink_until_the_end()
    {
        var names = new List<string>();
        var url = "/v1.0/directory/deviceLocalCredentials?$top=2&$count=true";
        var pages = 0;
        while (url is not null)
        {
            var page = await GetJson(url);
            page["@odata.count"]!.GetValue<int>().Should().Be(5);
            names.AddRange(Names(page));
            url = page["@odata.nextLink"]?.GetValue<string>();
            if (url is not null) url.Should().StartWith("http://localhost/v1.0/directory/deviceLocalCredentials?").And.Contain("$top=2");
            pages++;
        }

        pages.Should().Be(3);
        names.Should().Equal("ALPHA-01", "ALPHA-02", "BRAVO-01", "BRAVO-02", "CHARLIE-01");
    }

    [Test]
    public async Task Count_is_absent_unless_asked()
    {
        (await GetJson("/v1.0/directory/deviceLocalCredentials")).ContainsKey("@odata.count").Should().BeFalse();
        (await GetJson("/v1.0/directory/deviceLocalCredentials?$count=true&$filter=startswith(deviceName,'BRAVO')"))["@odata.count"]!.GetValue<int>().Should().Be(2);
    }

    [Test]
    public async Task Select_keeps_id_and_the_selected_properties()
    {
        var page = await GetJson("/v1.0/directory/deviceLocalCredentials?$select=deviceName,refreshDateTime");

        page["value"]![0]!.AsObject().Select(p => p.Key).Should().Equal("id", "deviceName", "refreshDateTime");
    }

    [Test]
    public async Task Orderby_deviceName_desc_reverses_the_list()
    {
        Names(await GetJson("/v1.0/directory/deviceLocalCredentials?$orderby=deviceName desc"))
            .Should().Equal("CHARLIE-01", "BRAVO-02", "BRAVO-01", "ALPHA-02", "ALPHA-01");
    }

    [Test]
    public async Task Search_on_deviceName()
    {
        Names(await GetJson("/v1.0/directory/deviceLocalCredentials?$search=\"deviceName:RAV\"")).Should().Equal("BRAVO-01", "BRAVO-02");
    }

    [TestCase("$filter=deviceName eq", TestName = "An_incomplete_filter_is_400")]
    [TestCase("$filter=owner eq 'x'", TestName = "A_filter_on_an_unknown_property_is_400")]
    [TestCase("$filter=deviceName eq 'x", TestName = "An_unterminated_string_is_400")]
    [TestCase("$top=0", TestName = "Top_0_is_400")]
    [TestCase("$top=abc", TestName = "Top_not_a_number_is_400")]
    [TestCase("$top=5000", TestName = "Top_above_the_page_cap_is_400")]
    [TestCase("$select=password", TestName = "Selecting_an_unknown_property_is_400")]
    [TestCase("$select=credentials", TestName = "Selecting_credentials_in_a_list_is_400")]
    [TestCase("$skiptoken=garbage", TestName = "A_forged_skiptoken_is_400")]
    [TestCase("$orderby=owner", TestName = "Orderby_an_unknown_property_is_400")]
    public async Task Bad_query_options_are_400_in_Graphs_shape(string query)
    {
        using var response = await _admin.GetAsync(new Uri("/v1.0/directory/deviceLocalCredentials?" + query, UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>().Should().Be("Request_BadRequest");
    }

    [Test]
    public async Task Get_with_select_credentials_returns_the_history_newest_first_as_UTF16LE_base64()
    {
        var registry = _factory.Services.GetRequiredService<DeviceRegistry>();
        var id = _entraIds["ALPHA-01"];

        var info = await GetJson($"/v1.0/directory/deviceLocalCredentials/{id}?$select=credentials");

        info["@odata.context"]!.GetValue<string>().Should().EndWith("$metadata#directory/deviceLocalCredentials/$entity");
        info["deviceName"]!.GetValue<string>().Should().Be("ALPHA-01");
        var credentials = info["credentials"]!.AsArray();
        credentials.Should().NotBeEmpty();
        var newest = credentials[0]!;
        newest["accountName"]!.GetValue<string>().Should().Be("ContosoLocalLapsAdmin");
        newest["accountSid"]!.GetValue<string>().Should().StartWith("S-1-5-21-").And.EndWith("-1000");
        DeviceLocalCredential.DecodePassword(newest["passwordBase64"]!.GetValue<string>())
            .Should().Be(Scenario.DevicePassword(registry, "D1"));
    }

    [Test]
    public async Task Get_of_an_unknown_device_is_404_Request_ResourceNotFound()
    {
        using var response = await _admin.GetAsync(new Uri($"/v1.0/directory/deviceLocalCredentials/{Guid.NewGuid()}", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>().Should().Be("Request_ResourceNotFound");
    }

    [Test]
    public async Task Get_of_a_registered_device_that_never_backed_up_is_404()
    {
        using var client = _factory.CreateClient();
        using var created = await client.PostAsJsonAsync("/devices", new { deviceId = "FRESH" });
        var entraId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["entraDeviceId"]!.GetValue<string>();

        using var response = await _admin.GetAsync(new Uri($"/v1.0/directory/deviceLocalCredentials/{entraId}", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Graph_errors_carry_request_and_client_request_ids()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/v1.0/directory/deviceLocalCredentials/{Guid.NewGuid()}", UriKind.Relative));
        request.Headers.Add("client-request-id", "abc-123");

        using var response = await _admin.SendAsync(request);

        var inner = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["innerError"]!;
        inner["client-request-id"]!.GetValue<string>().Should().Be("abc-123");
        inner["request-id"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        inner["date"]!.GetValue<string>().Should().StartWith("2026-03-02T");
    }
}
