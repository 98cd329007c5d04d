using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LapsCsp.Dashboard.Tests.Support;
using LapsCsp.Fleet.Runner;
using LapsCsp.Server.Dashboard;
using LapsCsp.Server.Mdm;
using Microsoft.Extensions.DependencyInjection;

namespace LapsCsp.Dashboard.Tests.Api;

/// <summary>What a snapshot of the enrolled devices costs once the fleet stopped: the records are walked again only when
/// something changed (a record replaced, an audit entry appended, the local devices shown), and the walk never loads a
/// device a fleet keeps in its store.</summary>
[NonParallelizable]
public class EnrolledSnapshotTests
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMinutes(1);

    [Test]
    public async Task An_unchanged_enrolled_source_is_not_walked_again_and_its_view_is_served_as_of_now()
    {
        const int devices = 6;
        await using var server = await FleetServer.Start(new FleetOptions { Devices = devices, Days = 2, Seed = 5 }, s_interval);
        await server.Runner.RunAsync();
        using var http = server.CreateClient();
        var source = EnrolledSource(server);
        var first = await Get(http, "/dashboard/api/summary");
        var walks = source.Walks;
        walks.Should().BeGreaterThan(0);

        var unchanged = await AfterTheInterval(server, http);
        source.Walks.Should().Be(walks, "no record was replaced and no audit entry appended since the last walk");
        unchanged["asOf"]!.GetValue<DateTimeOffset>().Should().Be(server.Runner.Clock.GetUtcNow(), "the source said its data are those of now");
        unchanged["ageSeconds"]!.GetValue<double>().Should().Be(0);
        Reference.Comparable(unchanged, dropTime: true).Should().Be(Reference.Comparable(first, dropTime: true));
        Reference.Comparable(unchanged).Should().Be(Reference.Comparable(Reference.Summary(ReferenceSources(server), server.Runner.Clock.GetUtcNow())));

        // A rotation queued through the management API replaces the device's record.
        var deviceId = server.Mdm.Devices().Select(d => d.DeviceId).Order(StringComparer.Ordinal).First();
        await Rotate(http, deviceId);
        var queued = await AfterTheInterval(server, http);
        source.Walks.Should().Be(walks + 1);
        queued["pendingCommands"]!.GetValue<long>().Should().Be(first["pendingCommands"]!.GetValue<long>() + 1);

        // An administrator reads a password: the Entra ID audit grows (no record changed).
        var entraDevice = server.State.Entra.Snapshot().Devices.First().DeviceId;
        server.State.Entra.RecordPasswordRead(entraDevice, "helpdesk@contoso.com").Should().NotBeNull();
        await AfterTheInterval(server, http);
        source.Walks.Should().Be(walks + 2);

        // The fleet's devices are shown: their accounts join the rows.
        server.ShowLocalDevices(devices);
        var page = await AfterTheInterval(server, http, "/dashboard/api/devices");
        source.Walks.Should().Be(walks + 3);
        page["value"]!.AsArray().Should().OnlyContain(d => d!["managedAccount"] != null);

        await AfterTheInterval(server, http);
        await AfterTheInterval(server, http, "/dashboard/api/devices");
        source.Walks.Should().Be(walks + 3, "nothing changed since");
    }

    [Test]
    public async Task The_walk_asks_only_devices_in_memory_and_a_detail_that_loads_one_shows_its_account_at_the_next_walk()
    {
        const int devices = 8;
        await using var server = await FleetServer.Start(new FleetOptions { Devices = devices, Days = 2, Seed = 5, ResidentDevices = 2 }, s_interval);
        await server.Runner.RunAsync();
        server.Runner.Hibernate();
        var runner = server.Runner;
        runner.ResidentCount.Should().Be(0, "every idle device was saved to the store");
        Enumerable.Range(0, devices).Where(i => runner.TryGetResident(i, out var _)).Should().BeEmpty();
        runner.ResidentCount.Should().Be(0, "asking whether a device is in memory does not load it");

        server.ShowLocalDevices(devices, residentWalk: true);
        using var http = server.CreateClient();
        var rows = (await AfterTheInterval(server, http, "/dashboard/api/devices"))["value"]!.AsArray();
        rows.Should().HaveCount(devices);
        rows.Should().OnlyContain(d => d!["managedAccount"] == null, "no device is in memory to ask");
        runner.ResidentCount.Should().Be(0, "the walk loaded no device");

        var deviceId = rows[3]!["id"]!.GetValue<string>();
        var index = Enumerable.Range(0, devices).Single(i => runner.Blueprint(i).DeviceId == deviceId);
        var detail = await Get(http, $"/dashboard/api/devices/enrolled/{Uri.EscapeDataString(deviceId)}");
        runner.ResidentCount.Should().Be(1, "one device's detail loads that device (its event log)");
        runner.TryGetResident(index, out var loaded).Should().BeTrue();
        var account = loaded!.Backend.ManagedAccount()?.Name;
        account.Should().NotBeNull();
        detail["device"]!["managedAccount"]!.GetValue<string>().Should().Be(account);
        detail["events"]!.AsArray().Should().NotBeEmpty();

        rows = (await AfterTheInterval(server, http, "/dashboard/api/devices"))["value"]!.AsArray();
        rows.Single(d => d!["id"]!.GetValue<string>() == deviceId)!["managedAccount"]!.GetValue<string>().Should().Be(account,
            "the load changed the source's stamp, so the next snapshot walked again and asked the device now in memory");
        rows.Where(d => d!["id"]!.GetValue<string>() != deviceId).Should().OnlyContain(d => d!["managedAccount"] == null);
        runner.ResidentCount.Should().Be(1);
    }

    private static MdmDashboardSource EnrolledSource(FleetServer server) =>
        server.Services.GetServices<IDashboardSource>().OfType<MdmDashboardSource>().Single();

    private static List<IDashboardSource> ReferenceSources(FleetServer server) =>
        [.. server.Services.GetServices<IDashboardSource>().Select(s => s is MdmDashboardSource ? new ReferenceMdmSource(server.Mdm, server.State) : s)];

    /// <summary>Moves the fleet's (stopped) clock past the snapshot interval and asks <paramref name="path"/>.</summary>
    private static async Task<JsonObject> AfterTheInterval(FleetServer server, HttpClient http, string path = "/dashboard/api/summary")
    {
        server.Runner.Clock.Advance(s_interval + TimeSpan.FromSeconds(1));
        return await Get(http, path);
    }

    private static async Task Rotate(HttpClient http, string deviceId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/beta/deviceManagement/managedDevices/{Uri.EscapeDataString(deviceId)}/rotateLocalAdminPassword");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Seed.Token(http, "intuneadmin@contoso.com"));
        using var response = await http.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
    }

    private static async Task<JsonObject> Get(HttpClient http, string path) => (await http.GetFromJsonAsync<JsonObject>(new Uri(path, UriKind.Relative)))!;
}
