using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using LapsCsp.Enrollment.Csr;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Security;
using LapsCsp.Enrollment.Soap;
using LapsCsp.Enrollment.Wstep;
using static LapsCsp.Enrollment.Tests.EnrollmentTestKit;

namespace LapsCsp.Enrollment.Tests.Wstep;

public class RequestSecurityTokenTests
{
    private const string E06MessageId = "urn:uuid:0d5a1441-5891-453b-becf-a2e5f6ea3749";
    private const string E06Cn = "562A7F9A-6CD8-40B0-9E7E-0DBDD8!B5B954E81FBCB94EB79BD08BE625F4EE\0";
    private static readonly Guid s_e06Guid = Guid.Parse("562A7F9A-6CD8-40B0-9E7E-0DBDD8000000");

    private static RSA s_key = null!;

    [OneTimeSetUp]
    public void MakeKey() => s_key = RSA.Create(2048);

    [OneTimeTearDown]
    public void DisposeKey() => s_key.Dispose();

    private static string E06Csr() =>
        XDocument.Parse(Corpus("e06")).Descendants(EnrollmentNamespaces.SecurityNs + "BinarySecurityToken").Single().Value;

    private static string OurRst(DeviceProfile device, HashAlgorithmName hash)
    {
        byte[] csr = WindowsCsr.Create(s_key, device.DeviceId, s_e06Guid, hash);
        var rst = new RequestSecurityToken(EnrollmentTokenTypes.DeviceEnrollmentToken, EnrollmentTokenTypes.RequestTypeIssue, EnrollmentTokenTypes.Pkcs10,
            Convert.ToBase64String(csr), device.ContextItems());
        return WstepMessages.WriteRequest(rst, EnrollmentCredential.UsernamePassword("demio", "demo"), E06MessageId,
            "https://windows.fleetdm.ngrok.io/EnrollmentServer/Enrollment.svc", Start);
    }

    private static string? MaskCsr(XElement element) => element.Name.LocalName == "BinarySecurityToken" ? "<csr>" : null;

    [Test]
    public void RST_has_the_elements_namespaces_action_order_token_types_and_context_items_of_e06()
    {
        string ours = OurRst(WindowsVm, HashAlgorithmName.SHA1);
        string real = Corpus("e06");

        Shape(ours, MaskCsr).Should().Equal(Shape(real, MaskCsr));
        RootDeclarations(ours).Should().Equal(RootDeclarations(real));
    }

    [Test]
    public void Context_items_come_in_the_real_device_order_with_repeated_MACs()
    {
        WindowsVm.ContextItems().Select(i => i.Name).Should().Equal(
            "UXInitiated", "HWDevID", "Locale", "TargetedUserLoggedIn", "OSEdition", "DeviceName",
            "MAC", "MAC", "MAC", "MAC", "MAC", "MAC", "DeviceID", "EnrollmentType", "DeviceType", "OSVersion", "ApplicationVersion", "NotInOobe");
    }

    [Test]
    public void RequestVersion_5_and_later_adds_the_RequestVersion_context_item_last()
    {
        (WindowsVm with { RequestVersion = "5.0" }).ContextItems().Last().Should().Be(new ContextItem("RequestVersion", "5.0"));
    }

    [Test]
    public void Reads_the_CSR_of_e06_subject_extension_key_size_and_valid_SHA1_signature()
    {
        CertificateSigningRequest.TryReadBase64(E06Csr(), out var csr, out var error).Should().BeTrue(error);

        csr!.Version.Should().Be(0);
        csr.CommonName.Should().Be(E06Cn);
        Encoding.Latin1.GetByteCount(csr.CommonName!).Should().Be(64);
        csr.CommonNameTag.Should().Be(19, "a PrintableString, even with '!' and NUL in it");
        csr.Extensions.Should().ContainSingle().Which.Oid.Should().Be(WindowsCsr.DeviceIdExtensionOid);
        csr.Extensions[0].Value.Should().Equal(Encoding.ASCII.GetBytes("B5B954E81FBCB94EB79BD08BE625F4EE\0"));
        csr.DeviceIdFromExtension.Should().Be("B5B954E81FBCB94EB79BD08BE625F4EE");
        csr.DeviceIdFromSubject.Should().Be("B5B954E81FBCB94EB79BD08BE625F4EE");
        csr.PublicKeyAlgorithmOid.Should().Be(SignatureAlgorithms.RsaEncryption);
        csr.KeySizeBits.Should().Be(2048);
        csr.SignatureAlgorithmOid.Should().Be(SignatureAlgorithms.OiwSha1WithRsa);
        csr.SignatureHash.Should().Be(HashAlgorithmName.SHA1);
        csr.SignatureValid.Should().BeTrue();
    }

    [Test]
    public void Our_SHA1_CSR_has_the_ASN1_structure_subject_and_extension_of_e06()
    {
        byte[] ours = WindowsCsr.Create(s_key, "B5B954E81FBCB94EB79BD08BE625F4EE", s_e06Guid, HashAlgorithmName.SHA1);
        byte[] real = Convert.FromBase64String(E06Csr());

        AsnSkeleton(ours).Should().Equal(AsnSkeleton(real));
        CertificateSigningRequest.TryRead(ours, out var csr, out _).Should().BeTrue();
        CertificateSigningRequest.TryRead(real, out var e06, out _).Should().BeTrue();
        csr.Should().BeEquivalentTo(e06, o => o.Excluding(c => c!.SubjectPublicKeyInfo));
    }

    [Test]
    public void Our_CSR_is_signed_with_SHA256_and_the_PKCS1_identifier_when_the_policy_names_SHA256()
    {
        byte[] ours = WindowsCsr.Create(s_key, "B5B954E81FBCB94EB79BD08BE625F4EE", Guid.NewGuid(), HashAlgorithmName.SHA256);
        CertificateSigningRequest.TryRead(ours, out var csr, out _).Should().BeTrue();

        csr!.SignatureAlgorithmOid.Should().Be(SignatureAlgorithms.Sha256WithRsa);
        csr.SignatureValid.Should().BeTrue();
        csr.SubjectPublicKeyInfo.Should().Equal(s_key.ExportSubjectPublicKeyInfo());
    }

    [Test]
    public void Subject_CN_is_30_characters_of_a_GUID_then_bang_then_the_DeviceID_then_NUL()
    {
        WindowsCsr.SubjectCommonName(s_e06Guid, "B5B954E81FBCB94EB79BD08BE625F4EE").Should().Be(E06Cn);
    }

    [Test]
    public void A_tampered_CSR_does_not_verify()
    {
        byte[] csr = Convert.FromBase64String(E06Csr());
        csr[30] ^= 0x01; // inside the subject CN, covered by the signature
        CertificateSigningRequest.TryRead(csr, out var read, out _).Should().BeTrue();
        read!.SignatureValid.Should().BeFalse();
    }

    [TestCase("", TestName = "An_empty_CSR_is_refused_without_throwing")]
    [TestCase("MIIB", TestName = "A_truncated_CSR_is_refused_without_throwing")]
    [TestCase("not base64!", TestName = "A_non_base64_CSR_is_refused_without_throwing")]
    public void Malformed_CSRs_are_refused_with_a_reason(string base64)
    {
        CertificateSigningRequest.TryReadBase64(base64, out var csr, out var error).Should().BeFalse();
        csr.Should().BeNull();
        error.Should().NotBeNullOrEmpty();
    }

    [Test]
    public void Server_reads_the_real_e06_with_its_context_items()
    {
        var read = WstepMessages.ReadRequest(Corpus("e06"));

        read.Succeeded.Should().BeTrue();
        var rst = read.Value!.Body;
        rst.TokenType.Should().Be(EnrollmentTokenTypes.DeviceEnrollmentToken);
        rst.RequestType.Should().Be(EnrollmentTokenTypes.RequestTypeIssue);
        rst.CertificateRequestValueType.Should().Be(EnrollmentTokenTypes.Pkcs10);
        rst.ContextItems.Should().Equal(WindowsVm.ContextItems());
        rst.ContextValues("MAC").Should().HaveCount(6);
        read.Value.Headers.MessageId.Should().Be(E06MessageId);
    }

    [Test]
    public void Reads_the_RSTR_e07_whose_token_decodes_to_e08()
    {
        var read = WstepMessages.ReadResponse(Corpus("e07"));

        read.Succeeded.Should().BeTrue();
        var response = read.Value!.Body;
        response.TokenType.Should().Be(EnrollmentTokenTypes.DeviceEnrollmentToken);
        response.RequestId.Should().Be("0", "the trailing newline and tabs are not part of it");
        response.DispositionMessage.Should().BeEmpty();
        response.Created.Should().Be(new DateTimeOffset(2018, 11, 30, 0, 32, 59, 420, TimeSpan.Zero), "a Timestamp years old, which Windows accepted");
        response.ProvisioningDocument.Should().Be(Corpus("e08"));
        read.Value.Headers.RelatesTo.Should().Be(E06MessageId);
    }
}
