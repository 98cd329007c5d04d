using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LapsCsp.Server.Devices;
using LapsCsp.Server.Tests.Support;
using Microsoft.Graph;
using Microsoft.Graph.Models.ODataErrors;

namespace LapsCsp.Server.Tests.EndToEnd;

/// <summary>Issue 5's "done when", over real loopback HTTP: the CSP document's Entra ID sample to a new device, a rotation
/// from the management API, the password read back with the Graph SDK as a Cloud Device Administrator, metadata only for a
/// Helpdesk Administrator, 401 without a token, each read audited, hostile requests refused, and all of it kept across a
/// restart.</summary>
public class NewUserFlowTests
{
    private string _data = null!;

    [SetUp]
    public void SetUp() => _data = System.IO.Directory.CreateTempSubdirectory("lapscsp-e2e-").FullName;

    [TearDown]
    public void TearDown() => System.IO.Directory.Delete(_data, recursive: true);

    private static GraphServiceClient Graph(RealServer server, string token) =>
        new(server.CreateClient(), new StaticBearerProvider(token), new Uri(server.BaseAddress, "v1.0").ToString());

    [Test]
    public async Task The_done_when_flow_of_issue_5()
    {
        const string deviceId = "NEW-PC";
        string entraId, password;
        await using (var server = await RealServer.Start(_data))
        {
            using var http = server.CreateClient();

            // 1. The CSP document's Entra ID sample, as printed (lenient), to a device the server has never seen.
            using (var sample = await SyncMLHttp.Post(http, deviceId, SyncMLHttp.Sample("printed-laps-entra-id-backup.xml"), "?lenient=true"))
            {
                sample.StatusCode.Should().Be(HttpStatusCode.OK);
                sample.Headers.GetValues("X-LapsCsp-Device-Created").Should().Equal("true");
                SyncMLHttp.Statuses(await sample.Content.ReadAsStringAsync()).Skip(1).Should().OnlyContain(s => s.EndsWith(":200", StringComparison.Ordinal));
            }

            // The sample names ContosoLocalLapsAdmin, which LAPS does not create: the Accounts CSP sample does.
            (await SyncMLHttp.Post(http, deviceId, SyncMLHttp.SampleFor("accounts-create-managed-account.xml", deviceId))).EnsureSuccessStatusCode().Dispose();
            entraId = (await http.GetFromJsonAsync<JsonObject>($"/devices/{deviceId}"))!["entraDeviceId"]!.GetValue<string>();

            // 2. Rotate from the management API.
            using var intune = server.CreateClient();
            intune.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await LapsServerFactory.Token(http, "intuneadmin@contoso.com"));
            using (var rotate = await intune.PostAsync(new Uri($"/beta/deviceManagement/managedDevices/{deviceId}/rotateLocalAdminPassword", UriKind.Relative), null))
            {
                (await rotate.Content.ReadFromJsonAsync<JsonObject>())!["rotation"]!["result"]!.GetValue<string>().Should().Be("succeeded");
            }

            password = Scenario.DevicePassword(server.Get<DeviceRegistry>(), deviceId);

            // 3. The password read back with the Graph SDK as a Cloud Device Administrator.
            var cloud = Graph(server, await LapsServerFactory.Token(http, "clouddevice@contoso.com"));
            var info = await cloud.Directory.DeviceLocalCredentials[entraId].GetAsync(r => r.QueryParameters.Select = ["credentials"]);
            Encoding.Unicode.GetString(Convert.FromBase64String(info!.Credentials![0].PasswordBase64!)).Should().Be(password);

            // 4. A Helpdesk Administrator sees metadata only.
            var helpdesk = Graph(server, await LapsServerFactory.Token(http, "helpdesk@contoso.com"));
            (await helpdesk.Directory.DeviceLocalCredentials[entraId].GetAsync())!.Credentials.Should().BeNullOrEmpty();
            (await FluentActions.Awaiting(() => helpdesk.Directory.DeviceLocalCredentials[entraId].GetAsync(r => r.QueryParameters.Select = ["credentials"]))
                .Should().ThrowAsync<ODataError>()).Which.ResponseStatusCode.Should().Be(403);

            // 5. No token: 401.
            (await http.GetAsync(new Uri($"/v1.0/directory/deviceLocalCredentials/{entraId}", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);

            // 6. Hostile requests get their HTTP error and the server stays up.
            (await SyncMLHttp.Post(http, deviceId, "<SyncML><oops")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
            (await SyncMLHttp.Post(http, deviceId, new string('x', 5 * 1024 * 1024))).StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
            (await http.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        // 7. After a restart: the device, its password and the audit records are still there.
        await using (var restarted = await RealServer.Start(_data))
        {
            using var http = restarted.CreateClient();
            Scenario.DevicePassword(restarted.Get<DeviceRegistry>(), deviceId).Should().Be(password);
            var cloud = Graph(restarted, await LapsServerFactory.Token(http, "clouddevice@contoso.com"));
            var info = await cloud.Directory.DeviceLocalCredentials[entraId].GetAsync(r => r.QueryParameters.Select = ["credentials"]);
            Encoding.Unicode.GetString(Convert.FromBase64String(info!.Credentials![0].PasswordBase64!)).Should().Be(password);

            var auditor = Graph(restarted, await LapsServerFactory.Token(http, "globalreader@contoso.com"));
            var recovered = await auditor.AuditLogs.DirectoryAudits.GetAsync(r => r.QueryParameters.Filter = "activityDisplayName eq 'Recover device local administrator password'");
            recovered!.Value!.Select(a => a.InitiatedBy!.User!.UserPrincipalName).Should().Equal("clouddevice@contoso.com", "clouddevice@contoso.com");
            var updates = await auditor.AuditLogs.DirectoryAudits.GetAsync(r => r.QueryParameters.Filter = "activityDisplayName eq 'Update device local administrator password'");
            updates!.Value!.Should().HaveCountGreaterThanOrEqualTo(2, "the backup of the Accounts sample's reset and the one of the management rotation");
        }
    }
}
