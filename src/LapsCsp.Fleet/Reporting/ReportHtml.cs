using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text;

namespace LapsCsp.Fleet.Reporting;

/// <summary>The report as one self-contained HTML page: inline CSS and SVG charts, no scripts, no external assets.</summary>
public static class ReportHtml
{
    private static readonly string[] s_palette = ["#2b6cb0", "#c05621", "#2f855a", "#b7791f", "#6b46c1", "#c53030", "#2c7a7b", "#4a5568"];

    public static string Render(FleetReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var s = report.Settings;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>lapscsp fleet report</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#1a202c;max-width:1100px}h1{font-size:1.5em}")
            .Append("h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #cbd5e0}table{border-collapse:collapse;margin:.5em 0}")
            .Append("td,th{padding:.2em .8em;border-bottom:1px solid #e2e8f0;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}")
            .Append(".grid{display:flex;flex-wrap:wrap;gap:2em}.card{flex:1 1 300px}svg text{font-size:11px;fill:#2d3748}")
            .Append("</style></head><body>\n");
        html.Append("<h1>Fleet run: ").Append(E(Number(s.Devices))).Append(" devices, ").Append(E(s.Days.ToString("0.##", CultureInfo.InvariantCulture)))
            .Append(" days, seed ").Append(E(s.Seed.ToString(CultureInfo.InvariantCulture))).Append("</h1>\n<p>Server ").Append(E(s.Server))
            .Append(" · mix ").Append(E(s.Mix)).Append(" · virtual time ").Append(E(s.Start.ToString("u", CultureInfo.InvariantCulture)))
            .Append(" to ").Append(E(s.End.ToString("u", CultureInfo.InvariantCulture))).Append("</p>\n");

        html.Append("<h2>Summary</h2><table>");
        Line(html, "Devices enrolled", report.DevicesByState.GetValueOrDefault("enrolled"));
        Line(html, "Enrollments / attempts", $"{Number(report.Enrollments)} / {Number(report.EnrollmentAttempts)}");
        Line(html, "Sessions (check-ins)", report.Sessions);
        Line(html, "Failed sessions", report.SessionsByOutcome.GetValueOrDefault("Failed"));
        Line(html, "Server commands answered", report.ServerCommands);
        Line(html, "Password rotations", report.Rotations);
        Line(html, "Backups / failures", $"{Number(report.Backups)} / {Number(report.BackupFailures)}");
        Line(html, "Policy cycles", report.PolicyCycles);
        Line(html, "Session latency p50 / p90 / p99 (ms, virtual)",
            $"{Ms(report.SessionLatency.P50)} / {Ms(report.SessionLatency.P90)} / {Ms(report.SessionLatency.P99)}");
        html.Append("</table>\n");

        html.Append("<div class=\"grid\">");
        Card(html, "Devices by state", Bars(report.DevicesByState));
        Card(html, "Commands by status code", Bars(report.CommandsByStatus));
        Card(html, "Sessions by trigger", Bars(report.SessionsByTrigger));
        Card(html, "Faults by kind", report.Faults.IsEmpty ? "<p>No faults.</p>" : Bars(report.Faults));
        Card(html, "Session latency (ms, virtual)", Bars(ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, long>
        {
            ["1 p50"] = (long)report.SessionLatency.P50,
            ["2 p90"] = (long)report.SessionLatency.P90,
            ["3 p95"] = (long)report.SessionLatency.P95,
            ["4 p99"] = (long)report.SessionLatency.P99,
            ["5 max"] = (long)report.SessionLatency.Max,
        })));
        html.Append("</div>\n");

        html.Append("<h2>Per day</h2>");
        html.Append(Lines(report.Days.Select(d => (long)d.Day).ToList(),
            [("sessions", report.Days.Select(d => d.Sessions).ToList()), ("failed sessions", report.Days.Select(d => d.FailedSessions).ToList()),
             ("faults", report.Days.Select(d => d.Faults).ToList())]));
        html.Append(Lines(report.Days.Select(d => (long)d.Day).ToList(),
            [("rotations", report.Days.Select(d => d.Rotations).ToList()), ("backups", report.Days.Select(d => d.Backups).ToList()),
             ("backup failures", report.Days.Select(d => d.BackupFailures).ToList()), ("enrollments", report.Days.Select(d => d.Enrollments).ToList())]));
        html.Append("<table><tr><th>day</th><th>sessions</th><th>failed</th><th>faults</th><th>enrollments</th><th>rotations</th><th>backups</th><th>backup failures</th></tr>");
        foreach (var d in report.Days)
        {
            html.Append("<tr>");
            foreach (var value in new[] { d.Day, d.Sessions, d.FailedSessions, d.Faults, d.Enrollments, d.Rotations, d.Backups, d.BackupFailures })
            {
                html.Append("<td class=\"n\">").Append(E(Number(value))).Append("</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</table>\n<h2>Details</h2><div class=\"grid\">");
        Table(html, "Devices by kind", report.DevicesByKind);
        Table(html, "Sessions by outcome", report.SessionsByOutcome);
        Table(html, "Session failures", report.SessionFailures);
        Table(html, "Enrollment failures", report.EnrollmentFailures);
        Table(html, "Server statuses received", report.ServerStatuses);
        Table(html, "LAPS events by id", report.LapsEvents);
        Table(html, "Device errors (bugs)", report.DeviceErrors);
        html.Append("</div>\n");
        if (report.Performance is { } p)
        {
            html.Append("<h2>Performance on this machine</h2><table>");
            Line(html, "Wall time (s)", p.WallSeconds.ToString("0.###", CultureInfo.InvariantCulture));
            Line(html, "Check-ins per second", p.CheckInsPerSecond.ToString("0.#", CultureInfo.InvariantCulture));
            Line(html, "Simulated days per real minute", p.SimulatedDaysPerMinute.ToString("0.##", CultureInfo.InvariantCulture));
            Line(html, "Processor time (s) / check-ins per processor second",
                $"{p.CpuSeconds.ToString("0.#", CultureInfo.InvariantCulture)} / {p.CheckInsPerCpuSecond.ToString("0.#", CultureInfo.InvariantCulture)}");
            Line(html, "Peak working set (MiB)", (p.PeakWorkingSetBytes / 1048576.0).ToString("0.#", CultureInfo.InvariantCulture));
            Line(html, "Managed heap at the end (MiB)", (p.ManagedHeapBytes / 1048576.0).ToString("0.#", CultureInfo.InvariantCulture));
            html.Append("</table>\n");
        }

        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>A horizontal bar chart, one bar per key.</summary>
    private static string Bars(ImmutableSortedDictionary<string, long> values)
    {
        if (values.IsEmpty) return "<p>None.</p>";
        const int Row = 22, Label = 150, Width = 420;
        var max = Math.Max(1, values.Values.Max());
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{values.Count * Row + 4}\" role=\"img\">");
        var i = 0;
        foreach (var (key, value) in values)
        {
            var y = i * Row + 2;
            var bar = (Width - Label - 70) * (double)value / max;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + 14}\">{E(key)}</text>")
                .Append(CultureInfo.InvariantCulture, $"<rect x=\"{Label}\" y=\"{y + 3}\" width=\"{bar:0.#}\" height=\"{Row - 6}\" fill=\"{s_palette[i % s_palette.Length]}\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{Label + bar + 4:0.#}\" y=\"{y + 14}\">{E(Number(value))}</text>");
            i++;
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>A line chart of several series over the days, with a legend.</summary>
    private static string Lines(List<long> days, List<(string Name, List<long> Values)> series)
    {
        if (days.Count == 0) return "";
        const int Width = 900, Height = 220, Left = 50, Bottom = 30, Top = 10, Right = 150;
        var max = Math.Max(1, series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());
        double X(int i) => Left + (days.Count == 1 ? 0 : (Width - Left - Right) * i / (double)(days.Count - 1));
        double Y(long v) => Height - Bottom - (Height - Bottom - Top) * v / (double)max;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" role=\"img\">")
            .Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"#a0aec0\"/>")
            .Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"#a0aec0\"/>")
            .Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{Top + 10}\">{E(Number(max))}</text><text x=\"4\" y=\"{Height - Bottom}\">0</text>");
        var step = Math.Max(1, days.Count / 15);
        for (var i = 0; i < days.Count; i += step)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(i) - 4:0.#}\" y=\"{Height - 10}\">{days[i]}</text>");
        }

        for (var s = 0; s < series.Count; s++)
        {
            var color = s_palette[s % s_palette.Length];
            var points = string.Join(' ', series[s].Values.Select((v, i) => string.Create(CultureInfo.InvariantCulture, $"{X(i):0.#},{Y(v):0.#}")));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{points}\"/>")
                .Append(CultureInfo.InvariantCulture, $"<rect x=\"{Width - Right + 10}\" y=\"{Top + s * 18}\" width=\"12\" height=\"12\" fill=\"{color}\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 28}\" y=\"{Top + s * 18 + 10}\">{E(series[s].Name)}</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static void Card(StringBuilder html, string title, string body) =>
        html.Append("<div class=\"card\"><h2>").Append(E(title)).Append("</h2>").Append(body).Append("</div>");

    private static void Table(StringBuilder html, string title, ImmutableSortedDictionary<string, long> values)
    {
        html.Append("<div class=\"card\"><h2>").Append(E(title)).Append("</h2>");
        if (values.IsEmpty)
        {
            html.Append("<p>None.</p></div>");
            return;
        }

        html.Append("<table>");
        foreach (var (key, value) in values) html.Append("<tr><td>").Append(E(key)).Append("</td><td class=\"n\">").Append(E(Number(value))).Append("</td></tr>");
        html.Append("</table></div>");
    }

    private static void Line(StringBuilder html, string name, object value) =>
        html.Append("<tr><td>").Append(E(name)).Append("</td><td class=\"n\">")
            .Append(E(value is long n ? Number(n) : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")).Append("</td></tr>");

    private static string Number(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    private static string Ms(double value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
