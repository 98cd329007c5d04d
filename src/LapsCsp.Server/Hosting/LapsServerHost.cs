using System.Security.Cryptography;
using System.Text.Json;
using LapsCsp.Server.ActiveDirectory;
using LapsCsp.Server.Dashboard;
using LapsCsp.Server.Devices;
using LapsCsp.Server.Graph;
using LapsCsp.Server.Identity;
using LapsCsp.Server.Management;
using LapsCsp.Server.State;
using LapsCsp.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace LapsCsp.Server.Hosting;

/// <summary>Builds the <c>lapscsp serve</c> host: Kestrel, the services, the middleware and every endpoint.</summary>
/// <remarks>A generic host (not <c>WebApplication</c>) so that the same builder serves Kestrel in production and real-HTTP
/// tests, and <c>WebApplicationFactory</c>'s in-memory server in the other tests.</remarks>
public static class LapsServerHost
{
    private const string TokenKeySetting = "server.token-signing-key";

    /// <summary>The host builder. <paramref name="configure"/> lets tests replace services (a fake clock, a faulty part).</summary>
    /// <exception cref="ServerConfigurationException">The options have problems; all of them are listed.</exception>
    public static IHostBuilder CreateHostBuilder(ServerOptions options, TimeProvider? time = null, Action<IServiceCollection>? configure = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw new ServerConfigurationException(problems);
        time ??= TimeProvider.System;
        return new HostBuilder()
            .UseContentRoot(AppContext.BaseDirectory)
            .ConfigureLogging(logging =>
            {
                logging.ClearProviders();
                logging.SetMinimumLevel(LogLevel.Information);
                logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
                logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
                if (options.LogFormat == "json")
                {
                    logging.AddJsonConsole(o =>
                    {
                        o.IncludeScopes = true;
                        o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                        o.UseUtcTimestamp = true;
                    });
                }
                else
                {
                    logging.AddSimpleConsole(o =>
                    {
                        o.SingleLine = true;
                        o.UseUtcTimestamp = true;
                        o.TimestampFormat = "HH:mm:ss ";
                        o.ColorBehavior = LoggerColorBehavior.Disabled;
                    });
                }
            })
            .ConfigureServices(services => AddServices(services, options, time))
            .ConfigureServices(services => configure?.Invoke(services))
            .ConfigureWebHost(web =>
            {
                web.UseKestrel(kestrel =>
                {
                    kestrel.AddServerHeader = false;
                    // Above the SyncML cap so that our own check answers 413 with a problem document.
                    kestrel.Limits.MaxRequestBodySize = options.MaxSyncMLBytes + 1024 * 1024;
                    kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
                    kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
                    kestrel.ConfigureHttpsDefaults(https =>
                    {
                        https.ServerCertificateSelector = (_, name) => kestrel.ApplicationServices.GetRequiredService<TlsCertificates>().For(name);
                        // Devices authenticate their MDM sessions with the client certificate enrollment issued them (MS-MDE2,
                        // Windows' default). The TLS layer accepts any certificate; the management endpoint compares its
                        // thumbprint with the enrolled one, and the other endpoints ignore it.
                        https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate;
                        https.ClientCertificateValidation = (_, _, _) => true;
                    });
                });
                web.UseUrls([.. options.Urls]);
                web.Configure(Configure);
            });
    }

    /// <summary>Runs the server until Ctrl+C or SIGTERM; returns the process exit code.</summary>
    public static async Task<int> RunAsync(ServerOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        IHost host;
        try
        {
            host = CreateHostBuilder(options).Build();
        }
        catch (ServerConfigurationException e)
        {
            foreach (var problem in e.Problems) await output.WriteLineAsync($"lapscsp serve: {problem}").ConfigureAwait(false);
            return 2;
        }
        catch (LapsStoreException e)
        {
            await output.WriteLineAsync($"lapscsp serve: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        using (host)
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            var state = host.Services.GetRequiredService<ServerState>();
            var tenant = host.Services.GetRequiredService<TenantDirectory>();
            await output.WriteLineAsync($"lapscsp serve: listening on {string.Join(", ", ListeningUrls(host))}").ConfigureAwait(false);
            await output.WriteLineAsync($"lapscsp serve: data in {state.Store.Location}").ConfigureAwait(false);
            await DescribeTlsAsync(host.Services, options, output).ConfigureAwait(false);
            if (tenant.Config.IsDemo)
            {
                await output.WriteLineAsync(
                    $"lapscsp serve: demo principals ({tenant.Config.Principals.Count}), secret '{TenantConfig.DemoSecret}': "
                    + string.Join(", ", tenant.Config.Principals.Select(p => p.Name))).ConfigureAwait(false);
            }

            await output.WriteLineAsync("lapscsp serve: OpenAPI at /openapi/v1.json, health at /health; Ctrl+C stops").ConfigureAwait(false);
            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>Says which certificate the https addresses present and writes the CA root where <c>--export-ca</c> asks.</summary>
    private static async Task DescribeTlsAsync(IServiceProvider services, ServerOptions options, TextWriter output)
    {
        var root = services.GetRequiredService<Mdm.MdmService>().RootCertificate;
        if (options.ExportCaFile is { } file)
        {
            await File.WriteAllTextAsync(file, root.ExportCertificatePem() + "\n").ConfigureAwait(false);
            await output.WriteLineAsync($"lapscsp serve: MDM CA root certificate written to {file}").ConfigureAwait(false);
        }

        if (!options.Urls.Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase))) return;
        var tls = services.GetRequiredService<TlsCertificates>();
        var line = tls.Configured
            ? $"https presents {tls.For(null).Subject} from {options.HttpsCertificateFile}"
            : $"https certificates are issued by the MDM CA '{root.Subject}' (SHA-1 {root.Thumbprint}) for {string.Join(", ", tls.DefaultHosts())} "
              + "and the name a client asks for; enrolled devices trust it, others need the root (--export-ca FILE)";
        await output.WriteLineAsync("lapscsp serve: " + line).ConfigureAwait(false);
    }

    /// <summary>The addresses Kestrel bound (port 0 becomes the real port).</summary>
    public static IReadOnlyList<string> ListeningUrls(IHost host)
    {
        var server = host.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>();
        var addresses = server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>();
        return addresses?.Addresses.ToList() ?? [];
    }

    private static void AddServices(IServiceCollection services, ServerOptions options, TimeProvider time)
    {
        services.AddSingleton(options);
        services.AddSingleton(time);
        services.AddSingleton(new TenantDirectory(options.Tenant));
        services.AddSingleton(sp =>
        {
            var store = options.DataDirectory is { } dir
                ? LapsStore.Open(Path.Combine(dir, "lapscsp.db"), new LapsStoreOptions { TimeProvider = time })
                : LapsStore.OpenInMemory(options: new LapsStoreOptions { TimeProvider = time });
            try
            {
                return ServerState.Open(store, time, options.Tenant.ActiveDirectory, options.SharedDirectories);
            }
            catch
            {
                store.Dispose();
                throw;
            }
        });
        services.AddSingleton<CommitQueue>();
        services.AddSingleton<DeviceRegistry>();
        services.AddSingleton(sp =>
        {
            var state = sp.GetRequiredService<ServerState>();
            var key = state.Store.GetSetting(TokenKeySetting) is { } stored ? Convert.FromBase64String(stored) : null;
            if (key is null)
            {
                key = RandomNumberGenerator.GetBytes(32);
                state.Store.SetSetting(TokenKeySetting, Convert.ToBase64String(key));
            }

            return new TokenService(key, time, sp.GetRequiredService<TenantDirectory>(), options.TokenLifetime);
        });
        services.AddSingleton<DeviceService>();
        services.AddSingleton(new DashboardOptions { SnapshotInterval = options.DashboardSnapshotInterval });
        services.AddDashboard();
        services.AddSingleton(sp => new Mdm.MdmService(sp.GetRequiredService<ServerState>(), sp.GetRequiredService<CommitQueue>(), options,
            sp.GetRequiredService<TenantDirectory>()));
        services.AddHostedService<Mdm.MdmFlushService>();
        services.AddSingleton<TlsCertificates>();
        services.AddSingleton<Dashboard.IDashboardSource, Mdm.MdmDashboardSource>();
        services.AddSingleton<DeviceGroupStore>();
        services.AddSingleton<PolicyService>();
        services.AddSingleton<PolicyCycleService>();
        services.AddHostedService(sp => sp.GetRequiredService<PolicyCycleService>());
        services.AddRouting();
        services.AddProblemDetails();
        services.AddHealthChecks();
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "lapscsp serve";
                document.Info.Description = "Simulated Windows devices over OMA-DM/SyncML, an emulated Microsoft Graph LAPS API with RBAC and audit, "
                    + "Intune-style LAPS management and an AD view.";
                return Task.CompletedTask;
            });
        });
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        });
    }

    private static void Configure(IApplicationBuilder app)
    {
        // A request that throws is answered 500 and logged; the server goes on serving the others.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = async context =>
            {
                var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("LapsCsp.Server");
                if (error is BadHttpRequestException bad)
                {
                    // Kestrel's own refusals (a body above its limit, a client sending too slowly): the client's fault, with
                    // Kestrel's status, not a server error.
                    logger.LogInformation("Request {Method} {Path} refused: {Reason}", context.Request.Method, context.Request.Path, bad.Message);
                    await Problems.Write(context, bad.StatusCode, "urn:lapscsp:problem:bad-request", ReasonPhrase(bad.StatusCode), bad.Message).ConfigureAwait(false);
                    return;
                }

                if (context.RequestAborted.IsCancellationRequested)
                {
                    // The client went away; nobody reads an answer.
                    logger.LogDebug(error, "Request {Method} {Path} aborted by the client", context.Request.Method, context.Request.Path);
                    return;
                }

                logger.LogError(error, "Request {Method} {Path} failed", context.Request.Method, context.Request.Path);
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                if (GraphErrors.IsGraphPath(context.Request.Path))
                {
                    await GraphErrors.Write(context, 500, "generalException", "An internal error occurred; the server logged it.").ConfigureAwait(false);
                }
                else
                {
                    await Problems.Write(context, 500, "urn:lapscsp:problem:internal", "Internal error",
                        "The request failed inside the server; the server logged it and keeps serving.").ConfigureAwait(false);
                }
            },
        });
        app.UseStatusCodePages(async status =>
        {
            var context = status.HttpContext;
            if (context.Response.HasStarted || context.Response.ContentLength > 0 || context.Response.ContentType is not null) return;
            if (GraphErrors.IsGraphPath(context.Request.Path))
            {
                await GraphErrors.Write(context, context.Response.StatusCode,
                    context.Response.StatusCode == 404 ? "Request_UnsupportedQuery" : "BadRequest",
                    context.Response.StatusCode == 404 ? "Unsupported resource path." : "The request was refused.").ConfigureAwait(false);
            }
            else
            {
                await Problems.Write(context, context.Response.StatusCode, "about:blank", ReasonPhrase(context.Response.StatusCode), null).ConfigureAwait(false);
            }
        });
        app.UseRouting();
        app.UseEndpoints(endpoints =>
        {
            endpoints.MapHealthChecks("/health").WithTags("Health");
            endpoints.MapOpenApi("/openapi/{documentName}.json");
            TokenEndpoints.Map(endpoints);
            DeviceEndpoints.Map(endpoints);
            GraphEndpoints.Map(endpoints);
            ManagementEndpoints.Map(endpoints);
            AdEndpoints.Map(endpoints);
            endpoints.MapDashboard();
            Mdm.MdmEndpoints.Map(endpoints);
        });
    }

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
}
