using System.Collections.Immutable;
using System.Globalization;
using Spectre.Console;

namespace LapsCsp.Fleet.Reporting;

/// <summary>The report in the terminal (Spectre.Console tables and bar charts).</summary>
public static class ReportConsole
{
    public static void Render(FleetReport report, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(console);
        var s = report.Settings;
        console.Write(new Rule(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"fleet: {s.Devices:#,0} devices, {s.Days:0.##} days, seed {s.Seed}, {s.Mix}, {s.Server}"))).LeftJustified());

        var summary = new Table().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned()).Border(TableBorder.Rounded);
        void Row(string name, string value) => summary.AddRow(Markup.Escape(name), Markup.Escape(value));
        foreach (var (state, count) in report.DevicesByState) Row("devices " + state, N(count));
        Row("enrollments / attempts", $"{N(report.Enrollments)} / {N(report.EnrollmentAttempts)}");
        Row("sessions", N(report.Sessions));
        foreach (var (outcome, count) in report.SessionsByOutcome) Row("  " + outcome.ToLowerInvariant(), N(count));
        Row("messages sent", N(report.MessagesSent));
        Row("server commands answered", N(report.ServerCommands));
        Row("retries", N(report.Retries));
        Row("policy cycles", N(report.PolicyCycles));
        Row("rotations", N(report.Rotations));
        Row("backups / failures", $"{N(report.Backups)} / {N(report.BackupFailures)}");
        Row("logons user / admin", $"{N(report.UserLogons)} / {N(report.AdminLogons)}");
        Row("unenrollments", N(report.Unenrollments));
        var l = report.SessionLatency;
        Row("session latency p50/p90/p95/p99 (ms, virtual)", string.Create(CultureInfo.InvariantCulture, $"{l.P50:0}/{l.P90:0}/{l.P95:0}/{l.P99:0}"));
        if (report.Performance is { } p)
        {
            Row("wall time", string.Create(CultureInfo.InvariantCulture, $"{p.WallSeconds:0.##} s"));
            Row("check-ins per second", string.Create(CultureInfo.InvariantCulture, $"{p.CheckInsPerSecond:0.#}"));
            Row("simulated days per real minute", string.Create(CultureInfo.InvariantCulture, $"{p.SimulatedDaysPerMinute:0.##}"));
            Row("check-ins per processor second", string.Create(CultureInfo.InvariantCulture, $"{p.CheckInsPerCpuSecond:0.#} ({p.CpuSeconds:0.#} s on {p.ProcessorCount} cores)"));
            Row("peak working set", string.Create(CultureInfo.InvariantCulture, $"{p.PeakWorkingSetBytes / 1048576.0:0} MiB"));
        }

        console.Write(summary);
        Chart(console, "commands by status code", report.CommandsByStatus);
        if (!report.Faults.IsEmpty) Chart(console, "faults (every failed attempt)", report.Faults);
        if (!report.SessionFailures.IsEmpty) Chart(console, "failed sessions by cause", report.SessionFailures);
        if (!report.EnrollmentFailures.IsEmpty) Chart(console, "failed enrollments", report.EnrollmentFailures);
        if (!report.DeviceErrors.IsEmpty) Chart(console, "device errors (bugs)", report.DeviceErrors);
    }

    private static void Chart(IAnsiConsole console, string title, ImmutableSortedDictionary<string, long> values)
    {
        if (values.IsEmpty) return;
        var colors = new[] { Color.SteelBlue, Color.DarkOrange, Color.Green3, Color.Gold1, Color.MediumPurple, Color.Red3 };
        var chart = new BarChart().Label(Markup.Escape(title)).Width(70);
        var i = 0;
        foreach (var (key, value) in values) chart.AddItem(Markup.Escape(key), value, colors[i++ % colors.Length]);
        console.Write(chart);
    }

    private static string N(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);
}
