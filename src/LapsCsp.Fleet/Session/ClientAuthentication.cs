using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Security;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.Fleet.Session;

/// <summary>The client certificate a device presents for mutual TLS (digest 2.2 "Transport"): DER and PKCS#8 key, loaded
/// only by a transport that does TLS.</summary>
public sealed record ClientTlsCertificate(byte[] Certificate, byte[] PrivateKeyPkcs8)
{
    /// <summary>The Root/System certificates of the device's provisioning document (DER): the device trusts them for the
    /// management server's TLS certificate, beside the system's roots (digest 2.2).</summary>
    public System.Collections.Immutable.ImmutableArray<byte[]> TrustedRoots { get; init; } = [];

    /// <summary>Upper-case SHA-1 thumbprint, as the provisioning document names certificates.</summary>
    public string Thumbprint => Convert.ToHexString(SHA1.HashData(Certificate));

    public X509Certificate2 LoadWithKey()
    {
        using var certificate = X509CertificateLoader.LoadCertificate(Certificate);
        using var key = RSA.Create();
        key.ImportPkcs8PrivateKey(PrivateKeyPkcs8, out _);
        return certificate.CopyWithPrivateKey(key);
    }

    public override string ToString() => $"ClientTlsCertificate {{ Thumbprint = {Thumbprint} }}";
}

/// <summary>The SyncML <c>Cred</c> scheme a client uses.</summary>
public enum CredentialScheme
{
    /// <summary>No Cred: the TLS client certificate alone, as Windows does with Intune.</summary>
    None,

    /// <summary><c>syncml:auth-md5</c> (digest 2.2 item 3): what Fleet checks in every message.</summary>
    Md5Digest,

    /// <summary><c>syncml:auth-basic</c>: b64(name:secret), as the Windows Phone 8.1 package of corpus r31.</summary>
    Basic,
}

/// <summary>What the client does after the server's Status for its SyncHdr.</summary>
public enum AuthenticationVerdict
{
    /// <summary>The message was accepted (200, or 212: authenticated for the rest of the session).</summary>
    Accepted,

    /// <summary>401/407 with a Chal: send package 1 again with a Cred made from the new nonce.</summary>
    Resend,

    /// <summary>Refused for good (no Chal, too many attempts, or another error code on the SyncHdr).</summary>
    Rejected,
}

/// <summary>How a device proves itself on the management endpoint. Pluggable: a session asks it for the TLS certificate
/// and, for every message, the Cred; it tells it the server's SyncHdr Status and every Chal.</summary>
public interface IDmClientAuthentication
{
    ClientTlsCertificate? TlsCertificate { get; }

    /// <summary>The Cred for the SyncHdr of the next message, or null to send none.</summary>
    Credential? NextCredential();

    /// <summary>The server's Status for the client's SyncHdr (CmdRef 0), or null when it sent none.</summary>
    AuthenticationVerdict OnHeaderStatus(StatusCommand? status);

    /// <summary>A Chal in any Status: its NextNonce is the nonce of the next Cred, in this session or the next one.</summary>
    void OnChallenge(Challenge challenge);

    /// <summary>The server replaced the APPSRV name or secret (Fleet's rekey of <c>…/AppAuth/CLCRED/…</c>, digest 2.2).</summary>
    void Rekey(string? name, string? secret);

    /// <summary>The credential with its latest nonce, to keep for the next session.</summary>
    DigestCredential? Credential { get; }
}

/// <summary>The authentication a Windows device runs (digest 2.2): the client certificate for TLS and/or a Cred of
/// <see cref="CredentialScheme"/> made from the APPSRV name, secret and the latest server nonce.</summary>
/// <remarks>
/// OMA-DM Protocol 1.2 §9 / digest 2.2 rules: the first message may omit Cred; on 401/407 with a Chal the client sends
/// package 1 again with a Cred from the new nonce; 212 means authenticated for the rest of the session (no more Cred); 200
/// means the same scheme must be sent again with the next message (Fleet never sends 212, so every message carries one).
/// A NextNonce from any Chal is used from then on, also at the start of the next session.
/// Windows sent no Cred in its first package of r20/e10 although the PoC had provisioned a nonce, so by default a Cred
/// goes out only once a Chal has given a nonce (<see cref="CredentialBeforeChallenge"/> changes it).
/// </remarks>
public sealed class DmClientAuthentication : IDmClientAuthentication
{
    private DigestCredential? _credential;
    private bool _haveChallengeNonce;
    private bool _authenticatedForSession;
    private int _resends;

    /// <param name="challengeNonceKnown">The credential's nonce came from a Chal of an earlier session.</param>
    public DmClientAuthentication(CredentialScheme scheme, DigestCredential? credential, ClientTlsCertificate? certificate,
        bool challengeNonceKnown = false)
    {
        Scheme = scheme;
        _credential = credential;
        TlsCertificate = certificate;
        _haveChallengeNonce = challengeNonceKnown;
    }

    public CredentialScheme Scheme { get; }

    public ClientTlsCertificate? TlsCertificate { get; }

    /// <summary>Send a Cred from the provisioned AAUTHDATA nonce before any Chal (e12 shape; saves Fleet's 407 round trip).</summary>
    public bool CredentialBeforeChallenge { get; init; }

    /// <summary>How many times package 1 is sent again after 401/407 in one session.</summary>
    public int MaxResends { get; init; } = 2;

    public DigestCredential? Credential => _credential;

    /// <summary>True once a Chal has supplied the nonce in use.</summary>
    public bool ChallengeNonceKnown => _haveChallengeNonce;

    public Credential? NextCredential()
    {
        if (_credential is not { } credential || _authenticatedForSession) return null;
        switch (Scheme)
        {
            case CredentialScheme.Md5Digest when _haveChallengeNonce || CredentialBeforeChallenge:
                return new Credential(new Meta(Format: OmaDigest.Format, Type: OmaDigest.AuthType), credential.ComputeCred());
            case CredentialScheme.Basic:
                var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.Name + ":" + credential.Secret));
                return new Credential(new Meta(Format: "b64", Type: "syncml:auth-basic"), basic);
            default:
                return null;
        }
    }

    public AuthenticationVerdict OnHeaderStatus(StatusCommand? status)
    {
        if (status is null) return AuthenticationVerdict.Accepted;
        if (status.Chal is { } chal) OnChallenge(chal);
        switch (status.Code.Trim())
        {
            case "200":
                return AuthenticationVerdict.Accepted;
            case "212":
                _authenticatedForSession = true;
                return AuthenticationVerdict.Accepted;
            case "401":
            case "407":
                _authenticatedForSession = false;
                if (status.Chal is null || Scheme == CredentialScheme.None || _credential is null || _resends >= MaxResends) return AuthenticationVerdict.Rejected;
                _resends++;
                return AuthenticationVerdict.Resend;
            default:
                return AuthenticationVerdict.Rejected;
        }
    }

    public void OnChallenge(Challenge challenge)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        if (_credential is null || challenge.Meta.NextNonce is not { Length: > 0 } nonce) return;
        _credential = _credential with { Nonce = nonce.Trim() };
        _haveChallengeNonce = true;
    }

    public void Rekey(string? name, string? secret)
    {
        var current = _credential ?? new DigestCredential("", "", "");
        _credential = current with { Name = name ?? current.Name, Secret = secret ?? current.Secret };
    }
}
