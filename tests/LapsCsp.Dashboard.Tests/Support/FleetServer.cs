using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Threading.Channels;
using System.Text.Json.Nodes;
using LapsCsp.Cli.Commands;
using LapsCsp.Device.Processing;
using LapsCsp.Enrollment.Client;
using LapsCsp.Fleet.Reporting;
using LapsCsp.Fleet.Runner;
using LapsCsp.Fleet.Transport;
using LapsCsp.Server.Dashboard;
using LapsCsp.Server.Hosting;
using LapsCsp.Server.Mdm;
using LapsCsp.Server.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LapsCsp.Dashboard.Tests.Support;

/// <summary>What <c>lapscsp fleet run</c> does with its embedded server (<see cref="EmbeddedMdmServer"/>): <c>lapscsp serve</c>'s
/// host on the fleet's virtual clock, sharing the fleet's directories, devices enrolling and checking in through
/// <see cref="MdmService"/> in process, the LAPS policy created and assigned over the management API; here with the
/// dashboard's snapshot interval chosen by the test and the host's services at hand.</summary>
internal sealed class FleetServer : IMdmServerConnection, IAsyncDisposable
{
    private IHost? _host;

    private FleetServer(FleetOptions options) => Runner = new FleetRunner(options, this, "embedded");

    public Uri DiscoveryUrl { get; } = new(EmbeddedMdmServer.PublicUrl + MdmService.DiscoveryPath);

    public FleetRunner Runner { get; }

    public IServiceProvider Services => (_host ?? throw new InvalidOperationException("not started")).Services;

    public MdmService Mdm => Services.GetRequiredService<MdmService>();

    public ServerState State => Services.GetRequiredService<ServerState>();

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Starts the server for a fleet of <paramref name="options"/> and creates the fleet's LAPS policy (Entra ID
    /// backup, rotation every 7 days), assigned to all devices.</summary>
    public static async Task<FleetServer> Start(FleetOptions options, TimeSpan snapshotInterval)
    {
        var server = new FleetServer(options);
        var serverOptions = new ServerOptions
        {
            Urls = ["http://127.0.0.1:0"],
            LogFormat = "simple",
            SharedDirectories = LapsDirectories.Of(server.Runner.EntraId, server.Runner.Domain),
            // Nothing runs on the server's own timers while a test looks: saving check-in counters and the hosted devices'
            // policy cycle are far beyond any run here.
            MdmFlushInterval = TimeSpan.FromDays(40),
            PolicyCycleInterval = TimeSpan.FromDays(40),
            Mdm = new MdmOptions { PublicUrl = EmbeddedMdmServer.PublicUrl, TraceCapacity = 20 },
        };
        server._host = LapsServerHost.CreateHostBuilder(serverOptions, server.Runner.Clock, services =>
        {
            services.AddLogging(l => l.ClearProviders());
            services.AddSingleton(new DashboardOptions { SnapshotInterval = snapshotInterval });
        }).Build();
        await server._host.StartAsync();
        server.BaseAddress = new Uri(LapsServerHost.ListeningUrls(server._host).Single());
        using var http = server.CreateClient();
        var token = await Seed.Token(http, "globaladmin@contoso.com");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await Send(http, HttpMethod.Patch, "/beta/policies/deviceRegistrationPolicy", """{"localAdminPassword":{"isEnabled":true}}""");
        var policy = await Send(http, HttpMethod.Post, "/beta/deviceManagement/lapsPolicies", FleetCommand.DefaultPolicyJson);
        await Send(http, HttpMethod.Post, $"/beta/deviceManagement/lapsPolicies/{policy["id"]!.GetValue<string>()}/assign", """{"allDevices":true}""");
        return server;
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    /// <summary>As <c>fleet run --keep-serving</c> does after the run: the dashboard sees the devices' event logs and accounts;
    /// with <paramref name="residentWalk"/>, its walk of every device asks only those in memory, as the command does.</summary>
    public void ShowLocalDevices(int devices, bool residentWalk = false)
    {
        var index = Enumerable.Range(0, devices).ToDictionary(i => Runner.Blueprint(i).DeviceId, StringComparer.Ordinal);
        var gate = new Lock();
        Mdm.LocalDevices = id =>
        {
            lock (gate) return index.TryGetValue(id, out var i) ? Runner.Device(i) : null;
        };
        if (!residentWalk) return;
        Mdm.ResidentLocalDevices = id =>
        {
            lock (gate) return index.TryGetValue(id, out var i) && Runner.TryGetResident(i, out var device) ? device : null;
        };
    }

    /// <summary>Runs the fleet, pausing it every <paramref name="every"/> of virtual time to run <paramref name="check"/>. The
    /// pause is a timer on the fleet's clock: it fires while the scheduler moves the clock to the next batch of wakes, when
    /// every device is asleep, so that what a check reads holds still. A failed check fails the run once the fleet is done.</summary>
    public async Task<FleetReport> RunWithCheckpoints(TimeSpan every, Func<DateTimeOffset, Task> check)
    {
        var pauses = Channel.CreateUnbounded<(DateTimeOffset At, TaskCompletionSource Resume)>();
        using (Runner.Clock.CreateTimer(_ =>
        {
            var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            pauses.Writer.TryWrite((Runner.Clock.GetUtcNow(), resume));
            resume.Task.Wait();
        }, null, every, every))
        {
            var run = Task.Run(async () =>
            {
                try
                {
                    return await Runner.RunAsync();
                }
                finally
                {
                    pauses.Writer.TryComplete();
                }
            });
            ExceptionDispatchInfo? failure = null;
            await foreach (var (at, resume) in pauses.Reader.ReadAllAsync())
            {
                try
                {
                    if (failure is null) await check(at);
                }
                catch (Exception e)
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
                finally
                {
                    resume.SetResult();
                }
            }

            var report = await run;
            failure?.Throw();
            return report;
        }
    }

    public async Task<EnrollmentHttpResponse> SendEnrollmentAsync(EnrollmentHttpRequest request, CancellationToken cancellationToken)
    {
        var response = await Mdm.HandleEnrollmentAsync(request.Method, request.Url, request.Body, cancellationToken);
        return new EnrollmentHttpResponse(response.StatusCode, response.ContentType, Encoding.UTF8.GetString(response.Body));
    }

    public async Task<ManagementResponse> SendAsync(ManagementRequest request, CancellationToken cancellationToken)
    {
        var response = await Mdm.HandleManagementAsync(request.Body, request.ClientCertificate?.Thumbprint, cancellationToken);
        return new ManagementResponse(response.StatusCode, response.ContentType, response.Body) { Headers = response.Headers };
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }

        Runner.Dispose();
    }

    private static async Task<JsonNode> Send(HttpClient http, HttpMethod method, string path, string json)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonNode>()) ?? new JsonObject();
    }
}
