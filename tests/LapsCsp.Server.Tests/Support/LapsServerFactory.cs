using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LapsCsp.Server.Hosting;
using LapsCsp.Server.Identity;
using LapsCsp.SyncML.Messages;
using LapsCsp.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Server.Tests.Support;

/// <summary>The server in memory (WebApplicationFactory's TestServer) on a fake clock, with an in-memory store unless a
/// data folder is given.</summary>
internal sealed class LapsServerFactory : WebApplicationFactory<LapsServerFactory>
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly ServerOptions _options;
    private readonly Action<IServiceCollection>? _configure;

    public LapsServerFactory(ServerOptions? options = null, Action<IServiceCollection>? configure = null, FakeTimeProvider? time = null)
    {
        _options = options ?? new ServerOptions { LogFormat = "simple" };
        _configure = configure;
        Time = time ?? new FakeTimeProvider(Start);
    }

    public FakeTimeProvider Time { get; }

    protected override IHostBuilder CreateHostBuilder() => LapsServerHost.CreateHostBuilder(_options, Time, _configure);

    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.UseContentRoot(AppContext.BaseDirectory);

    /// <summary>A client with a token of <paramref name="principal"/> (demo secret).</summary>
    public async Task<HttpClient> ClientFor(string principal)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Token(client, principal));
        return client;
    }

    public static async Task<string> Token(HttpClient client, string principal, string secret = TenantConfig.DemoSecret)
    {
        var app = TenantConfig.Demo.Principals.FirstOrDefault(p => p.Name == principal)?.Type == PrincipalKind.Application;
        var form = app
            ? new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = principal, ["client_secret"] = secret }
            : new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = principal, ["password"] = secret };
        using var response = await client.PostAsync(new Uri("/oauth2/v2.0/token", UriKind.Relative), new FormUrlEncodedContent(form));
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonObject>();
        return json!["access_token"]!.GetValue<string>();
    }
}

/// <summary>Helpers for SyncML over HTTP.</summary>
internal static class SyncMLHttp
{
    public static ByteArrayContent Content(string xml) => Content(Encoding.UTF8.GetBytes(xml));

    public static ByteArrayContent Content(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(SyncMLMessage.MediaType);
        return content;
    }

    public static Task<HttpResponseMessage> Post(HttpClient client, string deviceId, string xml, string query = "") =>
        client.PostAsync(new Uri($"/devices/{Uri.EscapeDataString(deviceId)}/syncml{query}", UriKind.Relative), Content(xml));

    public static string Sample(string name) => File.ReadAllText(Path.Combine(RepoPaths.Samples, name));

    /// <summary>A sample addressed to another device id.</summary>
    public static string SampleFor(string name, string deviceId) => Sample(name).Replace("LAPSCSP-DEVICE-0001", deviceId, StringComparison.Ordinal);

    /// <summary>A package with the given SyncBody commands, session and message ids.</summary>
    public static string Package(string body, string sessionId = "1", int msgId = 1, string deviceId = "PC-1") => $"""
        <SyncML xmlns="SYNCML:SYNCML1.2">
          <SyncHdr>
            <VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>{sessionId}</SessionID><MsgID>{msgId}</MsgID>
            <Target><LocURI>{deviceId}</LocURI></Target><Source><LocURI>https://mdm.example/</LocURI></Source>
          </SyncHdr>
          <SyncBody>{body}<Final/></SyncBody>
        </SyncML>
        """;

    public static string Get(string cmdId, string uri) => $"<Get><CmdID>{cmdId}</CmdID><Item><Target><LocURI>{uri}</LocURI></Target></Item></Get>";

    public static string Status(string cmdId, string msgRef, string cmdRef, string cmd, string code) =>
        $"<Status><CmdID>{cmdId}</CmdID><MsgRef>{msgRef}</MsgRef><CmdRef>{cmdRef}</CmdRef><Cmd>{cmd}</Cmd><Data>{code}</Data></Status>";

    /// <summary>The Status codes of a reply, in order, as "Cmd:code".</summary>
    public static List<string> Statuses(string replyXml)
    {
        var doc = System.Xml.Linq.XDocument.Parse(replyXml);
        System.Xml.Linq.XNamespace ns = SyncMLMessage.Namespace;
        return doc.Descendants(ns + "Status").Select(s => $"{s.Element(ns + "Cmd")!.Value}:{s.Element(ns + "Data")!.Value}").ToList();
    }
}
