using System.Net;
using System.Text.Json.Nodes;
using LapsCsp.Directory.Audit;
using LapsCsp.Server.State;
using LapsCsp.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace LapsCsp.Server.Tests.Graph;

/// <summary>The whole RBAC table of the Entra LAPS doc (001) through the Graph endpoints, plus custom roles, an
/// administrative-unit-scoped Cloud Device Administrator, roles outside the table and applications.</summary>
public class RoleTableTests
{
    private LapsServerFactory _factory = null!;
    private string _pc = null!;
    private string _paris = null!;

    [OneTimeSetUp]
    public async Task OneTimeSetUp()
    {
        _factory = new LapsServerFactory();
        using var client = _factory.CreateClient();
        _pc = await Scenario.EntraDeviceWithBackup(client, "PC-1");
        _paris = await Scenario.EntraDeviceWithBackup(client, "PARIS-PC-1");
    }

    [OneTimeTearDown]
    public void OneTimeTearDown() => _factory.Dispose();

    // principal, list, get metadata, get credentials
    [TestCase("globaladmin@contoso.com", 200, 200, 200, TestName = "Global_Administrator_reads_metadata_and_passwords")]
    [TestCase("clouddevice@contoso.com", 200, 200, 200, TestName = "Cloud_Device_Administrator_reads_metadata_and_passwords")]
    [TestCase("intuneadmin@contoso.com", 200, 200, 200, TestName = "Intune_Service_Administrator_reads_metadata_and_passwords")]
    [TestCase("globalreader@contoso.com", 200, 200, 403, TestName = "Global_Reader_reads_metadata_only")]
    [TestCase("helpdesk@contoso.com", 200, 200, 403, TestName = "Helpdesk_Administrator_reads_metadata_only")]
    [TestCase("secadmin@contoso.com", 200, 200, 403, TestName = "Security_Administrator_reads_metadata_only")]
    [TestCase("secreader@contoso.com", 200, 200, 403, TestName = "Security_Reader_reads_metadata_only")]
    [TestCase("useradmin@contoso.com", 403, 403, 403, TestName = "A_role_outside_the_table_reads_nothing")]
    [TestCase("reportsreader@contoso.com", 403, 403, 403, TestName = "Reports_Reader_reads_no_LAPS_data")]
    [TestCase("custompassword@contoso.com", 200, 200, 200, TestName = "A_custom_role_with_password_read_reads_passwords")]
    [TestCase("custommetadata@contoso.com", 200, 200, 403, TestName = "A_custom_role_with_standard_read_reads_metadata_only")]
    [TestCase("intunehelpdesk@contoso.com", 403, 403, 403, TestName = "An_Intune_only_role_reads_no_directory_data")]
    [TestCase("laps-basic-app", 200, 200, 403, TestName = "An_app_with_ReadBasic_All_reads_metadata_only")]
    [TestCase("laps-read-app", 200, 200, 200, TestName = "An_app_with_Read_All_reads_passwords")]
    [TestCase("intune-app", 403, 403, 403, TestName = "An_app_without_DeviceLocalCredential_permissions_reads_nothing")]
    public async Task Role_table(string principal, int list, int metadata, int credentials)
    {
        using var client = await _factory.ClientFor(principal);
        var auditBefore = RecoverAudits().Count;

        using var listResponse = await client.GetAsync(new Uri("/v1.0/directory/deviceLocalCredentials", UriKind.Relative));
        using var getResponse = await client.GetAsync(new Uri($"/v1.0/directory/deviceLocalCredentials/{_pc}", UriKind.Relative));
        using var passwordResponse = await client.GetAsync(new Uri($"/v1.0/directory/deviceLocalCredentials/{_pc}?$select=credentials", UriKind.Relative));

        ((int)listResponse.StatusCode).Should().Be(list);
        ((int)getResponse.StatusCode).Should().Be(metadata);
        ((int)passwordResponse.StatusCode).Should().Be(credentials);
        if (metadata == 200)
        {
            var body = JsonNode.Parse(await getResponse.Content.ReadAsStringAsync())!.AsObject();
            body.ContainsKey("credentials").Should().BeFalse("a get without $select=credentials is metadata only");
        }

        if (credentials == 200)
        {
            var body = JsonNode.Parse(await passwordResponse.Content.ReadAsStringAsync())!;
            body["credentials"]!.AsArray().Should().NotBeEmpty();
            RecoverAudits().Should().HaveCount(auditBefore + 1);
            RecoverAudits()[^1].InitiatedBy.User!.UserPrincipalName.Should().Be(principal);
        }
        else
        {
            RecoverAudits().Should().HaveCount(auditBefore, "a refused read recovers nothing");
            if (credentials == 403)
            {
                var error = JsonNode.Parse(await passwordResponse.Content.ReadAsStringAsync())!;
                error["error"]!["code"]!.GetValue<string>().Should().Be("Authorization_RequestDenied");
            }
        }
    }

    [Test]
    public async Task An_administrative_unit_scoped_Cloud_Device_Administrator_reads_only_the_units_devices()
    {
        using var client = await _factory.ClientFor("parisadmin@contoso.com");

        using var list = await client.GetAsync(new Uri("/v1.0/directory/deviceLocalCredentials", UriKind.Relative));
        using var outside = await client.GetAsync(new Uri($"/v1.0/directory/deviceLocalCredentials/{_pc}?$select=credentials", UriKind.Relative));
        using var inside = await client.GetAsync(new Uri($"/v1.0/directory/deviceLocalCredentials/{_paris}?$select=credentials", UriKind.Relative));

        var ids = JsonNode.Parse(await list.Content.ReadAsStringAsync())!["value"]!.AsArray().Select(v => v!["id"]!.GetValue<string>());
        ids.Should().Equal(_paris);
        outside.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        inside.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [TestCase(null, "Access token is empty.", TestName = "No_token_is_401")]
    [TestCase("Basic dXNlcjpwYXNz", "not a Bearer token", TestName = "A_Basic_header_is_401")]
    [TestCase("Bearer not-a-jwt", "not a JWT", TestName = "A_token_that_is_not_a_JWT_is_401")]
    [TestCase("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJnbG9iYWxhZG1pbkBjb250b3NvLmNvbSIsImV4cCI6OTk5OTk5OTk5OX0.AAAA", "signature", TestName = "A_forged_token_is_401")]
    public async Task Unauthenticated_callers_get_401_in_Graphs_shape(string? authorization, string message)
    {
        using var client = _factory.CreateClient();
        if (authorization is not null) client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);

        using var response = await client.GetAsync(new Uri($"/v1.0/directory/deviceLocalCredentials/{_pc}?$select=credentials", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Should().ContainSingle(h => h.Scheme == "Bearer");
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        error["code"]!.GetValue<string>().Should().Be("InvalidAuthenticationToken");
        error["message"]!.GetValue<string>().Should().Contain(message);
    }

    [Test]
    public async Task An_expired_token_is_401()
    {
        using var client = await _factory.ClientFor("clouddevice@contoso.com");
        // Later tests of this fixture sign in afresh, so moving the fake clock on does not disturb them.
        _factory.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));

        using var response = await client.GetAsync(new Uri("/v1.0/directory/deviceLocalCredentials", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await response.Content.ReadAsStringAsync()).Should().Contain("expired");
    }

    [Test]
    public async Task The_beta_endpoint_answers_as_v1_0()
    {
        using var client = await _factory.ClientFor("clouddevice@contoso.com");

        using var response = await client.GetAsync(new Uri($"/beta/directory/deviceLocalCredentials/{_pc}?$select=credentials", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Contain("/beta/$metadata#directory/deviceLocalCredentials/$entity");
    }

    [Test]
    public async Task The_older_path_without_directory_also_answers()
    {
        using var client = await _factory.ClientFor("clouddevice@contoso.com");

        using var response = await client.GetAsync(new Uri($"/v1.0/deviceLocalCredentials/{_pc}", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private List<DirectoryAuditRecord> RecoverAudits() =>
        [.. _factory.Services.GetRequiredService<ServerState>().Entra.AuditLog.Where(a => a.ActivityDisplayName == LapsAuditActivities.RecoverPassword)];
}
