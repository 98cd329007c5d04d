using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LapsCsp.Enrollment.Client;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Security;
using LapsCsp.Server.Mdm;
using LapsCsp.Server.Tests.Support;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.SyncML.Writing;
using Microsoft.Extensions.DependencyInjection;

namespace LapsCsp.Server.Tests.Mdm;

/// <summary><see cref="MdmService.Version"/>: it grows with every change of the enrolled devices' records (what the dashboard
/// relies on to skip walking an unchanged fleet) and stays put while nothing changes.</summary>
public class MdmVersionTests
{
    private const string Admin = "globaladmin@contoso.com";

    [Test]
    public async Task Version_grows_when_a_device_enrolls_gets_commands_queued_and_checks_in_and_only_then()
    {
        await using var factory = new LapsServerFactory();
        using var admin = await factory.ClientFor(Admin);
        var mdm = factory.Services.GetRequiredService<MdmService>();
        var seen = new Observed(mdm);
        seen.Unchanged("nothing happened yet");

        var identity = await Enroll(factory, 21);
        seen.Changed("a device enrolled");

        var policyId = await CreatePolicy(admin, """{"backupDirectory":1}""");
        seen.Unchanged("creating a policy assigned to no device changes no record");
        await Post(admin, $"/beta/deviceManagement/lapsPolicies/{policyId}/assign", new { deviceIds = new[] { identity.DeviceId } });
        seen.Changed("the policy was queued for the device");
        using (var rotate = await admin.PostAsync(new Uri($"/beta/deviceManagement/managedDevices/{identity.DeviceId}/rotateLocalAdminPassword", UriKind.Relative), null))
        {
            rotate.StatusCode.Should().Be(HttpStatusCode.Accepted);
        }

        seen.Changed("a rotation was queued");

        using var device = factory.CreateClient();
        var challenge = await Send(device, Package1(identity, "1", "1", cred: null));
        seen.Changed("the check-in without Cred got a challenge: the record keeps the new nonce and the session");
        var reply = await Send(device, Package1(identity, "1", "2", identity.DeviceCredential!.ComputeCred(HeaderStatus(challenge).Chal!.Meta.NextNonce)));
        HeaderStatus(reply).Code.Should().Be("212");
        reply.Commands.OfType<AtomicCommand>().Should().ContainSingle("the policy goes out");
        seen.Changed("the authenticated check-in sent the queued commands");

        var statuses = reply.Commands.Where(c => c is not StatusCommand && c is not AlertCommand)
            .SelectMany(c => c is AtomicCommand a ? new[] { c }.Concat(a.Commands) : [c])
            .Select((c, i) => new StatusCommand((i + 2).ToString(System.Globalization.CultureInfo.InvariantCulture), reply.Header.MsgId, c.CmdId, c.ElementName, "200"))
            .Prepend(new StatusCommand("1", reply.Header.MsgId, "0", "SyncHdr", "200"));
        await Send(device, Message(identity, "1", "3", statuses));
        seen.Changed("the device's Statuses finished the commands");
        mdm.Find(identity.DeviceId)!.Commands.Should().Contain(c => c.Kind == "policy" && c.State == MdmCommandStates.Succeeded);

        await mdm.FlushAsync();
        seen.Unchanged("saving the check-in counters writes the same records");
        using (var unknown = await device.PostAsync(new Uri("/ManagementServer/MDM.svc", UriKind.Relative),
                   SyncMLHttp.Content(SyncMLWriter.WriteToUtf8(new SyncMLMessage(new SyncHeader("1", "1", identity.ManagementUrl, "NOT-ENROLLED"),
                       [new AlertCommand("1", "1201", [])], Final: true)))))
        {
            unknown.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        using (var unreadable = await device.PostAsync(new Uri("/ManagementServer/MDM.svc", UriKind.Relative), SyncMLHttp.Content("<SyncML>")))
        {
            unreadable.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        }

        await Get(admin, "/beta/deviceManagement/enrolledDevices");
        seen.Unchanged("refused messages and reads change no record");

        await Enroll(factory, 22);
        seen.Changed("a second device enrolled");
    }

    /// <summary>What <see cref="MdmService.Version"/> promises, checked at every step: an unchanged version lists the very
    /// same record objects, and a changed record list comes with a grown version.</summary>
    private sealed class Observed(MdmService mdm)
    {
        private long _version = mdm.Version;
        private MdmDeviceRecord[] _records = Records(mdm);

        public void Changed(string because)
        {
            var records = Records(mdm);
            mdm.Version.Should().BeGreaterThan(_version, because);
            records.Should().NotEqual(_records, because);
            (_version, _records) = (mdm.Version, records);
        }

        public void Unchanged(string because)
        {
            var records = Records(mdm);
            mdm.Version.Should().Be(_version, because);
            records.Should().HaveSameCount(_records, because);
            records.Zip(_records).All(p => ReferenceEquals(p.First, p.Second)).Should().BeTrue(because);
        }

        private static MdmDeviceRecord[] Records(MdmService mdm) => [.. mdm.Devices().OrderBy(r => r.DeviceId, StringComparer.Ordinal)];
    }

    private static async Task<DeviceEnrollmentIdentity> Enroll(LapsServerFactory factory, int seed)
    {
        using var http = factory.CreateClient();
        var client = new EnrollmentClient(request => Transport(http, request), factory.Time,
            new EnrollmentClientOptions { DiscoveryUrl = "http://localhost/EnrollmentServer/Discovery.svc" });
        var outcome = await client.EnrollAsync(DeviceProfile.Generate(new Random(seed), $"user{seed}@contoso.com"),
            EnrollmentCredential.UsernamePassword($"user{seed}@contoso.com", "any"), CancellationToken.None);
        outcome.Succeeded.Should().BeTrue(outcome.ToString());
        return outcome.Identity!;
    }

    private static async Task<EnrollmentHttpResponse> Transport(HttpClient http, EnrollmentHttpRequest request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url.PathAndQuery);
        if (request.Body is not null) message.Content = new StringContent(request.Body, Encoding.UTF8, "application/soap+xml");
        using var response = await http.SendAsync(message);
        return new EnrollmentHttpResponse((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync());
    }

    /// <summary>Package 1 as Windows sends it: Alert 1201, Alert 1224 LoginStatus, Replace ./DevInfo.</summary>
    private static SyncMLMessage Package1(DeviceEnrollmentIdentity identity, string sessionId, string msgId, string? cred) => Message(identity, sessionId, msgId,
    [
        new AlertCommand("1", "1201", []),
        new AlertCommand("2", "1224", [new Item(Meta: new Meta(Type: "com.microsoft/MDM/LoginStatus"), Data: new ItemData("user"))]),
        new ItemCommand(ItemCommandKind.Replace, "3", [new Item(SourceUri: "./DevInfo/DevId", Data: new ItemData(identity.DeviceId))]),
    ], cred);

    private static SyncMLMessage Message(DeviceEnrollmentIdentity identity, string sessionId, string msgId, IEnumerable<SyncCommand> commands, string? cred = null) =>
        new(new SyncHeader(sessionId, msgId, identity.ManagementUrl, identity.DeviceId,
                Cred: cred is null ? null : new Credential(new Meta(Format: "b64", Type: OmaDigest.AuthType), cred)),
            [.. commands], Final: true);

    private static async Task<SyncMLMessage> Send(HttpClient device, SyncMLMessage message)
    {
        using var response = await device.PostAsync(new Uri("/ManagementServer/MDM.svc?mode=Maintenance&Platform=WoA", UriKind.Relative),
            SyncMLHttp.Content(SyncMLWriter.WriteToUtf8(message)));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var read = SyncMLReader.Read(await response.Content.ReadAsByteArrayAsync());
        read.Succeeded.Should().BeTrue();
        return read.Message!;
    }

    private static StatusCommand HeaderStatus(SyncMLMessage reply) => reply.Commands.OfType<StatusCommand>().Single(s => s.Cmd == "SyncHdr");

    private static async Task<string> CreatePolicy(HttpClient admin, string settings) =>
        (await Post(admin, "/beta/deviceManagement/lapsPolicies", JsonNode.Parse($$"""{"displayName":"test","settings":{{settings}}}""")!))["id"]!.GetValue<string>();

    private static async Task<JsonNode> Post(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(text);
        return JsonNode.Parse(text)!;
    }

    private static async Task<JsonNode> Get(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(text);
        return JsonNode.Parse(text)!;
    }
}
