using System.Security.Cryptography;
using LapsCsp.Enrollment.Csr;
using LapsCsp.Enrollment.Policy;
using LapsCsp.Enrollment.Security;
using LapsCsp.Enrollment.Server;
using LapsCsp.Enrollment.Soap;
using static LapsCsp.Enrollment.Tests.EnrollmentTestKit;

namespace LapsCsp.Enrollment.Tests.Policy;

public class PolicyTests
{
    private const string E04MessageId = "urn:uuid:72048B64-0F19-448F-8C2E-B4C661860AA0";

    [Test]
    public void GetPolicies_request_has_the_elements_namespaces_action_order_and_values_of_e04()
    {
        string ours = PolicyMessages.WriteRequest(EnrollmentCredential.UsernamePassword("demio", "demo"), E04MessageId,
            "https://windows.fleetdm.ngrok.io/EnrollmentServer/Policy.svc", Start);
        string real = Corpus("e04");

        Shape(ours).Should().Equal(Shape(real));
        RootDeclarations(ours).Should().Equal(RootDeclarations(real));
    }

    [Test]
    public void The_e05_reply_is_refused_in_strict_mode_at_the_defect()
    {
        var read = PolicyMessages.ReadResponse(Corpus("e05"));

        read.Succeeded.Should().BeFalse();
        read.Errors.Should().ContainSingle().Which.Should().Match<EnrollmentDiagnostic>(d => d.Code == "xml" && d.Line == 18);
    }

    [Test]
    public void The_e05_reply_is_read_in_lenient_mode_and_the_repair_is_reported()
    {
        var read = PolicyMessages.ReadResponse(Corpus("e05"), EnrollmentReaderOptions.Lenient);

        read.Succeeded.Should().BeTrue();
        read.Warnings.Should().ContainSingle().Which.Should().Match<EnrollmentDiagnostic>(d =>
            d.Code == "lenient-repair" && d.Line == 18 && d.Message.Contains("algorithmOIDReferencexsi:nil", StringComparison.Ordinal));
        var policy = read.Value!.Body;
        policy.PolicySchema.Should().Be(3);
        policy.MinimalKeyLength.Should().Be(2048);
        policy.HashAlgorithmOid.Should().BeNull("hashAlgorithmOIDReference is nil");
        policy.CsrHashAlgorithm.Should().Be(HashAlgorithmName.SHA1, "with no hash named Windows signed its CSR with SHA-1 (e06)");
        policy.Oids.Should().BeEquivalentTo([new PolicyOid("1.3.6.1.4.1.311.20.2", 1, 5, "Certificate Template Name")]);
        read.Value.Headers.RelatesTo.Should().Be(E04MessageId);
    }

    [Test]
    public void Server_policy_names_SHA256_and_our_reader_reads_it_back()
    {
        var response = NewServer().GetPolicies(PolicyMessages.WriteRequest(EnrollmentCredential.UsernamePassword("demo@example.test", "s3cret"),
            E04MessageId, BaseUrl + "/EnrollmentServer/Policy.svc", Start));
        var read = PolicyMessages.ReadResponse(response.Body);

        response.IsFault.Should().BeFalse();
        read.Succeeded.Should().BeTrue();
        read.Diagnostics.Should().BeEmpty();
        read.Value!.Body.MinimalKeyLength.Should().Be(2048);
        read.Value.Body.HashAlgorithmOid.Should().Be(SignatureAlgorithms.Sha256);
        read.Value.Body.CsrHashAlgorithm.Should().Be(HashAlgorithmName.SHA256);
        read.Value.Body.ValidityPeriodSeconds.Should().Be(31_536_000);
        read.Value.Headers.RelatesTo.Should().Be(E04MessageId);
    }

    [Test]
    public void Server_policy_carries_the_configured_key_length_and_hash()
    {
        var options = ServerOptions with { MinimalKeyLength = 3072, PolicyHashAlgorithm = HashAlgorithmName.SHA384 };
        var response = NewServer(options).GetPolicies(PolicyMessages.WriteRequest(EnrollmentCredential.UsernamePassword("demo@example.test", "s3cret"),
            E04MessageId, "https://x", Start));
        var policy = PolicyMessages.ReadResponse(response.Body).Value!.Body;

        policy.MinimalKeyLength.Should().Be(3072);
        policy.CsrHashAlgorithm.Should().Be(HashAlgorithmName.SHA384);
    }

    [TestCase(SignatureAlgorithms.OiwSha1WithRsa, "SHA1", TestName = "Docs_sample_policy_naming_sha1RSASign_gives_SHA1")]
    [TestCase(SignatureAlgorithms.Sha256, "SHA256", TestName = "Fleet_policy_naming_szOID_NIST_sha256_gives_SHA256")]
    [TestCase(SignatureAlgorithms.Sha512WithRsa, "SHA512", TestName = "A_sha512RSA_policy_gives_SHA512")]
    public void The_hash_of_a_policy_decides_the_CSR_signature(string oid, string expected)
    {
        var xml = PolicyMessages.WriteResponse(new EnrollmentPolicy(3, 2048, oid), "urn:uuid:x", "a");
        PolicyMessages.ReadResponse(xml).Value!.Body.CsrHashAlgorithm.Name.Should().Be(expected);
    }

    [Test]
    public void An_unknown_hash_OID_falls_back_to_SHA1_with_a_warning()
    {
        var xml = PolicyMessages.WriteResponse(new EnrollmentPolicy(3, 2048, "1.2.3.4"), "urn:uuid:x", "a");
        var read = PolicyMessages.ReadResponse(xml);

        read.Value!.Body.CsrHashAlgorithm.Should().Be(HashAlgorithmName.SHA1);
        read.Warnings.Should().ContainSingle(w => w.Message.Contains("1.2.3.4", StringComparison.Ordinal));
    }

    [Test]
    public void Server_refuses_GetPolicies_with_a_wrong_password_with_Authentication()
    {
        var response = NewServer().GetPolicies(PolicyMessages.WriteRequest(EnrollmentCredential.UsernamePassword("demo@example.test", "wrong"),
            E04MessageId, "https://x", Start));

        response.Fault!.Subcode.Should().Be(EnrollmentFaultCode.Authentication);
        response.Fault.Hresult.Should().Be(0x80180002);
        response.Fault.RelatesTo.Should().Be(E04MessageId);
        response.Fault.Action.Should().Be(EnrollmentActions.GetPoliciesResponse);
    }

    [Test]
    public void Server_refuses_the_real_e04_credentials_it_does_not_know()
    {
        NewServer().GetPolicies(Corpus("e04")).Fault!.Subcode.Should().Be(EnrollmentFaultCode.Authentication);
    }

    [Test]
    public void Server_accepts_the_real_e04_when_the_host_knows_the_user()
    {
        var server = NewServer(authenticator: EnrollmentAuthenticators.UsernamePassword((u, p) => u == "demio" && p == "demo"));
        server.GetPolicies(Corpus("e04")).IsFault.Should().BeFalse();
    }
}
