using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LapsCsp.Server.Hosting;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Fuzz.Targets;

/// <summary><c>lapscsp serve</c>'s host with an in-memory store on ASP.NET Core's TestServer: the request goes through
/// the same middleware, routing and <c>POST /devices/{id}/syncml</c> handler as over Kestrel, without sockets.</summary>
/// <remarks>Each input is posted to a device deleted just before, so that one input's outcome does not depend on the
/// inputs before it (AFL++ wants stable coverage). The clock is fake and never advanced: no policy cycle runs.</remarks>
internal sealed class ServerHarness : IDisposable
{
    private const string StrictDevice = "FUZZ-STRICT";
    private const string LenientDevice = "FUZZ-LENIENT";

    private static readonly Lazy<ServerHarness> s_shared = new(() => new ServerHarness());

    private readonly IHost _host;
    private readonly HttpClient _client;

    private ServerHarness()
    {
        var options = new ServerOptions { LogFormat = "simple" };
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        _host = LapsServerHost.CreateHostBuilder(options, time)
            .ConfigureLogging(logging => logging.ClearProviders())
            .ConfigureWebHost(web => web.UseTestServer())
            .Build();
        _host.Start();
        _client = _host.GetTestClient();
    }

    /// <summary>One host per process, started on first use (in the fuzzing child, not in SharpFuzz's parent).</summary>
    public static ServerHarness Shared => s_shared.Value;

    public void Check(byte[] body)
    {
        Post(StrictDevice, "", body);
        Post(LenientDevice, "?lenient=true", body);
    }

    public void Dispose()
    {
        _client.Dispose();
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
    }

    private void Post(string deviceId, string query, byte[] body)
    {
        using (var delete = _client.DeleteAsync(new Uri($"/devices/{deviceId}", UriKind.Relative)).GetAwaiter().GetResult())
        {
            FuzzTargets.Require(delete.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotFound,
                $"DELETE /devices/{deviceId} answered {(int)delete.StatusCode}");
        }

        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(SyncMLMessage.MediaType);
        using var response = _client.PostAsync(new Uri($"/devices/{deviceId}/syncml{query}", UriKind.Relative), content).GetAwaiter().GetResult();
        var answer = response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        var status = (int)response.StatusCode;
        switch (status)
        {
            case 200:
                var reply = SyncMLReader.Read(answer, SyncMLReaderOptions.Strict);
                FuzzTargets.Require(reply.Succeeded, "the device's reply is refused by the strict reader: " + string.Join("; ", reply.Errors));
                FuzzTargets.Require(reply.Message!.Commands.FirstOrDefault() is StatusCommand { Cmd: "SyncHdr" },
                    "the reply does not start with the SyncHdr Status");
                break;
            case 204:
                FuzzTargets.Require(answer.Length == 0, "204 with a body");
                break;
            case 400 or 413:
                using (var problem = JsonDocument.Parse(answer))
                {
                    FuzzTargets.Require(problem.RootElement.TryGetProperty("detail", out var detail) && detail.GetString() is { Length: > 0 },
                        $"{status} without a problem detail");
                }

                break;
            default:
                throw new FuzzInvariantException($"POST /devices/{deviceId}/syncml{query} answered {status}: {System.Text.Encoding.UTF8.GetString(answer)}");
        }
    }
}
