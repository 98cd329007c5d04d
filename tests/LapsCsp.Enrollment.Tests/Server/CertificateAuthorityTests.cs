using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LapsCsp.Enrollment.Server;
using Microsoft.Extensions.Time.Testing;
using static LapsCsp.Enrollment.Tests.EnrollmentTestKit;

namespace LapsCsp.Enrollment.Tests.Server;

public class CertificateAuthorityTests
{
    private static X509Certificate2 Issue(EnrollmentCertificateAuthority authority, RSA key, DateTimeOffset now) =>
        authority.IssueClientCertificate(key.ExportSubjectPublicKeyInfo(), "B5B954E81FBCB94EB79BD08BE625F4EE", now, TimeSpan.FromDays(365));

    [Test]
    public void The_root_is_a_CA_valid_from_the_injected_time()
    {
        using var authority = EnrollmentCertificateAuthority.Create(new FakeTimeProvider(Start));
        var root = authority.RootCertificate;

        root.HasPrivateKey.Should().BeFalse("the public root is what goes into Root/System");
        root.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority.Should().BeTrue();
        root.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages.Should().HaveFlag(X509KeyUsageFlags.KeyCertSign);
        new DateTimeOffset(root.NotBefore.ToUniversalTime()).Should().Be(Start.AddDays(-1));
        new DateTimeOffset(root.NotAfter.ToUniversalTime()).Should().Be(Start.AddDays(3650));
    }

    [Test]
    public void Client_certificates_have_CN_DeviceID_clientAuth_and_the_injected_validity_and_chain_to_the_root()
    {
        using var key = RSA.Create(2048);
        using var certificate = Issue(Authority, key, Start);

        certificate.Subject.Should().Be("CN=B5B954E81FBCB94EB79BD08BE625F4EE");
        certificate.Issuer.Should().Be(Authority.RootCertificate.Subject);
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value)
            .Should().Equal(EnrollmentCertificateAuthority.ClientAuthenticationOid);
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority.Should().BeFalse();
        certificate.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages
            .Should().Be(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment);
        new DateTimeOffset(certificate.NotBefore.ToUniversalTime()).Should().Be(Start.AddMinutes(-5));
        new DateTimeOffset(certificate.NotAfter.ToUniversalTime()).Should().Be(Start.AddDays(365));
        certificate.SignatureAlgorithm.Value.Should().Be("1.2.840.113549.1.1.11");
        certificate.PublicKey.ExportSubjectPublicKeyInfo().Should().Equal(key.ExportSubjectPublicKeyInfo());
        Authority.Verify(certificate, Start).Should().BeTrue();
        Authority.Verify(certificate, Start.AddDays(366)).Should().BeFalse("it has expired by then");
    }

    [Test]
    public void Serial_numbers_differ_and_are_positive()
    {
        using var key = RSA.Create(2048);
        using var first = Issue(Authority, key, Start);
        using var second = Issue(Authority, key, Start);

        first.SerialNumber.Should().NotBe(second.SerialNumber);
        first.GetSerialNumber().Last().Should().BeLessThan(0x80, "the serial (little-endian here) is a positive INTEGER");
    }

    [Test]
    public void A_CA_saved_as_PKCS12_issues_certificates_that_chain_to_the_same_root()
    {
        byte[] saved = Authority.ExportPkcs12("pw");
        using var loaded = EnrollmentCertificateAuthority.LoadPkcs12(saved, "pw");
        using var key = RSA.Create(2048);
        using var certificate = Issue(loaded, key, Start);

        loaded.RootCertificate.Thumbprint.Should().Be(Authority.RootCertificate.Thumbprint);
        Authority.Verify(certificate, Start).Should().BeTrue();
    }

    [Test]
    public void A_CA_saved_as_PEM_issues_certificates_that_chain_to_the_same_root()
    {
        string pem = Authority.ExportPem();
        using var loaded = EnrollmentCertificateAuthority.LoadPem(pem);
        using var key = RSA.Create(2048);
        using var certificate = Issue(loaded, key, Start);

        pem.Should().Contain("-----BEGIN CERTIFICATE-----").And.Contain("-----BEGIN PRIVATE KEY-----");
        loaded.RootCertificate.Thumbprint.Should().Be(Authority.RootCertificate.Thumbprint);
        Authority.Verify(certificate, Start).Should().BeTrue();
    }

    [Test]
    public void A_certificate_from_another_CA_does_not_verify()
    {
        using var other = EnrollmentCertificateAuthority.Create(new FakeTimeProvider(Start));
        using var key = RSA.Create(2048);
        using var foreign = Issue(other, key, Start);

        Authority.Verify(foreign, Start).Should().BeFalse();
    }
}
