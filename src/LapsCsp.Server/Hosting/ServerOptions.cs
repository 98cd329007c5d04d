using System.Net;
using LapsCsp.Server.Identity;

namespace LapsCsp.Server.Hosting;

/// <summary>How <c>lapscsp serve</c> runs. <see cref="Validate"/> lists every problem at once.</summary>
public sealed record ServerOptions
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Where Kestrel listens; loopback unless <see cref="AllowRemote"/>.</summary>
    public IReadOnlyList<string> Urls { get; init; } = [DefaultUrl];

    /// <summary>The certificate for https <see cref="Urls"/>: a PKCS#12 file (.pfx/.p12) or a PEM file holding the certificate
    /// and its private key. Without one, the server's MDM CA issues certificates (<see cref="TlsCertificates"/>).</summary>
    public string? HttpsCertificateFile { get; init; }

    /// <summary>The password of <see cref="HttpsCertificateFile"/>, if it has one.</summary>
    public string? HttpsCertificatePassword { get; init; }

    /// <summary>Where to write the MDM CA's root certificate (PEM, public part) at start: what a device or a client must
    /// trust to reach the https addresses when the CA issues their certificate.</summary>
    public string? ExportCaFile { get; init; }

    /// <summary>The folder of the SQLite store (<c>lapscsp.db</c>); null keeps everything in memory (tests).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The principals; the demo tenant when not configured.</summary>
    public TenantConfig Tenant { get; init; } = TenantConfig.Demo;

    /// <summary>Listen on non-loopback addresses too (refused with the demo principals, whose secrets are public).</summary>
    public bool AllowRemote { get; init; }

    /// <summary>The largest SyncML body accepted (HTTP 413 above it); the reader's own cap is 16 MiB.</summary>
    public long MaxSyncMLBytes { get; init; } = 4 * 1024 * 1024;

    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How often the server lets devices run the LAPS work due by the clock. Each device keeps its own hourly
    /// cycle (Windows LAPS: every hour, digest C.2); this is how late at most a cycle runs.</summary>
    public TimeSpan PolicyCycleInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Graph's page size when the request has no <c>$top</c>, and the largest <c>$top</c> accepted.</summary>
    public int DefaultPageSize { get; init; } = 100;

    public int MaxPageSize { get; init; } = 999;

    /// <summary>How many LAPS events each device keeps in memory (what <c>GET /devices/{id}/events</c> shows and what comes
    /// back after a restart). Every event is also stored as a row of the store's device_events table.</summary>
    public int DeviceEventLogCapacity { get; init; } = 1000;

    /// <summary>Serve the read-only dashboard at <c>/dashboard</c> (devices, LAPS state, status codes and rotations over time,
    /// event logs, session traces without secrets). On by default, for a local lab; it needs no token, like
    /// <c>GET /devices</c> (see <c>Dashboard/DashboardEndpoints</c>).</summary>
    public bool Dashboard { get; init; } = true;

    /// <summary>How long the dashboard answers from its snapshot of the enrolled devices before it looks at them again
    /// (<c>--dashboard-interval</c>); more than 0, at most 1 hour. Each look walks every record that changed since (100,000
    /// devices: a few hundred milliseconds), and nothing at all when none did.</summary>
    public TimeSpan DashboardSnapshotInterval { get; init; } = DefaultDashboardSnapshotInterval;

    public static readonly TimeSpan DefaultDashboardSnapshotInterval = TimeSpan.FromSeconds(5);

    /// <summary>Directories shared with an in-process fleet (its devices back up to them and the Graph API reads them); null:
    /// the server's own, loaded from the store.</summary>
    public LapsCsp.Device.Processing.LapsDirectories? SharedDirectories { get; init; }

    /// <summary>The MDM server face: enrollment and management endpoints (issue 6 item 3).</summary>
    public Mdm.MdmOptions Mdm { get; init; } = new();

    /// <summary>How often enrolled devices' check-in counters, DevInfo and alerts are saved (commands and enrollments are saved at once).</summary>
    public TimeSpan MdmFlushInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>json (one JSON object per line) or simple (one line of text per event).</summary>
    public string LogFormat { get; init; } = "json";

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Urls.Count == 0) problems.Add("--urls: at least one URL is needed");
        problems.AddRange(Mdm.Validate());
        if (DashboardSnapshotInterval <= TimeSpan.Zero || DashboardSnapshotInterval > TimeSpan.FromHours(1))
        {
            problems.Add("--dashboard-interval: the dashboard's snapshot interval must be more than 0 seconds and at most 1 hour (3600 seconds)");
        }

        if (MdmFlushInterval < TimeSpan.FromSeconds(1)) problems.Add("the MDM flush interval must be at least 1 second");
        if (MdmFlushInterval > TimeSpan.FromMilliseconds(uint.MaxValue - 1)) problems.Add("the MDM flush interval must be at most 49 days (the timer's limit)");
        foreach (var url in Urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                problems.Add($"--urls: '{url}' is not an http:// or https:// URL");
                continue;
            }

            if (!string.IsNullOrEmpty(uri.PathAndQuery.Trim('/'))) problems.Add($"--urls: '{url}' must not have a path");
            var loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip));
            if (!loopback && !AllowRemote) problems.Add($"--urls: '{url}' is not a loopback address (pass --allow-remote to listen beyond this machine)");
            if (!loopback && AllowRemote && Tenant.IsDemo)
            {
                problems.Add($"--urls: '{url}' is not loopback and the demo principals have published secrets; pass --principals FILE");
            }
        }

        if (HttpsCertificateFile is { } certificate)
        {
            if (!File.Exists(certificate))
            {
                problems.Add($"--https-certificate: no file '{certificate}'");
            }
            else
            {
                try
                {
                    TlsCertificates.Load(certificate, HttpsCertificatePassword).Dispose();
                }
                catch (ServerConfigurationException e)
                {
                    problems.AddRange(e.Problems);
                }
            }
        }

        if (HttpsCertificateFile is not null && !Urls.Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase)))
        {
            problems.Add("--https-certificate: no https:// address in --urls to present it on");
        }

        if (DataDirectory is { } dir)
        {
            if (File.Exists(dir)) problems.Add($"--data: '{dir}' is a file, not a folder");
            else
            {
                try
                {
                    System.IO.Directory.CreateDirectory(dir);
                    var probe = Path.Combine(dir, ".write-probe");
                    File.WriteAllText(probe, "");
                    File.Delete(probe);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                {
                    problems.Add($"--data: '{dir}' is not a writable folder ({e.Message})");
                }
            }
        }

        if (MaxSyncMLBytes is < 1024 or > 16 * 1024 * 1024) problems.Add("max SyncML size must be between 1 KiB and 16 MiB (the reader's cap)");
        if (TokenLifetime < TimeSpan.FromMinutes(1) || TokenLifetime > TimeSpan.FromDays(1)) problems.Add("token lifetime must be between 1 minute and 1 day");
        if (PolicyCycleInterval < TimeSpan.FromSeconds(1)) problems.Add("the policy cycle interval must be at least 1 second");
        // PeriodicTimer holds at most uint.MaxValue - 1 milliseconds (about 49.7 days).
        if (PolicyCycleInterval > TimeSpan.FromMilliseconds(uint.MaxValue - 1)) problems.Add("the policy cycle interval must be at most 49 days (the timer's limit)");
        if (DefaultPageSize < 1 || DefaultPageSize > MaxPageSize) problems.Add("the default page size must be between 1 and the maximum page size");
        if (DeviceEventLogCapacity is < 10 or > 100_000) problems.Add("the device event log capacity must be between 10 and 100,000");
        if (LogFormat is not ("json" or "simple")) problems.Add($"--log-format: '{LogFormat}' is not json or simple");
        problems.AddRange(TenantDirectory.Validate(Tenant).Select(p => "--principals: " + p));
        return problems;
    }

    /// <summary>The default data folder: lapscsp under the user's local application data.</summary>
    public static string DefaultDataDirectory() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "lapscsp");
}
