using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace LapsCsp.Fleet.Reporting;

/// <summary>The report as one CSV table of <c>section,key,value</c> rows (RFC 4180 quoting), for spreadsheets.</summary>
public static class ReportCsv
{
    public static string Render(FleetReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var csv = new StringBuilder("section,key,value\n");
        void Row(string section, string key, object value) =>
            csv.Append(Quote(section)).Append(',').Append(Quote(key)).Append(',').Append(Quote(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")).Append('\n');
        void Table(string section, ImmutableSortedDictionary<string, long> values)
        {
            foreach (var (key, value) in values) Row(section, key, value);
        }

        var s = report.Settings;
        Row("settings", "devices", s.Devices);
        Row("settings", "days", s.Days);
        Row("settings", "seed", s.Seed);
        Row("settings", "mix", s.Mix);
        Row("settings", "server", s.Server);
        Row("settings", "start", s.Start.ToString("O", CultureInfo.InvariantCulture));
        Table("devices-by-state", report.DevicesByState);
        Table("devices-by-kind", report.DevicesByKind);
        Row("enrollment", "attempts", report.EnrollmentAttempts);
        Row("enrollment", "succeeded", report.Enrollments);
        Table("enrollment-failures", report.EnrollmentFailures);
        Row("sessions", "total", report.Sessions);
        Row("sessions", "messages-sent", report.MessagesSent);
        Row("sessions", "server-commands", report.ServerCommands);
        Row("sessions", "retries", report.Retries);
        Table("sessions-by-trigger", report.SessionsByTrigger);
        Table("sessions-by-outcome", report.SessionsByOutcome);
        Table("session-failures", report.SessionFailures);
        Table("faults", report.Faults);
        Table("commands-by-status", report.CommandsByStatus);
        Table("server-statuses", report.ServerStatuses);
        Percentiles("session-latency-ms", report.SessionLatency);
        Row("laps", "policy-cycles", report.PolicyCycles);
        Row("laps", "rotations", report.Rotations);
        Row("laps", "backups", report.Backups);
        Row("laps", "backup-failures", report.BackupFailures);
        Table("laps-events", report.LapsEvents);
        Row("logons", "user", report.UserLogons);
        Row("logons", "admin", report.AdminLogons);
        Row("unenrollments", "total", report.Unenrollments);
        Table("device-errors", report.DeviceErrors);
        foreach (var day in report.Days)
        {
            var section = "day-" + day.Day.ToString(CultureInfo.InvariantCulture);
            Row(section, "sessions", day.Sessions);
            Row(section, "failed-sessions", day.FailedSessions);
            Row(section, "faults", day.Faults);
            Row(section, "enrollments", day.Enrollments);
            Row(section, "rotations", day.Rotations);
            Row(section, "backups", day.Backups);
            Row(section, "backup-failures", day.BackupFailures);
        }

        if (report.Performance is { } p)
        {
            Row("performance", "wall-seconds", p.WallSeconds);
            Row("performance", "check-ins-per-second", p.CheckInsPerSecond);
            Row("performance", "simulated-days-per-minute", p.SimulatedDaysPerMinute);
            Row("performance", "cpu-seconds", p.CpuSeconds);
            Row("performance", "check-ins-per-cpu-second", p.CheckInsPerCpuSecond);
            Row("performance", "peak-working-set-bytes", p.PeakWorkingSetBytes);
            Row("performance", "store-bytes", p.StoreBytes);
            Row("performance", "managed-heap-bytes", p.ManagedHeapBytes);
            Percentiles("performance-wall-session-latency-ms", p.WallSessionLatency);
        }

        return csv.ToString();

        void Percentiles(string section, Percentiles value)
        {
            Row(section, "count", value.Count);
            Row(section, "mean", value.Mean);
            Row(section, "p50", value.P50);
            Row(section, "p90", value.P90);
            Row(section, "p95", value.P95);
            Row(section, "p99", value.P99);
            Row(section, "max", value.Max);
        }
    }

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
