using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using LapsCsp.Enrollment.Policy;
using LapsCsp.Enrollment.Security;
using LapsCsp.Enrollment.Server;
using LapsCsp.Enrollment.Soap;
using static LapsCsp.Enrollment.Tests.EnrollmentTestKit;

namespace LapsCsp.Enrollment.Tests.Security;

public class SecurityTokenTests
{
    /// <summary>Sends GetPolicies with <paramref name="credential"/> and returns what the server's authenticator was shown.</summary>
    private static PresentedCredential? Present(EnrollmentCredential credential)
    {
        PresentedCredential? seen = null;
        var server = NewServer(authenticator: (presented, _) =>
        {
            seen = presented;
            return EnrollmentAuthenticationResult.Accept("x");
        });
        var response = server.GetPolicies(PolicyMessages.WriteRequest(credential, "urn:uuid:1", "https://x", Start));
        response.IsFault.Should().BeFalse(response.Fault?.ToString());
        return seen;
    }

    private static XElement SecurityHeader(EnrollmentCredential credential) =>
        XDocument.Parse(PolicyMessages.WriteRequest(credential, "urn:uuid:1", "https://x", Start)).Descendants(EnrollmentNamespaces.SecurityNs + "Security").Single();

    [Test]
    public void OnPremise_puts_the_typed_password_in_a_PasswordText_UsernameToken_with_the_Windows_Id()
    {
        var token = SecurityHeader(EnrollmentCredential.UsernamePassword("user@contoso.com", " pass word ")).Elements().Single();

        token.Name.LocalName.Should().Be("UsernameToken");
        token.Attribute(EnrollmentNamespaces.SecurityUtilityNs + "Id")!.Value.Should().Be("uuid-cc1ccc1f-2fba-4bcf-b063-ffc0cac77917-4");
        Present(EnrollmentCredential.UsernamePassword("user@contoso.com", " pass word "))
            .Should().Be(new PresentedUsernameToken("user@contoso.com", " pass word "), "the password is not trimmed");
    }

    [Test]
    public void Federated_sends_the_STS_token_base64_encoded_as_a_DeviceEnrollmentUserToken()
    {
        var token = SecurityHeader(EnrollmentCredential.Federated("sts-token+/=")).Elements().Single();

        token.Attribute("ValueType")!.Value.Should().Be(EnrollmentTokenTypes.DeviceEnrollmentUserToken);
        token.Attribute("EncodingType")!.Value.Should().Be(EnrollmentTokenTypes.Base64Binary);
        var presented = (PresentedBinaryToken)Present(EnrollmentCredential.Federated("sts-token+/="))!;
        presented.DecodedText.Should().Be("sts-token+/=");
    }

    [Test]
    public void An_Entra_token_is_a_base64url_JWT_token()
    {
        const string Jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzY3AiOiJtZG1fZGVsZWdhdGlvbiJ9.sig";
        var presented = (PresentedBinaryToken)Present(EnrollmentCredential.EntraJwt(Jwt))!;

        presented.ValueType.Should().Be("urn:ietf:params:oauth:token-type:jwt");
        presented.EncodedValue.Should().NotContain("=").And.NotContain("+").And.NotContain("/");
        presented.DecodedText.Should().Be(Jwt);
    }

    [Test]
    public void A_certificate_credential_signs_the_Timestamp_and_the_server_sees_the_certificate()
    {
        using var key = RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=device", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(Start.AddDays(-1), Start.AddDays(1));

        var header = SecurityHeader(EnrollmentCredential.Certificate(certificate));
        var presented = (PresentedCertificate)Present(EnrollmentCredential.Certificate(certificate))!;

        header.Elements().Select(e => e.Name.LocalName).Should().Equal("Timestamp", "BinarySecurityToken", "Signature");
        header.Descendants(EnrollmentNamespaces.XmlDsigNs + "SignatureValue").Single().Value.Should().NotBeEmpty();
        presented.Certificate.Thumbprint.Should().Be(certificate.Thumbprint);
    }

    [Test]
    public void Exclusive_canonicalisation_declares_only_the_visibly_used_namespace_on_the_apex()
    {
        var doc = XDocument.Parse("""
            <s:Envelope xmlns:s="urn:s" xmlns:u="urn:u" xmlns:x="urn:unused"><s:Header><u:Timestamp u:Id="_0" b="2" a="1"><u:Created>t&amp;1</u:Created><u:Expires/></u:Timestamp></s:Header></s:Envelope>
            """, LoadOptions.PreserveWhitespace);
        var timestamp = doc.Descendants(XName.Get("Timestamp", "urn:u")).Single();

        Encoding.UTF8.GetString(ExclusiveCanonicalizer.Canonicalize(timestamp)).Should().Be(
            """<u:Timestamp xmlns:u="urn:u" a="1" b="2" u:Id="_0"><u:Created>t&amp;1</u:Created><u:Expires></u:Expires></u:Timestamp>""");
    }

    [Test]
    public void Exclusive_canonicalisation_declares_a_default_namespace_once()
    {
        var element = XElement.Parse("""<a xmlns="urn:d"><b c="&quot;"/></a>""");
        Encoding.UTF8.GetString(ExclusiveCanonicalizer.Canonicalize(element)).Should().Be("""<a xmlns="urn:d"><b c="&quot;"></b></a>""");
    }

    [Test]
    public void A_security_header_without_token_is_refused_with_InvalidSecurity()
    {
        string xml = PolicyMessages.WriteRequest(EnrollmentCredential.UsernamePassword("a", "b"), "urn:uuid:1", "https://x", Start);
        int start = xml.IndexOf("<wsse:UsernameToken", StringComparison.Ordinal);
        int end = xml.IndexOf("</wsse:UsernameToken>", StringComparison.Ordinal) + "</wsse:UsernameToken>".Length;

        NewServer().GetPolicies(xml.Remove(start, end - start)).Fault!.Subcode.Should().Be(EnrollmentFaultCode.InvalidSecurity);
    }
}
