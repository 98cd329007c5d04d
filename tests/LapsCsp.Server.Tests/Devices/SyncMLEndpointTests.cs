using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LapsCsp.Server.Tests.Support;
using static LapsCsp.Server.Tests.Support.SyncMLHttp;

namespace LapsCsp.Server.Tests.Devices;

public class SyncMLEndpointTests
{
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
    public async Task Entra_ID_sample_to_a_new_device_gets_the_devices_reply_package()
    {
        using var response = await Post(_client, "LAPSCSP-DEVICE-0001", Sample("laps-entra-id-backup.xml"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/vnd.syncml.dm+xml");
        response.Headers.GetValues("X-LapsCsp-Device-Created").Should().Equal("true");
        var reply = await response.Content.ReadAsStringAsync();
        Statuses(reply).Should().Equal("SyncHdr:200", "Add:200", "Add:200", "Add:200", "Add:200", "Add:200", "Add:200", "Add:200");
        reply.Should().Contain("<MsgID>2</MsgID>");
    }

    [Test]
    public async Task The_reply_is_the_same_as_the_golden_sample_expectation()
    {
        using var response = await Post(_client, "LAPSCSP-DEVICE-0001", Sample("atomic-rollback-507.xml"));

        var reply = await response.Content.ReadAsStringAsync();
        Statuses(reply).Should().Equal(Statuses(Sample("atomic-rollback-507.expected.xml")));
    }

    [Test]
    public async Task Device_state_persists_between_messages()
    {
        (await Post(_client, "PC-1", Sample("laps-entra-id-backup.xml"))).Dispose();

        using var response = await Post(_client, "PC-1", Package(Get("1", "./Device/Vendor/MSFT/LAPS/Policies/PasswordLength")));

        var reply = await response.Content.ReadAsStringAsync();
        Statuses(reply).Should().Equal("SyncHdr:200", "Get:200");
        reply.Should().Contain("<Data>32</Data>");
    }

    [TestCase("application/xml", TestName = "Content_type_application_xml_is_415")]
    [TestCase("text/plain", TestName = "Content_type_text_plain_is_415")]
    [TestCase("application/vnd.syncml.dm+wbxml", TestName = "Content_type_WBXML_is_415")]
    public async Task Another_content_type_is_415_with_a_problem_document(string contentType)
    {
        var content = new StringContent(Sample("laps-entra-id-backup.xml"), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);

        using var response = await _client.PostAsync(new Uri("/devices/PC-1/syncml", UriKind.Relative), content);

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await _client.GetAsync(new Uri("/devices/PC-1", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NotFound, "a refused request creates nothing");
    }

    [Test]
    public async Task Content_type_with_a_charset_parameter_is_accepted()
    {
        var content = Content(Sample("laps-entra-id-backup.xml"));
        content.Headers.ContentType!.CharSet = "utf-8";

        using var response = await _client.PostAsync(new Uri("/devices/PC-1/syncml", UriKind.Relative), content);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task Malformed_XML_is_400_with_line_and_column()
    {
        using var response = await Post(_client, "PC-1", "<SyncML xmlns=\"SYNCML:SYNCML1.2\">\n  <SyncHdr>\n    <VerDTD>1.2</VerDTD\n</SyncML>");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        problem!["code"]!.GetValue<string>().Should().Be("xml");
        problem["line"]!.GetValue<int>().Should().Be(4);
        problem["column"]!.GetValue<int>().Should().BeGreaterThan(0);
        problem["type"]!.GetValue<string>().Should().Be("urn:lapscsp:problem:syncml-unreadable");
        problem["errors"]!.AsArray().Should().NotBeEmpty();
    }

    [Test]
    public async Task A_DTD_with_entities_is_400_and_nothing_is_expanded()
    {
        const string bomb = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
            <SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>&lol2;</SyncBody></SyncML>
            """;

        using var response = await Post(_client, "PC-1", bomb);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().Should().Be("dtd");
    }

    [Test]
    public async Task A_body_above_the_cap_is_413_by_its_Content_Length()
    {
        var big = Package($"<Add><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/AdministratorAccountName</LocURI></Target><Data>{new string('x', 5 * 1024 * 1024)}</Data></Item></Add>");

        using var response = await Post(_client, "PC-1", big);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["maxBytes"]!.GetValue<long>().Should().Be(4 * 1024 * 1024);
    }

    [Test]
    public async Task A_chunked_body_above_the_cap_is_413_while_reading()
    {
        var bytes = Encoding.UTF8.GetBytes(new string(' ', 5 * 1024 * 1024));
        var content = new StreamContent(new MemoryStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.syncml.dm+xml");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/devices/PC-1/syncml", UriKind.Relative)) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
    }

    [Test]
    public async Task An_empty_body_is_400()
    {
        using var response = await Post(_client, "PC-1", "");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().Should().Be("empty");
    }

    [Test]
    public async Task Invalid_UTF8_is_400()
    {
        using var response = await _client.PostAsync(new Uri("/devices/PC-1/syncml", UriKind.Relative),
            Content([.. Encoding.UTF8.GetBytes("<SyncML xmlns=\"SYNCML:SYNCML1.2\">"), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("</SyncML>")]));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Deep_nesting_is_400_too_deep()
    {
        var deep = string.Concat(Enumerable.Repeat("<Atomic><CmdID>1</CmdID>", 5000)) + string.Concat(Enumerable.Repeat("</Atomic>", 5000));

        using var response = await Post(_client, "PC-1", Package(deep));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().Should().Be("too-deep");
    }

    [Test]
    public async Task Too_many_commands_is_400()
    {
        var many = string.Concat(Enumerable.Range(1, 60_000).Select(i => $"<Get><CmdID>{i}</CmdID></Get>"));

        using var response = await Post(_client, "PC-1", Package(many));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().Should().Be("too-many-commands");
    }

    [Test]
    public async Task After_hostile_requests_the_server_still_answers()
    {
        (await Post(_client, "PC-1", "<<<")).Dispose();
        (await Post(_client, "PC-1", "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncBody>")).Dispose();

        using var response = await Post(_client, "PC-1", Sample("laps-entra-id-backup.xml"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task The_printed_CSP_sample_needs_lenient_and_then_gets_warnings_in_headers()
    {
        var printed = Sample("printed-laps-entra-id-backup.xml");

        using var strict = await Post(_client, "PC-1", printed);
        using var lenient = await Post(_client, "PC-1", printed, "?lenient=true");

        strict.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        lenient.StatusCode.Should().Be(HttpStatusCode.OK);
        lenient.Headers.GetValues("X-LapsCsp-Warning").Should().Contain(w => w.Contains("no-header", StringComparison.Ordinal) || w.Contains("root", StringComparison.Ordinal));
        lenient.Headers.GetValues("X-LapsCsp-Session").Should().Equal("none");
        Statuses(await lenient.Content.ReadAsStringAsync()).Should().HaveCount(8).And.OnlyContain(s => s.EndsWith(":200", StringComparison.Ordinal));
    }

    [TestCase("a\\b", TestName = "A_device_id_with_a_backslash_is_refused")]
    [TestCase("has space\u0001", TestName = "A_device_id_with_a_control_character_is_refused")]
    public async Task A_bad_device_id_is_400(string deviceId)
    {
        using var response = await _client.PostAsync(new Uri($"/devices/{Uri.EscapeDataString(deviceId)}/syncml", UriKind.Relative),
            Content(Sample("laps-entra-id-backup.xml")));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Many_devices_in_parallel_each_get_their_own_answer()
    {
        var tasks = Enumerable.Range(1, 24).Select(async i =>
        {
            using var response = await Post(_client, $"PAR-{i}", Sample("laps-entra-id-backup.xml"));
            return (response.StatusCode, Statuses(await response.Content.ReadAsStringAsync()));
        });

        var results = await Task.WhenAll(tasks);

        results.Should().OnlyContain(r => r.StatusCode == HttpStatusCode.OK && r.Item2.Count == 8);
        using var list = await _client.GetAsync(new Uri("/devices?top=1000", UriKind.Relative));
        (await list.Content.ReadFromJsonAsync<JsonObject>())!["value"]!.AsArray().Should().HaveCount(24);
    }

    [Test]
    public async Task Concurrent_messages_to_one_device_run_one_at_a_time()
    {
        var adds = Enumerable.Range(1, 20).Select(async i =>
        {
            var body = $"<Add><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Accounts/Users/u{i}/Password</LocURI></Target><Data>P@ss-{i}-word!</Data></Item></Add>";
            using var response = await Post(_client, "ONE", Package(body));
            return Statuses(await response.Content.ReadAsStringAsync());
        });

        var replies = await Task.WhenAll(adds);

        replies.Should().OnlyContain(r => r.SequenceEqual(new[] { "SyncHdr:200", "Add:200" }));
        using var device = await _client.GetAsync(new Uri("/devices/ONE", UriKind.Relative));
        (await device.Content.ReadFromJsonAsync<JsonObject>())!["accounts"]!.AsArray()
            .Count(a => a!["name"]!.GetValue<string>().StartsWith('u')).Should().Be(20);
    }
}
