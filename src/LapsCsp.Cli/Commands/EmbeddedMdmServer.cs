using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using LapsCsp.Device.Processing;
using LapsCsp.Enrollment.Client;
using LapsCsp.Fleet.Transport;
using LapsCsp.Server.Hosting;
using LapsCsp.Server.Identity;
using LapsCsp.Server.Mdm;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LapsCsp.Cli.Commands;

/// <summary>What <c>lapscsp fleet run</c> starts when no <c>--server</c> is given: <c>lapscsp serve</c>'s host in this
/// process, on the fleet's virtual clock and sharing the fleet's emulated directories. Devices enroll and check in through
/// <see cref="MdmService"/> directly (no sockets: a large fleet runs at memory speed); the management API, Graph and the
/// dashboard listen on a loopback port as usual, and the fleet's LAPS policy is created and assigned through that API.</summary>
internal sealed class EmbeddedMdmServer : IMdmServerConnection, IAsyncDisposable
{
    /// <summary>The base URL devices are told (discovery, provisioning ADDR); requests never leave the process.</summary>
    public const string PublicUrl = "https://lapscsp.embedded";

    private IHost? _host;
    private MdmService? _mdm;

    public Uri DiscoveryUrl { get; } = new(PublicUrl + MdmService.DiscoveryPath);

    /// <summary>Where the HTTP face listens (management API, Graph, dashboard).</summary>
    public string? ListeningUrl { get; private set; }

    public MdmService Mdm => _mdm ?? throw new InvalidOperationException("the embedded server is not started");

    /// <summary>Starts the server on <paramref name="time"/> (the fleet's clock) with the fleet's directories.</summary>
    /// <param name="traceCapacity">SyncML messages kept per device for the dashboard (0 for large fleets).</param>
    /// <param name="publicUrl">The base URL devices are told; null: the URL each request came to (devices over HTTP).</param>
    public async Task StartAsync(string listen, string? dataDirectory, TimeProvider time, LapsDirectories directories, int traceCapacity, CancellationToken ct,
        string? publicUrl = PublicUrl)
    {
        var options = new ServerOptions
        {
            Urls = [listen],
            DataDirectory = dataDirectory,
            LogFormat = "simple",
            SharedDirectories = directories,
            // The clock is virtual: flushing check-in counters every 6 simulated hours costs little and loses nothing the
            // report needs (commands and enrollments are saved at once).
            MdmFlushInterval = TimeSpan.FromHours(6),
            PolicyCycleInterval = TimeSpan.FromHours(1),
            Mdm = new MdmOptions { PublicUrl = publicUrl, TraceCapacity = traceCapacity },
        };
        _host = LapsServerHost.CreateHostBuilder(options, time, services => services.AddLogging(l => l.ClearProviders())).Build();
        await _host.StartAsync(ct).ConfigureAwait(false);
        _mdm = _host.Services.GetRequiredService<MdmService>();
        ListeningUrl = LapsServerHost.ListeningUrls(_host).FirstOrDefault();
    }

    public async Task<EnrollmentHttpResponse> SendEnrollmentAsync(EnrollmentHttpRequest request, CancellationToken cancellationToken)
    {
        var response = await Mdm.HandleEnrollmentAsync(request.Method, request.Url, request.Body, cancellationToken).ConfigureAwait(false);
        return new EnrollmentHttpResponse(response.StatusCode, response.ContentType, Encoding.UTF8.GetString(response.Body));
    }

    public async Task<ManagementResponse> SendAsync(ManagementRequest request, CancellationToken cancellationToken)
    {
        // The client certificate stands for the TLS peer certificate (IMdmServerConnection's contract).
        var response = await Mdm.HandleManagementAsync(request.Body, request.ClientCertificate?.Thumbprint, cancellationToken).ConfigureAwait(false);
        return new ManagementResponse(response.StatusCode, response.ContentType, response.Body) { Headers = response.Headers };
    }

    /// <summary>Does what an administrator does before a fleet arrives, through the management API over HTTP: signs in, turns
    /// the tenant's LAPS switch on, creates the LAPS policy and assigns it to all devices. Returns the policy's id.</summary>
    /// <param name="policyJson">The body of <c>POST /beta/deviceManagement/lapsPolicies</c>.</param>
    public async Task<string> CreatePolicyAsync(string policyJson, CancellationToken ct)
    {
        var root = Mdm.RootCertificate;
        using var handler = new SocketsHttpHandler
        {
            // Over https the server presents a certificate of its own MDM CA: trust that root, and only it.
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => errors == System.Net.Security.SslPolicyErrors.None
                    || (errors == System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors && certificate is System.Security.Cryptography.X509Certificates.X509Certificate2 leaf
                        && LapsCsp.Enrollment.Server.EnrollmentCertificateAuthority.ChainsTo(leaf, [root])),
            },
        };
        using var http = new HttpClient(handler, disposeHandler: false)
        {
            BaseAddress = new Uri(ListeningUrl ?? throw new InvalidOperationException("the embedded server does not listen")),
        };
        using (var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["username"] = "globaladmin@contoso.com",
            ["password"] = TenantConfig.DemoSecret,
        }))
        {
            var token = await Send(http, HttpMethod.Post, "/oauth2/v2.0/token", form, ct).ConfigureAwait(false);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token["access_token"]!.GetValue<string>());
        }

        await Send(http, HttpMethod.Patch, "/beta/policies/deviceRegistrationPolicy", Json("""{"localAdminPassword":{"isEnabled":true}}"""), ct).ConfigureAwait(false);
        var policy = await Send(http, HttpMethod.Post, "/beta/deviceManagement/lapsPolicies", Json(policyJson), ct).ConfigureAwait(false);
        var id = policy["id"]!.GetValue<string>();
        await Send(http, HttpMethod.Post, $"/beta/deviceManagement/lapsPolicies/{id}/assign", Json("""{"allDevices":true}"""), ct).ConfigureAwait(false);
        return id;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonNode> Send(HttpClient http, HttpMethod method, string path, HttpContent content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text) ?? new JsonObject();
    }

    /// <summary>Saves what is unsaved and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _mdm = null;
        if (_host is null) return;
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        finally
        {
            _host.Dispose();
            _host = null;
        }
    }
}
