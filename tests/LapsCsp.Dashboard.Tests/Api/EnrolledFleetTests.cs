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

/// <summary>The dashboard over a fleet enrolled with the server's MDM face (as <c>lapscsp fleet run</c> runs it), checked
/// against the answers recomputed from scratch (<see cref="Reference"/>, <see cref="ReferenceMdmSource"/>) while the fleet
/// changes: devices enroll, the policy and queued rotations go out and finish, passwords rotate and are backed up.</summary>
[NonParallelizable]
public class EnrolledFleetTests
{
    private const int Devices = 16;

    /// <summary>Enrollments spread over the first 4 days, so that every pause sees a different fleet.</summary>
    private static FleetOptions Options => new() { Devices = Devices, Days = 9, Seed = 3, EnrollmentSpread = TimeSpan.FromDays(4) };

    [Test]
    public async Task The_API_answers_as_the_recomputation_while_devices_enroll_commands_finish_and_passwords_rotate()
    {
        await using var server = await FleetServer.Start(Options, TimeSpan.Zero);
        using var http = server.CreateClient();
        var seen = new List<(int Enrolled, long Pending, int Statuses, int Succeeded)>();

        await server.RunWithCheckpoints(TimeSpan.FromHours(12), async at =>
        {
            var summary = await AnswersMatchTheRecomputation(server, http);
            // A rotation asked for now goes out at the device's next check-in, as an Exec that finishes with its Status.
            var enrolled = server.Mdm.Devices().Where(d => !d.Unenrolled).Select(d => d.DeviceId).Order(StringComparer.Ordinal).ToList();
            if (enrolled.Count > 0) await Rotate(http, enrolled[seen.Count % enrolled.Count]);
            var queued = await Get(http, "/dashboard/api/summary");
            Reference.Comparable(queued).Should().Be(Reference.Comparable(Reference.Summary(ReferenceSources(server), at)), $"summary after the rotation queued at {at:O}");
            seen.Add((summary["devices"]!["total"]!.GetValue<int>(), queued["pendingCommands"]!.GetValue<long>(),
                summary["commands"]!["total"]!.GetValue<int>(), summary["rotations"]!["succeeded"]!.GetValue<int>()));
        });
        server.ShowLocalDevices(Devices);
        await AnswersMatchTheRecomputation(server, http);
        SourceEnumerationsMatchTheRecomputation(server);

        seen.Should().HaveCount(18, "a pause every 12 hours of the 9 days");
        seen.Select(s => s.Enrolled).Should().BeInAscendingOrder().And.Subject.Last().Should().BeGreaterThan(seen[0].Enrolled);
        seen.Select(s => s.Statuses).Should().BeInAscendingOrder().And.Subject.Last().Should().BeGreaterThan(seen[0].Statuses);
        seen.Select(s => s.Succeeded).Should().BeInAscendingOrder().And.Subject.Last().Should().BeGreaterThan(seen[0].Succeeded);
        seen.Should().OnlyContain(s => s.Pending > 0, "the rotation queued at a pause waits for the device's next check-in");
        server.Mdm.Devices().SelectMany(d => d.Commands).Should().Contain(c => c.Kind == "rotate" && c.State == MdmCommandStates.Succeeded);
    }

    [Test]
    public async Task A_view_of_the_enrolled_devices_is_served_until_the_interval_has_passed_then_read_again()
    {
        var interval = TimeSpan.FromHours(30);
        await using var server = await FleetServer.Start(Options, interval);
        using var http = server.CreateClient();
        var recomputed = new Dictionary<DateTimeOffset, string[]>();
        DateTimeOffset? built = null;
        var reused = 0;

        await server.RunWithCheckpoints(TimeSpan.FromHours(12), async now =>
        {
            var sources = ReferenceSources(server);
            recomputed[now] =
            [
                Reference.Comparable(Reference.Summary(sources, now), dropTime: true),
                Reference.Comparable(Reference.Devices(sources, null, null, null, 0, 50)),
                Reference.Comparable(Reference.Series(sources, null, null)),
            ];
            var answers = new[]
            {
                await Get(http, "/dashboard/api/summary"),
                await Get(http, "/dashboard/api/devices"),
                await Get(http, "/dashboard/api/series"),
            };
            if (built is null || now - built >= interval) built = now;
            else reused++;

            answers[0]["time"]!.GetValue<DateTimeOffset>().Should().Be(now);
            foreach (var answer in answers)
            {
                answer["asOf"]!.GetValue<DateTimeOffset>().Should().Be(built.Value);
                answer["ageSeconds"]!.GetValue<double>().Should().Be((now - built.Value).TotalSeconds);
            }

            new[] { Reference.Comparable(answers[0], dropTime: true), Reference.Comparable(answers[1]), Reference.Comparable(answers[2]) }
                .Should().Equal(recomputed[built.Value], $"at {now:O} the answers are those of {built:O}");
        });

        reused.Should().BeGreaterThan(5, "two of every three pauses fall within 30 hours of the last walk");
        recomputed.Values.Select(r => r[0]).Distinct().Should().HaveCountGreaterThan(3, "the fleet changed between walks");
    }

    /// <summary>The enrolled devices' source as other code reads it (its three walks and its per-device answers), against
    /// the recomputation, and its one-pass read for the views against its three walks.</summary>
    private static void SourceEnumerationsMatchTheRecomputation(FleetServer server)
    {
        IDashboardSource source = server.Services.GetServices<IDashboardSource>().OfType<MdmDashboardSource>().Single();
        IDashboardSource reference = new ReferenceMdmSource(server.Mdm, server.State);
        Json(source.Devices()).Should().Be(Json(reference.Devices()));
        Json(source.CommandStatuses()).Should().Be(Json(reference.CommandStatuses()));
        Json(source.Rotations()).Should().Be(Json(reference.Rotations()));
        source.Rotations().Should().NotBeEmpty();
        foreach (var id in server.Mdm.Devices().Select(d => d.DeviceId))
        {
            Json(source.Device("enrolled", id)).Should().Be(Json(reference.Devices().Single(d => d.Id == id)));
            Json(source.CommandStatuses(id)).Should().Be(Json(reference.CommandStatuses().Where(s => s.DeviceId == id)));
            Json(source.Rotations(id)).Should().Be(Json(reference.Rotations().Where(r => r.DeviceId == id)));
        }

        source.Device("hosted", server.Mdm.Devices().First().DeviceId).Should().BeNull();
        var oneWalk = new DashboardViewBuilder();
        ((IDashboardViewSource)source).Read(oneWalk);
        var threeWalks = new DashboardViewBuilder();
        threeWalks.ReadAll(source);
        Json(oneWalk.Devices).Should().Be(Json(threeWalks.Devices));
        Json(oneWalk.StatusTimes.OrderBy(p => p.Key)).Should().Be(Json(threeWalks.StatusTimes.OrderBy(p => p.Key)));
        Json(new[] { oneWalk.Succeeded, oneWalk.Failed, oneWalk.OtherRotations }).Should().Be(Json(new[] { threeWalks.Succeeded, threeWalks.Failed, threeWalks.OtherRotations }));
    }

    private static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value);

    /// <summary>The hosted devices' source as registered, and the enrolled devices recomputed from scratch.</summary>
    private static List<IDashboardSource> ReferenceSources(FleetServer server) =>
        [.. server.Services.GetServices<IDashboardSource>().Select(s => s is MdmDashboardSource ? new ReferenceMdmSource(server.Mdm, server.State) : s)];

    private static async Task<JsonObject> AnswersMatchTheRecomputation(FleetServer server, HttpClient http)
    {
        var now = server.Runner.Clock.GetUtcNow();
        var sources = ReferenceSources(server);
        var summary = await Get(http, "/dashboard/api/summary");
        Reference.Comparable(summary).Should().Be(Reference.Comparable(Reference.Summary(sources, now)), $"summary at {now:O}");

        var names = server.Mdm.Devices().Select(d => d.Enrollment.DeviceName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        string?[] texts = [null, names.Count > 0 ? names[names.Count / 2][..Math.Min(4, names[names.Count / 2].Length)].ToLowerInvariant() : "x", "admin"];
        foreach (var text in texts)
        {
            foreach (var (state, skip, top) in new (string?, int, int)[] { (null, 0, 50), (null, 3, 4), ("managed", 0, 5), ("pending", 0, 50), ("failed", 1, 50) })
            {
                var query = $"/dashboard/api/devices?skip={skip}&top={top}" + (text is null ? "" : $"&q={text}") + (state is null ? "" : $"&state={state}");
                Reference.Comparable(await Get(http, query))
                    .Should().Be(Reference.Comparable(Reference.Devices(sources, text, state, null, skip, top)), $"{query} at {now:O}");
            }
        }

        foreach (var (from, to) in new (DateTimeOffset?, DateTimeOffset?)[] { (null, null), (now.AddDays(-1), now), (null, now.AddHours(-12)) })
        {
            var query = "/dashboard/api/series?" + (from is null ? "" : $"from={Uri.EscapeDataString(from.Value.ToString("O"))}")
                + (to is null ? "" : $"&to={Uri.EscapeDataString(to.Value.ToString("O"))}");
            Reference.Comparable(await Get(http, query)).Should().Be(Reference.Comparable(Reference.Series(sources, from, to)), $"{query} at {now:O}");
        }

        foreach (var id in server.Mdm.Devices().Select(d => d.DeviceId).Order(StringComparer.Ordinal).Take(4))
        {
            var detail = await Get(http, $"/dashboard/api/devices/enrolled/{Uri.EscapeDataString(id)}");
            Reference.Comparable(detail).Should().Be(Reference.Comparable(Reference.Device(sources, "enrolled", id, 100, 50)!), $"detail of {id} at {now:O}");
        }

        return summary;
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
