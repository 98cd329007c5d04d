using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LapsCsp.Dashboard.Tests.Support;
using LapsCsp.Server.Dashboard;
using Microsoft.Extensions.DependencyInjection;

namespace LapsCsp.Dashboard.Tests.Api;

/// <summary>How the dashboard is served: the union of the registered sources, redaction of any source's trace, the switch
/// that turns it off, and a page that stays on its own origin.</summary>
public class DashboardServingTests
{
    [Test]
    public async Task Every_registered_source_is_shown_side_by_side_with_the_hosted_devices()
    {
        await using var server = await DashboardServer.Start(configure: s => s.AddSingleton<IDashboardSource>(new StubSource(DashboardServer.Epoch)));
        using var http = server.CreateClient();
        await Seed.Register(http, "PC-ENTRA-1");

        var summary = (await http.GetFromJsonAsync<JsonObject>(new Uri("/dashboard/api/summary", UriKind.Relative)))!;
        summary["devices"]!["total"]!.GetValue<int>().Should().Be(3);
        summary["devices"]!["bySource"]!.ToJsonString().Should().Be(
            """{"enrolled":{"total":2,"byLapsState":{"failed":1,"pending":1}},"hosted":{"total":1,"byLapsState":{"not-configured":1}}}""");
        summary["pendingCommands"]!.GetValue<long>().Should().Be(3);
        summary["commands"]!["byStatus"]!.ToJsonString().Should().Be("""{"200":1,"500":1}""");
        summary["rotations"]!.ToJsonString().Should().Be("""{"succeeded":0,"failed":1}""");

        var page = (await http.GetFromJsonAsync<JsonObject>(new Uri("/dashboard/api/devices", UriKind.Relative)))!;
        page["value"]!.AsArray().Select(d => $"{d!["source"]}:{d["id"]}").Should().Equal("enrolled:ENR-1", "enrolled:PC-ENTRA-1", "hosted:PC-ENTRA-1");
        var sameId = (await http.GetFromJsonAsync<JsonObject>(new Uri("/dashboard/api/devices/enrolled/PC-ENTRA-1", UriKind.Relative)))!;
        sameId["device"]!["name"]!.GetValue<string>().Should().Be("same id as a hosted one");
    }

    [Test]
    public async Task A_source_trace_is_served_without_credentials_or_passwords_and_unreadable_bodies_are_withheld()
    {
        await using var server = await DashboardServer.Start(configure: s => s.AddSingleton<IDashboardSource>(new StubSource(DashboardServer.Epoch)));
        using var http = server.CreateClient();

        var json = await http.GetStringAsync(new Uri("/dashboard/api/devices/enrolled/ENR-1", UriKind.Relative));
        var trace = JsonNode.Parse(json)!["trace"]!.AsArray().Select(m => m!["body"]!.GetValue<string>()).ToList();

        json.Should().NotContain(StubSource.CredData).And.NotContain(StubSource.AccountPassword);
        trace[0].Should().Contain("<Data>(redacted)</Data>").And.Contain("syncml:auth-basic");
        trace[1].Should().Contain("<Data>(redacted)</Data>").And.Contain("<Data>7</Data>", "PasswordAgeDays is a setting, not a secret");
        trace[2].Should().StartWith("(not shown");
    }

    [Test]
    public async Task With_the_dashboard_off_its_routes_are_404_and_devices_still_work()
    {
        await using var server = await DashboardServer.Start(dashboard: false);
        using var http = server.CreateClient();
        await Seed.Register(http, "PC-1");
        await Seed.PostSample(http, "PC-1", "laps-entra-id-backup.xml");

        (await http.GetAsync(new Uri("/dashboard", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await http.GetAsync(new Uri("/dashboard/api/summary", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await http.GetAsync(new Uri("/devices/PC-1", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task The_page_and_its_files_come_from_the_assembly_under_a_same_origin_policy()
    {
        await using var server = await DashboardServer.Start();
        using var http = server.CreateClient();

        using var page = await http.GetAsync(new Uri("/dashboard", UriKind.Relative));
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        policy.Should().Contain("default-src 'none'").And.Contain("script-src 'self'").And.Contain("connect-src 'self'");
        var html = await page.Content.ReadAsStringAsync();
        html.Should().Contain("/dashboard/dashboard.js").And.Contain("/dashboard/dashboard.css").And.Contain("data-testid=\"devices-table\"");

        foreach (var (file, type) in new[] { ("dashboard.js", "text/javascript"), ("dashboard.css", "text/css") })
        {
            using var asset = await http.GetAsync(new Uri("/dashboard/" + file, UriKind.Relative));
            asset.StatusCode.Should().Be(HttpStatusCode.OK);
            asset.Content.Headers.ContentType!.MediaType.Should().Be(type);
            var text = await asset.Content.ReadAsStringAsync();
            // Offline: nothing is loaded from elsewhere (the SVG namespace is a name, not a download).
            text.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal).Should().NotContain("http://").And.NotContain("https://");
        }

        (await http.GetAsync(new Uri("/dashboard/other.js", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task The_OpenAPI_document_describes_the_JSON_endpoints_and_not_the_page()
    {
        await using var server = await DashboardServer.Start();
        using var http = server.CreateClient();

        var paths = (await http.GetFromJsonAsync<JsonObject>(new Uri("/openapi/v1.json", UriKind.Relative)))!["paths"]!.AsObject().Select(p => p.Key).ToList();

        paths.Should().Contain(["/dashboard/api/summary", "/dashboard/api/devices", "/dashboard/api/devices/{source}/{deviceId}", "/dashboard/api/series"]);
        paths.Should().NotContain(p => p == "/dashboard" || p == "/dashboard/{file}");
    }

    [Test]
    public async Task A_hosted_device_keeps_its_last_64_messages_and_counts_every_session()
    {
        await using var server = await DashboardServer.Start();
        using var http = server.CreateClient();
        await Seed.Register(http, "PC-BUSY");
        for (var i = 1; i <= 40; i++)
        {
            await Seed.Post(http, "PC-BUSY", Seed.Package("PC-BUSY", Seed.Get(i, "./Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays")));
        }

        var detail = (await http.GetFromJsonAsync<JsonObject>(new Uri("/dashboard/api/devices/hosted/PC-BUSY?trace=200", UriKind.Relative)))!;

        detail["device"]!["sessions"]!.GetValue<long>().Should().Be(40);
        var trace = detail["trace"]!.AsArray();
        trace.Should().HaveCount(64);
        // The oldest kept is the request of package 9 (packages 1 to 8 and their replies fell out of the ring).
        trace[0]!["body"]!.GetValue<string>().Should().Contain("<CmdID>9</CmdID>");
        trace[^1]!["direction"]!.GetValue<string>().Should().Be("fromDevice");
    }

    [Test]
    public async Task A_deleted_device_leaves_the_dashboard_with_its_trace()
    {
        await using var server = await DashboardServer.Start();
        using var http = server.CreateClient();
        await Seed.Register(http, "PC-GONE");
        await Seed.PostSample(http, "PC-GONE", "laps-entra-id-backup.xml");
        (await http.DeleteAsync(new Uri("/devices/PC-GONE", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await Seed.Register(http, "PC-GONE");

        var detail = (await http.GetFromJsonAsync<JsonObject>(new Uri("/dashboard/api/devices/hosted/PC-GONE", UriKind.Relative)))!;
        detail["trace"]!.AsArray().Should().BeEmpty();
        detail["device"]!["sessions"]!.GetValue<long>().Should().Be(0);
    }
}
