using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LapsCsp.Enrollment.Client;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Security;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.SyncML.Writing;

namespace LapsCsp.Server.Tests.Support;

/// <summary>A device and an administrator talking to the MDM face of the server under test (enrollment over MS-MDE2,
/// sessions over MS-MDM, the management API), shared by the MDM tests.</summary>
internal static class MdmClient
{

    public static async Task<DeviceEnrollmentIdentity> Enroll(LapsServerFactory factory, int seed)
    {
        using var http = factory.CreateClient();
        var client = new EnrollmentClient(request => Transport(http, request), factory.Time,
            new EnrollmentClientOptions { DiscoveryUrl = "http://localhost/EnrollmentServer/Discovery.svc" });
        var outcome = await client.EnrollAsync(DeviceProfile.Generate(new Random(seed), $"user{seed}@contoso.com"),
            EnrollmentCredential.UsernamePassword($"user{seed}@contoso.com", "any"), CancellationToken.None);
        outcome.Succeeded.Should().BeTrue(outcome.ToString());
        return outcome.Identity!;
    }

    public static async Task<EnrollmentHttpResponse> Transport(HttpClient http, EnrollmentHttpRequest request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url.PathAndQuery);
        if (request.Body is not null) message.Content = new StringContent(request.Body, Encoding.UTF8, "application/soap+xml");
        using var response = await http.SendAsync(message);
        return new EnrollmentHttpResponse((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync());
    }

    /// <summary>Package 1 as Windows sends it (r20): Alert 1201, Alert 1224 LoginStatus, Replace ./DevInfo.</summary>
    public static SyncMLMessage Package1(DeviceEnrollmentIdentity identity, string sessionId, string msgId, string? cred) => Message(identity, sessionId, msgId,
    [
        new AlertCommand("1", "1201", []),
        new AlertCommand("2", "1224", [new Item(Meta: new Meta(Type: "com.microsoft/MDM/LoginStatus"), Data: new ItemData("user"))]),
        new ItemCommand(ItemCommandKind.Replace, "3",
        [
            new Item(SourceUri: "./DevInfo/DevId", Data: new ItemData(identity.DeviceId)),
            new Item(SourceUri: "./DevInfo/Man", Data: new ItemData("Contoso Ltd")),
            new Item(SourceUri: "./DevInfo/Lang", Data: new ItemData("en-US")),
        ]),
    ], cred);

    public static SyncMLMessage Message(DeviceEnrollmentIdentity identity, string sessionId, string msgId, IEnumerable<SyncCommand> commands, string? cred = null) =>
        new(new SyncHeader(sessionId, msgId, identity.ManagementUrl, identity.DeviceId,
                Cred: cred is null ? null : new Credential(new Meta(Format: "b64", Type: OmaDigest.AuthType), cred)),
            [.. commands], Final: true);

    /// <summary>Package 1 with the digest challenge answered; returns the server's package after authentication.</summary>
    public static async Task<SyncMLMessage> Authenticated(HttpClient device, DeviceEnrollmentIdentity identity, string sessionId)
    {
        var challenge = await Send(device, Package1(identity, sessionId, "1", cred: null));
        var reply = await Send(device, Package1(identity, sessionId, "2", identity.DeviceCredential!.ComputeCred(HeaderStatus(challenge).Chal!.Meta.NextNonce)));
        HeaderStatus(reply).Code.Should().Be("212");
        return reply;
    }

    public static async Task<SyncMLMessage> Send(HttpClient device, SyncMLMessage message)
    {
        using var response = await device.PostAsync(new Uri("/ManagementServer/MDM.svc?mode=Maintenance&Platform=WoA", UriKind.Relative),
            SyncMLHttp.Content(SyncMLWriter.WriteToUtf8(message)));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.Should().Be(SyncMLMessage.MediaType);
        var read = SyncMLReader.Read(await response.Content.ReadAsByteArrayAsync());
        read.Succeeded.Should().BeTrue();
        return read.Message!;
    }

    public static StatusCommand HeaderStatus(SyncMLMessage reply) => reply.Commands.OfType<StatusCommand>().Single(s => s.Cmd == "SyncHdr");

    public static async Task<string> CreatePolicy(HttpClient admin, string settings)
    {
        var created = await Post(admin, "/beta/deviceManagement/lapsPolicies", JsonNode.Parse($$"""{"displayName":"test","settings":{{settings}}}""")!);
        return created["id"]!.GetValue<string>();
    }

    public static async Task<JsonNode> Post(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(text);
        return JsonNode.Parse(text)!;
    }

    public static async Task<JsonNode> Get(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(text);
        return JsonNode.Parse(text)!;
    }
}
