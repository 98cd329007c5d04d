using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LapsCsp.Server.Tests.Support;
using static LapsCsp.Server.Tests.Support.SyncMLHttp;

namespace LapsCsp.Server.Tests.Devices;

/// <summary>OMA-DM session semantics across HTTP requests (DmSessionState).</summary>
public class SessionTests
{
    private const string Length = "./Device/Vendor/MSFT/LAPS/Policies/PasswordLength";
    private LapsServerFactory _factory = null!;
    private HttpClient _client = null!;

    [SetUp]
    public void SetUp()
    {
        _factory = new LapsServerFactory();
        _client = _factory.CreateClient();
    }

    [TearDown]
    public void TearDown()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    [Test]
    public async Task The_next_message_of_a_session_continues_it_and_the_reply_MsgID_follows()
    {
        (await Post(_client, "PC-1", Package(Get("1", Length), "7", 1))).Dispose();

        using var second = await Post(_client, "PC-1", Package(Status("1", "2", "0", "SyncHdr", "200") + Get("2", Length), "7", 2));

        second.StatusCode.Should().Be(HttpStatusCode.OK);
        var reply = await second.Content.ReadAsStringAsync();
        reply.Should().Contain("<SessionID>7</SessionID>").And.Contain("<MsgID>3</MsgID>");
        second.Headers.GetValues("X-LapsCsp-Session").Should().Equal("open");
    }

    [Test]
    public async Task A_skipped_MsgID_is_400_and_says_which_is_next()
    {
        (await Post(_client, "PC-1", Package(Get("1", Length), "7", 1))).Dispose();

        using var response = await Post(_client, "PC-1", Package(Get("2", Length), "7", 4));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        problem!["type"]!.GetValue<string>().Should().Be("urn:lapscsp:problem:session");
        problem["detail"]!.GetValue<string>().Should().Contain("the next MsgID is 2");
    }

    [Test]
    public async Task A_MsgID_above_1_without_an_open_session_is_400()
    {
        using var response = await Post(_client, "PC-1", Package(Get("1", Length), "9", 3));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>().Should().Contain("no session is open");
    }

    [Test]
    public async Task Another_SessionID_mid_session_is_400()
    {
        (await Post(_client, "PC-1", Package(Get("1", Length), "7", 1))).Dispose();

        using var response = await Post(_client, "PC-1", Package(Get("1", Length), "8", 2));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task A_non_numeric_MsgID_is_400()
    {
        using var response = await Post(_client, "PC-1", Package(Get("1", Length)).Replace("<MsgID>1</MsgID>", "<MsgID>abc</MsgID>", StringComparison.Ordinal));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task A_Status_whose_MsgRef_names_no_device_message_is_400()
    {
        (await Post(_client, "PC-1", Package(Get("1", Length), "7", 1))).Dispose();

        using var response = await Post(_client, "PC-1", Package(Status("1", "5", "0", "SyncHdr", "200") + Get("2", Length), "7", 2));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>().Should().Contain("MsgRef '5'");
    }

    [Test]
    public async Task A_retried_message_is_answered_from_cache_and_runs_once()
    {
        var add = "<Add><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Accounts/Users/retry/Password</LocURI></Target><Data>P@ssw0rd-1!</Data></Item></Add>";
        (await Post(_client, "PC-1", Package(Get("1", Length), "7", 1))).Dispose();
        var second = Package(add, "7", 2);
        using var first = await Post(_client, "PC-1", second);
        var firstReply = await first.Content.ReadAsStringAsync();

        using var retry = await Post(_client, "PC-1", second);

        retry.Headers.GetValues("X-LapsCsp-Replayed").Should().Equal("true");
        (await retry.Content.ReadAsStringAsync()).Should().Be(firstReply);
        Statuses(firstReply).Should().Equal("SyncHdr:200", "Add:200");
    }

    [Test]
    public async Task A_message_with_only_Status_ends_the_session_with_204()
    {
        (await Post(_client, "PC-1", Package(Get("1", Length), "7", 1))).Dispose();

        using var end = await Post(_client, "PC-1", Package(Status("1", "2", "0", "SyncHdr", "200"), "7", 2));
        using var after = await Post(_client, "PC-1", Package(Get("1", Length), "7", 3));

        end.StatusCode.Should().Be(HttpStatusCode.NoContent);
        end.Headers.GetValues("X-LapsCsp-Session").Should().Equal("ended");
        after.StatusCode.Should().Be(HttpStatusCode.BadRequest, "the session is over; a new one starts at MsgID 1");
    }

    [Test]
    public async Task MsgID_1_always_starts_a_new_session_and_runs_again()
    {
        var add = Package("<Add><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PasswordLength</LocURI></Target><Meta><Format xmlns=\"syncml:metinf\">int</Format></Meta><Data>20</Data></Item></Add>");
        using var first = await Post(_client, "PC-1", add);

        using var second = await Post(_client, "PC-1", add);

        Statuses(await first.Content.ReadAsStringAsync()).Should().Equal("SyncHdr:200", "Add:200");
        Statuses(await second.Content.ReadAsStringAsync()).Should().Equal("SyncHdr:200", "Add:418");
    }
}
