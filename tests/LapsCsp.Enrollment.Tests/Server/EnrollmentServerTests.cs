using System.Security.Cryptography;
using System.Text.Json;
using LapsCsp.Enrollment.Csr;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Provisioning;
using LapsCsp.Enrollment.Security;
using LapsCsp.Enrollment.Server;
using LapsCsp.Enrollment.Soap;
using LapsCsp.Enrollment.Wstep;
using static LapsCsp.Enrollment.Tests.EnrollmentTestKit;

namespace LapsCsp.Enrollment.Tests.Server;

public class EnrollmentServerTests
{
    private const string MessageId = "urn:uuid:0d5a1441-5891-453b-becf-a2e5f6ea3749";
    private static readonly EnrollmentCredential s_good = EnrollmentCredential.UsernamePassword("demo@example.test", "s3cret");
    private static RSA s_key = null!;

    [OneTimeSetUp]
    public void MakeKey() => s_key = RSA.Create(2048);

    [OneTimeTearDown]
    public void DisposeKey() => s_key.Dispose();

    private static string Rst(DeviceProfile? device = null, EnrollmentCredential? credential = null, byte[]? csr = null, string? requestType = null,
        HashAlgorithmName? hash = null)
    {
        device ??= WindowsVm;
        csr ??= WindowsCsr.Create(s_key, device.DeviceId, Guid.NewGuid(), hash ?? HashAlgorithmName.SHA256);
        var rst = new RequestSecurityToken(EnrollmentTokenTypes.DeviceEnrollmentToken, requestType ?? EnrollmentTokenTypes.RequestTypeIssue,
            EnrollmentTokenTypes.Pkcs10, Convert.ToBase64String(csr), device.ContextItems());
        return WstepMessages.WriteRequest(rst, credential ?? s_good, MessageId, BaseUrl + EnrollmentServerOptions.EnrollmentPath, Start);
    }

    private static SoapFault FaultOf(EnrollmentServerResponse response)
    {
        response.IsFault.Should().BeTrue();
        response.StatusCode.Should().Be(500);
        response.Device.Should().BeNull();
        var read = WstepMessages.ReadResponse(response.Body);
        read.Fault.Should().NotBeNull("our own fault must be readable by our client");
        read.Diagnostics.Should().BeEmpty("our faults use SOAP 1.2 casing");
        return read.Fault!;
    }

    [Test]
    public void A_good_RST_issues_a_certificate_for_the_CSR_key_with_CN_DeviceID_and_records_the_device()
    {
        var response = NewServer().RequestSecurityToken(Rst());

        response.IsFault.Should().BeFalse();
        response.StatusCode.Should().Be(200);
        var device = response.Device!;
        device.DeviceId.Should().Be("B5B954E81FBCB94EB79BD08BE625F4EE");
        device.HwDevId.Should().Be(WindowsVm.HwDevId);
        device.DeviceName.Should().Be("DESKTOP-28FGAI6");
        device.OsVersion.Should().Be("10.0.19043.2364");
        device.OsEdition.Should().Be("72");
        device.MacAddresses.Should().HaveCount(6);
        device.Principal.Should().Be("demo@example.test");
        device.EnrolledAt.Should().Be(Start);
        device.ContextItems.Should().Equal(WindowsVm.ContextItems());
        device.DeviceCredential!.Name.Should().Be(device.DeviceId, "as Fleet: APPSRV AAUTHNAME is the DeviceID");
        device.DeviceCredential.Secret.Should().HaveLength(32);

        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(device.Certificate);
        certificate.Subject.Should().Be("CN=B5B954E81FBCB94EB79BD08BE625F4EE");
        certificate.Thumbprint.Should().Be(device.CertificateThumbprint);
        certificate.PublicKey.ExportSubjectPublicKeyInfo().Should().Equal(s_key.ExportSubjectPublicKeyInfo());
        Authority.Verify(certificate, Start).Should().BeTrue();

        var rstr = WstepMessages.ReadResponse(response.Body);
        rstr.Value!.Headers.RelatesTo.Should().Be(MessageId);
        rstr.Value.Body.Created.Should().Be(Start);
        var document = ProvisioningDocuments.Read(rstr.Value.Body.ProvisioningDocument).Value!;
        document.ClientCertificates.Single().Thumbprint.Should().Be(device.CertificateThumbprint);
        document.ClientCertificates.Single().Store.Should().Be("My/User");
        document.RootCertificates.Single().Thumbprint.Should().Be(Authority.RootCertificate.Thumbprint);
        document.Application.Address.Should().Be(BaseUrl + "/ManagementServer/MDM.svc");
        document.Application.ServerAuth!.Secret.Should().Be(device.DeviceCredential.Secret);
        document.DmClient.Poll.Should().Be(ServerOptions.Poll);
    }

    [Test]
    public void The_provisioning_document_has_the_characteristic_layout_of_e08()
    {
        var response = NewServer().RequestSecurityToken(Rst());
        string ours = WstepMessages.ReadResponse(response.Body).Value!.Body.ProvisioningDocument;

        static IEnumerable<string> Layout(string xml) => System.Xml.Linq.XDocument.Parse(xml).Descendants("characteristic")
            .Select(c => string.Join("/", c.AncestorsAndSelf("characteristic").Reverse().Select(a =>
            {
                string type = (string)a.Attribute("type")!;
                return type.Length == 40 && type.All(Uri.IsHexDigit) ? "<thumbprint>" : type == "DEMO MDM" || type == "LapsCsp" ? "<provider>" : type;
            })));

        Layout(ours).Should().Equal(Layout(Corpus("e08")));
        ours.Should().StartWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?><wap-provisioningdoc version=\"1.1\">");
    }

    [Test]
    public void An_unenrolled_device_record_keeps_when_it_left()
    {
        var device = NewServer().RequestSecurityToken(Rst()).Device!;
        var gone = device.Unenroll(Start.AddDays(1));

        gone.State.Should().Be(EnrollmentState.Unenrolled);
        gone.UnenrolledAt.Should().Be(Start.AddDays(1));
        gone.CertificateThumbprint.Should().Be(device.CertificateThumbprint);
        UnenrollmentAlert.Type.Should().Be("com.microsoft:mdm.unenrollment.userrequest");
    }

    [Test]
    public void The_real_e06_enrolls_when_the_host_knows_its_user_and_accepts_SHA1()
    {
        var server = NewServer(authenticator: EnrollmentAuthenticators.UsernamePassword((u, p) => u == "demio" && p == "demo"));
        var response = server.RequestSecurityToken(Corpus("e06"));

        response.IsFault.Should().BeFalse(response.Fault?.ToString());
        response.Device!.DeviceId.Should().Be("B5B954E81FBCB94EB79BD08BE625F4EE");
    }

    [Test]
    public void A_device_enrollment_gets_its_certificate_in_My_System()
    {
        var response = NewServer().RequestSecurityToken(Rst(WindowsVm with { EnrollmentType = EnrollmentType.Device }));

        response.Device!.EnrollmentType.Should().Be(EnrollmentType.Device);
        var document = ProvisioningDocuments.Read(WstepMessages.ReadResponse(response.Body).Value!.Body.ProvisioningDocument).Value!;
        document.ClientCertificates.Single().Store.Should().Be("My/System");
    }

    [Test]
    public void A_wrong_password_is_an_Authentication_fault()
    {
        var fault = FaultOf(NewServer().RequestSecurityToken(Rst(credential: EnrollmentCredential.UsernamePassword("demo@example.test", "nope"))));

        fault.Subcode.Should().Be(EnrollmentFaultCode.Authentication);
        fault.RelatesTo.Should().Be(MessageId);
        fault.Action.Should().Be(EnrollmentActions.RequestSecurityTokenResponseCollection);
    }

    [Test]
    public void A_request_without_Security_header_is_an_InvalidSecurity_fault()
    {
        string xml = Rst();
        int start = xml.IndexOf("<wsse:Security", StringComparison.Ordinal);
        int end = xml.IndexOf("</wsse:Security>", StringComparison.Ordinal) + "</wsse:Security>".Length;
        var fault = FaultOf(NewServer().RequestSecurityToken(xml.Remove(start, end - start)));

        fault.Subcode.Should().Be(EnrollmentFaultCode.InvalidSecurity);
        fault.RawSubcode.Should().Be("a:InvalidSecurity");
    }

    [Test]
    public void A_token_kind_no_authenticator_handles_is_an_InvalidSecurity_fault()
    {
        var fault = FaultOf(NewServer().RequestSecurityToken(Rst(credential: EnrollmentCredential.FleetOrbitNodeKey("key"))));

        fault.Subcode.Should().Be(EnrollmentFaultCode.InvalidSecurity);
        fault.Reason.Should().Contain(EnrollmentTokenTypes.DeviceEnrollmentUserToken);
    }

    [Test]
    public void An_authorization_refusal_carries_the_hosts_detail()
    {
        var server = NewServer(authenticator: (_, _) => EnrollmentAuthenticationResult.Reject(EnrollmentFaultCode.Authorization, "device cap reached",
            new EnrollmentErrorDetail(EnrollmentErrorType.DeviceCapReached)));
        var fault = FaultOf(server.RequestSecurityToken(Rst()));

        fault.Subcode.Should().Be(EnrollmentFaultCode.Authorization);
        fault.Hresult.Should().Be(0x80180013);
    }

    [Test]
    public void A_CSR_with_a_bad_signature_is_a_CertificateRequest_fault()
    {
        byte[] csr = WindowsCsr.Create(s_key, WindowsVm.DeviceId, Guid.NewGuid(), HashAlgorithmName.SHA256);
        csr[^1] ^= 0xFF;
        var fault = FaultOf(NewServer().RequestSecurityToken(Rst(csr: csr)));

        fault.Subcode.Should().Be(EnrollmentFaultCode.CertificateRequest);
        fault.Reason.Should().Contain("signature");
    }

    [Test]
    public void A_CSR_that_is_not_PKCS10_is_a_CertificateRequest_fault()
    {
        var fault = FaultOf(NewServer().RequestSecurityToken(Rst(csr: [0x30, 0x03, 0x02, 0x01, 0x00])));
        fault.Subcode.Should().Be(EnrollmentFaultCode.CertificateRequest);
    }

    [Test]
    public void A_key_shorter_than_the_policy_minimum_is_a_CertificateRequest_fault()
    {
        using var shortKey = RSA.Create(1024);
        var fault = FaultOf(NewServer().RequestSecurityToken(Rst(csr: WindowsCsr.Create(shortKey, WindowsVm.DeviceId, Guid.NewGuid(), HashAlgorithmName.SHA256))));

        fault.Subcode.Should().Be(EnrollmentFaultCode.CertificateRequest);
        fault.Reason.Should().Contain("1024").And.Contain("2048");
    }

    [Test]
    public void A_SHA1_CSR_is_refused_when_the_server_does_not_accept_SHA1()
    {
        var server = NewServer(ServerOptions with { AcceptSha1CertificateRequests = false });
        FaultOf(server.RequestSecurityToken(Rst(hash: HashAlgorithmName.SHA1))).Subcode.Should().Be(EnrollmentFaultCode.CertificateRequest);
        NewServer().RequestSecurityToken(Rst(hash: HashAlgorithmName.SHA1)).IsFault.Should().BeFalse("SHA-1 is accepted by default, as Windows sent it (e06)");
    }

    [Test]
    public void A_CSR_for_another_DeviceID_is_a_CertificateRequest_fault()
    {
        byte[] csr = WindowsCsr.Create(s_key, "0000000000000000000000000000000A", Guid.NewGuid(), HashAlgorithmName.SHA256);
        FaultOf(NewServer().RequestSecurityToken(Rst(csr: csr))).Reason.Should().Contain("0000000000000000000000000000000A");
    }

    [TestCase("", TestName = "An_empty_DeviceID_is_refused")]
    [TestCase("../../etc/passwd", TestName = "A_DeviceID_with_path_characters_is_refused")]
    [TestCase("<b>x</b>", TestName = "A_DeviceID_with_markup_is_refused")]
    public void A_bad_DeviceID_is_a_MessageFormat_fault_with_InvalidEnrollmentData(string deviceId)
    {
        var fault = FaultOf(NewServer().RequestSecurityToken(Rst(WindowsVm with { DeviceId = deviceId },
            csr: WindowsCsr.Create(s_key, "X", Guid.NewGuid(), HashAlgorithmName.SHA256))));

        fault.Subcode.Should().Be(EnrollmentFaultCode.MessageFormat);
        fault.Detail!.ErrorType.Should().Be(EnrollmentErrorType.InvalidEnrollmentData);
    }

    [Test]
    public void Renewal_is_refused_as_not_supported()
    {
        var fault = FaultOf(NewServer().RequestSecurityToken(Rst(requestType: EnrollmentTokenTypes.RequestTypeRenew)));

        fault.Subcode.Should().Be(EnrollmentFaultCode.MessageFormat);
        fault.Detail!.ErrorType.Should().Be(EnrollmentErrorType.NotSupported);
    }

    [TestCase("<s:Envelope", TestName = "Truncated_XML_is_a_MessageFormat_fault")]
    [TestCase("", TestName = "An_empty_body_is_a_MessageFormat_fault")]
    [TestCase("{\"json\":true}", TestName = "JSON_is_a_MessageFormat_fault")]
    [TestCase("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><Other/></s:Body></s:Envelope>", TestName = "Another_message_is_a_MessageFormat_fault")]
    public void Malformed_requests_are_MessageFormat_faults(string xml)
    {
        var server = NewServer();
        FaultOf(server.Discover(xml)).Subcode.Should().Be(EnrollmentFaultCode.MessageFormat);
        FaultOf(server.GetPolicies(xml)).Subcode.Should().Be(EnrollmentFaultCode.MessageFormat);
        FaultOf(server.RequestSecurityToken(xml)).Subcode.Should().Be(EnrollmentFaultCode.MessageFormat);
    }

    [Test]
    public void A_DTD_is_prohibited_and_its_entities_never_expand()
    {
        const string Laughs = """
            <?xml version="1.0"?>
            <!DOCTYPE s:Envelope [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
            <s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&c;</s:Body></s:Envelope>
            """;
        var fault = FaultOf(NewServer().Discover(Laughs));

        fault.Subcode.Should().Be(EnrollmentFaultCode.MessageFormat);
        fault.Reason.Should().Contain("DTD").And.NotContain("aaaaaaaaaa");
    }

    [Test]
    public void An_external_entity_is_never_resolved()
    {
        const string Xxe = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&e;</s:Body></s:Envelope>""";
        var fault = FaultOf(NewServer().GetPolicies(Xxe));
        fault.Reason.Should().Contain("DTD").And.NotContain("root:");
    }

    [Test]
    public void Deep_nesting_is_refused_before_any_recursive_walk()
    {
        string deep = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>" + string.Concat(Enumerable.Repeat("<a>", 10_000))
            + string.Concat(Enumerable.Repeat("</a>", 10_000)) + "</s:Body></s:Envelope>";
        FaultOf(NewServer().Discover(deep)).Reason.Should().Contain("MaxDepth");
    }

    [Test]
    public void An_oversized_request_is_refused_before_parsing()
    {
        string huge = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>" + new string('x', 2 * 1024 * 1024) + "</s:Body></s:Envelope>";
        FaultOf(NewServer().Discover(huge)).Reason.Should().Contain("MaxMessageChars");
    }

    [Test]
    public void A_Fleet_token_is_accepted_by_a_server_that_validates_it()
    {
        var server = NewServer(authenticator: EnrollmentAuthenticators.BinaryToken(token =>
        {
            using var json = JsonDocument.Parse(token.DecodedText!);
            return json.RootElement.GetProperty("payload").GetProperty("orbit_node_key").GetString() == "node-key-1" ? "host-1" : null;
        }));

        server.RequestSecurityToken(Rst(credential: EnrollmentCredential.FleetOrbitNodeKey("node-key-1"))).Device!.Principal.Should().Be("host-1");
        FaultOf(server.RequestSecurityToken(Rst(credential: EnrollmentCredential.FleetOrbitNodeKey("other")))).Subcode
            .Should().Be(EnrollmentFaultCode.Authentication);
    }

    [Test]
    public void The_Fleet_token_is_base64_of_the_JSON_Fleet_decodes()
    {
        var credential = (BinaryTokenCredential)EnrollmentCredential.FleetOrbitNodeKey("abc");

        credential.ValueType.Should().Be(EnrollmentTokenTypes.DeviceEnrollmentUserToken);
        System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(credential.EncodedValue))
            .Should().Be("""{"type":1,"payload":{"orbit_node_key":"abc","auth_token":""}}""");
    }

    [Test]
    public void Options_problems_are_reported_all_at_once()
    {
        var options = ServerOptions with
        {
            ManagementUrl = "not a url", ProviderId = " ", MinimalKeyLength = 512, Poll = new PollSettings
            {
                IntervalForFirstSetOfRetries = 0, NumberOfFirstRetries = 0,
            },
        };
        var act = () => NewServer(options);

        options.Validate().Should().HaveCount(4);
        act.Should().Throw<ArgumentException>().WithMessage("*ManagementUrl*ProviderId*MinimalKeyLength*Poll*");
    }

    [Test]
    public void Faults_can_go_out_with_HTTP_200_as_Fleet_sends_them()
    {
        var response = NewServer(ServerOptions with { FaultStatusCode = 200 }).Discover("<x/>");
        response.IsFault.Should().BeTrue();
        response.StatusCode.Should().Be(200);
    }
}
