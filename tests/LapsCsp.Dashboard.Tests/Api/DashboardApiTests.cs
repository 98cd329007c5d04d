using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LapsCsp.Dashboard.Tests.Support;

namespace LapsCsp.Dashboard.Tests.Api;

/// <summary>The dashboard's JSON over real loopback HTTP, on the fleet of <see cref="Seed.Fleet"/>: four hosted devices
/// put into their states through the server's own endpoints.</summary>
public class DashboardApiTests
{
    private DashboardServer _server = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task StartAndSeed()
    {
        _server = await DashboardServer.Start();
        _http = _server.CreateClient();
        await Seed.Fleet(_http, _server.Time);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<JsonObject> Get(string path) => (await _http.GetFromJsonAsync<JsonObject>(new Uri(path, UriKind.Relative)))!;

    private static DateTimeOffset At(int hour, int minute) => new(2026, 3, 2, hour, minute, 0, TimeSpan.Zero);

    [Test]
    public async Task Summary_counts_devices_by_source_and_LAPS_state_sessions_status_codes_and_rotations()
    {
        var summary = await Get("/dashboard/api/summary");

        summary["time"]!.GetValue<DateTimeOffset>().Should().Be(At(10, 30));
        summary["devices"]!["total"]!.GetValue<int>().Should().Be(4);
        summary["devices"]!["byLapsState"]!.ToJsonString().Should().Be("""{"failed":1,"managed":2,"not-configured":1}""");
        summary["devices"]!["bySource"]!["hosted"]!["total"]!.GetValue<int>().Should().Be(4);
        // PC-ENTRA-1: two packages and the Rotate delivery; PC-HYBRID-1: two packages; PC-FAIL-1: one; PC-NEW-1: none.
        summary["sessions"]!.GetValue<long>().Should().Be(6);
        summary["pendingCommands"]!.GetValue<long>().Should().Be(0);
        var byStatus = summary["commands"]!["byStatus"]!.AsObject();
        byStatus.Select(p => p.Key).Should().Contain(["200", "404"]);
        byStatus["404"]!.GetValue<int>().Should().Be(1);
        summary["commands"]!["total"]!.GetValue<int>().Should().Be(byStatus.Sum(p => p.Value!.GetValue<int>()));
        summary["rotations"]!.ToJsonString().Should().Be("""{"succeeded":3,"failed":1}""");
    }

    [Test]
    public async Task Devices_lists_each_hosted_device_with_its_LAPS_row()
    {
        var page = await Get("/dashboard/api/devices");

        page["total"]!.GetValue<int>().Should().Be(4);
        var rows = page["value"]!.AsArray().Select(r => r!.AsObject()).ToList();
        rows.Select(r => r["id"]!.GetValue<string>()).Should().Equal("PC-ENTRA-1", "PC-FAIL-1", "PC-HYBRID-1", "PC-NEW-1");
        var entra = rows[0];
        entra["source"]!.GetValue<string>().Should().Be("hosted");
        entra["joinType"]!.GetValue<string>().Should().Be("entraJoined");
        entra["lapsState"]!.GetValue<string>().Should().Be("managed");
        entra["managedAccount"]!.GetValue<string>().Should().Be(Seed.Account);
        entra["backupDirectory"]!.GetValue<string>().Should().Be("azureAD");
        entra["lastCheckIn"]!.GetValue<DateTimeOffset>().Should().Be(At(10, 30));
        entra["lastRotation"]!.GetValue<DateTimeOffset>().Should().Be(At(10, 30));
        entra["sessions"]!.GetValue<long>().Should().Be(3);
        entra["pendingCommands"]!.GetValue<int>().Should().Be(0);
        var failed = rows[1];
        failed["lapsState"]!.GetValue<string>().Should().Be("failed");
        failed["backupDirectory"]!.GetValue<string>().Should().Be("azureAD");
        failed["managedAccount"]!.GetValue<string>().Should().Be("NoSuchAdmin", "the account the policy names, which the device lacks");
        failed["lastRotation"].Should().BeNull();
        var hybrid = rows[2];
        hybrid["joinType"]!.GetValue<string>().Should().Be("hybridJoined");
        hybrid["backupDirectory"]!.GetValue<string>().Should().Be("activeDirectory");
        hybrid["lastCheckIn"]!.GetValue<DateTimeOffset>().Should().Be(At(9, 30));
        var untouched = rows[3];
        untouched["lapsState"]!.GetValue<string>().Should().Be("not-configured");
        untouched["backupDirectory"].Should().BeNull();
        untouched["managedAccount"].Should().BeNull("LAPS manages no account while BackupDirectory is 0");
        untouched["lastCheckIn"].Should().BeNull();
        untouched["sessions"]!.GetValue<long>().Should().Be(0);
    }

    [TestCase("q=hybrid", new[] { "PC-HYBRID-1" }, 1, TestName = "Devices_filter_by_text_ignores_case")]
    [TestCase("q=contosolocal", new[] { "PC-ENTRA-1", "PC-HYBRID-1" }, 2, TestName = "Devices_filter_by_text_matches_the_managed_account")]
    [TestCase("state=not-configured", new[] { "PC-NEW-1" }, 1, TestName = "Devices_filter_by_LAPS_state")]
    [TestCase("state=managed&q=fail", new string[0], 0, TestName = "Devices_filters_combine")]
    [TestCase("source=enrolled", new string[0], 0, TestName = "Devices_filter_by_source")]
    [TestCase("skip=1&top=1", new[] { "PC-FAIL-1" }, 4, TestName = "Devices_are_paged_and_total_counts_every_match")]
    public async Task Devices_filters(string query, string[] ids, int total)
    {
        var page = await Get("/dashboard/api/devices?" + query);

        page["total"]!.GetValue<int>().Should().Be(total);
        page["value"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).Should().Equal(ids);
    }

    [TestCase("/dashboard/api/devices?top=0", TestName = "Devices_refuses_a_page_size_of_0")]
    [TestCase("/dashboard/api/devices?skip=-1", TestName = "Devices_refuses_a_negative_skip")]
    [TestCase("/dashboard/api/devices/hosted/PC-ENTRA-1?trace=201", TestName = "Device_refuses_more_than_200_trace_messages")]
    [TestCase("/dashboard/api/series?from=yesterday", TestName = "Series_refuses_a_time_that_is_not_ISO_8601")]
    [TestCase("/dashboard/api/series?from=2026-03-02T10:00:00Z&to=2026-03-02T09:00:00Z", TestName = "Series_refuses_from_after_to")]
    public async Task Bad_queries_are_answered_400_with_a_problem(string path)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Test]
    public async Task Device_shows_events_newest_first_and_the_trace_oldest_first_in_both_directions()
    {
        var detail = await Get("/dashboard/api/devices/hosted/PC-ENTRA-1");

        detail["device"]!["id"]!.GetValue<string>().Should().Be("PC-ENTRA-1");
        var events = detail["events"]!.AsArray().Select(e => e!["recordId"]!.GetValue<long>()).ToList();
        events.Should().NotBeEmpty().And.BeInDescendingOrder();
        var trace = detail["trace"]!.AsArray().Select(m => m!.AsObject()).ToList();
        // Two packages over HTTP and the Rotate delivery, each with the device's reply.
        trace.Select(m => m["direction"]!.GetValue<string>()).Should().Equal("toDevice", "fromDevice", "toDevice", "fromDevice", "toDevice", "fromDevice");
        trace.Select(m => m["time"]!.GetValue<DateTimeOffset>()).Should().BeInAscendingOrder();
        trace.Select(m => m["msgId"]!.GetValue<int>()).Should().Equal(1, 2, 1, 2, 1, 2);
        trace[0]["body"]!.GetValue<string>().Should().Contain("./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory");
        trace[4]["body"]!.GetValue<string>().Should().Contain("./Device/Vendor/MSFT/LAPS/Actions/ResetPassword");
        detail["rotations"]!.AsArray().Select(r => r!["outcome"]!.GetValue<string>()).Should().Equal("succeeded", "succeeded");
        detail["commands"]!.AsArray().Should().NotBeEmpty();
    }

    [Test]
    public async Task Device_limits_events_and_trace_to_the_newest_asked_for()
    {
        var all = await Get("/dashboard/api/devices/hosted/PC-ENTRA-1");
        var few = await Get("/dashboard/api/devices/hosted/PC-ENTRA-1?events=2&trace=2");

        few["events"]!.AsArray().Select(e => e!["recordId"]!.GetValue<long>())
            .Should().Equal(all["events"]!.AsArray().Take(2).Select(e => e!["recordId"]!.GetValue<long>()));
        few["trace"]!.AsArray().Select(m => m!["body"]!.GetValue<string>())
            .Should().Equal(all["trace"]!.AsArray().Skip(4).Select(m => m!["body"]!.GetValue<string>()));
    }

    [Test]
    public async Task The_password_the_accounts_sample_sets_is_redacted_from_every_answer()
    {
        var detail = await Get("/dashboard/api/devices/hosted/PC-ENTRA-1");
        var accounts = detail["trace"]![2]!["body"]!.GetValue<string>();

        accounts.Should().Contain("./Device/Vendor/MSFT/Accounts/Users/ContosoLocalLapsAdmin/Password").And.Contain("<Data>(redacted)</Data>");
        foreach (var path in new[] { "/dashboard/api/devices/hosted/PC-ENTRA-1", "/dashboard/api/devices/hosted/PC-HYBRID-1", "/dashboard/api/summary", "/dashboard/api/devices" })
        {
            (await _http.GetStringAsync(new Uri(path, UriKind.Relative))).Should().NotContain(Seed.SamplePassword, path);
        }
    }

    [Test]
    public async Task Device_of_an_unknown_id_or_source_is_404()
    {
        (await _http.GetAsync(new Uri("/dashboard/api/devices/hosted/NOPE", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _http.GetAsync(new Uri("/dashboard/api/devices/enrolled/PC-ENTRA-1", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Series_counts_the_seeded_morning_in_5_minute_buckets()
    {
        var series = await Get("/dashboard/api/series");
        var summary = await Get("/dashboard/api/summary");

        // 09:00 to 10:30: 90 minutes do not fit 60 one-minute buckets; 5-minute buckets give 19.
        series["bucketSeconds"]!.GetValue<long>().Should().Be(300);
        var buckets = series["buckets"]!.AsArray().Select(b => b!.GetValue<DateTimeOffset>()).ToList();
        buckets.Should().HaveCount(19);
        buckets[0].Should().Be(At(9, 0));
        buckets[^1].Should().Be(At(10, 30));
        var codes = series["statusCodes"]!.AsObject();
        codes.Select(p => p.Key).Should().Equal(summary["commands"]!["byStatus"]!.AsObject().Select(p => p.Key));
        foreach (var (code, counts) in codes)
        {
            var values = counts!.AsArray().Select(c => c!.GetValue<int>()).ToList();
            values.Should().HaveCount(19);
            values.Sum().Should().Be(summary["commands"]!["byStatus"]![code]!.GetValue<int>(), code);
        }

        Counts(codes["404"]!).Should().Equal([.. Enumerable.Repeat(0, 18), 1]);
        var nonZero = Counts(codes["200"]!).Select((c, i) => (c, i)).Where(x => x.c > 0).Select(x => x.i);
        nonZero.Should().Equal(0, 6, 18);
        Counts(series["rotations"]!["succeeded"]!).Should().Equal([1, .. Enumerable.Repeat(0, 5), 1, .. Enumerable.Repeat(0, 11), 1]);
        Counts(series["rotations"]!["failed"]!).Should().Equal([.. Enumerable.Repeat(0, 18), 1]);
    }

    [TestCase(10, 60, 11, TestName = "Series_of_10_minutes_has_minute_buckets")]
    [TestCase(120, 300, 25, TestName = "Series_of_2_hours_has_5_minute_buckets")]
    [TestCase(24 * 60, 1800, 49, TestName = "Series_of_a_day_has_30_minute_buckets")]
    [TestCase(30 * 24 * 60, 86400, 31, TestName = "Series_of_30_days_has_daily_buckets")]
    [TestCase(365 * 24 * 60, 7 * 86400, 53, TestName = "Series_of_a_year_has_weekly_buckets")]
    public async Task Series_bucket_follows_the_span(int minutes, long bucketSeconds, int buckets)
    {
        // A window after the seeded data, starting on a Thursday, which is where weeks since the Unix epoch begin.
        var from = new DateTimeOffset(2027, 1, 7, 0, 0, 0, TimeSpan.Zero);
        var to = from.AddMinutes(minutes);
        var series = await Get($"/dashboard/api/series?from={from:O}&to={to:O}".Replace("+", "%2B", StringComparison.Ordinal));

        series["bucketSeconds"]!.GetValue<long>().Should().Be(bucketSeconds);
        series["buckets"]!.AsArray().Should().HaveCount(buckets);
        Counts(series["rotations"]!["succeeded"]!).Should().HaveCount(buckets).And.OnlyContain(c => c == 0);
    }

    private static List<int> Counts(JsonNode node) => [.. node.AsArray().Select(c => c!.GetValue<int>())];
}
