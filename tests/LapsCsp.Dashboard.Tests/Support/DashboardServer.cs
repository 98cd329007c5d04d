using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LapsCsp.Server.Hosting;
using LapsCsp.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Dashboard.Tests.Support;

/// <summary><c>lapscsp serve</c> on Kestrel over real loopback HTTP (port 0), on a fake clock, with an in-memory store.</summary>
/// <remarks>The policy cycle is set far beyond what a test advances the clock by, so that every rotation a test sees is one
/// it asked for.</remarks>
internal sealed class DashboardServer : IAsyncDisposable
{
    public static readonly DateTimeOffset Epoch = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly IHost _host;

    private DashboardServer(IHost host, Uri baseAddress, FakeTimeProvider time)
    {
        _host = host;
        BaseAddress = baseAddress;
        Time = time;
    }

    public Uri BaseAddress { get; }

    public FakeTimeProvider Time { get; }

    public static async Task<DashboardServer> Start(bool dashboard = true, Action<IServiceCollection>? configure = null)
    {
        var time = new FakeTimeProvider(Epoch);
        var options = new ServerOptions
        {
            Urls = ["http://127.0.0.1:0"],
            LogFormat = "simple",
            Dashboard = dashboard,
            PolicyCycleInterval = TimeSpan.FromDays(40),
        };
        var host = LapsServerHost.CreateHostBuilder(options, time, configure).Build();
        await host.StartAsync();
        return new DashboardServer(host, new Uri(LapsServerHost.ListeningUrls(host).Single()), time);
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

/// <summary>Puts hosted devices into known states through the server's own endpoints: registration, SyncML packages,
/// the management API's Rotate action.</summary>
internal static class Seed
{
    public const string Account = "ContosoLocalLapsAdmin";

    /// <summary>The password the Accounts CSP sample sets: it must never reach the dashboard.</summary>
    public const string SamplePassword = "Initial-P@ssw0rd-2026";

    public static async Task Register(HttpClient http, string deviceId, string joinType = "entraJoined")
    {
        using var response = await http.PostAsJsonAsync("/devices", new { deviceId, joinType });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The CSP document's Entra ID policy, then the Accounts sample (creates the managed account with
    /// <see cref="SamplePassword"/>, Exec ResetPassword): one rotation backed up to Entra ID.</summary>
    public static async Task EntraPolicyAndAccount(HttpClient http, string deviceId)
    {
        await PostSample(http, deviceId, "laps-entra-id-backup.xml");
        await PostSample(http, deviceId, "accounts-create-managed-account.xml");
    }

    public static Task<string> PostSample(HttpClient http, string deviceId, string sample) =>
        Post(http, deviceId, File.ReadAllText(Path.Combine(RepoPaths.Samples, sample)).Replace("LAPSCSP-DEVICE-0001", deviceId, StringComparison.Ordinal));

    public static async Task<string> Post(HttpClient http, string deviceId, string xml)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(xml));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.syncml.dm+xml");
        using var response = await http.PostAsync(new Uri($"/devices/{Uri.EscapeDataString(deviceId)}/syncml", UriKind.Relative), content);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>A package with the given commands (session 1, message 1: a new session).</summary>
    public static string Package(string deviceId, string body) => $"""
        <SyncML xmlns="SYNCML:SYNCML1.2">
          <SyncHdr>
            <VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>
            <Target><LocURI>{deviceId}</LocURI></Target><Source><LocURI>https://mdm.example/</LocURI></Source>
          </SyncHdr>
          <SyncBody>{body}<Final/></SyncBody>
        </SyncML>
        """;

    public static string Get(int cmdId, string uri) => $"<Get><CmdID>{cmdId}</CmdID><Item><Target><LocURI>{uri}</LocURI></Target></Item></Get>";

    public static string Exec(int cmdId, string uri) => $"<Exec><CmdID>{cmdId}</CmdID><Item><Target><LocURI>{uri}</LocURI></Target></Item></Exec>";

    /// <summary>The fleet the API and browser tests look at, on the server's fake clock:
    /// 09:00 PC-ENTRA-1 takes the Entra ID policy and the managed account (a rotation backed up to Entra ID); PC-HYBRID-1,
    /// PC-FAIL-1 and PC-NEW-1 are registered. 09:30 PC-HYBRID-1 takes the AD policy and the account (a rotation backed up to
    /// AD). 10:30 PC-ENTRA-1 is rotated from the management API; PC-FAIL-1 is asked for a node that does not exist (404) and
    /// given an Entra ID policy naming an account it does not have, and told to reset its password, which fails.
    /// PC-NEW-1 never hears from the server.</summary>
    public static async Task Fleet(HttpClient http, FakeTimeProvider time)
    {
        await Register(http, "PC-ENTRA-1");
        await Register(http, "PC-HYBRID-1", "hybridJoined");
        await Register(http, "PC-FAIL-1");
        await Register(http, "PC-NEW-1");
        await EntraPolicyAndAccount(http, "PC-ENTRA-1");
        time.Advance(TimeSpan.FromMinutes(30));
        await PostSample(http, "PC-HYBRID-1", "laps-hybrid-ad-backup.xml");
        await PostSample(http, "PC-HYBRID-1", "accounts-create-managed-account.xml");
        time.Advance(TimeSpan.FromMinutes(60));
        (await Rotate(http, "PC-ENTRA-1")).Should().Be("succeeded");
        await Post(http, "PC-FAIL-1", Package("PC-FAIL-1",
            Get(1, "./Device/Vendor/MSFT/LAPS/NoSuchNode")
            + Add(2, "./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory", "int", "1")
            + Add(3, "./Device/Vendor/MSFT/LAPS/Policies/AdministratorAccountName", "chr", "NoSuchAdmin")
            + Exec(4, "./Device/Vendor/MSFT/LAPS/Actions/ResetPassword")));
    }

    public static string Add(int cmdId, string uri, string format, string data) =>
        $"""<Add><CmdID>{cmdId}</CmdID><Item><Target><LocURI>{uri}</LocURI></Target><Meta><Format xmlns="syncml:metinf">{format}</Format></Meta><Data>{data}</Data></Item></Add>""";

    /// <summary>Rotate local admin password from the management API, as the demo Intune Service Administrator.</summary>
    public static async Task<string> Rotate(HttpClient http, string deviceId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/beta/deviceManagement/managedDevices/{Uri.EscapeDataString(deviceId)}/rotateLocalAdminPassword");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Token(http, "intuneadmin@contoso.com"));
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonObject>();
        return json!["rotation"]!["result"]!.GetValue<string>();
    }

    public static async Task<string> Token(HttpClient http, string user)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = user, ["password"] = LapsCsp.Server.Identity.TenantConfig.DemoSecret };
        using var content = new FormUrlEncodedContent(form);
        using var response = await http.PostAsync(new Uri("/oauth2/v2.0/token", UriKind.Relative), content);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["access_token"]!.GetValue<string>();
    }
}
