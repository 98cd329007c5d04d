using System.CommandLine;
using System.Text.Json;
using LapsCsp.Server.Hosting;
using LapsCsp.Server.Identity;

namespace LapsCsp.Cli.Commands;

/// <summary><c>lapscsp serve</c>: devices over HTTP, the emulated Graph LAPS API, Intune-style management (issue 5).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string[]>("--urls")
        {
            Description = $"where to listen (default {ServerOptions.DefaultUrl}; loopback only unless --allow-remote)",
            AllowMultipleArgumentsPerToken = true,
        };
        var data = new Option<string?>("--data") { Description = "the folder of the SQLite store (default: lapscsp under the user's local app data)" };
        var principals = new Option<FileInfo?>("--principals") { Description = "a JSON file of principals, roles and administrative units (default: the demo tenant)" };
        var allowRemote = new Option<bool>("--allow-remote") { Description = "allow non-loopback --urls (needs --principals)" };
        var logFormat = new Option<string>("--log-format") { Description = "json (default) or simple", DefaultValueFactory = _ => "json" };
        var publicUrl = new Option<string?>("--public-url") { Description = "MDM: the base URL enrolling devices are told (default: the URL each request came to)" };
        var enrollment = new Option<string>("--enrollment-auth") { Description = "MDM: who may enroll: any (default) or tenant (the principals' users and secrets)", DefaultValueFactory = _ => "any" };
        var sessionAuth = new Option<string>("--session-auth")
        {
            Description = "MDM: certificate-or-digest (default), certificate, or digest",
            DefaultValueFactory = _ => "certificate-or-digest",
        };
        var httpsCertificate = new Option<FileInfo?>("--https-certificate")
        {
            Description = "the certificate for https --urls: PKCS#12 (.pfx) or PEM with its key (default: issued by the server's MDM CA)",
        };
        var httpsPassword = new Option<string?>("--https-certificate-password")
        {
            Description = "its password (or the environment variable LAPSCSP_HTTPS_CERTIFICATE_PASSWORD)",
        };
        var exportCa = new Option<FileInfo?>("--export-ca") { Description = "write the MDM CA root certificate (PEM) here: what clients of https must trust" };
        var dashboardInterval = new Option<double?>("--dashboard-interval")
        {
            Description = "how many seconds the dashboard answers from its snapshot of the enrolled devices before it looks again (default 5, at most 3600)",
        };
        var command = new Command("serve", "Serve simulated devices over HTTP with an emulated Microsoft Graph LAPS API, and be an MDM server devices enroll with")
        {
            urls, data, principals, allowRemote, logFormat, publicUrl, enrollment, sessionAuth, httpsCertificate, httpsPassword, exportCa,
            dashboardInterval,
        };
        command.SetAction(async (result, ct) =>
        {
            TenantConfig tenant;
            try
            {
                tenant = result.GetValue(principals) is { } file ? TenantConfig.Load(file.FullName) : TenantConfig.Demo;
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"lapscsp serve: --principals: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Refused;
            }

            var options = new ServerOptions
            {
                Urls = result.GetValue(urls) is { Length: > 0 } given ? given : [ServerOptions.DefaultUrl],
                DataDirectory = result.GetValue(data) ?? ServerOptions.DefaultDataDirectory(),
                Tenant = tenant,
                AllowRemote = result.GetValue(allowRemote),
                LogFormat = result.GetValue(logFormat) ?? "json",
                HttpsCertificateFile = result.GetValue(httpsCertificate)?.FullName,
                HttpsCertificatePassword = result.GetValue(httpsPassword) ?? Environment.GetEnvironmentVariable("LAPSCSP_HTTPS_CERTIFICATE_PASSWORD"),
                ExportCaFile = result.GetValue(exportCa)?.FullName,
                DashboardSnapshotInterval = result.GetValue(dashboardInterval) is { } seconds ? Seconds(seconds) : ServerOptions.DefaultDashboardSnapshotInterval,
                Mdm = new LapsCsp.Server.Mdm.MdmOptions
                {
                    PublicUrl = result.GetValue(publicUrl),
                    EnrollmentAuthentication = result.GetValue(enrollment)!,
                    SessionAuthentication = result.GetValue(sessionAuth)!,
                },
            };
            return await LapsServerHost.RunAsync(options, Console.Out, ct).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>A number of seconds as a time span; one that no time span holds (NaN, infinite, beyond 29,000 years) becomes
    /// <see cref="TimeSpan.MaxValue"/>, which <see cref="ServerOptions.Validate"/> reports with the other problems.</summary>
    private static TimeSpan Seconds(double seconds) =>
        double.IsFinite(seconds) && Math.Abs(seconds) < TimeSpan.MaxValue.TotalSeconds / 2 ? TimeSpan.FromSeconds(seconds) : TimeSpan.MaxValue;
}
