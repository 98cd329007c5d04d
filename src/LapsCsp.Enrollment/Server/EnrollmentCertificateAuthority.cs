using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LapsCsp.Enrollment.Server;

/// <summary>The in-process CA of our enrollment server: a self-signed root made at first start and persisted by the
/// host (PKCS#12 or PEM bytes), which issues the devices' client certificates (MDE2 §2.2.9.1; digest 1.6, 1.7).</summary>
/// <remarks>Issued certificates: subject <c>CN=&lt;DeviceID&gt;</c> (as the PoC, e08; Fleet uses the HWDevID), EKU
/// clientAuth, KeyUsage digitalSignature|keyEncipherment (critical), not a CA, SHA-256 with RSA, a random 127-bit
/// serial, NotBefore five minutes before the injected time (clock skew), NotAfter after the configured validity.
/// Issuance is serialised: one lock around the CA key.</remarks>
public sealed class EnrollmentCertificateAuthority : IDisposable
{
    public const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";

    private static readonly TimeSpan s_backdate = TimeSpan.FromMinutes(5);

    private readonly X509Certificate2 _root;
    private readonly RSA _key;
    private readonly Lock _gate = new();

    private EnrollmentCertificateAuthority(X509Certificate2 rootWithKey)
    {
        _key = rootWithKey.GetRSAPrivateKey() ?? throw new ArgumentException("the CA certificate needs an RSA private key", nameof(rootWithKey));
        _root = rootWithKey;
        RootCertificate = X509CertificateLoader.LoadCertificate(rootWithKey.RawData);
    }

    /// <summary>The root certificate, public part only: what the provisioning document's Root/System carries.</summary>
    public X509Certificate2 RootCertificate { get; }

    /// <summary>A new root: RSA <paramref name="keySize"/>, valid from a day before <paramref name="time"/>'s now for
    /// <paramref name="validity"/> (default 10 years), BasicConstraints CA (critical), KeyUsage keyCertSign|cRLSign.</summary>
    public static EnrollmentCertificateAuthority Create(TimeProvider time, string subjectName = "CN=LapsCsp MDM Enrollment Root, O=LapsCsp",
        int keySize = 2048, TimeSpan? validity = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        using var key = RSA.Create(keySize);
        var request = new CertificateRequest(subjectName, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        using var root = request.CreateSelfSigned(now.AddDays(-1), now + (validity ?? TimeSpan.FromDays(3650)));

        // Round-trip through PKCS#12 so that the key is exportable and owned by the certificate on every platform.
        return LoadPkcs12(root.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Loads a CA saved with <see cref="ExportPkcs12"/>.</summary>
    public static EnrollmentCertificateAuthority LoadPkcs12(byte[] pkcs12, string? password)
    {
        ArgumentNullException.ThrowIfNull(pkcs12);
        return new EnrollmentCertificateAuthority(
            X509CertificateLoader.LoadPkcs12(pkcs12, password, X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet));
    }

    /// <summary>Loads a CA saved with <see cref="ExportPem"/> (a CERTIFICATE block and a PRIVATE KEY block).</summary>
    public static EnrollmentCertificateAuthority LoadPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        using var fromPem = X509Certificate2.CreateFromPem(pem, pem);
        return LoadPkcs12(fromPem.Export(X509ContentType.Pkcs12), null);
    }

    public byte[] ExportPkcs12(string? password) => _root.Export(X509ContentType.Pkcs12, password);

    /// <summary>The root certificate and its unencrypted PKCS#8 key, PEM.</summary>
    public string ExportPem() => _root.ExportCertificatePem() + "\n" + _key.ExportPkcs8PrivateKeyPem() + "\n";

    /// <summary>Issues a client certificate for <paramref name="subjectPublicKeyInfo"/> with subject CN=<paramref name="commonName"/>.</summary>
    public X509Certificate2 IssueClientCertificate(ReadOnlySpan<byte> subjectPublicKeyInfo, string commonName, DateTimeOffset now, TimeSpan validity)
    {
        ArgumentException.ThrowIfNullOrEmpty(commonName);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        var request = new CertificateRequest(subject.Build(), publicKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthenticationOid)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, false));
        return Sign(request, now, validity);
    }

    public const string ServerAuthenticationOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>Issues a TLS server certificate, with its new RSA key, for the host names and IP addresses in
    /// <paramref name="hosts"/> (subjectAltName dNSName / iPAddress; subject CN = the first host): what
    /// <c>lapscsp serve</c> presents on https when no certificate is configured, so that a device that trusts this root
    /// (it is in every provisioning document) trusts the server.</summary>
    public X509Certificate2 IssueServerCertificate(IReadOnlyList<string> hosts, DateTimeOffset now, TimeSpan validity)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        if (hosts.Count == 0) throw new ArgumentException("at least one host name", nameof(hosts));
        using var key = RSA.Create(2048);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(hosts[0]);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (System.Net.IPAddress.TryParse(host, out var ip)) names.AddIpAddress(ip);
            else names.AddDnsName(host);
        }

        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthenticationOid)], false));
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using (var issued = Sign(request, now, validity))
        using (var withKey = issued.CopyWithPrivateKey(key))
        {
            // Through PKCS#12 so that the key belongs to the certificate for TLS (Windows' TLS stack cannot use an ephemeral key).
            var flags = OperatingSystem.IsWindows() ? X509KeyStorageFlags.Exportable : X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet;
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, flags);
        }
    }

    /// <summary>Whether <paramref name="certificate"/> chains to this root at <paramref name="at"/> (no revocation check).</summary>
    public bool Verify(X509Certificate2 certificate, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return ChainsTo(certificate, [RootCertificate], at);
    }

    /// <summary>Whether <paramref name="certificate"/> chains to one of <paramref name="roots"/> (and to no other root), at
    /// <paramref name="at"/> or now, without revocation checks: how a lab client trusts a lab CA for TLS.</summary>
    public static bool ChainsTo(X509Certificate2 certificate, IEnumerable<X509Certificate2> roots, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(roots);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (at is { } time) chain.ChainPolicy.VerificationTime = time.UtcDateTime;
        var trusted = roots.ToList();
        foreach (var root in trusted) chain.ChainPolicy.CustomTrustStore.Add(root);
        try
        {
            return chain.Build(certificate);
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, certificate) && !trusted.Any(r => ReferenceEquals(r, element.Certificate)))
                {
                    element.Certificate.Dispose();
                }
            }
        }
    }

    /// <summary>Signs an issued certificate with the CA key: a random positive 127-bit serial, NotBefore backdated for clock
    /// skew, authority key identifier of the root. Issuance is serialised (one lock around the CA key).</summary>
    private X509Certificate2 Sign(CertificateRequest request, DateTimeOffset now, TimeSpan validity)
    {
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(RootCertificate, true, false));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        lock (_gate)
        {
            return request.Create(RootCertificate.SubjectName, X509SignatureGenerator.CreateForRSA(_key, RSASignaturePadding.Pkcs1),
                now - s_backdate, now + validity, serial);
        }
    }

    public void Dispose()
    {
        _key.Dispose();
        _root.Dispose();
        RootCertificate.Dispose();
    }
}
