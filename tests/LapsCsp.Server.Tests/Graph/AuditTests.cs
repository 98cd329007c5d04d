using System.Net;
using System.Text.Json.Nodes;
using LapsCsp.Directory.Audit;
using LapsCsp.Server.Tests.Support;

namespace LapsCsp.Server.Tests.Graph;

/// <summary>Every backup writes "Update device local administrator password", every password read "Recover device local
/// administrator password" (001, digest C.13); GET /auditLogs/directoryAudits lists them newest first.</summary>
public class AuditTests
{
    private LapsServerFactory _factory = null!;
    private string _entraId = null!;

    [SetUp]
    public async Task SetUp()
    {
        _factory = new LapsServerFactory();
        using var client = _factory.CreateClient();
        _entraId = await Scenario.EntraDeviceWithBackup(client, "PC-1");
    }

    [TearDown]
    public void TearDown() => _factory.Dispose();

    private static async Task<JsonObject> Audits(HttpClient client, string query = "")
    {
        using var response = await client.GetAsync(new Uri("/v1.0/auditLogs/directoryAudits" + query, UriKind.Relative));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Test]
    public async Task A_backup_is_audited_as_Update_by_the_device()
    {
        using var reader = await _factory.ClientFor("globalreader@contoso.com");

        var page = await Audits(reader, "?$filter=" + Uri.EscapeDataString($"activityDisplayName eq '{LapsAuditActivities.UpdatePassword}'"));

        var record = page["value"]!.AsArray().Should().ContainSingle().Subject!;
        record["category"]!.GetValue<string>().Should().Be("Device");
        record["loggedByService"]!.GetValue<string>().Should().Be("Device Registration Service");
        record["result"]!.GetValue<string>().Should().Be("success");
        record["targetResources"]![0]!["id"]!.GetValue<string>().Should().Be(_entraId);
        record["initiatedBy"]!["app"]!["servicePrincipalId"]!.GetValue<string>().Should().Be(_entraId);
    }

    [Test]
    public async Task Each_password_read_adds_a_Recover_record_naming_the_reader_newest_first()
    {
        using var admin = await _factory.ClientFor("clouddevice@contoso.com");
        using var app = await _factory.ClientFor("laps-read-app");
        (await admin.GetAsync(new Uri($"/v1.0/directory/deviceLocalCredentials/{_entraId}?$select=credentials", UriKind.Relative))).Dispose();
        _factory.Time.Advance(TimeSpan.FromSeconds(5));
        (await app.GetAsync(new Uri($"/v1.0/directory/deviceLocalCredentials/{_entraId}?$select=credentials", UriKind.Relative))).Dispose();
        (await admin.GetAsync(new Uri($"/v1.0/directory/deviceLocalCredentials/{_entraId}", UriKind.Relative))).Dispose();

        var page = await Audits(app, "?$count=true&$filter=" + Uri.EscapeDataString($"activityDisplayName eq '{LapsAuditActivities.RecoverPassword}'"));

        page["@odata.count"]!.GetValue<int>().Should().Be(2, "a metadata read is not a recovery");
        var records = page["value"]!.AsArray();
        records.Select(r => r!["initiatedBy"]!["user"]!["userPrincipalName"]!.GetValue<string>()).Should().Equal("laps-read-app", "clouddevice@contoso.com");
        records[0]!["additionalDetails"]![0]!["value"]!.GetValue<string>().Should().Be("Successfully recovered local credential by device id");
    }

    [Test]
    public async Task Audit_filters_combine_and_page()
    {
        using var admin = await _factory.ClientFor("globaladmin@contoso.com");
        for (var i = 0; i < 3; i++)
        {
            (await admin.GetAsync(new Uri($"/v1.0/directory/deviceLocalCredentials/{_entraId}?$select=credentials", UriKind.Relative))).Dispose();
        }

        var filter = Uri.EscapeDataString($"activityDisplayName eq '{LapsAuditActivities.RecoverPassword}' and initiatedBy/user/userPrincipalName eq 'globaladmin@contoso.com'");
        var first = await Audits(admin, $"?$top=2&$filter={filter}");
        var next = first["@odata.nextLink"]!.GetValue<string>();
        using var second = await admin.GetAsync(new Uri(next));

        first["value"]!.AsArray().Should().HaveCount(2);
        JsonNode.Parse(await second.Content.ReadAsStringAsync())!["value"]!.AsArray().Should().HaveCount(1);
    }

    [TestCase("helpdesk@contoso.com", TestName = "Helpdesk_Administrator_cannot_read_the_audit_log")]
    [TestCase("clouddevice@contoso.com", TestName = "Cloud_Device_Administrator_cannot_read_the_audit_log")]
    [TestCase("laps-basic-app", TestName = "An_app_without_AuditLog_Read_All_cannot_read_the_audit_log")]
    public async Task Audit_log_needs_its_own_permission(string principal)
    {
        using var client = await _factory.ClientFor(principal);

        using var response = await client.GetAsync(new Uri("/v1.0/auditLogs/directoryAudits", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [TestCase("globaladmin@contoso.com", TestName = "Global_Administrator_reads_the_audit_log")]
    [TestCase("secreader@contoso.com", TestName = "Security_Reader_reads_the_audit_log")]
    [TestCase("reportsreader@contoso.com", TestName = "Reports_Reader_reads_the_audit_log")]
    public async Task Audit_readers(string principal)
    {
        using var client = await _factory.ClientFor(principal);

        var page = await Audits(client);

        page["value"]!.AsArray().Should().NotBeEmpty();
    }
}
