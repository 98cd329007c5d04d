using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LapsCsp.Server.Hosting;
using LapsCsp.Server.Identity;
using LapsCsp.Server.State;
using LapsCsp.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace LapsCsp.Server.Tests.Hosting;

public class HostingTests
{
    [Test]
    public void Configuration_problems_are_all_reported_at_once()
    {
        var file = Path.GetTempFileName();
        try
        {
            var options = new ServerOptions
            {
                Urls = ["http://10.1.2.3:80", "ftp://127.0.0.1", "https://127.0.0.1:5001", "http://127.0.0.1:5080/path"],
                HttpsCertificateFile = file + ".missing.pfx",
                DataDirectory = file,
                LogFormat = "xml",
                MaxSyncMLBytes = 10,
                Tenant = new TenantConfig
                {
                    Principals = [new PrincipalConfig { Name = "a", Roles = ["Chief Wizard"] }, new PrincipalConfig { Name = "a", Secret = "x" }],
                },
            };

            var act = () => LapsServerHost.CreateHostBuilder(options);

            var problems = act.Should().Throw<ServerConfigurationException>().Which.Problems;
            problems.Should().Contain(p => p.Contains("10.1.2.3", StringComparison.Ordinal) && p.Contains("not a loopback", StringComparison.Ordinal))
                .And.Contain(p => p.Contains("ftp://", StringComparison.Ordinal))
                .And.Contain(p => p.Contains("--https-certificate: no file", StringComparison.Ordinal))
                .And.Contain(p => p.Contains("must not have a path", StringComparison.Ordinal))
                .And.Contain(p => p.Contains("is a file", StringComparison.Ordinal))
                .And.Contain(p => p.Contains("--log-format", StringComparison.Ordinal))
                .And.Contain(p => p.Contains("max SyncML size", StringComparison.Ordinal))
                .And.Contain(p => p.Contains("has no secret", StringComparison.Ordinal))
                .And.Contain(p => p.Contains("unknown built-in role 'Chief Wizard'", StringComparison.Ordinal))
                .And.Contain(p => p.Contains("is defined twice", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void Listening_beyond_loopback_with_the_demo_principals_is_refused_even_when_allowed()
    {
        var options = new ServerOptions { Urls = ["http://0.0.0.0:5080"], AllowRemote = true };

        options.Validate().Should().ContainSingle().Which.Should().Contain("demo principals");
    }

    [Test]
    public void A_tenant_configuration_lists_every_problem()
    {
        var config = new TenantConfig
        {
            CustomRoles = [new CustomRoleConfig("R", ["microsoft.directory/devices/delete"])],
            AdministrativeUnits = [new AdministrativeUnitConfig("AU", [])],
            Principals =
            [
                new PrincipalConfig { Name = "u", Secret = "s", ScopedRoles = [new ScopedRoleConfig("Global Administrator", "AU"), new ScopedRoleConfig("Cloud Device Administrator", "Nowhere")] },
                new PrincipalConfig { Name = "app", Secret = "s", Type = PrincipalKind.Application, Roles = ["Global Reader"], AppPermissions = ["Mail.Read"] },
                new PrincipalConfig { Name = "v", Secret = "s", CustomRoles = ["Missing"], IntuneRoles = ["Wizard"], AdAccount = "noslash" },
            ],
        };

        var problems = TenantDirectory.Validate(config);

        problems.Should().HaveCount(8);
    }

    [Test]
    public void A_principals_file_is_read_with_comments_and_camelCase()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """
                {
                  // a tenant of two
                  "tenant": "fabrikam.onmicrosoft.com",
                  "principals": [
                    { "name": "ann@fabrikam.com", "type": "user", "secret": "s1", "roles": ["Cloud Device Administrator"] },
                    { "name": "reader-app", "type": "application", "secret": "s2", "appPermissions": ["DeviceLocalCredential.ReadBasic.All"] },
                  ],
                }
                """);

            var config = TenantConfig.Load(path);

            config.Tenant.Should().Be("fabrikam.onmicrosoft.com");
            config.Principals.Should().HaveCount(2);
            config.Principals[1].Type.Should().Be(PrincipalKind.Application);
            TenantDirectory.Validate(config).Should().BeEmpty();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void The_example_principals_file_is_valid()
    {
        var config = TenantConfig.Load(Path.Combine(LapsCsp.Testing.RepoPaths.Root, "src", "LapsCsp.Server", "tenant.example.json"));

        TenantDirectory.Validate(config).Should().BeEmpty();
        config.Principals.Should().HaveCount(7);
        new ServerOptions { Tenant = config, Urls = ["http://0.0.0.0:5080"], AllowRemote = true }.Validate().Should().BeEmpty(
            "with its own principals the server may listen beyond loopback when asked to");
    }

    [Test]
    public async Task Health_and_the_OpenAPI_document_answer()
    {
        using var factory = new LapsServerFactory();
        using var client = factory.CreateClient();

        var health = await client.GetStringAsync(new Uri("/health", UriKind.Relative));
        var openApi = JsonNode.Parse(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)))!;

        health.Should().Be("Healthy");
        var paths = openApi["paths"]!.AsObject().Select(p => p.Key).ToList();
        paths.Should().Contain(["/devices/{deviceId}/syncml", "/v1.0/directory/deviceLocalCredentials", "/v1.0/directory/deviceLocalCredentials/{deviceId}",
            "/v1.0/auditLogs/directoryAudits", "/beta/deviceManagement/managedDevices/{deviceId}/rotateLocalAdminPassword", "/oauth2/v2.0/token",
            "/ad/computers/{deviceId}/decrypt"]);
    }

    [Test]
    public async Task A_crashing_request_gets_500_and_the_server_keeps_serving()
    {
        using var factory = new LapsServerFactory();
        using var client = factory.CreateClient();
        using var admin = await factory.ClientFor("globaladmin@contoso.com");
        // Break the store under the server: every request that touches it now throws.
        factory.Services.GetRequiredService<ServerState>().Store.Dispose();

        using var syncml = await SyncMLHttp.Post(client, "PC-1", SyncMLHttp.Sample("laps-entra-id-backup.xml"));
        using var graph = await admin.GetAsync(new Uri("/v1.0/auditLogs/directoryAudits", UriKind.Relative));
        using var health = await client.GetAsync(new Uri("/health", UriKind.Relative));

        syncml.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        syncml.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        graph.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        JsonNode.Parse(await graph.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>().Should().Be("generalException");
        health.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task Unknown_routes_are_404_in_the_shape_of_their_API()
    {
        using var factory = new LapsServerFactory();
        using var client = factory.CreateClient();

        using var plain = await client.GetAsync(new Uri("/nope", UriKind.Relative));
        using var graph = await client.GetAsync(new Uri("/v1.0/users", UriKind.Relative));

        plain.StatusCode.Should().Be(HttpStatusCode.NotFound);
        plain.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        graph.StatusCode.Should().Be(HttpStatusCode.NotFound);
        JsonNode.Parse(await graph.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>().Should().Be("Request_UnsupportedQuery");
    }

    [TestCase("password", "clouddevice@contoso.com", "wrong", 400, "invalid_grant", TestName = "A_wrong_user_password_is_invalid_grant")]
    [TestCase("client_credentials", "laps-read-app", "wrong", 401, "invalid_client", TestName = "A_wrong_client_secret_is_invalid_client")]
    [TestCase("password", "laps-read-app", "lapscsp-demo", 400, "invalid_grant", TestName = "An_application_cannot_sign_in_as_a_user")]
    [TestCase("authorization_code", "x", "y", 400, "unsupported_grant_type", TestName = "Other_grant_types_are_unsupported")]
    public async Task Token_endpoint_refusals_follow_OAuth2(string grant, string name, string secret, int status, string error)
    {
        using var factory = new LapsServerFactory();
        using var client = factory.CreateClient();
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = grant, ["username"] = name, ["password"] = secret, ["client_id"] = name, ["client_secret"] = secret,
        };

        using var response = await client.PostAsync(new Uri("/contoso.onmicrosoft.com/oauth2/v2.0/token", UriKind.Relative), new FormUrlEncodedContent(form));

        ((int)response.StatusCode).Should().Be(status);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.GetValue<string>().Should().Be(error);
    }

    [Test]
    public async Task A_token_is_a_JWT_naming_its_principal_and_expiring_after_an_hour()
    {
        using var factory = new LapsServerFactory();
        using var client = factory.CreateClient();
        using var response = await client.PostAsync(new Uri("/oauth2/v2.0/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "laps-read-app", ["client_secret"] = TenantConfig.DemoSecret,
        }));
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();

        body!["token_type"]!.GetValue<string>().Should().Be("Bearer");
        body["expires_in"]!.GetValue<long>().Should().Be(3600);
        var payload = body["access_token"]!.GetValue<string>().Split('.')[1];
        var json = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(payload))!;
        json["sub"]!.GetValue<string>().Should().Be("laps-read-app");
        json["roles"]!.AsArray().Select(r => r!.GetValue<string>()).Should().Contain("DeviceLocalCredential.Read.All");
        json["exp"]!.GetValue<long>().Should().Be(LapsServerFactory.Start.AddHours(1).ToUnixTimeSeconds());
    }

    [Test]
    public async Task The_token_endpoint_wants_a_form()
    {
        using var factory = new LapsServerFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsJsonAsync("/oauth2/v2.0/token", new { grant_type = "password" });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }
}
