using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LapsCsp.Cli.Commands;
using LapsCsp.Dashboard.Tests.Support;
using LapsCsp.Device.Processing;
using LapsCsp.Fleet.Runner;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LapsCsp.Dashboard.Tests.Browser;

/// <summary>What a user sees after <c>lapscsp fleet run --keep-serving</c>: a fleet that enrolled with the embedded server,
/// got its LAPS policy and rotated, in a real Chromium.</summary>
[NonParallelizable]
public class FleetRunBrowserTests
{
    private const int Devices = 8;

    [Test]
    public async Task The_dashboard_shows_a_fleet_run_against_the_embedded_server()
    {
        var options = new FleetOptions
        {
            Devices = Devices,
            Days = 10,
            Seed = 2,
            Faults = FaultPlan.Parse("""{ "slowDevicePercent": 0, "flakyDevicePercent": 0, "silentPercent": 0, "clockSkewPercent": 0, "adminLogonsPerDevicePerDay": 0 }"""),
        };
        await using var embedded = new EmbeddedMdmServer();
        using var runner = new FleetRunner(options, embedded, "embedded");
        await embedded.StartAsync("http://127.0.0.1:0", null, runner.Clock, LapsDirectories.Of(runner.EntraId, runner.Domain), 20, CancellationToken.None);
        await embedded.CreatePolicyAsync(FleetCommand.DefaultPolicyJson, CancellationToken.None);
        var report = await runner.RunAsync();
        var index = Enumerable.Range(0, Devices).ToDictionary(i => runner.Blueprint(i).DeviceId, StringComparer.Ordinal);
        var gate = new Lock();
        embedded.Mdm.LocalDevices = id =>
        {
            lock (gate) return index.TryGetValue(id, out var i) ? runner.Device(i) : null;
        };
        report.Rotations.Should().Be(2 * Devices, "every device rotated at enrollment and 7 days later");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync(new() { BaseURL = embedded.ListeningUrl });
        context.SetDefaultTimeout(10_000);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning") errors.Add($"console {message.Type}: {message.Text}");
        };
        page.PageError += (_, error) => errors.Add("page error: " + error);

        await page.GotoAsync("/dashboard?refresh=60");

        await Expect(page.Locator("body[data-loaded='true']")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("device-row")).ToHaveCountAsync(Devices);
        await Expect(page.GetByTestId("summary-devices")).ToHaveTextAsync(Devices.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.GetByTestId("summary-managed")).ToHaveTextAsync(Devices.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.GetByTestId("summary-rotations-succeeded")).ToHaveTextAsync((2 * Devices).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.GetByTestId("chart-rotations").Locator("[data-series='succeeded'] [data-testid='point']").First).ToBeAttachedAsync();

        var first = page.GetByTestId("device-row").First;
        var deviceId = await first.GetAttributeAsync("data-device-id");
        await Expect(first.Locator("[data-col='lapsState']")).ToHaveTextAsync("managed");
        await Expect(first.Locator("[data-col='backupDirectory']")).ToHaveTextAsync("azureAD");
        await first.ClickAsync();
        await Expect(page.GetByTestId("detail-title")).ToHaveTextAsync($"{deviceId} (enrolled)");
        using var http = new HttpClient { BaseAddress = new Uri(embedded.ListeningUrl!) };
        var detail = (await http.GetFromJsonAsync<JsonObject>(new Uri($"/dashboard/api/devices/enrolled/{deviceId}", UriKind.Relative)))!;
        detail["events"]!.AsArray().Should().NotBeEmpty("the device runs in this process, so its LAPS event log is visible");
        await Expect(page.GetByTestId("event-row")).ToHaveCountAsync(detail["events"]!.AsArray().Count);
        await Expect(page.GetByTestId("trace-message")).ToHaveCountAsync(detail["trace"]!.AsArray().Count);
        await Expect(page.GetByTestId("detail-rotations").Locator("li")).ToHaveCountAsync(2);
        errors.Should().BeEmpty();
    }
}
