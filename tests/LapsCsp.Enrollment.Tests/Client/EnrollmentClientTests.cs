using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LapsCsp.Enrollment.Client;
using LapsCsp.Enrollment.Csr;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Security;
using LapsCsp.Enrollment.Server;
using LapsCsp.Enrollment.Soap;
using LapsCsp.Enrollment.Wstep;
using Microsoft.Extensions.Time.Testing;
using static LapsCsp.Enrollment.Tests.EnrollmentTestKit;

namespace LapsCsp.Enrollment.Tests.Client;

public class EnrollmentClientTests
{
    private static readonly EnrollmentCredential s_good = EnrollmentCredential.UsernamePassword("demo@example.test", "s3cret");

    private static async Task<(EnrollmentOutcome Outcome, List<EnrolledDevice> Devices)> Enroll(EnrollmentServer server, EnrollmentCredential? credential = null,
        DeviceProfile? device = null, EnrollmentClientOptions? options = null, Func<EnrollmentHttpRequest, EnrollmentHttpResponse?>? @override = null)
    {
        var devices = new List<EnrolledDevice>();
        var client = new EnrollmentClient(Transport(server, @override, devices), new FakeTimeProvider(Start), options ?? ClientOptions);
        var outcome = await client.EnrollAsync(device ?? WindowsVm, credential ?? s_good);
        return (outcome, devices);
    }

    [Test]
    public async Task A_full_enrollment_in_memory_gives_a_certificate_for_the_DeviceID_that_chains_to_the_CA()
    {
        var server = NewServer();
        var (outcome, _) = await Enroll(server);

        outcome.Succeeded.Should().BeTrue(outcome.ToString());
        outcome.Diagnostics.Should().BeEmpty();
        var identity = outcome.Identity!;
        using var certificate = identity.LoadClientCertificateWithKey();
        certificate.HasPrivateKey.Should().BeTrue();
        certificate.Subject.Should().Be("CN=" + WindowsVm.DeviceId);
        Authority.Verify(certificate, Start).Should().BeTrue();
        identity.RootCertificates.Should().ContainSingle().Which.Should().Equal(Authority.RootCertificate.RawData);
        identity.DeviceId.Should().Be(WindowsVm.DeviceId);
        identity.HwDevId.Should().Be(WindowsVm.HwDevId);
        identity.EnrolledAt.Should().Be(Start);
        identity.State.Should().Be(EnrollmentState.Enrolled);
    }

    [Test]
    public async Task The_client_reads_back_the_settings_the_server_provisioned()
    {
        var options = ServerOptions with
        {
            ProviderId = "Contoso MDM", ServerName = "Contoso", ConnectionRetryFrequency = 6, InitialBackoffTimeMilliseconds = 30_000,
            MaxBackoffTimeMilliseconds = 120_000, DmClientParameters = [new("EntDMID", "ent-1")],
        };
        var (outcome, _) = await Enroll(NewServer(options));
        var identity = outcome.Identity!;

        identity.ManagementUrl.Should().Be(BaseUrl + "/ManagementServer/MDM.svc");
        identity.ProviderId.Should().Be("Contoso MDM");
        identity.ServerName.Should().Be("Contoso");
        identity.Poll.Should().Be(options.Poll);
        identity.ConnectionRetryFrequency.Should().Be(6);
        identity.InitialBackoff.Should().Be(TimeSpan.FromSeconds(30));
        identity.MaxBackoff.Should().Be(TimeSpan.FromMinutes(2));
        identity.DmClientParameters.Should().Equal(new Dictionary<string, string> { ["EntDMID"] = "ent-1" });
        identity.DefaultEncoding.Should().Be("application/vnd.syncml.dm+xml");
        identity.DmAccountNodeName.Should().Be(DmAccount.NodeName("Contoso MDM"));
    }

    [Test]
    public async Task The_device_digest_credential_matches_what_the_server_recorded()
    {
        var (outcome, devices) = await Enroll(NewServer());
        var recorded = devices.Single();
        var identity = outcome.Identity!;
        string nonce = OmaDigest.NewNonce();

        identity.DeviceCredential.Should().Be(recorded.DeviceCredential);
        identity.ServerCredential!.Secret.Should().Be(recorded.ServerCredential!.Secret);
        OmaDigest.Verify(recorded.DeviceCredential!.Name, recorded.DeviceCredential.Secret, OmaDigest.NonceBytes(nonce),
            identity.DeviceCredential!.ComputeCred(nonce)).Should().BeTrue();
        identity.ClientCertificate.Should().Equal(recorded.Certificate);
    }

    [Test]
    public async Task The_client_sends_probe_discover_policy_and_RST_with_Windows_headers()
    {
        var (outcome, _) = await Enroll(NewServer());

        outcome.Exchanges.Select(e => (e.Step, e.Request.Method, e.Request.Url.AbsolutePath)).Should().Equal(
            (EnrollmentStep.Probe, "GET", "/EnrollmentServer/Discovery.svc"),
            (EnrollmentStep.Discovery, "POST", "/EnrollmentServer/Discovery.svc"),
            (EnrollmentStep.Policy, "POST", "/EnrollmentServer/Policy.svc"),
            (EnrollmentStep.Enrollment, "POST", "/EnrollmentServer/Enrollment.svc"));
        var probe = outcome.Exchanges[0].Request;
        probe.Body.Should().BeNull();
        probe.Headers.Select(h => h.Key + ": " + h.Value).Should().Equal("Cache-Control: no-cache", "Pragma: no-cache", "User-Agent: ENROLLClient");
        outcome.Exchanges.Skip(1).Should().OnlyContain(e => e.Request.Header("Content-Type") == "application/soap+xml; charset=utf-8"
            && e.Request.Header("User-Agent") == "ENROLLClient");
        outcome.Exchanges[1].Request.Body.Should().Contain("urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478", "Windows' fixed MessageID");
    }

    [Test]
    public async Task The_CSR_follows_the_policy_hash_and_key_length()
    {
        var (outcome, _) = await Enroll(NewServer(ServerOptions with { MinimalKeyLength = 3072 }));
        var rst = WstepMessages.ReadRequest(outcome.Exchanges.Single(e => e.Step == EnrollmentStep.Enrollment).Request.Body).Value!.Body;
        CertificateSigningRequest.TryReadBase64(rst.CertificateRequest, out var csr, out _);

        csr!.SignatureAlgorithmOid.Should().Be(SignatureAlgorithms.Sha256WithRsa);
        csr.KeySizeBits.Should().Be(3072);
        csr.DeviceIdFromSubject.Should().Be(WindowsVm.DeviceId);
        outcome.Identity!.LoadPrivateKey().KeySize.Should().Be(3072);
    }

    [Test]
    public async Task Without_a_policy_URL_the_client_skips_MS_XCEP_and_signs_with_SHA1()
    {
        var server = NewServer();
        var (outcome, _) = await Enroll(server, @override: request =>
        {
            if (request.Body is null || request.Url.AbsolutePath != "/EnrollmentServer/Discovery.svc")
            {
                return null;
            }

            string body = server.Discover(request.Body).Body;
            int start = body.IndexOf("<EnrollmentPolicyServiceUrl>", StringComparison.Ordinal);
            int end = body.IndexOf("</EnrollmentPolicyServiceUrl>", StringComparison.Ordinal) + "</EnrollmentPolicyServiceUrl>".Length;
            return new EnrollmentHttpResponse(200, EnrollmentServerResponse.SoapContentType, body.Remove(start, end - start));
        });

        outcome.Succeeded.Should().BeTrue(outcome.ToString());
        outcome.Exchanges.Should().NotContain(e => e.Step == EnrollmentStep.Policy);
        var rst = WstepMessages.ReadRequest(outcome.Exchanges.Last().Request.Body).Value!.Body;
        CertificateSigningRequest.TryReadBase64(rst.CertificateRequest, out var csr, out _);
        csr!.SignatureAlgorithmOid.Should().Be(SignatureAlgorithms.OiwSha1WithRsa);
    }

    [Test]
    public async Task A_policy_reply_like_e05_stops_a_strict_client_and_passes_a_lenient_one_with_a_warning()
    {
        var server = NewServer();
        Func<EnrollmentHttpRequest, EnrollmentHttpResponse?> e05 = request => request.Url.AbsolutePath == EnrollmentServerOptions.PolicyPath
            ? new EnrollmentHttpResponse(200, EnrollmentServerResponse.SoapContentType, Corpus("e05"))
            : null;

        var (strict, _) = await Enroll(server, @override: e05);
        var (lenient, _) = await Enroll(server, options: ClientOptions with { Reader = EnrollmentReaderOptions.Lenient }, @override: e05);

        strict.FailedStep.Should().Be(EnrollmentStep.Policy);
        strict.FailureKind.Should().Be(EnrollmentFailureKind.MalformedResponse);
        lenient.Succeeded.Should().BeTrue(lenient.ToString());
        lenient.Diagnostics.Should().ContainSingle(d => d.Code == "lenient-repair");
        var rst = WstepMessages.ReadRequest(lenient.Exchanges.Last().Request.Body).Value!.Body;
        CertificateSigningRequest.TryReadBase64(rst.CertificateRequest, out var csr, out _);
        csr!.SignatureHash.Should().Be(HashAlgorithmName.SHA1, "e05 names no hash, as when the real device signed e06 with SHA-1");
    }

    [Test]
    public async Task A_wrong_password_stops_at_the_policy_step_with_the_servers_fault()
    {
        var (outcome, devices) = await Enroll(NewServer(), EnrollmentCredential.UsernamePassword("demo@example.test", "wrong"));

        outcome.Succeeded.Should().BeFalse();
        outcome.FailedStep.Should().Be(EnrollmentStep.Policy);
        outcome.FailureKind.Should().Be(EnrollmentFailureKind.Fault);
        outcome.Fault!.Subcode.Should().Be(EnrollmentFaultCode.Authentication);
        outcome.LastStatusCode.Should().Be(500);
        devices.Should().BeEmpty();
    }

    [Test]
    public async Task A_fault_sent_with_HTTP_200_as_Fleet_does_is_still_a_fault()
    {
        var (outcome, _) = await Enroll(NewServer(ServerOptions with { FaultStatusCode = 200 }), EnrollmentCredential.UsernamePassword("x", "y"));
        outcome.FailureKind.Should().Be(EnrollmentFailureKind.Fault);
    }

    [Test]
    public async Task The_lower_case_docs_fault_e13_from_the_enrollment_step_is_reported_as_DeviceCapReached()
    {
        var (outcome, _) = await Enroll(NewServer(), @override: request => request.Url.AbsolutePath == EnrollmentServerOptions.EnrollmentPath
            ? new EnrollmentHttpResponse(500, EnrollmentServerResponse.SoapContentType, Corpus("e13"))
            : null);

        outcome.FailedStep.Should().Be(EnrollmentStep.Enrollment);
        outcome.Fault!.Detail!.ErrorType.Should().Be(EnrollmentErrorType.DeviceCapReached);
        outcome.Diagnostics.Should().Contain(d => d.Code == "lower-case-soap");
    }

    [Test]
    public async Task A_transport_exception_is_a_Transport_failure_that_keeps_the_exception()
    {
        var failure = new HttpRequestException("connection refused");
        var client = new EnrollmentClient(_ => Task.FromException<EnrollmentHttpResponse>(failure), new FakeTimeProvider(Start), ClientOptions);

        var outcome = await client.EnrollAsync(WindowsVm, s_good);

        outcome.FailedStep.Should().Be(EnrollmentStep.Probe);
        outcome.FailureKind.Should().Be(EnrollmentFailureKind.Transport);
        outcome.Exception.Should().BeSameAs(failure);
        outcome.Exchanges.Should().ContainSingle().Which.Response.Should().BeNull();
    }

    [Test]
    public async Task Cancellation_propagates()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        var client = new EnrollmentClient(Transport(NewServer()), new FakeTimeProvider(Start), ClientOptions);

        var act = () => client.EnrollAsync(WindowsVm, s_good, cancellation.Token);
        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [TestCase(404, "not found", EnrollmentFailureKind.HttpStatus, TestName = "A_404_without_fault_is_an_HTTP_failure")]
    [TestCase(200, "<html>hello</html>", EnrollmentFailureKind.MalformedResponse, TestName = "An_HTML_page_is_a_malformed_response")]
    [TestCase(200, "", EnrollmentFailureKind.MalformedResponse, TestName = "An_empty_200_is_a_malformed_response")]
    public async Task A_server_that_answers_garbage_fails_the_discovery_step(int status, string body, EnrollmentFailureKind kind)
    {
        var (outcome, _) = await Enroll(NewServer(), @override: request => request.Body is not null
            ? new EnrollmentHttpResponse(status, "text/html", body)
            : null);

        outcome.FailedStep.Should().Be(EnrollmentStep.Discovery);
        outcome.FailureKind.Should().Be(kind);
    }

    [Test]
    public async Task A_failing_probe_is_reported_and_the_POST_is_tried_anyway()
    {
        var (outcome, _) = await Enroll(NewServer(), @override: request => request.Method == "GET" ? new EnrollmentHttpResponse(404, null, "") : null);

        outcome.Succeeded.Should().BeTrue();
        outcome.Diagnostics.Should().ContainSingle(d => d.Code == "probe");
    }

    [Test]
    public async Task A_client_certificate_for_another_key_is_rejected()
    {
        var server = NewServer();
        var (outcome, _) = await Enroll(server, @override: request =>
        {
            if (request.Url.AbsolutePath != EnrollmentServerOptions.EnrollmentPath)
            {
                return null;
            }

            // A server that answers every device with the same document: the certificate is not for this key.
            var other = WindowsVm with { DeviceId = "0000000000000000000000000000000B" };
            using var key = RSA.Create(2048);
            var rst = new RequestSecurityToken(EnrollmentTokenTypes.DeviceEnrollmentToken, EnrollmentTokenTypes.RequestTypeIssue, EnrollmentTokenTypes.Pkcs10,
                Convert.ToBase64String(WindowsCsr.Create(key, other.DeviceId, Guid.NewGuid(), HashAlgorithmName.SHA256)), other.ContextItems());
            var response = server.RequestSecurityToken(WstepMessages.WriteRequest(rst, s_good, "urn:uuid:0d5a1441-5891-453b-becf-a2e5f6ea3749", "https://x", Start));
            return new EnrollmentHttpResponse(200, response.ContentType, response.Body);
        });

        outcome.FailedStep.Should().Be(EnrollmentStep.Provisioning);
        outcome.FailureKind.Should().Be(EnrollmentFailureKind.Rejected);
    }

    [Test]
    public async Task A_device_enrolls_with_the_Certificate_policy_and_a_signed_Timestamp()
    {
        using var key = RSA.Create(2048);
        using var issued = Authority.IssueClientCertificate(key.ExportSubjectPublicKeyInfo(), "bootstrap", Start, TimeSpan.FromDays(1));
        using var bootstrap = issued.CopyWithPrivateKey(key);
        var server = NewServer(ServerOptions with { AuthPolicy = AuthPolicy.Certificate },
            EnrollmentAuthenticators.Certificate(certificate => Authority.Verify(certificate, Start)));

        var (outcome, _) = await Enroll(server, EnrollmentCredential.Certificate(bootstrap),
            WindowsVm with { SupportedAuthPolicies = [AuthPolicy.Certificate] });

        outcome.Succeeded.Should().BeTrue(outcome.ToString());
    }

    [Test]
    public async Task A_Certificate_token_whose_Timestamp_was_altered_is_refused_with_InvalidSecurity()
    {
        using var key = RSA.Create(2048);
        using var issued = Authority.IssueClientCertificate(key.ExportSubjectPublicKeyInfo(), "bootstrap", Start, TimeSpan.FromDays(1));
        using var bootstrap = issued.CopyWithPrivateKey(key);
        var server = NewServer(ServerOptions with { AuthPolicy = AuthPolicy.Certificate }, EnrollmentAuthenticators.Certificate(_ => true));
        var transport = Transport(server);
        var client = new EnrollmentClient(request => transport(request.Body is null ? request : request with
        {
            Body = request.Body.Replace("<u:Expires>2025-06-02T09:05:00.000Z", "<u:Expires>2035-06-02T09:05:00.000Z", StringComparison.Ordinal),
        }), new FakeTimeProvider(Start), ClientOptions);

        var outcome = await client.EnrollAsync(WindowsVm with { SupportedAuthPolicies = [AuthPolicy.Certificate] }, EnrollmentCredential.Certificate(bootstrap));

        outcome.Fault!.Subcode.Should().Be(EnrollmentFaultCode.InvalidSecurity);
        outcome.Fault.Reason.Should().Contain("digest");
    }

    [Test]
    public async Task An_untrusted_certificate_is_refused_with_Authentication()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=self", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var selfSigned = request.CreateSelfSigned(Start.AddDays(-1), Start.AddDays(1));
        var server = NewServer(ServerOptions with { AuthPolicy = AuthPolicy.Certificate },
            EnrollmentAuthenticators.Certificate(certificate => Authority.Verify(certificate, Start)));

        var (outcome, _) = await Enroll(server, EnrollmentCredential.Certificate(selfSigned), WindowsVm with { SupportedAuthPolicies = [AuthPolicy.Certificate] });

        outcome.Fault!.Subcode.Should().Be(EnrollmentFaultCode.Authentication);
    }

    [Test]
    public async Task The_identity_survives_JSON_and_still_authenticates()
    {
        var identity = (await Enroll(NewServer())).Outcome.Identity!;

        var restored = DeviceEnrollmentIdentity.FromJson(identity.ToJson());

        restored.Should().BeEquivalentTo(identity);
        using var certificate = restored.LoadClientCertificateWithKey();
        using var original = identity.LoadClientCertificateWithKey();
        certificate.Thumbprint.Should().Be(original.Thumbprint);
        using var rsa = certificate.GetRSAPrivateKey()!;
        byte[] data = [1, 2, 3];
        byte[] signature = rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        original.GetRSAPublicKey()!.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).Should().BeTrue();
        identity.ToJson().Should().Contain("\"State\":\"Enrolled\"").And.Contain("\"SessionAuthentication\":\"ClientCertificate, Md5Digest\"");
    }

    [Test]
    public async Task Unenrolling_forgets_the_key_certificates_and_secrets_but_keeps_the_identifiers()
    {
        var identity = (await Enroll(NewServer())).Outcome.Identity!;

        var gone = identity.Unenroll(Start.AddDays(3));

        gone.State.Should().Be(EnrollmentState.Unenrolled);
        gone.UnenrolledAt.Should().Be(Start.AddDays(3));
        gone.PrivateKeyPkcs8.Should().BeEmpty();
        gone.ClientCertificate.Should().BeEmpty();
        gone.RootCertificates.Should().BeEmpty();
        gone.DeviceCredential.Should().BeNull();
        gone.DeviceId.Should().Be(identity.DeviceId);
        var act = () => gone.LoadPrivateKey();
        act.Should().Throw<InvalidOperationException>();
        DeviceEnrollmentIdentity.FromJson(gone.ToJson()).State.Should().Be(EnrollmentState.Unenrolled);
    }

    [Test]
    public async Task A_Fleet_rekey_replaces_the_device_credential()
    {
        var identity = (await Enroll(NewServer())).Outcome.Identity!;

        var rekeyed = identity.WithDeviceCredential(identity.DeviceId, "new-secret");

        rekeyed.DeviceCredential!.Secret.Should().Be("new-secret");
        rekeyed.DeviceCredential.Nonce.Should().Be(identity.DeviceCredential!.Nonce);
    }

    [Test]
    public void Generated_devices_are_deterministic_for_a_seed_and_Windows_shaped()
    {
        var first = DeviceProfile.Generate(new Random(42), "u@contoso.com");
        var again = DeviceProfile.Generate(new Random(42), "u@contoso.com");
        var other = DeviceProfile.Generate(new Random(43));

        again.Should().BeEquivalentTo(first);
        other.DeviceId.Should().NotBe(first.DeviceId);
        first.DeviceId.Should().MatchRegex("^[0-9A-F]{32}$");
        first.HwDevId.Should().MatchRegex("^[0-9A-F]{64}$");
        first.DeviceName.Should().MatchRegex("^DESKTOP-[A-Z0-9]{7}$");
        first.MacAddresses.Should().NotBeEmpty().And.OnlyContain(m => System.Text.RegularExpressions.Regex.IsMatch(m, "^([0-9A-F]{2}-){5}[0-9A-F]{2}$"));
    }

    [Test]
    public async Task Many_devices_enroll_against_one_server_with_distinct_certificates()
    {
        var server = NewServer();
        var random = new Random(7);
        var thumbprints = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 3; i++)
        {
            var (outcome, _) = await Enroll(server, device: DeviceProfile.Generate(random, "demo@example.test"));
            using var certificate = X509CertificateLoader.LoadCertificate(outcome.Identity!.ClientCertificate);
            thumbprints.Add(certificate.Thumbprint);
            certificate.Subject.Should().Be("CN=" + outcome.Identity.DeviceId);
        }

        thumbprints.Should().HaveCount(3);
    }
}
