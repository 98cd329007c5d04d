using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using LapsCsp.Robustness.Tests.Support;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;

namespace LapsCsp.Robustness.Tests.BadInputs;

/// <summary>Issue 7 item 5: every row of BadInputs/matrix.tsv through the strict reader and a device (outcome, allocation
/// and time bounds) and through the server's SyncML endpoint in process (HTTP status and problem code, or the reply).</summary>
/// <remarks>Set LAPSCSP_BADINPUT_PRINT=1 to print each row's actual outcome in the table's format (to add a row).</remarks>
[NonParallelizable]
public sealed class BadInputMatrixTests
{
    private static InMemoryServer? s_server;
    private static HttpClient? s_client;
    private static int s_device;

    public static IEnumerable<TestCaseData> Rows() =>
        BadInputMatrix.Load().Select(c => new TestCaseData(c).SetName(c.Name));

    [OneTimeSetUp]
    public void StartServer()
    {
        s_server = InMemoryServer.Start();
        s_client = s_server.CreateClient();
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        s_client?.Dispose();
        if (s_server is not null) await s_server.DisposeAsync();
    }

    [Test]
    public void The_matrix_covers_every_kind_of_bad_input_the_issue_names()
    {
        var names = BadInputMatrix.Load().Select(c => c.Name).ToList();
        string[] kinds = ["malformed", "DTD", "entity", "truncated", "empty", "UTF8", "root", "namespace", "deep", "value", "URI",
            "commands", "percent", "overflow", "control"];
        foreach (var kind in kinds) names.Should().Contain(n => n.Contains(kind, StringComparison.OrdinalIgnoreCase), kind);
        names.Should().OnlyHaveUniqueItems();
    }

    [TestCaseSource(nameof(Rows))]
    public void Reader_and_device(BadInputCase c)
    {
        var input = BadInputMatrix.Bytes(c);
        var watch = Stopwatch.StartNew();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var read = SyncMLReader.Read(input, SyncMLReaderOptions.Strict);
        string reader, device = "-";
        if (read.Succeeded)
        {
            using var simulated = TestDevice.Create();
            var reply = simulated.Apply(read.Message);
            reader = "accept";
            device = Statuses(reply.Message);
        }
        else
        {
            var error = read.Errors.First();
            reader = "refuse:" + error.Code;
            error.Message.Should().NotBeNullOrWhiteSpace();
            if (error.Code is not ("empty" or "too-large")) error.Line.Should().BePositive($"'{error}' says where the problem is");
            error.ToString().Should().NotContain("   at ", "a refusal is a message, never a stack trace");
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        var elapsed = watch.Elapsed;
        Print(c, $"reader\t{reader}\t{device}\t{allocated / 1_000_000.0:0.0} MB\t{elapsed.TotalSeconds:0.00} s");

        reader.Should().Be(c.Reader, c.Why);
        device.Should().Be(c.Device, c.Why);
        allocated.Should().BeLessThan(c.MaxMegabytes * 1_000_000L, $"reading and answering {input.Length:N0} bytes stays within {c.MaxMegabytes} MB");
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(c.MaxSeconds), "a generous safety bound, not a benchmark");
    }

    [TestCaseSource(nameof(Rows))]
    public async Task Server_endpoint(BadInputCase c)
    {
        var input = BadInputMatrix.Bytes(c);
        var deviceId = "BAD-" + Interlocked.Increment(ref s_device).ToString(CultureInfo.InvariantCulture);
        var watch = Stopwatch.StartNew();
        using var response = await s_client!.PostAsync(new Uri($"/devices/{deviceId}/syncml", UriKind.Relative), InMemoryServer.SyncMLContent(input));
        var body = await response.Content.ReadAsByteArrayAsync();
        var elapsed = watch.Elapsed;
        string http;
        if (response.StatusCode == HttpStatusCode.OK)
        {
            // A reply is not bounded by the request's size: 50,000 Gets (4 MB) answer with 25 MB. The device does not split
            // replies by the server's MaxMsgSize, so read them with a larger size cap (all other limits strict).
            var reply = SyncMLReader.Read(body, SyncMLReaderOptions.Strict with { MaxMessageBytes = 256L * 1024 * 1024 });
            reply.Succeeded.Should().BeTrue("the server's reply is SyncML our reader accepts");
            http = "200";
            Statuses(reply.Message!).Should().Be(c.Device, "the server answers as the device does");
        }
        else
        {
            response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
            using var problem = JsonDocument.Parse(body);
            var root = problem.RootElement;
            root.GetProperty("detail").GetString().Should().NotBeNullOrWhiteSpace("a refusal says why");
            root.GetProperty("detail").GetString().Should().NotContain("   at ", "never a stack trace");
            http = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            if (root.TryGetProperty("code", out var code)) http += ":" + code.GetString();
            else if (root.GetProperty("type").GetString()!.EndsWith(":session", StringComparison.Ordinal)) http += ":session";
        }

        Print(c, $"http\t{http}\t{elapsed.TotalSeconds:0.00} s");
        http.Should().Be(c.Http, c.Why);
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(c.MaxSeconds), "a generous safety bound, not a benchmark");
        if (response.StatusCode != HttpStatusCode.OK)
        {
            using var device = await s_client.GetAsync(new Uri($"/devices/{deviceId}", UriKind.Relative));
            device.StatusCode.Should().Be(HttpStatusCode.NotFound, "a refused message creates no device");
        }
    }

    /// <summary>The same inputs at the MDM server's management endpoint, as if an enrolled device sent them: refused with 413
    /// (above MaxSyncMLBytes), 400 (the reader refuses it) or 401 (readable, but from no enrolled device); never a 500, never
    /// an enrolled device out of it.</summary>
    [TestCaseSource(nameof(Rows))]
    public async Task Mdm_management_endpoint(BadInputCase c)
    {
        var input = BadInputMatrix.Bytes(c);
        using var response = await s_client!.PostAsync(new Uri("/ManagementServer/MDM.svc", UriKind.Relative), InMemoryServer.SyncMLContent(input));
        var body = await response.Content.ReadAsStringAsync();

        var expected = input.Length > new LapsCsp.Server.Hosting.ServerOptions().MaxSyncMLBytes ? HttpStatusCode.RequestEntityTooLarge
            : c.Reader.StartsWith("refuse", StringComparison.Ordinal) ? HttpStatusCode.BadRequest
            : HttpStatusCode.Unauthorized;
        response.StatusCode.Should().Be(expected, c.Why);
        body.Should().NotContain("   at ", "never a stack trace");
        using var list = await s_client.GetAsync(new Uri("/dashboard/api/devices?source=enrolled", UriKind.Relative));
        list.StatusCode.Should().Be(HttpStatusCode.OK);
        using var devices = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
        devices.RootElement.GetProperty("total").GetInt32().Should().Be(0, "a message from no enrolled device enrolls nothing");
    }

    /// <summary>Statuses as "Cmd:code" in order; a long reply is summarised as counts after its first ten.</summary>
    private static string Statuses(SyncMLMessage reply)
    {
        var statuses = reply.Commands.OfType<StatusCommand>().Select(s => $"{s.Cmd}:{s.Code}").ToList();
        if (statuses.Count <= 10) return string.Join(' ', statuses);
        var rest = statuses.Skip(10).GroupBy(s => s).Select(g => $"{g.Key}x{g.Count()}");
        return string.Join(' ', statuses.Take(10)) + " ... " + string.Join(' ', rest);
    }

    private static void Print(BadInputCase c, string line)
    {
        if (Environment.GetEnvironmentVariable("LAPSCSP_BADINPUT_PRINT") == "1") TestContext.Progress.WriteLine($"{c.Name}\t{line}");
    }
}
