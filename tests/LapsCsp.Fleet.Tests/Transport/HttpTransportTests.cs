using System.Collections.Immutable;
using System.Text;
using LapsCsp.Enrollment.Client;
using LapsCsp.Enrollment.Server;
using LapsCsp.Fleet.Runner;
using LapsCsp.Fleet.Session;
using LapsCsp.Fleet.Tests.Support;
using LapsCsp.Fleet.Transport;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Fleet.Tests.Transport;

/// <summary>The HTTP transport against a real loopback socket, well-behaved and not.</summary>
public class HttpTransportTests
{
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromMilliseconds(300);

    /// <summary>Serves the scripted server over HTTP, with <paramref name="misbehave"/> choosing what happens to the n-th
    /// management request (null: answer normally).</summary>
    private static async Task<(LoopbackHttpServer Http, ScriptedMdmServer Mdm)> ServeAsync(TimeProvider time, Func<int, LoopbackReply?>? misbehave = null)
    {
        ScriptedMdmServer? mdm = null;
        var management = 0;
        var http = new LoopbackHttpServer(async request =>
        {
            var url = new Uri(mdm!.DiscoveryUrl, request.Target);
            if (request.Target.StartsWith(EnrollmentServerOptions.ManagementPath, StringComparison.Ordinal))
            {
                if (misbehave?.Invoke(Interlocked.Increment(ref management)) is { } bad) return bad;
                var answer = await mdm.SendAsync(new ManagementRequest(url, [], request.Body, ""), CancellationToken.None);
                return new LoopbackReply.Http(answer.StatusCode, answer.ContentType ?? "", answer.Body);
            }

            var body = request.Body.Length == 0 ? null : Encoding.UTF8.GetString(request.Body);
            var response = await mdm.SendEnrollmentAsync(new EnrollmentHttpRequest(request.Method, url, [], body), CancellationToken.None);
            return new LoopbackReply.Http(response.StatusCode, response.ContentType ?? "text/plain", Encoding.UTF8.GetBytes(response.Body));
        });
        mdm = new ScriptedMdmServer(time, new ScriptedServerOptions
        {
            OnCheckIn = d => d.StatusCodes.Keys.Any(k => k.StartsWith("Atomic:", StringComparison.Ordinal)) ? null : [SessionKit.EntraLapsPolicy()],
        }, EnrollmentServerOptions.ForBaseUrl(http.BaseUrl));
        await Task.CompletedTask;
        return (http, mdm);
    }

    [Test]
    public async Task Over_HTTP_a_message_goes_to_ADDR_with_the_query_and_headers_of_Windows()
    {
        var time = new FakeTimeProvider(FleetTestKit.Start);
        var (http, mdm) = await ServeAsync(time);
        await using var _ = http;
        using var connection = new HttpMdmServerConnection(mdm.DiscoveryUrl);
        var identity = await EnrollOverAsync(connection, time);
        var state = SessionKit.StateFor(identity);
        var client = new DmClient(connection, new SimulatedDeviceHandler(SessionKit.DeviceFor(identity, time)), new LapsCsp.Fleet.Scheduling.SessionClock(FleetTestKit.Start));

        var result = await client.RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.PostEnrollment);

        result.Outcome.Should().Be(SessionOutcome.Completed);
        var posts = http.Requests.Where(r => r.Target.StartsWith("/ManagementServer", StringComparison.Ordinal)).ToList();
        posts.Should().HaveCount(2);
        posts[0].Method.Should().Be("POST");
        posts[0].Target.Should().Be("/ManagementServer/MDM.svc?mode=Maintenance&Platform=WoA");
        posts[0].Header("User-Agent").Should().Be("MSFT OMA DM Client/1.2.0.1");
        posts[0].Header("Content-Type").Should().Be("application/vnd.syncml.dm+xml");
        posts[0].Header("Accept").Should().Be("application/vnd.syncml.dm+xml, application/vnd.syncml.dm+wbxml, application/octet-stream");
        posts[0].Header("Accept-Charset").Should().Be("UTF-8");
        posts[0].Header("Client-Request-Id").Should().Be("0");
        posts[0].Header("Ms-Cv").Should().Be("AAAAAAAAAAAAAAAA.0.0.0");
        posts[1].Header("Ms-Cv").Should().Be("AAAAAAAAAAAAAAAA.0.0.0", "the correlation vector changes per session, not per message");
        Encoding.UTF8.GetString(posts[0].Body).Should().StartWith("<SyncML xmlns=\"SYNCML:SYNCML1.2\">");
    }

    [Test]
    public async Task A_fleet_enrolls_and_checks_in_over_loopback_HTTP()
    {
        var holder = new FakeTimeProvider(FleetOptions.DefaultStart);
        var (http, mdm) = await ServeAsync(holder);
        await using var _ = http;
        using var connection = new HttpMdmServerConnection(mdm.DiscoveryUrl);
        using var runner = new FleetRunner(new FleetOptions { Devices = 4, Days = 0.5, Faults = FaultPlan.None }, connection);

        var report = await runner.RunAsync();

        report.Enrollments.Should().Be(4);
        report.DevicesByKind["laps-backed-up:EntraId"].Should().Be(4);
        report.SessionsByOutcome.Keys.Should().Equal("Completed");
        report.Settings.Server.Should().Be(http.BaseUrl.GetLeftPart(UriPartial.Authority));
    }

    [Test]
    public async Task A_fleet_facing_a_server_that_answers_garbage_hangs_and_drops_connections_keeps_running_and_reports_each_fault()
    {
        var (http, mdm) = await ServeAsync(new FakeTimeProvider(FleetOptions.DefaultStart), n => (n % 9) switch
        {
            2 => new LoopbackReply.Http(200, "application/vnd.syncml.dm+xml", Encoding.UTF8.GetBytes("<html>not SyncML</html>")),
            4 => new LoopbackReply.Garbage([0x17, 0x03, 0x03, 0xFF, 0x00]),
            6 => new LoopbackReply.Drop(),
            7 => n < 20 ? new LoopbackReply.Hang() : null,
            8 => new LoopbackReply.Http(500, "text/plain", Encoding.UTF8.GetBytes("boom")),
            _ => null,
        });
        await using var _ = http;
        using var connection = new HttpMdmServerConnection(mdm.DiscoveryUrl, new HttpConnectionOptions { RequestTimeout = ShortTimeout });
        using var runner = new FleetRunner(new FleetOptions { Devices = 3, Days = 0.25, Faults = FaultPlan.None }, connection);

        var report = await runner.RunAsync();

        report.Enrollments.Should().Be(3);
        report.Sessions.Should().BeGreaterThan(20, "the fleet went on checking in on schedule");
        report.SessionsByOutcome["Completed"].Should().BeGreaterThan(0);
        report.Faults.Keys.Should().Contain(["transport:ConnectionFailed", "transport:Timeout", "http:500"]);
        report.SessionFailures.Keys.Should().Contain("unreadable-reply");
        report.DeviceErrors.Should().BeEmpty();
    }

    [Test]
    public async Task A_server_that_answers_garbage_to_enrollment_is_reported_and_retried_every_hour()
    {
        await using var http = new LoopbackHttpServer(_ => Task.FromResult<LoopbackReply>(
            new LoopbackReply.Http(200, "application/soap+xml", Encoding.UTF8.GetBytes("<<<garbage"))));
        using var connection = new HttpMdmServerConnection(new Uri(http.BaseUrl, "/EnrollmentServer/Discovery.svc"));
        using var runner = new FleetRunner(new FleetOptions { Devices = 2, Days = 0.5, Faults = FaultPlan.None, EnrollmentSpread = TimeSpan.Zero }, connection);

        var report = await runner.RunAsync();

        report.DevicesByState.Should().Equal(new Dictionary<string, long> { ["never-enrolled"] = 2 });
        report.EnrollmentAttempts.Should().Be(2 * 13);
        report.EnrollmentFailures.Should().Equal(new Dictionary<string, long> { ["Discovery:MalformedResponse"] = 26 });
    }

    [Test]
    public async Task Without_an_answer_in_time_the_exchange_is_a_timeout_and_a_dropped_connection_a_connection_failure()
    {
        await using var http = new LoopbackHttpServer(request => Task.FromResult<LoopbackReply>(
            request.Target.Contains("hang", StringComparison.Ordinal) ? new LoopbackReply.Hang() : new LoopbackReply.Drop()));
        using var connection = new HttpMdmServerConnection(new Uri(http.BaseUrl, "/d"), new HttpConnectionOptions { RequestTimeout = ShortTimeout });
        ManagementRequest Post(string path) => new(new Uri(http.BaseUrl, path), ImmutableArray<KeyValuePair<string, string>>.Empty, [1, 2, 3], "dev");

        var timeout = await FluentActions.Awaiting(() => connection.SendAsync(Post("/hang"), CancellationToken.None)).Should().ThrowAsync<ManagementTransportException>();
        timeout.Which.Kind.Should().Be(TransportFaultKind.Timeout);
        var dropped = await FluentActions.Awaiting(() => connection.SendAsync(Post("/drop"), CancellationToken.None)).Should().ThrowAsync<ManagementTransportException>();
        dropped.Which.Kind.Should().Be(TransportFaultKind.ConnectionFailed);
    }

    [Test]
    public async Task Over_HTTPS_the_device_presents_its_enrollment_certificate_and_trusts_the_server_through_its_provisioned_root()
    {
        var time = new FakeTimeProvider(FleetTestKit.Start);
        var identity = await SessionKit.EnrollAsync(new ScriptedMdmServer(time), time);
        using var serverKey = FleetTestKit.Keys.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", serverKey,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var serverCertificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await using var https = new LoopbackHttpServer(_ => Task.FromResult<LoopbackReply>(new LoopbackReply.Http(200, "application/vnd.syncml.dm+xml", [])),
            serverCertificate);
        using var connection = new HttpMdmServerConnection(new Uri(https.BaseUrl, "/EnrollmentServer/Discovery.svc"));
        var tls = new ClientTlsCertificate(identity.ClientCertificate, identity.PrivateKeyPkcs8);
        ManagementRequest Post(ClientTlsCertificate certificate) =>
            new(new Uri(https.BaseUrl, "/ManagementServer/MDM.svc"), [], [1], identity.DeviceId) { ClientCertificate = certificate };

        var untrusted = await FluentActions.Awaiting(() => connection.SendAsync(Post(tls), CancellationToken.None)).Should().ThrowAsync<ManagementTransportException>();
        untrusted.Which.Kind.Should().Be(TransportFaultKind.Tls, "a self-signed server certificate the device was never given is refused");

        var answer = await connection.SendAsync(Post(tls with { TrustedRoots = [serverCertificate.RawData] }), CancellationToken.None);

        answer.StatusCode.Should().Be(200);
        https.ClientCertificates.Last().Should().Equal(identity.ClientCertificate, "the device presents the certificate of its provisioning document");
    }

    private static async Task<Enrollment.Identity.DeviceEnrollmentIdentity> EnrollOverAsync(HttpMdmServerConnection connection, TimeProvider time)
    {
        var profile = Enrollment.Identity.DeviceProfile.Generate(new Random(5), "user@example.test");
        var client = new EnrollmentClient(r => connection.SendEnrollmentAsync(r, CancellationToken.None), time,
            new EnrollmentClientOptions { DiscoveryUrl = connection.DiscoveryUrl.ToString(), KeyFactory = FleetTestKit.Keys.Create });
        var outcome = await client.EnrollAsync(profile, Enrollment.Security.EnrollmentCredential.UsernamePassword("u", "p"));
        outcome.Succeeded.Should().BeTrue(outcome.ToString());
        return outcome.Identity!;
    }
}
