using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Server.Devices;
using LapsCsp.Server.Hosting;
using LapsCsp.Server.Identity;
using LapsCsp.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace LapsCsp.Server.Tests.ActiveDirectory;

/// <summary>The AD view of hybrid-joined devices: msLAPS-* attributes, decryption for the encryption principal and its
/// members only (digest C.12).</summary>
public class AdViewTests
{
    private const string Base = "/beta/deviceManagement";
    private LapsServerFactory _factory = null!;
    private HttpClient _intune = null!;

    [SetUp]
    public async Task SetUp()
    {
        // The demo tenant plus a group of LAPS readers in the domain, to which the AD policy encrypts.
        var tenant = TenantConfig.Demo with
        {
            ActiveDirectory = new ActiveDirectoryConfig
            {
                Groups = new Dictionary<string, IReadOnlyList<string>>
                {
                    ["LAPS Readers"] = ["CONTOSO\\lapsreader"],
                },
            },
        };
        _factory = new LapsServerFactory(new ServerOptions { LogFormat = "simple", Tenant = tenant, PolicyCycleInterval = TimeSpan.FromDays(49) });
        using var client = _factory.CreateClient();
        (await client.PostAsJsonAsync("/devices", new { deviceId = "HYB", deviceName = "HYB-PC", joinType = "hybridJoined" })).Dispose();
        (await SyncMLHttp.Post(client, "HYB", SyncMLHttp.SampleFor("accounts-create-managed-account.xml", "HYB"))).Dispose();
        _intune = await _factory.ClientFor("intuneadmin@contoso.com");
    }

    [TearDown]
    public void TearDown()
    {
        _intune.Dispose();
        _factory.Dispose();
    }

    private async Task AssignAdPolicy(object settings)
    {
        using var created = await _intune.PostAsJsonAsync($"{Base}/lapsPolicies", new { displayName = "AD", settings });
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        using var assigned = await _intune.PostAsJsonAsync($"{Base}/lapsPolicies/{id}/assign", new { deviceIds = new[] { "HYB" } });
        assigned.EnsureSuccessStatusCode();
    }

    private string DevicePassword() => _factory.Services.GetRequiredService<DeviceRegistry>().Find("HYB")!.Device.Accounts.Find("ContosoLocalLapsAdmin")!.Password!;

    [Test]
    public async Task The_computer_carries_the_encrypted_password_and_its_expiry()
    {
        await AssignAdPolicy(new { backupDirectory = 2, passwordAgeDays = 10, administratorAccountName = "ContosoLocalLapsAdmin" });
        using var admin = await _factory.ClientFor("globaladmin@contoso.com");

        var computer = await admin.GetFromJsonAsync<JsonObject>("/ad/computers/HYB");

        computer!["distinguishedName"]!.GetValue<string>().Should().StartWith("CN=HYB-PC,");
        computer["sAMAccountName"]!.GetValue<string>().Should().Be("HYB-PC$");
        computer["msLAPS-EncryptedPassword"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        computer.ContainsKey("msLAPS-Password").Should().BeFalse("encryption is on by default (DDF ADPasswordEncryptionEnabled True)");
        computer["passwordExpiration"]!.GetValue<DateTimeOffset>().Should().Be(LapsServerFactory.Start.AddDays(10));
    }

    [Test]
    public async Task A_Domain_Admins_member_decrypts_the_default_principals_password()
    {
        await AssignAdPolicy(new { backupDirectory = 2, administratorAccountName = "ContosoLocalLapsAdmin" });
        using var admin = await _factory.ClientFor("globaladmin@contoso.com");

        using var response = await admin.PostAsync(new Uri("/ad/computers/HYB/decrypt", UriKind.Relative), null);

        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        body!["password"]!.GetValue<string>().Should().Be(DevicePassword());
        body["accountName"]!.GetValue<string>().Should().Be("ContosoLocalLapsAdmin");
    }

    [Test]
    public async Task Another_domain_account_is_refused_and_the_refusal_is_audited()
    {
        await AssignAdPolicy(new { backupDirectory = 2, administratorAccountName = "ContosoLocalLapsAdmin" });
        using var user = await _factory.ClientFor("aduser@contoso.com");

        using var response = await user.PostAsync(new Uri("/ad/computers/HYB/decrypt", UriKind.Relative), null);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var audit = _factory.Services.GetRequiredService<LapsCsp.Server.State.ServerState>().ActiveDirectory.AuditLog[^1];
        audit.Result.Should().Be("failure");
        audit.InitiatedBy.User!.UserPrincipalName.Should().Be("CONTOSO\\aduser");
    }

    [Test]
    public async Task A_member_of_the_configured_encryption_principal_decrypts_and_Domain_Admins_do_not()
    {
        await AssignAdPolicy(new
        {
            backupDirectory = 2, administratorAccountName = "ContosoLocalLapsAdmin", adPasswordEncryptionPrincipal = "CONTOSO\\LAPS Readers",
        });
        using var reader = await _factory.ClientFor("lapsreader@contoso.com");
        using var admin = await _factory.ClientFor("globaladmin@contoso.com");

        using var allowed = await reader.PostAsync(new Uri("/ad/computers/HYB/decrypt", UriKind.Relative), null);
        using var refused = await admin.PostAsync(new Uri("/ad/computers/HYB/decrypt", UriKind.Relative), null);

        allowed.StatusCode.Should().Be(HttpStatusCode.OK);
        (await allowed.Content.ReadFromJsonAsync<JsonObject>())!["password"]!.GetValue<string>().Should().Be(DevicePassword());
        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task Password_history_entries_decrypt_after_rotations()
    {
        await AssignAdPolicy(new { backupDirectory = 2, administratorAccountName = "ContosoLocalLapsAdmin", adEncryptedPasswordHistorySize = 3 });
        var first = DevicePassword();
        (await _intune.PostAsync(new Uri($"{Base}/managedDevices/HYB/rotateLocalAdminPassword", UriKind.Relative), null)).Dispose();
        using var admin = await _factory.ClientFor("globaladmin@contoso.com");

        using var history = await admin.PostAsync(new Uri("/ad/computers/HYB/decrypt?history=0", UriKind.Relative), null);
        using var missing = await admin.PostAsync(new Uri("/ad/computers/HYB/decrypt?history=5", UriKind.Relative), null);

        (await history.Content.ReadFromJsonAsync<JsonObject>())!["password"]!.GetValue<string>().Should().Be(first);
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task With_encryption_off_the_clear_password_shows_to_Domain_Admins_only()
    {
        await AssignAdPolicy(new { backupDirectory = 2, administratorAccountName = "ContosoLocalLapsAdmin", adPasswordEncryptionEnabled = false });
        using var admin = await _factory.ClientFor("globaladmin@contoso.com");
        using var user = await _factory.ClientFor("aduser@contoso.com");

        var seenByAdmin = await admin.GetFromJsonAsync<JsonObject>("/ad/computers/HYB");
        var seenByUser = await user.GetFromJsonAsync<JsonObject>("/ad/computers/HYB");

        seenByAdmin!["msLAPS-Password"]!.GetValue<string>().Should().Contain(DevicePassword());
        seenByUser!.ContainsKey("msLAPS-Password").Should().BeFalse();
        seenByUser.ContainsKey("ms-Mcs-AdmPwd").Should().BeFalse();
    }

    [Test]
    public async Task The_domain_audit_log_lists_backups_reads_and_refusals_for_Domain_Admins()
    {
        await AssignAdPolicy(new { backupDirectory = 2, administratorAccountName = "ContosoLocalLapsAdmin" });
        using var admin = await _factory.ClientFor("globaladmin@contoso.com");
        using var user = await _factory.ClientFor("aduser@contoso.com");
        (await user.PostAsync(new Uri("/ad/computers/HYB/decrypt", UriKind.Relative), null)).Dispose();
        (await admin.PostAsync(new Uri("/ad/computers/HYB/decrypt", UriKind.Relative), null)).Dispose();

        var audit = await admin.GetFromJsonAsync<JsonObject>("/ad/audit");
        using var refused = await user.GetAsync(new Uri("/ad/audit", UriKind.Relative));

        var rows = audit!["value"]!.AsArray().Select(r => $"{r!["activityDisplayName"]}|{r["result"]}").ToList();
        rows.Should().StartWith(["Recover device local administrator password|success", "Recover device local administrator password|failure"])
            .And.Contain("Update device local administrator password|success");
        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task A_principal_without_a_domain_account_is_refused()
    {
        using var cloud = await _factory.ClientFor("clouddevice@contoso.com");

        using var response = await cloud.GetAsync(new Uri("/ad/computers", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task The_AD_view_needs_a_token()
    {
        using var anonymous = _factory.CreateClient();

        using var response = await anonymous.GetAsync(new Uri("/ad/computers", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Test]
    public async Task An_unknown_computer_is_404()
    {
        using var admin = await _factory.ClientFor("globaladmin@contoso.com");

        using var response = await admin.PostAsync(new Uri("/ad/computers/NOPE/decrypt", UriKind.Relative), null);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public void Attribute_names_are_the_LDAP_names()
    {
        LapsAttributeNames.EncryptedPassword.Should().Be("msLAPS-EncryptedPassword");
    }
}
