using System.Xml.Linq;
using LapsCsp.Enrollment.Discovery;
using LapsCsp.Enrollment.Soap;
using LapsCsp.Enrollment.Wstep;
using static LapsCsp.Enrollment.Tests.EnrollmentTestKit;

namespace LapsCsp.Enrollment.Tests.Soap;

public class SoapFaultTests
{
    [Test]
    public void Reads_the_lower_case_docs_fault_e13_and_reports_its_casing()
    {
        var read = WstepMessages.ReadResponse(Corpus("e13"));

        read.Succeeded.Should().BeFalse();
        read.Errors.Should().BeEmpty("a fault is an answer, not an unreadable message");
        read.Warnings.Should().ContainSingle(w => w.Code == "lower-case-soap");
        var fault = read.Fault!;
        fault.Code.Should().Be("Receiver");
        fault.Subcode.Should().Be(EnrollmentFaultCode.Authorization);
        fault.RawSubcode.Should().Be("s:authorization");
        fault.LowerCase.Should().BeTrue();
        fault.Reason.Should().Be("device cap reached");
        fault.Detail.Should().Be(new EnrollmentErrorDetail(EnrollmentErrorType.DeviceCapReached, "device cap reached", "2493ee37-beeb-4cb9-833c-cadde9067645")
        {
            RawErrorType = "devicecapreached",
        });
        fault.Hresult.Should().Be(0x80180013, "the detail's HRESULT is the more specific one");
        fault.RelatesTo.Should().Be("urn:uuid:urn:uuid:0d5a1441-5891-453b-becf-a2e5f6ea3749", "kept as sent, doubled prefix and all");
        fault.Action.Should().Be("http://schemas.microsoft.com/windows/pki/2009/01/enrollment/rstrc/wstep");
    }

    [Test]
    public void Our_faults_use_SOAP_1_2_casing_and_read_back_without_warnings()
    {
        var fault = SoapFault.Receiver(EnrollmentFaultCode.Authorization, "device cap reached", new EnrollmentErrorDetail(EnrollmentErrorType.DeviceCapReached))
            with { RelatesTo = "urn:uuid:1", Action = EnrollmentActions.RequestSecurityTokenResponseCollection };
        string xml = SoapEnvelope.WriteFault(fault, "2493ee37-beeb-4cb9-833c-cadde9067645");

        var doc = XDocument.Parse(xml);
        XNamespace s = EnrollmentNamespaces.SoapNs;
        doc.Root!.Name.Should().Be(s + "Envelope");
        var body = doc.Root.Element(s + "Body")!.Element(s + "Fault")!;
        body.Element(s + "Code")!.Element(s + "Value")!.Value.Should().Be("s:Receiver");
        body.Element(s + "Code")!.Element(s + "Subcode")!.Element(s + "Value")!.Value.Should().Be("s:Authorization");
        body.Element(s + "Reason")!.Element(s + "Text")!.Attribute(XNamespace.Xml + "lang")!.Value.Should().Be("en-US");
        body.Element(s + "Detail")!.Element(EnrollmentNamespaces.EnrollmentNs + "deviceenrollmentserviceerror")!
            .Element(EnrollmentNamespaces.EnrollmentNs + "errortype")!.Value.Should().Be("DeviceCapReached");

        var read = WstepMessages.ReadResponse(xml);
        read.Diagnostics.Should().BeEmpty();
        read.Fault.Should().BeEquivalentTo(fault, o => o.Excluding(f => f.Detail));
        read.Fault!.Detail!.ErrorType.Should().Be(EnrollmentErrorType.DeviceCapReached);
    }

    [TestCase(EnrollmentFaultCode.MessageFormat, "s:MessageFormat", 0x80180001u)]
    [TestCase(EnrollmentFaultCode.Authentication, "s:Authentication", 0x80180002u)]
    [TestCase(EnrollmentFaultCode.Authorization, "s:Authorization", 0x80180003u)]
    [TestCase(EnrollmentFaultCode.CertificateRequest, "s:CertificateRequest", 0x80180004u)]
    [TestCase(EnrollmentFaultCode.EnrollmentServer, "s:EnrollmentServer", 0x80180005u)]
    [TestCase(EnrollmentFaultCode.InternalServiceFault, "a:InternalServiceFault", 0x80180006u)]
    [TestCase(EnrollmentFaultCode.InvalidSecurity, "a:InvalidSecurity", 0x80180007u)]
    public void Each_subcode_has_its_MDE2_spelling_and_HRESULT(EnrollmentFaultCode code, string spelling, uint hresult)
    {
        var fault = SoapFault.Receiver(code, "r");
        fault.RawSubcode.Should().Be(spelling);
        fault.Hresult.Should().Be(hresult);
        DiscoveryMessages.ReadResponse(SoapEnvelope.WriteFault(fault, "a")).Fault!.Subcode.Should().Be(code);
    }

    [Test]
    public void A_body_that_is_neither_the_expected_message_nor_a_fault_is_refused()
    {
        var read = DiscoveryMessages.ReadResponse(Corpus("e05"), EnrollmentReaderOptions.Lenient);

        read.Fault.Should().BeNull();
        read.Errors.Should().ContainSingle(e => e.Code == "message" && e.Message.Contains("GetPoliciesResponse", StringComparison.Ordinal));
    }

    [TestCase("", "empty", TestName = "An_empty_reply_is_refused")]
    [TestCase("<html><body>502 Bad Gateway</body></html>", "envelope", TestName = "An_HTML_error_page_is_refused")]
    [TestCase("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Header/></s:Envelope>", "body", TestName = "An_envelope_without_body_is_refused")]
    [TestCase("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>", "xml", TestName = "A_truncated_reply_is_refused")]
    public void Unreadable_replies_are_refused_with_a_code(string xml, string code)
    {
        DiscoveryMessages.ReadResponse(xml).Errors.Should().ContainSingle(e => e.Code == code);
    }
}
