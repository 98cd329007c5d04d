using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LapsCsp.Dashboard.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LapsCsp.Dashboard.Tests.Browser;

/// <summary>The page in a real Chromium (Debian's, <c>.ci/setup-chromium.sh</c>) driven by Playwright, on the fleet of
/// <see cref="Seed.Fleet"/>. Every test fails on a console error or an uncaught exception in the page.</summary>
/// <remarks>Playwright's assertions poll the page until they hold or time out: the tests wait on the page, not on the clock.</remarks>
[NonParallelizable]
public class DashboardBrowserTests
{
    private DashboardServer _server = null!;
    private HttpClient _http = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private List<string> _errors = null!;

    [OneTimeSetUp]
    public async Task StartServerAndBrowser()
    {
        _server = await DashboardServer.Start();
        _http = _server.CreateClient();
        await Seed.Fleet(_http, _server.Time);
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    [OneTimeTearDown]
    public async Task StopServerAndBrowser()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        _http?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
    }

    [SetUp]
    public async Task OpenPage()
    {
        _context = await _browser.NewContextAsync(new() { BaseURL = _server.BaseAddress.ToString() });
        _context.SetDefaultTimeout(10_000);
        _page = await _context.NewPageAsync();
        _errors = [];
        _page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning") _errors.Add($"console {message.Type}: {message.Text}");
        };
        _page.PageError += (_, error) => _errors.Add("page error: " + error);
        _page.RequestFailed += (_, request) => _errors.Add($"request failed: {request.Url} {request.Failure}");
        await _page.GotoAsync("/dashboard?refresh=1");
        await Expect(_page.Locator("body[data-loaded='true']")).ToHaveCountAsync(1);
    }

    [TearDown]
    public async Task ClosePage()
    {
        await _context.DisposeAsync();
        _errors.Should().BeEmpty("the page must run without console errors");
    }

    private ILocator ById(string testId) => _page.GetByTestId(testId);

    private ILocator Row(string deviceId) => _page.Locator($"[data-testid='device-row'][data-device-id='{deviceId}']");

    private async Task<JsonObject> Api(string path) => (await _http.GetFromJsonAsync<JsonObject>(new Uri(path, UriKind.Relative)))!;

    [Test]
    public async Task The_page_lists_the_seeded_devices_with_their_LAPS_state()
    {
        await Expect(ById("device-row")).ToHaveCountAsync(4);
        await Expect(ById("device-count")).ToHaveTextAsync("1–4 of 4 devices");
        await Expect(ById("summary-devices")).ToHaveTextAsync("4");
        await Expect(ById("summary-managed")).ToHaveTextAsync("2");
        await Expect(ById("summary-rotations-succeeded")).ToHaveTextAsync("3");
        await Expect(ById("summary-rotations-failed")).ToHaveTextAsync("1 failed");
        await Expect(Row("PC-ENTRA-1").Locator("[data-col='lapsState']")).ToHaveTextAsync("managed");
        await Expect(Row("PC-ENTRA-1").Locator("[data-col='managedAccount']")).ToHaveTextAsync(Seed.Account);
        await Expect(Row("PC-ENTRA-1").Locator("[data-col='lastCheckIn']")).ToHaveTextAsync("2026-03-02 10:30:00Z");
        await Expect(Row("PC-HYBRID-1").Locator("[data-col='backupDirectory']")).ToHaveTextAsync("activeDirectory");
        await Expect(Row("PC-FAIL-1").Locator("[data-col='lapsState']")).ToHaveTextAsync("failed");
        await Expect(Row("PC-NEW-1").Locator("[data-col='lastCheckIn']")).ToHaveTextAsync("–");
    }

    [Test]
    public async Task Clicking_a_device_shows_its_event_log_and_its_session_trace_escaped_and_collapsed()
    {
        var detail = await Api("/dashboard/api/devices/hosted/PC-ENTRA-1");
        await Expect(ById("device-detail")).ToBeHiddenAsync();

        await Row("PC-ENTRA-1").ClickAsync();

        await Expect(ById("device-detail")).ToBeVisibleAsync();
        await Expect(ById("detail-title")).ToHaveTextAsync("PC-ENTRA-1 (hosted)");
        await Expect(ById("event-row")).ToHaveCountAsync(detail["events"]!.AsArray().Count);
        await Expect(ById("event-row").First).ToHaveAttributeAsync("data-event-id", detail["events"]![0]!["eventId"]!.ToJsonString());
        var messages = ById("trace-message");
        await Expect(messages).ToHaveCountAsync(6);
        await Expect(ById("trace-body").First).ToBeHiddenAsync();

        // The accounts package: open it, read it as text, find the password redacted and no markup turned into elements.
        await messages.Nth(2).Locator("summary").ClickAsync();
        var body = messages.Nth(2).GetByTestId("trace-body");
        await Expect(body).ToBeVisibleAsync();
        await Expect(body).ToContainTextAsync("<LocURI>./Device/Vendor/MSFT/Accounts/Users/ContosoLocalLapsAdmin/Password</LocURI>");
        await Expect(body).ToContainTextAsync("<Data>(redacted)</Data>");
        (await body.InnerHTMLAsync()).Should().StartWith("&lt;SyncML");
        await Expect(body.Locator("*")).ToHaveCountAsync(0);
        (await _page.ContentAsync()).Should().NotContain(Seed.SamplePassword);

        // Another device replaces the detail.
        await Row("PC-FAIL-1").ClickAsync();
        await Expect(ById("detail-title")).ToHaveTextAsync("PC-FAIL-1 (hosted)");
        await Expect(ById("event-row").First).ToHaveAttributeAsync("data-event-id", "10005");
        await Expect(ById("detail-rotations").Locator("li")).ToHaveTextAsync(["2026-03-02 10:30:00Z failed (azureAD)"]);
    }

    [Test]
    public async Task The_charts_draw_one_point_per_bucket_for_each_series()
    {
        var series = await Api("/dashboard/api/series");
        var buckets = series["buckets"]!.AsArray().Count;
        var codes = series["statusCodes"]!.AsObject().Select(p => p.Key).ToList();
        buckets.Should().Be(19);

        var status = ById("chart-status");
        await Expect(status.GetByTestId("series")).ToHaveCountAsync(codes.Count);
        foreach (var code in codes)
        {
            var points = status.Locator($"[data-series='{code}'] [data-testid='point']");
            await Expect(points).ToHaveCountAsync(buckets);
            var counts = await points.EvaluateAllAsync<int[]>("ps => ps.map(p => Number(p.dataset.count))");
            counts.Should().Equal(series["statusCodes"]![code]!.AsArray().Select(c => c!.GetValue<int>()), code);
        }

        var rotations = ById("chart-rotations");
        foreach (var (outcome, total) in new[] { ("succeeded", 3), ("failed", 1) })
        {
            var points = rotations.Locator($"[data-series='{outcome}'] [data-testid='point']");
            await Expect(points).ToHaveCountAsync(buckets);
            (await points.EvaluateAllAsync<int[]>("ps => ps.map(p => Number(p.dataset.count))")).Sum().Should().Be(total, outcome);
        }

        await Expect(ById("bucket-size")).ToHaveTextAsync("· per 5 min");
    }

    [Test]
    public async Task Filtering_by_text_and_state_narrows_the_table()
    {
        await ById("filter-text").FillAsync("hybrid");
        await Expect(ById("device-row")).ToHaveCountAsync(1);
        await Expect(Row("PC-HYBRID-1")).ToHaveCountAsync(1);

        await ById("filter-text").FillAsync("");
        await ById("filter-state").SelectOptionAsync("not-configured");
        await Expect(ById("device-row")).ToHaveCountAsync(1);
        await Expect(Row("PC-NEW-1")).ToHaveCountAsync(1);

        await ById("filter-state").SelectOptionAsync("pending");
        await Expect(ById("devices-empty")).ToHaveTextAsync("No device matches.");
    }

    [Test]
    public async Task The_page_refreshes_itself_with_new_devices_and_new_messages()
    {
        // A server of its own: the other tests keep the seeded fleet as it is.
        await using var server = await DashboardServer.Start();
        using var http = server.CreateClient();
        await Seed.Register(http, "PC-1");
        await _page.GotoAsync(new Uri(server.BaseAddress, "/dashboard?refresh=1").ToString());
        await Row("PC-1").ClickAsync();
        await Expect(ById("trace-empty")).ToBeVisibleAsync();

        await Seed.Register(http, "PC-2");
        await Seed.PostSample(http, "PC-1", "laps-entra-id-backup.xml");

        await Expect(ById("device-row")).ToHaveCountAsync(2);
        await Expect(ById("trace-message")).ToHaveCountAsync(2);
        await Expect(ById("summary-devices")).ToHaveTextAsync("2");
        await Expect(Row("PC-1").Locator("[data-col='backupDirectory']")).ToHaveTextAsync("azureAD");
    }
}
