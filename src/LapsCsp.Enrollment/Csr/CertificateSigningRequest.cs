using System.Collections.Immutable;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace LapsCsp.Enrollment.Csr;

/// <summary>A requested extension of a CSR: OID, criticality and the extnValue octets.</summary>
public sealed record CsrExtension(string Oid, bool Critical, ImmutableArray<byte> Value);

/// <summary>A parsed PKCS#10 request (RFC 2986) with its self-signature checked. Read with <see cref="TryRead(ReadOnlySpan{byte}, out CertificateSigningRequest?, out string?)"/>.</summary>
/// <param name="CommonName">The subject CN as its bytes read (Latin-1, or UTF-8/BMP when so tagged), NUL included.</param>
/// <param name="CommonNameTag">The universal tag of the CN value (19 PrintableString in e06).</param>
/// <param name="KeySizeBits">The RSA modulus size; 0 for non-RSA keys.</param>
/// <param name="SignatureHash">The hash of the signature algorithm; null when the OID is not a known RSA one.</param>
/// <param name="SignatureValid">Whether the signature verifies with the request's own public key.</param>
public sealed record CertificateSigningRequest(
    int Version,
    string? CommonName,
    int CommonNameTag,
    string PublicKeyAlgorithmOid,
    ImmutableArray<byte> SubjectPublicKeyInfo,
    int KeySizeBits,
    ImmutableArray<CsrExtension> Extensions,
    string SignatureAlgorithmOid,
    HashAlgorithmName? SignatureHash,
    bool SignatureValid)
{
    /// <summary>The DeviceID carried by the 1.3.6.1.4.1.311.66.1.0 extension (raw ASCII, trailing NUL removed).</summary>
    public string? DeviceIdFromExtension =>
        Extensions.FirstOrDefault(e => e.Oid == WindowsCsr.DeviceIdExtensionOid) is { } extension
            ? Encoding.ASCII.GetString(extension.Value.AsSpan()).TrimEnd('\0')
            : null;

    /// <summary>The DeviceID after the <c>!</c> of the Windows-style CN (trailing NUL removed); null for other CNs.</summary>
    public string? DeviceIdFromSubject =>
        CommonName is { } cn && cn.IndexOf('!', StringComparison.Ordinal) is int bang and >= 0 ? cn[(bang + 1)..].TrimEnd('\0') : null;

    /// <summary>Reads a base64 CSR as carried in the RST's BinarySecurityToken; whitespace (line breaks) is ignored.</summary>
    public static bool TryReadBase64(string base64, out CertificateSigningRequest? request, out string? error)
    {
        ArgumentNullException.ThrowIfNull(base64);
        string compact = string.Concat(base64.Where(c => !char.IsWhiteSpace(c)));
        var buffer = new byte[compact.Length];
        if (!Convert.TryFromBase64String(compact, buffer, out int written))
        {
            request = null;
            error = "the PKCS#10 token is not base64";
            return false;
        }

        return TryRead(buffer.AsSpan(0, written), out request, out error);
    }

    /// <summary>Reads a DER CSR. Never throws for bad input: a refused request gives false and a reason.</summary>
    public static bool TryRead(ReadOnlySpan<byte> der, out CertificateSigningRequest? request, out string? error)
    {
        request = null;
        error = null;
        try
        {
            request = Read(der.ToArray());
            return true;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException or FormatException)
        {
            error = "not a PKCS#10 certificate request: " + e.Message;
            return false;
        }
    }

    private static CertificateSigningRequest Read(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var sequence = outer.ReadSequence();
        outer.ThrowIfNotEmpty();

        ReadOnlyMemory<byte> infoBytes = sequence.PeekEncodedValue();
        var info = sequence.ReadSequence();
        var algorithm = sequence.ReadSequence();
        string signatureOid = algorithm.ReadObjectIdentifier();
        byte[] signature = sequence.ReadBitString(out int unusedBits);
        sequence.ThrowIfNotEmpty();
        if (unusedBits != 0)
        {
            throw new AsnContentException("the signature BIT STRING has unused bits");
        }

        if (!info.TryReadInt32(out int version))
        {
            throw new AsnContentException("the version is not a small integer");
        }

        var (commonName, tag) = ReadCommonName(info.ReadEncodedValue());
        byte[] spki = info.PeekEncodedValue().ToArray();
        var spkiReader = info.ReadSequence();
        string keyOid = spkiReader.ReadSequence().ReadObjectIdentifier();
        var extensions = ImmutableArray<CsrExtension>.Empty;
        if (info.HasData)
        {
            extensions = ReadExtensions(info);
        }

        info.ThrowIfNotEmpty();

        var hash = SignatureAlgorithms.HashFromOid(signatureOid);
        int keySize = 0;
        bool valid = false;
        if (keyOid == SignatureAlgorithms.RsaEncryption)
        {
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(spki, out _);
            keySize = rsa.KeySize;
            valid = hash is { } h && signatureOid != SignatureAlgorithms.OiwSha1 && signatureOid != SignatureAlgorithms.Sha256
                && signatureOid != SignatureAlgorithms.Sha384 && signatureOid != SignatureAlgorithms.Sha512
                && rsa.VerifyData(infoBytes.Span, signature, h, RSASignaturePadding.Pkcs1);
        }

        return new CertificateSigningRequest(version, commonName, tag, keyOid, [.. spki], keySize, extensions, signatureOid, hash, valid);
    }

    private static (string? CommonName, int Tag) ReadCommonName(ReadOnlyMemory<byte> name)
    {
        var reader = new AsnReader(name, AsnEncodingRules.DER);
        var rdns = reader.ReadSequence();
        while (rdns.HasData)
        {
            var set = rdns.ReadSetOf();
            while (set.HasData)
            {
                var attribute = set.ReadSequence();
                string oid = attribute.ReadObjectIdentifier();
                var valueTag = attribute.PeekTag();

                // Read as raw content: Windows writes '!' and NUL inside a PrintableString (e06), which strict decoders refuse.
                var content = attribute.ReadEncodedValue();
                if (oid != "2.5.4.3")
                {
                    continue;
                }

                AsnDecoder.ReadEncodedValue(content.Span, AsnEncodingRules.BER, out int offset, out int length, out _);
                byte[] bytes = content.Span.Slice(offset, length).ToArray();
                string text = (UniversalTagNumber)valueTag.TagValue switch
                {
                    UniversalTagNumber.UTF8String => Encoding.UTF8.GetString(bytes),
                    UniversalTagNumber.BMPString => Encoding.BigEndianUnicode.GetString(bytes),
                    _ => Encoding.Latin1.GetString(bytes),
                };
                return (text, valueTag.TagValue);
            }
        }

        return (null, 0);
    }

    private static ImmutableArray<CsrExtension> ReadExtensions(AsnReader info)
    {
        var extensions = ImmutableArray.CreateBuilder<CsrExtension>();
        var attributes = info.ReadSetOf(new Asn1Tag(TagClass.ContextSpecific, 0));
        while (attributes.HasData)
        {
            var attribute = attributes.ReadSequence();
            string oid = attribute.ReadObjectIdentifier();
            var values = attribute.ReadSetOf();
            if (oid != "1.2.840.113549.1.9.14")
            {
                continue; // not extensionRequest
            }

            while (values.HasData)
            {
                var list = values.ReadSequence();
                while (list.HasData)
                {
                    var extension = list.ReadSequence();
                    string extensionOid = extension.ReadObjectIdentifier();
                    bool critical = extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
                    extensions.Add(new CsrExtension(extensionOid, critical, [.. extension.ReadOctetString()]));
                }
            }
        }

        return extensions.ToImmutable();
    }
}
