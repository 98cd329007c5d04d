using System.Collections.Immutable;
using System.Text.Json;
using System.Xml.Linq;
using LapsCsp.Fleet.Reporting;

namespace LapsCsp.Fleet.Tests.Reporting;

public class ReportTests
{
    private static FleetReport Sample() => new()
    {
        Settings = new RunSettings(10, 2, 7, "entra=1", "https://mdm.example.test", FleetOptionsStart, FleetOptionsStart.AddDays(2), false, 5000,
            JsonDocument.Parse("""{"dropRate":0}""").RootElement.Clone()),
        DevicesByState = Dict(("enrolled", 9), ("silent", 1)),
        DevicesByKind = Dict(("join:EntraJoined", 10)),
        EnrollmentAttempts = 11,
        Enrollments = 10,
        EnrollmentFailures = Dict(("Discovery:Transport", 1)),
        Sessions = 300,
        SessionsByTrigger = Dict(("Scheduled", 280), ("PostEnrollment", 10), ("Logon", 10)),
        SessionsByOutcome = Dict(("Completed", 297), ("Failed", 3)),
        SessionFailures = Dict(("transport:Timeout", 2), ("unreadable-reply", 1)),
        Faults = Dict(("transport:Timeout", 8), ("http:503", 4)),
        Retries = 9,
        MessagesSent = 640,
        ServerCommands = 70,
        CommandsByStatus = Dict(("200", 60), ("404", 4), ("507", 1)),
        ServerStatuses = Dict(("200", 900)),
        SessionLatency = new Percentiles(300, 120.5, 80, 150, 200, 16_050, 112_000),
        PolicyCycles = 480,
        Rotations = 12,
        Backups = 12,
        BackupFailures = 1,
        LapsEvents = Dict(("10020", 12), ("10029", 12), ("10028", 1)),
        UserLogons = 20,
        AdminLogons = 1,
        Unenrollments = 0,
        DeviceErrors = Dict(),
        Days = [new DayStatistics(1, 200, 2, 9, 10, 11, 11, 1), new DayStatistics(2, 100, 1, 3, 0, 1, 1, 0)],
        Performance = new RunPerformance(1.5, 200, 80, 100_000_000, 20_000_000, new Percentiles(300, 0.2, 0, 0, 1, 2, 5), 0, 0),
    };

    private static readonly DateTimeOffset FleetOptionsStart = LapsCsp.Fleet.Runner.FleetOptions.DefaultStart;

    private static ImmutableSortedDictionary<string, long> Dict(params (string Key, long Value)[] entries) =>
        entries.ToImmutableSortedDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

    [Test]
    public void A_saved_report_reads_back_as_the_same_report()
    {
        var report = Sample();
        var back = FleetReport.FromJson(report.ToJson());

        back.ToJson().Should().Be(report.ToJson());
        back.ToDeterministicJson().Should().NotContain("performance");
    }

    [Test]
    public void A_file_that_is_not_a_fleet_report_is_refused()
    {
        FluentActions.Invoking(() => FleetReport.FromJson("""{"schema":"something-else"}""")).Should().Throw<JsonException>();
    }

    [Test]
    public void The_CSV_has_one_section_key_value_row_per_figure_and_quotes_commas()
    {
        var csv = ReportCsv.Render(Sample()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        csv[0].Should().Be("section,key,value");
        csv.Should().Contain("commands-by-status,404,4");
        csv.Should().Contain("session-latency-ms,p99,16050");
        csv.Should().Contain("day-2,sessions,100");
        csv.Should().Contain("settings,mix,entra=1");
        ReportCsv.Render(Sample() with { Settings = Sample().Settings with { Mix = "entra=1,hybrid=2" } })
            .Should().Contain("settings,mix,\"entra=1,hybrid=2\"");
        csv.Skip(1).Should().OnlyContain(line => line.Count(c => c == ',') == 2);
    }

    [Test]
    public void The_HTML_page_is_well_formed_self_contained_and_has_a_chart_per_figure()
    {
        var html = ReportHtml.Render(Sample() with { Settings = Sample().Settings with { Server = "https://evil.example/<script>" } });

        var document = XDocument.Parse(html.Replace("<!DOCTYPE html>", "", StringComparison.Ordinal));
        document.Descendants().Count(e => e.Name.LocalName == "svg").Should().BeGreaterThanOrEqualTo(6);
        document.Descendants().Should().NotContain(e => e.Name.LocalName == "script" || e.Name.LocalName == "link" || e.Name.LocalName == "img");
        document.Descendants().Attributes().Where(a => a.Name.LocalName is "src" or "href").Should().BeEmpty();
        html.Should().Contain("&lt;script&gt;").And.Contain("16,050").And.Contain("Commands by status code");
    }

    [Test]
    public void Percentiles_come_from_the_millisecond_histogram_whatever_the_order_of_the_samples()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        var samples = Enumerable.Range(1, 1000).Select(i => TimeSpan.FromMilliseconds(i)).ToList();
        foreach (var s in samples) a.Add(s);
        foreach (var s in Enumerable.Reverse(samples)) b.Add(s);

        a.Summary().Should().Be(b.Summary());
        a.Summary().Should().Be(new Percentiles(1000, 500.5, 500, 900, 950, 990, 1000));
    }
}
