using System.Net;
using System.Text;
using LapsCsp.Server.Tests.Support;

namespace LapsCsp.Server.Tests.EndToEnd;

/// <summary>Kestrel's own limits over real HTTP: refusals with their status, the server still up.</summary>
public class KestrelLimitsTests
{
    [Test]
    public async Task A_JSON_body_above_Kestrels_limit_is_413_and_the_server_stays_up()
    {
        await using var server = await RealServer.Start();
        using var client = server.CreateClient();
        var huge = "{\"deviceId\":\"" + new string('x', 6 * 1024 * 1024) + "\"}";

        // Expect: 100-continue lets the server refuse before the body is sent, so the client reads the answer instead of
        // finding the connection closed under its upload.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/devices", UriKind.Relative))
        {
            Content = new StringContent(huge, Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;

        using var response = await client.SendAsync(request);
        using var health = await client.GetAsync(new Uri("/health", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        health.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task A_SyncML_body_above_the_cap_is_413_over_real_HTTP()
    {
        await using var server = await RealServer.Start();
        using var client = server.CreateClient();

        using var response = await SyncMLHttp.Post(client, "PC-1", new string(' ', 5 * 1024 * 1024));

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }
}
