using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace LapsCsp.Enrollment.Csr;

/// <summary>Builds the PKCS#10 request a Windows device sends in its RST (digest 1.6, corpus e06), with
/// <see cref="CertificateRequest"/> and a signature generator that writes Windows' algorithm identifiers.</summary>
/// <remarks>
/// Shape decoded from e06 and the PoC capture:
/// <list type="bullet">
/// <item>Subject: a single CN, a PrintableString of a GUID cut to 30 characters, <c>!</c>, the DeviceID and a NUL byte
/// (64 bytes for a 32-hex DeviceID). <c>!</c> and NUL are outside PrintableString's alphabet, so the value is written
/// as raw bytes under the PrintableString tag, as Windows did; .NET's encoders would refuse it.</item>
/// <item>One requested extension, 1.3.6.1.4.1.311.66.1.0, whose extnValue is the raw ASCII DeviceID plus NUL (not DER-wrapped).</item>
/// <item>Signature: SHA-1 with the OIW sha1RSA identifier (1.3.14.3.2.29) when the policy names no hash (e06), else
/// the policy's hash with the PKCS#1 identifier (F-test's CSR under Fleet's SHA-256 policy).</item>
/// </list>
/// The meaning of the GUID part is not documented (digest 6, question 9): a fresh GUID per enrollment is used.
/// </remarks>
public static class WindowsCsr
{
    /// <summary>The Microsoft extension that carries the DeviceID in the CSR.</summary>
    public const string DeviceIdExtensionOid = "1.3.6.1.4.1.311.66.1.0";

    private const string CommonNameOid = "2.5.4.3";

    /// <summary>The subject CN: 30 characters of <paramref name="guid"/> (upper case), <c>!</c>, the DeviceID, NUL.</summary>
    public static string SubjectCommonName(Guid guid, string deviceId) =>
        guid.ToString("D").ToUpperInvariant()[..30] + "!" + deviceId + "\0";

    /// <summary>The DER of a Windows-shaped CSR for <paramref name="key"/>.</summary>
    public static byte[] Create(RSA key, string deviceId, Guid subjectGuid, HashAlgorithmName hash)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        var generator = new WindowsRsaSignatureGenerator(key);
        var request = new CertificateRequest(new X500DistinguishedName(SubjectName(SubjectCommonName(subjectGuid, deviceId))), generator.PublicKey, hash);
        request.CertificateExtensions.Add(new X509Extension(DeviceIdExtensionOid, Encoding.ASCII.GetBytes(deviceId + "\0"), critical: false));
        return request.CreateSigningRequest(generator);
    }

    /// <summary>SEQUENCE { SET { SEQUENCE { id-at-commonName, PrintableString(raw bytes) } } }.</summary>
    internal static byte[] SubjectName(string commonName)
    {
        var value = new AsnWriter(AsnEncodingRules.DER);
        value.WriteOctetString(Encoding.Latin1.GetBytes(commonName));
        byte[] printable = value.Encode();
        printable[0] = 0x13; // PrintableString tag in place of OCTET STRING's: same length encoding, raw content.

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSetOf())
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(CommonNameOid);
            writer.WriteEncodedValue(printable);
        }

        return writer.Encode();
    }

    private sealed class WindowsRsaSignatureGenerator(RSA key) : X509SignatureGenerator
    {
        private readonly X509SignatureGenerator _inner = CreateForRSA(key, RSASignaturePadding.Pkcs1);

        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
        {
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(SignatureAlgorithms.RsaSignatureOid(hashAlgorithm));
                writer.WriteNull();
            }

            return writer.Encode();
        }

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) =>
            key.SignData(data, hashAlgorithm, RSASignaturePadding.Pkcs1);

        protected override PublicKey BuildPublicKey() => _inner.PublicKey;
    }
}
