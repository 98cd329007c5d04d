using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LapsCsp.Directory.Entra;
using LapsCsp.Server.Devices;
using LapsCsp.Server.Management;
using LapsCsp.Server.State;
using LapsCsp.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace LapsCsp.Server.Tests.Management;

/// <summary>Intune-style LAPS management (000): policies from settings delivered as SyncML, the rotate action and its
/// permission, account details, the rotation report, and scheduled rotation by the policy cycle.</summary>
public class ManagementTests
{
    private const string Base = "/beta/deviceManagement";
    private LapsServerFactory _factory = null!;
    private HttpClient _anonymous = null!;
    private HttpClient _intune = null!;

    [SetUp]
    public async Task SetUp()
    {
        // The hourly timer would race the cycles these tests run by hand; one test below runs the timer on its own server.
        _factory = new LapsServerFactory(new LapsCsp.Server.Hosting.ServerOptions { LogFormat = "simple", PolicyCycleInterval = TimeSpan.FromDays(49) });
        _anonymous = _factory.CreateClient();
        _intune = await _factory.ClientFor("intuneadmin@contoso.com");
    }

    [TearDown]
    public void TearDown()
    {
        _anonymous.Dispose();
        _intune.Dispose();
        _factory.Dispose();
    }

    private DeviceRegistry Registry => _factory.Services.GetRequiredService<DeviceRegistry>();

    private ServerState State => _factory.Services.GetRequiredService<ServerState>();

    private async Task<JsonObject> Json(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(expected, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    private async Task<string> CreatePolicy(object settings, bool? atomic = null, string name = "LAPS Entra")
    {
        using var response = await _intune.PostAsJsonAsync($"{Base}/lapsPolicies", new { displayName = name, settings, atomic });
        return (await Json(response, HttpStatusCode.Created))["id"]!.GetValue<string>();
    }

    private async Task<JsonObject> Assign(string policyId, params string[] deviceIds)
    {
        using var response = await _intune.PostAsJsonAsync($"{Base}/lapsPolicies/{policyId}/assign", new { deviceIds });
        return await Json(response);
    }

    private async Task RegisterWithAccount(string deviceId, object? registration = null)
    {
        (await _anonymous.PostAsJsonAsync("/devices", registration ?? new { deviceId })).Dispose();
        var body = "<Add><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Accounts/Users/LapsAdmin/Password</LocURI></Target><Data>Initial-P@ss-1</Data></Item></Add>"
            + "<Add><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Accounts/Users/LapsAdmin/LocalUserGroup</LocURI></Target><Meta><Format xmlns=\"syncml:metinf\">int</Format></Meta><Data>2</Data></Item></Add>";
        (await SyncMLHttp.Post(_anonymous, deviceId, SyncMLHttp.Package(body))).Dispose();
    }

    private static readonly object s_entraSettings = new { backupDirectory = 1, passwordAgeDays = 30, passwordComplexity = 4, passwordLength = 20, administratorAccountName = "LapsAdmin" };

    [Test]
    public async Task A_policy_from_settings_is_delivered_as_one_Atomic_and_lands_on_the_device()
    {
        await RegisterWithAccount("PC-1");
        var id = await CreatePolicy(s_entraSettings);

        var result = await Assign(id, "PC-1");

        var delivery = result["value"]![0]!;
        delivery["status"]!.GetValue<string>().Should().Be("delivered");
        delivery["commands"]!.AsArray().Select(c => $"{c!["cmd"]}:{c["status"]}").Should().Equal("Atomic:200", "Replace:200", "Replace:200", "Replace:200", "Replace:200", "Replace:200");
        var host = Registry.Find("PC-1")!;
        host.PolicyValue("PasswordLength").Should().Be("20");
        host.PolicyValue("AdministratorAccountName").Should().Be("LapsAdmin");
        var policy = await Json(await _intune.GetAsync(new Uri($"{Base}/lapsPolicies/{id}", UriKind.Relative)));
        policy["assignedDeviceIds"]!.AsArray().Select(d => d!.GetValue<string>()).Should().Equal("PC-1");
    }

    [Test]
    public async Task A_policy_change_runs_the_policy_cycle_which_backs_the_password_up_at_once()
    {
        await RegisterWithAccount("PC-1");

        await Assign(await CreatePolicy(s_entraSettings), "PC-1");

        var info = State.Entra.Get(Registry.Find("PC-1")!.Registration.EntraDeviceId)!;
        info.Credentials.Should().ContainSingle();
        info.Credentials[0].DecodePassword().Should().Be(Registry.Find("PC-1")!.Device.Accounts.Find("LapsAdmin")!.Password).And.HaveLength(20);
        info.RefreshDateTime.Should().Be(_factory.Time.GetUtcNow().AddDays(30));
    }

    [Test]
    public async Task The_SyncML_preview_shows_the_package_and_bare_Replaces_without_Atomic()
    {
        var atomic = await CreatePolicy(s_entraSettings);
        var bare = await CreatePolicy(s_entraSettings, atomic: false, name: "bare");

        var withAtomic = await _intune.GetStringAsync(new Uri($"{Base}/lapsPolicies/{atomic}/syncml?deviceId=PC-9", UriKind.Relative));
        var without = await _intune.GetStringAsync(new Uri($"{Base}/lapsPolicies/{bare}/syncml", UriKind.Relative));

        withAtomic.Should().Contain("<Atomic>").And.Contain("<LocURI>PC-9</LocURI>").And.Contain("./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory");
        without.Should().NotContain("<Atomic>").And.Contain("<Replace>");
    }

    [TestCase(1, 5, "passwordAgeDays 5 is outside [7-365]", TestName = "Entra_backup_needs_PasswordAgeDays_of_at_least_7")]
    [TestCase(2, 0, "passwordAgeDays 0 is outside [1-365]", TestName = "AD_backup_allows_PasswordAgeDays_from_1")]
    public async Task Policy_settings_are_validated(int directory, int age, string message)
    {
        using var response = await _intune.PostAsJsonAsync($"{Base}/lapsPolicies", new { displayName = "x", settings = new { backupDirectory = directory, passwordAgeDays = age } });

        (await Json(response, HttpStatusCode.BadRequest))["error"]!["message"]!.GetValue<string>().Should().Contain(message);
    }

    [Test]
    public async Task Every_policy_problem_is_reported_at_once()
    {
        using var response = await _intune.PostAsJsonAsync($"{Base}/lapsPolicies", new
        {
            settings = new { backupDirectory = 1, passwordComplexity = 9, passwordLength = 100, adPasswordEncryptionEnabled = true, postAuthenticationActions = 2 },
        });

        var message = (await Json(response, HttpStatusCode.BadRequest))["error"]!["message"]!.GetValue<string>();
        message.Should().Contain("displayName is required").And.Contain("passwordComplexity 9").And.Contain("passwordLength 100")
            .And.Contain("adPasswordEncryptionEnabled applies only to Active Directory").And.Contain("postAuthenticationActions 2");
    }

    [Test]
    public async Task Two_policies_naming_different_accounts_conflict_on_a_device()
    {
        await RegisterWithAccount("PC-1");
        await Assign(await CreatePolicy(s_entraSettings), "PC-1");
        var other = await CreatePolicy(new { backupDirectory = 1, administratorAccountName = "OtherAdmin" }, name: "other");

        var result = await Assign(other, "PC-1");

        result["value"]![0]!["status"]!.GetValue<string>().Should().Be("conflict");
        Registry.Find("PC-1")!.PolicyValue("AdministratorAccountName").Should().Be("LapsAdmin");
    }

    private async Task<string> CreateGroup(params string[] deviceIds)
    {
        using var response = await _intune.PostAsJsonAsync($"{Base}/deviceGroups", new { displayName = "Kiosks", deviceIds });
        return (await Json(response, HttpStatusCode.Created))["id"]!.GetValue<string>();
    }

    [Test]
    public async Task A_policy_assigned_to_a_group_reaches_its_members_now_and_devices_added_later()
    {
        await RegisterWithAccount("PC-1");
        await RegisterWithAccount("PC-2");
        await RegisterWithAccount("PC-3");
        var group = await CreateGroup("PC-1", "PC-2");
        var policy = await CreatePolicy(s_entraSettings);

        using (var response = await _intune.PostAsJsonAsync($"{Base}/lapsPolicies/{policy}/assign", new { groupIds = new[] { group } }))
        {
            var results = (await Json(response))["value"]!.AsArray();
            results.Select(r => (r!["deviceId"]!.GetValue<string>(), r["status"]!.GetValue<string>())).Should().BeEquivalentTo([("PC-1", "delivered"), ("PC-2", "delivered")]);
        }

        Registry.Find("PC-3")!.PolicyValue("AdministratorAccountName").Should().BeNull("PC-3 is not in the group yet");
        using (var response = await _intune.PostAsJsonAsync($"{Base}/deviceGroups/{group}/members", new { deviceIds = new[] { "PC-3", "PC-1" } }))
        {
            var body = await Json(response);
            body["added"]!.AsArray().Select(a => a!.GetValue<string>()).Should().Equal("PC-3");
            body["deliveries"]!.AsArray().Should().ContainSingle().Which!["status"]!.GetValue<string>().Should().Be("delivered");
        }

        Registry.Find("PC-3")!.PolicyValue("AdministratorAccountName").Should().Be("LapsAdmin");
        var stored = await Json(await _intune.GetAsync(new Uri($"{Base}/lapsPolicies/{policy}", UriKind.Relative)));
        stored["assignedGroupIds"]!.AsArray().Select(g => g!.GetValue<string>()).Should().Equal(group);
        stored["assignedDeviceIds"]!.AsArray().Should().BeEmpty("the devices came through the group, not one by one");
    }

    [Test]
    public async Task A_group_policy_counts_in_account_conflicts_and_a_deleted_group_stops_being_a_target()
    {
        await RegisterWithAccount("PC-1");
        var group = await CreateGroup("PC-1");
        var first = await CreatePolicy(s_entraSettings);
        (await _intune.PostAsJsonAsync($"{Base}/lapsPolicies/{first}/assign", new { groupIds = new[] { group } })).Dispose();
        var other = await CreatePolicy(new { backupDirectory = 1, administratorAccountName = "OtherAdmin" }, name: "other");

        var refused = await Assign(other, "PC-1");

        refused["value"]![0]!["status"]!.GetValue<string>().Should().Be("conflict");
        (await _intune.DeleteAsync(new Uri($"{Base}/deviceGroups/{group}", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var stored = await Json(await _intune.GetAsync(new Uri($"{Base}/lapsPolicies/{first}", UriKind.Relative)));
        stored["assignedGroupIds"]!.AsArray().Should().BeEmpty();
        Registry.Find("PC-1")!.PolicyValue("AdministratorAccountName").Should().Be("LapsAdmin", "a device keeps what it received");
    }

    [Test]
    public async Task Group_refusals_are_Graph_shaped()
    {
        var policy = await CreatePolicy(s_entraSettings);

        (await _intune.PostAsJsonAsync($"{Base}/lapsPolicies/{policy}/assign", new { groupIds = new[] { "nope" } })).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _intune.PostAsJsonAsync($"{Base}/deviceGroups", new { deviceIds = new[] { "PC-1" } })).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await _intune.PostAsJsonAsync($"{Base}/deviceGroups/nope/members", new { deviceIds = new[] { "PC-1" } })).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _anonymous.PostAsJsonAsync($"{Base}/deviceGroups", new { displayName = "x" })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var group = await CreateGroup();
        (await _intune.DeleteAsync(new Uri($"{Base}/deviceGroups/{group}/members/PC-9", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Assigning_to_an_unknown_device_reports_it()
    {
        var result = await Assign(await CreatePolicy(s_entraSettings), "NOPE");

        result["value"]![0]!["status"]!.GetValue<string>().Should().Be("notFound");
    }

    [Test]
    public async Task Rotate_local_admin_password_runs_ResetPassword_and_backs_up_the_new_password()
    {
        await RegisterWithAccount("PC-1");
        await Assign(await CreatePolicy(s_entraSettings), "PC-1");
        var before = Registry.Find("PC-1")!.Device.Accounts.Find("LapsAdmin")!.Password;
        _factory.Time.Advance(TimeSpan.FromMinutes(5));

        using var response = await _intune.PostAsync(new Uri($"{Base}/managedDevices/PC-1/rotateLocalAdminPassword", UriKind.Relative), null);

        var body = await Json(response);
        body["delivery"]!["commands"]![0]!["cmd"]!.GetValue<string>().Should().Be("Exec");
        body["rotation"]!["result"]!.GetValue<string>().Should().Be("succeeded");
        body["rotation"]!["trigger"]!.GetValue<string>().Should().Be("manual");
        body["rotation"]!["requestedBy"]!.GetValue<string>().Should().Be("intuneadmin@contoso.com");
        var now = Registry.Find("PC-1")!.Device.Accounts.Find("LapsAdmin")!.Password;
        now.Should().NotBe(before);
        State.Entra.Get(Registry.Find("PC-1")!.Registration.EntraDeviceId)!.Credentials[0].DecodePassword().Should().Be(now);
    }

    [TestCase("helpdesk@contoso.com", 403, TestName = "Helpdesk_Administrator_lacks_the_Rotate_Local_Admin_Password_permission")]
    [TestCase("clouddevice@contoso.com", 403, TestName = "Cloud_Device_Administrator_lacks_the_Intune_rotate_permission")]
    [TestCase("intunereadonly@contoso.com", 403, TestName = "Read_Only_Operator_cannot_rotate")]
    [TestCase("intunehelpdesk@contoso.com", 200, TestName = "Help_Desk_Operator_can_rotate")]
    [TestCase("globaladmin@contoso.com", 200, TestName = "Global_Administrator_can_rotate")]
    [TestCase("intune-app", 200, TestName = "An_app_with_PrivilegedOperations_can_rotate")]
    public async Task Rotate_needs_the_Rotate_Local_Admin_Password_permission(string principal, int expected)
    {
        await RegisterWithAccount("PC-1");
        using var client = await _factory.ClientFor(principal);

        using var response = await client.PostAsync(new Uri($"{Base}/managedDevices/PC-1/rotateLocalAdminPassword", UriKind.Relative), null);

        ((int)response.StatusCode).Should().Be(expected);
    }

    [Test]
    public async Task Rotate_without_a_token_is_401()
    {
        await RegisterWithAccount("PC-1");

        using var response = await _anonymous.PostAsync(new Uri($"{Base}/managedDevices/PC-1/rotateLocalAdminPassword", UriKind.Relative), null);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Rotating_when_the_managed_account_is_missing_is_reported_as_failed_with_the_HRESULT()
    {
        (await _anonymous.PostAsJsonAsync("/devices", new { deviceId = "PC-1" })).Dispose();
        await Assign(await CreatePolicy(s_entraSettings), "PC-1");

        using var response = await _intune.PostAsync(new Uri($"{Base}/managedDevices/PC-1/rotateLocalAdminPassword", UriKind.Relative), null);

        var rotation = (await Json(response))["rotation"]!;
        rotation["result"]!.GetValue<string>().Should().Be("failed");
        rotation["hResultHex"]!.GetValue<string>().Should().Be("0x80070525");
    }

    [Test]
    public async Task Account_details_show_the_password_only_to_those_allowed_and_audit_it()
    {
        await RegisterWithAccount("PC-1");
        await Assign(await CreatePolicy(s_entraSettings), "PC-1");
        using var readOnly = await _factory.ClientFor("intunereadonly@contoso.com");
        using var cloud = await _factory.ClientFor("clouddevice@contoso.com");
        var audits = State.Entra.AuditLog.Count;

        var metadata = await Json(await readOnly.GetAsync(new Uri($"{Base}/managedDevices/PC-1/localAdminAccount", UriKind.Relative)));
        using var refused = await readOnly.GetAsync(new Uri($"{Base}/managedDevices/PC-1/localAdminAccount?includePassword=true", UriKind.Relative));
        var withPassword = await Json(await cloud.GetAsync(new Uri($"{Base}/managedDevices/PC-1/localAdminAccount?includePassword=true", UriKind.Relative)));

        metadata["accountName"]!.GetValue<string>().Should().Be("LapsAdmin");
        metadata["backupDirectory"]!.GetValue<string>().Should().Be("azureAD");
        metadata["nextRotationDateTime"]!.GetValue<string>().Should().Be("2026-04-01T09:00:00Z");
        metadata.ContainsKey("password").Should().BeFalse();
        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        withPassword["password"]!.GetValue<string>().Should().Be(Registry.Find("PC-1")!.Device.Accounts.Find("LapsAdmin")!.Password);
        State.Entra.AuditLog.Should().HaveCount(audits + 1);
        State.Entra.AuditLog[^1].InitiatedBy.User!.UserPrincipalName.Should().Be("clouddevice@contoso.com");
    }

    [Test]
    public async Task The_policy_cycle_rotates_once_the_password_expires_and_the_report_shows_each_rotation()
    {
        await RegisterWithAccount("PC-1");
        await Assign(await CreatePolicy(s_entraSettings), "PC-1");
        var cycle = _factory.Services.GetRequiredService<PolicyCycleService>();
        (await _intune.PostAsync(new Uri($"{Base}/managedDevices/PC-1/rotateLocalAdminPassword", UriKind.Relative), null)).Dispose();

        _factory.Time.Advance(TimeSpan.FromDays(29));
        var early = await cycle.RunOnceAsync(CancellationToken.None);
        _factory.Time.Advance(TimeSpan.FromDays(1));
        var due = await cycle.RunOnceAsync(CancellationToken.None);

        early.Should().BeEmpty("the password is 29 days old and PasswordAgeDays is 30");
        due.Should().ContainSingle().Which.Trigger.Should().Be("scheduled");
        using var reporter = await _factory.ClientFor("intunereadonly@contoso.com");
        var report = await Json(await reporter.GetAsync(new Uri($"{Base}/reports/localAdminPasswordRotations?deviceId=PC-1", UriKind.Relative)));
        report["summary"]!["total"]!.GetValue<int>().Should().Be(3);
        report["summary"]!["manual"]!.GetValue<int>().Should().Be(1);
        report["summary"]!["scheduled"]!.GetValue<int>().Should().Be(2, "the first backup after the policy arrived, and the expiry");
        report["summary"]!["failed"]!.GetValue<int>().Should().Be(0);
        report["value"]!.AsArray().Select(r => r!["trigger"]!.GetValue<string>()).Should().Equal("scheduled", "manual", "scheduled");
    }

    [Test]
    public async Task The_policy_cycle_also_runs_on_its_timer()
    {
        // One tick of the server's timer after a month: the device then runs every hourly cycle that fell due.
        using var factory = new LapsServerFactory(new LapsCsp.Server.Hosting.ServerOptions { LogFormat = "simple", PolicyCycleInterval = TimeSpan.FromDays(31) });
        using var anonymous = factory.CreateClient();
        using var intune = await factory.ClientFor("intuneadmin@contoso.com");
        (await anonymous.PostAsJsonAsync("/devices", new { deviceId = "PC-1" })).Dispose();
        var account = "<Add><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Accounts/Users/LapsAdmin/Password</LocURI></Target><Data>Initial-P@ss-1</Data></Item></Add>";
        (await SyncMLHttp.Post(anonymous, "PC-1", SyncMLHttp.Package(account))).Dispose();
        using var created = await intune.PostAsJsonAsync($"{Base}/lapsPolicies", new { displayName = "p", settings = s_entraSettings });
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        (await intune.PostAsJsonAsync($"{Base}/lapsPolicies/{id}/assign", new { deviceIds = new[] { "PC-1" } })).Dispose();
        var cycle = factory.Services.GetRequiredService<PolicyCycleService>();
        var ran = new TaskCompletionSource<IReadOnlyList<RotationRecord>>(TaskCreationOptions.RunContinuationsAsynchronously);
        cycle.CycleCompleted += rotations =>
        {
            if (rotations.Count > 0) ran.TrySetResult(rotations);
        };

        factory.Time.Advance(TimeSpan.FromDays(31));

        // Not a sleep: the wait ends as soon as the timer's cycle reports; the bound only keeps a broken timer from hanging.
        var rotations = await ran.Task.WaitAsync(TimeSpan.FromSeconds(30));
        rotations.Should().ContainSingle().Which.DeviceId.Should().Be("PC-1");
    }

    [Test]
    public async Task Failed_rotations_are_in_the_report_filtered_by_result()
    {
        (await _anonymous.PostAsJsonAsync("/devices", new { deviceId = "PC-1" })).Dispose();
        await RegisterWithAccount("PC-2");
        var policy = await CreatePolicy(s_entraSettings);
        await Assign(policy, "PC-1", "PC-2");
        (await _intune.PostAsync(new Uri($"{Base}/managedDevices/PC-1/rotateLocalAdminPassword", UriKind.Relative), null)).Dispose();
        (await _intune.PostAsync(new Uri($"{Base}/managedDevices/PC-2/rotateLocalAdminPassword", UriKind.Relative), null)).Dispose();

        var report = await Json(await _intune.GetAsync(new Uri($"{Base}/reports/localAdminPasswordRotations?result=failed", UriKind.Relative)));

        report["value"]!.AsArray().Should().ContainSingle().Which!["deviceId"]!.GetValue<string>().Should().Be("PC-1");
    }

    [Test]
    public async Task Managed_devices_list_their_LAPS_state()
    {
        await RegisterWithAccount("PC-1");
        await Assign(await CreatePolicy(s_entraSettings), "PC-1");

        var list = await Json(await _intune.GetAsync(new Uri($"{Base}/managedDevices", UriKind.Relative)));

        var device = list["value"]!.AsArray().Single()!;
        device["backupDirectory"]!.GetValue<string>().Should().Be("azureAD");
        device["managedAccountName"]!.GetValue<string>().Should().Be("LapsAdmin");
        device["lastRotation"]!["result"]!.GetValue<string>().Should().Be("succeeded");
    }

    [TestCase("helpdesk@contoso.com", TestName = "An_Entra_role_without_Intune_rights_cannot_create_policies")]
    [TestCase("intunereadonly@contoso.com", TestName = "Read_Only_Operator_cannot_create_policies")]
    public async Task Creating_policies_needs_security_baseline_rights(string principal)
    {
        using var client = await _factory.ClientFor(principal);

        using var response = await client.PostAsJsonAsync($"{Base}/lapsPolicies", new { displayName = "x", settings = new { backupDirectory = 1 } });

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task A_workplace_joined_device_accepts_the_policy_but_a_rotation_fails_and_keeps_the_password()
    {
        await RegisterWithAccount("WPJ", new { deviceId = "WPJ", joinType = "workplaceJoined" });
        var password = Registry.Find("WPJ")!.Device.Accounts.Find("LapsAdmin")!.Password;

        var result = await Assign(await CreatePolicy(s_entraSettings), "WPJ");
        using var rotate = await _intune.PostAsync(new Uri($"{Base}/managedDevices/WPJ/rotateLocalAdminPassword", UriKind.Relative), null);

        result["value"]![0]!["status"]!.GetValue<string>().Should().Be("delivered", "000: the device accepts the policy settings");
        var rotation = (await Json(rotate))["rotation"]!;
        rotation["result"]!.GetValue<string>().Should().Be("failed");
        rotation["hResultHex"]!.GetValue<string>().Should().Be("0x80070032", "ERROR_NOT_SUPPORTED: Entra backup needs an Entra device identity");
        Registry.Find("WPJ")!.Device.Accounts.Find("LapsAdmin")!.Password.Should().Be(password, "Windows LAPS backs up first (digest C.5)");
    }

    [Test]
    public async Task A_deleted_policy_is_gone()
    {
        var id = await CreatePolicy(s_entraSettings);

        using var deleted = await _intune.DeleteAsync(new Uri($"{Base}/lapsPolicies/{id}", UriKind.Relative));
        using var get = await _intune.GetAsync(new Uri($"{Base}/lapsPolicies/{id}", UriKind.Relative));

        deleted.StatusCode.Should().Be(HttpStatusCode.NoContent);
        get.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public void Entra_backup_credentials_decode_as_UTF16LE()
    {
        DeviceLocalCredential.DecodePassword("UQBRAEAAZAA4AGYAOABnAFkA").Should().Be("QQ@d8f8gY");
    }
}

/// <summary>The tenant-wide "Enable Microsoft Entra LAPS" switch (001), through Graph beta's deviceRegistrationPolicy.</summary>
public class TenantSwitchTests
{
    [Test]
    public async Task With_LAPS_disabled_in_the_tenant_a_rotation_fails_and_keeps_the_password_until_it_is_enabled_again()
    {
        using var factory = new LapsServerFactory();
        using var anonymous = factory.CreateClient();
        await Scenario.EntraDeviceWithBackup(anonymous, "PC-1");
        using var cloud = await factory.ClientFor("clouddevice@contoso.com");
        using var intune = await factory.ClientFor("intuneadmin@contoso.com");
        var registry = factory.Services.GetRequiredService<DeviceRegistry>();
        var before = Scenario.DevicePassword(registry, "PC-1");

        using var off = await cloud.PatchAsJsonAsync("/beta/policies/deviceRegistrationPolicy", new { localAdminPassword = new { isEnabled = false } });
        using var refused = await intune.PostAsync(new Uri("/beta/deviceManagement/managedDevices/PC-1/rotateLocalAdminPassword", UriKind.Relative), null);
        var whileOff = Scenario.DevicePassword(registry, "PC-1");
        (await cloud.PatchAsJsonAsync("/beta/policies/deviceRegistrationPolicy", new { localAdminPassword = new { isEnabled = true } })).Dispose();
        using var accepted = await intune.PostAsync(new Uri("/beta/deviceManagement/managedDevices/PC-1/rotateLocalAdminPassword", UriKind.Relative), null);

        (await off.Content.ReadFromJsonAsync<JsonObject>())!["localAdminPassword"]!["isEnabled"]!.GetValue<bool>().Should().BeFalse();
        (await refused.Content.ReadFromJsonAsync<JsonObject>())!["rotation"]!["result"]!.GetValue<string>().Should().Be("failed");
        whileOff.Should().Be(before);
        (await accepted.Content.ReadFromJsonAsync<JsonObject>())!["rotation"]!["result"]!.GetValue<string>().Should().Be("succeeded");
        Scenario.DevicePassword(registry, "PC-1").Should().NotBe(before);
    }

    [Test]
    public async Task Only_a_Cloud_Device_or_Global_Administrator_changes_the_switch()
    {
        using var factory = new LapsServerFactory();
        using var helpdesk = await factory.ClientFor("helpdesk@contoso.com");

        using var patch = await helpdesk.PatchAsJsonAsync("/beta/policies/deviceRegistrationPolicy", new { localAdminPassword = new { isEnabled = false } });
        var policy = await helpdesk.GetFromJsonAsync<JsonObject>("/beta/policies/deviceRegistrationPolicy");

        patch.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        policy!["localAdminPassword"]!["isEnabled"]!.GetValue<bool>().Should().BeTrue();
    }
}
