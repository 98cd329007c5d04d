using System.Net.Http.Json;
using System.Text;
using LapsCsp.Server.Devices;
using LapsCsp.Server.Tests.Support;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;

namespace LapsCsp.Server.Tests.EndToEnd;

/// <summary>The emulated Graph API read by the real Microsoft.Graph SDK over real loopback HTTP.</summary>
public class GraphSdkTests
{
    private RealServer _server = null!;
    private HttpClient _http = null!;
    private string _entraId = null!;

    [OneTimeSetUp]
    public async Task OneTimeSetUp()
    {
        _server = await RealServer.Start();
        _http = _server.CreateClient();
        _entraId = await Scenario.EntraDeviceWithBackup(_http, "SDK-1");
        for (var i = 2; i <= 5; i++) await Scenario.EntraDeviceWithBackup(_http, $"SDK-{i}");
    }

    [OneTimeTearDown]
    public async Task OneTimeTearDown()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<GraphServiceClient> Graph(string principal, string version = "v1.0") =>
        new(_server.CreateClient(), new StaticBearerProvider(await LapsServerFactory.Token(_http, principal)), new Uri(_server.BaseAddress, version).ToString());

    [Test]
    public async Task A_Cloud_Device_Administrator_reads_the_password_with_the_SDK()
    {
        var graph = await Graph("clouddevice@contoso.com");

        var info = await graph.Directory.DeviceLocalCredentials[_entraId].GetAsync(r => r.QueryParameters.Select = ["credentials"]);

        info!.Id.Should().Be(_entraId);
        info.DeviceName.Should().NotBeNullOrEmpty();
        info.RefreshDateTime.Should().BeAfter(info.LastBackupDateTime!.Value);
        var newest = info.Credentials!.First();
        newest.AccountName.Should().Be("ContosoLocalLapsAdmin");
        Encoding.Unicode.GetString(Convert.FromBase64String(newest.PasswordBase64!))
            .Should().Be(Scenario.DevicePassword(_server.Get<DeviceRegistry>(), "SDK-1"));
    }

    [Test]
    public async Task The_SDK_lists_with_filter_count_and_select()
    {
        var graph = await Graph("helpdesk@contoso.com");
        var name = _server.Get<DeviceRegistry>().Find("SDK-3")!.Registration.DeviceName;

        var page = await graph.Directory.DeviceLocalCredentials.GetAsync(r =>
        {
            r.QueryParameters.Filter = $"deviceName eq '{name}'";
            r.QueryParameters.Count = true;
            r.QueryParameters.Select = ["id", "deviceName"];
        });

        page!.OdataCount.Should().Be(1);
        page.Value!.Should().ContainSingle().Which.DeviceName.Should().Be(name);
        page.Value![0].Credentials.Should().BeNullOrEmpty();
    }

    [Test]
    public async Task The_SDK_page_iterator_follows_nextLink_across_every_page()
    {
        var graph = await Graph("laps-basic-app");
        var first = await graph.Directory.DeviceLocalCredentials.GetAsync(r => r.QueryParameters.Top = 2);
        var seen = new List<string>();

        var iterator = PageIterator<DeviceLocalCredentialInfo, DeviceLocalCredentialInfoCollectionResponse>.CreatePageIterator(graph, first!, item =>
        {
            seen.Add(item.Id!);
            return true;
        });
        await iterator.IterateAsync();

        first!.OdataNextLink.Should().NotBeNull();
        seen.Should().HaveCount(5).And.OnlyHaveUniqueItems();
    }

    [Test]
    public async Task A_Helpdesk_Administrator_asking_for_credentials_gets_an_ODataError_403()
    {
        var graph = await Graph("helpdesk@contoso.com");

        var act = () => graph.Directory.DeviceLocalCredentials[_entraId].GetAsync(r => r.QueryParameters.Select = ["credentials"]);

        var error = (await act.Should().ThrowAsync<ODataError>()).Which;
        error.ResponseStatusCode.Should().Be(403);
        error.Error!.Code.Should().Be("Authorization_RequestDenied");
    }

    [Test]
    public async Task A_Helpdesk_Administrator_sees_metadata_with_the_SDK()
    {
        var graph = await Graph("helpdesk@contoso.com");

        var info = await graph.Directory.DeviceLocalCredentials[_entraId].GetAsync();

        info!.DeviceName.Should().NotBeNullOrEmpty();
        info.Credentials.Should().BeNullOrEmpty();
    }

    [Test]
    public async Task A_caller_without_a_token_gets_an_ODataError_401()
    {
        var graph = new GraphServiceClient(_server.CreateClient(), new StaticBearerProvider(""), new Uri(_server.BaseAddress, "v1.0").ToString());

        var act = () => graph.Directory.DeviceLocalCredentials.GetAsync();

        var error = (await act.Should().ThrowAsync<ODataError>()).Which;
        error.ResponseStatusCode.Should().Be(401);
        error.Error!.Code.Should().Be("InvalidAuthenticationToken");
    }

    [Test]
    public async Task An_unknown_device_is_an_ODataError_404()
    {
        var graph = await Graph("clouddevice@contoso.com");

        var act = () => graph.Directory.DeviceLocalCredentials[Guid.NewGuid().ToString()].GetAsync();

        (await act.Should().ThrowAsync<ODataError>()).Which.ResponseStatusCode.Should().Be(404);
    }

    [Test]
    public async Task The_SDK_reads_the_audit_log_filtered_by_activity()
    {
        var reader = await Graph("clouddevice@contoso.com");
        await reader.Directory.DeviceLocalCredentials[_entraId].GetAsync(r => r.QueryParameters.Select = ["credentials"]);
        var auditor = await Graph("laps-read-app");

        var page = await auditor.AuditLogs.DirectoryAudits.GetAsync(r =>
            r.QueryParameters.Filter = "activityDisplayName eq 'Recover device local administrator password'");

        var record = page!.Value!.First();
        record.ActivityDisplayName.Should().Be("Recover device local administrator password");
        record.Category.Should().Be("Device");
        record.LoggedByService.Should().Be("Device Registration Service");
        record.Result.Should().Be(OperationResult.Success);
        record.InitiatedBy!.User!.UserPrincipalName.Should().Be("clouddevice@contoso.com");
        record.TargetResources!.Single().Id.Should().Be(_entraId);
    }

    [Test]
    public async Task The_SDK_gets_one_audit_record_by_id()
    {
        var auditor = await Graph("globalreader@contoso.com");
        var first = (await auditor.AuditLogs.DirectoryAudits.GetAsync(r => r.QueryParameters.Top = 1))!.Value!.Single();

        var again = await auditor.AuditLogs.DirectoryAudits[first.Id].GetAsync();

        again!.Id.Should().Be(first.Id);
        again.ActivityDisplayName.Should().Be(first.ActivityDisplayName);
        (await FluentActions.Awaiting(() => auditor.AuditLogs.DirectoryAudits["no-such-id"].GetAsync()).Should().ThrowAsync<ODataError>())
            .Which.ResponseStatusCode.Should().Be(404);
    }

    [Test]
    public async Task The_beta_base_url_works_with_the_same_client()
    {
        var graph = await Graph("clouddevice@contoso.com", "beta");

        var page = await graph.Directory.DeviceLocalCredentials.GetAsync();

        page!.Value.Should().HaveCount(5);
    }

    [Test]
    public async Task A_device_registered_over_HTTP_shows_in_Graph_after_its_first_backup()
    {
        using var created = await _http.PostAsJsonAsync("/devices", new { deviceId = "SDK-NEW", deviceName = "SDK-NEW-PC" });
        var graph = await Graph("clouddevice@contoso.com");
        var before = await graph.Directory.DeviceLocalCredentials.GetAsync(r => r.QueryParameters.Filter = "deviceName eq 'SDK-NEW-PC'");

        await Scenario.EntraDeviceWithBackup(_http, "SDK-NEW");
        var after = await graph.Directory.DeviceLocalCredentials.GetAsync(r => r.QueryParameters.Filter = "deviceName eq 'SDK-NEW-PC'");

        before!.Value.Should().BeEmpty();
        after!.Value.Should().ContainSingle();
        _server.Get<DeviceRegistry>().Delete("SDK-NEW").Should().BeTrue();
    }
}
