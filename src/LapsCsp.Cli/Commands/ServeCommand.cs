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
        var command = new Command("serve", "Serve simulated devices over HTTP with an emulated Microsoft Graph LAPS API")
        {
            urls, data, principals, allowRemote, logFormat,
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
            };
            return await LapsServerHost.RunAsync(options, Console.Out, ct).ConfigureAwait(false);
        });
        return command;
    }
}
