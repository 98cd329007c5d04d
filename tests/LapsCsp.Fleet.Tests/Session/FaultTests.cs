using System.Text;
using LapsCsp.Enrollment.Server;
using LapsCsp.Fleet.Scheduling;
using LapsCsp.Fleet.Session;
using LapsCsp.Fleet.Tests.Support;
using LapsCsp.Fleet.Transport;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Fleet.Tests.Session;

/// <summary>Network faults go through the Polly pipeline the way a device retries (MDE2 §2.2.9.5 CONNRETRYFREQ,
/// INITIALBACKOFFTIME, MAXBACKOFFTIME), on the session's virtual clock.</summary>
public class FaultTests
{
    private static ManagementResponse Status(int code, params (string, string)[] headers) =>
        new(code, "text/plain", Encoding.UTF8.GetBytes("x")) { Headers = [.. headers.Select(h => new KeyValuePair<string, string>(h.Item1, h.Item2))] };

    private static async Task<(SessionResult Result, RecordingChannel Channel, SessionClock Clock)> RunAsync(
        Func<ManagementRequest, int, ManagementResponse> respond, ConnectionRetrySettings? retry = null)
    {
        var channel = new RecordingChannel(respond);
        var clock = new SessionClock(FleetTestKit.Start);
        var state = SessionKit.R20Device with { Retry = retry ?? new ConnectionRetrySettings() };
        var result = await SessionKit.Client(channel, new FixedCodeDevice("200"), clock).RunSessionAsync(state, SessionKit.NoAuth, SessionTrigger.Scheduled);
        return (result, channel, clock);
    }

    private static ManagementResponse Refused(ManagementRequest request, int attempt) =>
        throw new ManagementTransportException(TransportFaultKind.ConnectionFailed, "connection refused");

    [Test]
    public async Task A_connection_failure_is_retried_after_16_then_32_seconds_of_virtual_time()
    {
        var (result, channel, clock) = await RunAsync((r, i) => i < 2 ? Refused(r, i) : RecordingChannel.Ok(""));

        result.Outcome.Should().Be(SessionOutcome.Completed);
        result.Retries.Should().Be(2);
        channel.Requests.Should().HaveCount(3);
        result.Duration.Should().Be(TimeSpan.FromSeconds(16 + 32));
        clock.GetUtcNow().Should().Be(FleetTestKit.Start.AddSeconds(48));
        result.AttemptFaults.Select(f => f.Key).Should().Equal("transport:ConnectionFailed", "transport:ConnectionFailed");
    }

    [Test]
    public async Task After_CONNRETRYFREQ_retries_the_session_fails_with_every_attempt_recorded()
    {
        var (result, channel, _) = await RunAsync(Refused);

        result.Outcome.Should().Be(SessionOutcome.Failed);
        result.Failure!.Kind.Should().Be(SessionFailureKind.Transport);
        channel.Requests.Should().HaveCount(4);
        result.AttemptFaults.Should().HaveCount(4);
        result.Duration.Should().Be(TimeSpan.FromSeconds(16 + 32 + 64));
    }

    [Test]
    public async Task Backoff_stops_growing_at_MAXBACKOFFTIME_as_Fleet_provisions_it()
    {
        var fleet = new ConnectionRetrySettings { Retries = 6, InitialBackoff = TimeSpan.FromSeconds(30), MaxBackoff = TimeSpan.FromSeconds(120) };
        var (result, _, _) = await RunAsync(Refused, fleet);

        result.Duration.Should().Be(TimeSpan.FromSeconds(30 + 60 + 120 + 120 + 120 + 120));
    }

    [Test]
    public async Task A_timeout_counts_as_a_transport_fault_of_its_own_kind()
    {
        var (result, _, _) = await RunAsync((_, i) => i == 0 ? throw new TimeoutException("no answer") : RecordingChannel.Ok(""));

        result.Outcome.Should().Be(SessionOutcome.Completed);
        result.AttemptFaults.Single().Key.Should().Be("transport:Timeout");
    }

    [Test]
    public async Task A_5xx_answer_is_retried_and_a_4xx_answer_is_not()
    {
        var (retried, _, _) = await RunAsync((_, i) => i == 0 ? Status(503) : RecordingChannel.Ok(""));
        retried.Outcome.Should().Be(SessionOutcome.Completed);
        retried.AttemptFaults.Single().Key.Should().Be("http:503");

        var (refused, channel, _) = await RunAsync((_, _) => Status(404));
        refused.Outcome.Should().Be(SessionOutcome.Failed);
        refused.Failure!.Key.Should().Be("http:404");
        channel.Requests.Should().HaveCount(1);
    }

    [Test]
    public async Task A_429_waits_for_Retry_After_as_Windows_10_2004_and_later_do()
    {
        var (result, _, _) = await RunAsync((_, i) => i == 0 ? Status(429, ("Retry-After", "120")) : RecordingChannel.Ok(""));

        result.Outcome.Should().Be(SessionOutcome.Completed);
        result.Duration.Should().Be(TimeSpan.FromSeconds(120));
    }

    [TestCase("<html><body>502 Bad Gateway</body></html>", TestName = "An_HTML_page_is_an_unreadable_reply")]
    [TestCase("<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD>", TestName = "A_truncated_message_is_an_unreadable_reply")]
    [TestCase("\u0000\u0001garbage\u00ff", TestName = "Binary_garbage_is_an_unreadable_reply")]
    [TestCase("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><s:Fault/></s:Body></s:Envelope>",
        TestName = "A_SOAP_fault_from_the_management_URL_as_Fleet_sends_is_an_unreadable_reply")]
    public async Task Garbage_ends_the_session_without_retrying(string body)
    {
        var (result, channel, _) = await RunAsync((_, _) => RecordingChannel.Ok(body));

        result.Outcome.Should().Be(SessionOutcome.Failed);
        result.Failure!.Kind.Should().Be(SessionFailureKind.UnreadableReply);
        channel.Requests.Should().HaveCount(1);
    }

    [Test]
    public async Task The_retry_settings_come_from_the_w7_APPLICATION_of_the_provisioning_document()
    {
        var time = new FakeTimeProvider(FleetTestKit.Start);
        var options = EnrollmentServerOptions.ForBaseUrl(new Uri(FleetTestKit.BaseUrl)) with
        {
            ConnectionRetryFrequency = 6,
            InitialBackoffTimeMilliseconds = 30000,
            MaxBackoffTimeMilliseconds = 120000,
        };
        var server = new ScriptedMdmServer(time, enrollment: options);
        var identity = await SessionKit.EnrollAsync(server, time);

        ConnectionRetrySettings.From(identity).Should().Be(new ConnectionRetrySettings
        {
            Retries = 6,
            InitialBackoff = TimeSpan.FromSeconds(30),
            MaxBackoff = TimeSpan.FromSeconds(120),
        });
    }
}
