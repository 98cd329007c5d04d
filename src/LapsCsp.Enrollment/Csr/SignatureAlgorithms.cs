using System.Security.Cryptography;

namespace LapsCsp.Enrollment.Csr;

/// <summary>The hash and RSA signature OIDs enrollment meets, and which hash each means.</summary>
public static class SignatureAlgorithms
{
    public const string RsaEncryption = "1.2.840.113549.1.1.1";

    /// <summary>OIW sha1WithRSASignature: what Windows put in its SHA-1 CSR (e06), and the docs policy sample's oID.</summary>
    public const string OiwSha1WithRsa = "1.3.14.3.2.29";
    public const string OiwSha1 = "1.3.14.3.2.26";
    public const string Sha1WithRsa = "1.2.840.113549.1.1.5";
    public const string Sha256WithRsa = "1.2.840.113549.1.1.11";
    public const string Sha384WithRsa = "1.2.840.113549.1.1.12";
    public const string Sha512WithRsa = "1.2.840.113549.1.1.13";
    public const string Sha256 = "2.16.840.1.101.3.4.2.1";
    public const string Sha384 = "2.16.840.1.101.3.4.2.2";
    public const string Sha512 = "2.16.840.1.101.3.4.2.3";

    /// <summary>The hash an OID stands for (a bare hash OID or an RSA-with-hash signature OID); null when unknown.</summary>
    public static HashAlgorithmName? HashFromOid(string oid) => oid switch
    {
        OiwSha1 or OiwSha1WithRsa or Sha1WithRsa => HashAlgorithmName.SHA1,
        Sha256 or Sha256WithRsa => HashAlgorithmName.SHA256,
        Sha384 or Sha384WithRsa => HashAlgorithmName.SHA384,
        Sha512 or Sha512WithRsa => HashAlgorithmName.SHA512,
        _ => null,
    };

    /// <summary>The RSA PKCS#1 v1.5 signature OID a Windows device writes for a hash: OIW sha1RSA for SHA-1 (e06),
    /// the PKCS#1 OIDs otherwise.</summary>
    public static string RsaSignatureOid(HashAlgorithmName hash) => hash.Name switch
    {
        "SHA1" => OiwSha1WithRsa,
        "SHA256" => Sha256WithRsa,
        "SHA384" => Sha384WithRsa,
        "SHA512" => Sha512WithRsa,
        _ => throw new ArgumentOutOfRangeException(nameof(hash), hash.Name, "RSA CSRs are signed with SHA-1, SHA-256, SHA-384 or SHA-512"),
    };

    /// <summary>The Windows szOID name of an OID, for <c>defaultName</c> in a policy.</summary>
    public static string FriendlyName(string oid) => oid switch
    {
        Sha256 => "szOID_NIST_sha256",
        Sha384 => "szOID_NIST_sha384",
        Sha512 => "szOID_NIST_sha512",
        OiwSha1 => "szOID_OIWSEC_sha1",
        OiwSha1WithRsa => "szOID_OIWSEC_sha1RSASign",
        RsaEncryption => "szOID_RSA_RSA",
        _ => oid,
    };
}
