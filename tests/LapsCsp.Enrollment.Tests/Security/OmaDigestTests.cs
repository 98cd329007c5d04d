using System.Text;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Security;

namespace LapsCsp.Enrollment.Tests.Security;

public class OmaDigestTests
{
    [Test]
    public void Matches_the_OMA_DM_worked_example_Bruce2_OhBehave_Nonce()
    {
        // OMA-DM Protocol 1.2 worked example (the Cred of Pkg #1 in the authentication section), also the known answer
        // of buteo-syncml's tests; recomputed outside .NET with Python's hashlib before being written here.
        OmaDigest.Compute("Bruce2", "OhBehave", Encoding.ASCII.GetBytes("Nonce")).Should().Be("Zz6EivR3yeaaENcRN6lpAQ==");
    }

    [Test]
    public void The_nonce_of_a_Chal_is_used_base64_decoded()
    {
        OmaDigest.NonceBytes("Tm9uY2U=").Should().Equal(Encoding.ASCII.GetBytes("Nonce"));
        new DigestCredential("Bruce2", "OhBehave", "Tm9uY2U=").ComputeCred().Should().Be("Zz6EivR3yeaaENcRN6lpAQ==");
    }

    [Test]
    public void A_nonce_that_is_not_base64_is_used_as_its_UTF8_bytes()
    {
        OmaDigest.NonceBytes("nonce").Should().Equal(Encoding.UTF8.GetBytes("nonce"), "the PoC and Fleet provision the word 'nonce' (e08)");
    }

    [Test]
    public void Verify_accepts_the_right_digest_and_refuses_others()
    {
        byte[] nonce = Encoding.ASCII.GetBytes("Nonce");
        OmaDigest.Verify("Bruce2", "OhBehave", nonce, "Zz6EivR3yeaaENcRN6lpAQ==").Should().BeTrue();
        OmaDigest.Verify("Bruce2", "OhBehav3", nonce, "Zz6EivR3yeaaENcRN6lpAQ==").Should().BeFalse();
        OmaDigest.Verify("Bruce2", "OhBehave", Encoding.ASCII.GetBytes("Nonce2"), "Zz6EivR3yeaaENcRN6lpAQ==").Should().BeFalse();
    }

    [Test]
    public void A_new_nonce_is_16_random_bytes_in_base64()
    {
        var nonce = OmaDigest.NewNonce();
        Convert.FromBase64String(nonce).Should().HaveCount(16);
        OmaDigest.NewNonce().Should().NotBe(nonce);
    }

    [Test]
    public void DMAcc_node_name_is_the_SHA256_of_the_UTF16_provider_id_as_Fleet_hard_codes_it()
    {
        DmAccount.NodeName("Fleet").Should().Be("0x0000800cABF8CA7D87C0FA21BB21B896AE2C8468CA07710326415228ACF2392EA1327077");
        DmAccount.ClientCredentialPaths("Fleet").AAuthSecret.Should()
            .Be("./SyncML/DMAcc/0x0000800cABF8CA7D87C0FA21BB21B896AE2C8468CA07710326415228ACF2392EA1327077/AppAuth/CLCRED/AAuthSecret");
        DmAccount.UnenrollPath("Fleet").Should().Be("./Vendor/MSFT/DMClient/Provider/Fleet/Unenroll");
    }
}
