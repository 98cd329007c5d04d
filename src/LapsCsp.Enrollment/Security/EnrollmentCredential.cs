using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using LapsCsp.Enrollment.Soap;
using static LapsCsp.Enrollment.Soap.EnrollmentNamespaces;

namespace LapsCsp.Enrollment.Security;

/// <summary>The authentication policies of discovery (MS-MDE2 §3.1; digest 1.3).</summary>
public enum AuthPolicy
{
    OnPremise,
    Federated,
    Certificate,
}

/// <summary>What a simulated device puts in the <c>wsse:Security</c> header of GetPolicies and RequestSecurityToken
/// (MS-MDE2 §3.3; digest 1.4). Pluggable: the Windows variants plus the tokens real servers use (Fleet, Entra).</summary>
public abstract record EnrollmentCredential
{
    /// <summary>The discovery policy this credential naturally belongs to.</summary>
    public abstract AuthPolicy Policy { get; }

    /// <summary>OnPremise: the user's name and password in a UsernameToken, PasswordText (e04, e06).</summary>
    public static EnrollmentCredential UsernamePassword(string username, string password) => new UsernamePasswordCredential(username, password);

    /// <summary>Federated: the token the STS page returned (<c>wresult</c>), base64-encoded into a DeviceEnrollmentUserToken.</summary>
    public static EnrollmentCredential Federated(string stsToken) =>
        new BinaryTokenCredential(EnrollmentTokenTypes.DeviceEnrollmentUserToken, Convert.ToBase64String(Encoding.UTF8.GetBytes(stsToken)), AuthPolicy.Federated);

    /// <summary>Fleet programmatic enrollment (digest 1.4, 5.4): DeviceEnrollmentUserToken holding base64 of
    /// <c>{"type":1,"payload":{"orbit_node_key":"…","auth_token":""}}</c>. Standard base64, which is what Fleet's
    /// <c>NewBinarySecurityTokenPayload</c> decodes (its encoder uses the URL alphabet; for this JSON they rarely differ).</summary>
    public static EnrollmentCredential FleetOrbitNodeKey(string orbitNodeKey)
    {
        var json = JsonSerializer.Serialize(new FleetTokenPayload(1, new FleetTokenInner(orbitNodeKey, "")), s_fleetJson);
        return new BinaryTokenCredential(EnrollmentTokenTypes.DeviceEnrollmentUserToken, Convert.ToBase64String(Encoding.UTF8.GetBytes(json)), AuthPolicy.Federated);
    }

    /// <summary>Entra ID join / work account: the access token as a JWT BinarySecurityToken (digest 1.4; Fleet checks
    /// <c>scp=mdm_delegation</c>). Base64url of the JWT, as Fleet's test client sends it.</summary>
    public static EnrollmentCredential EntraJwt(string jwt) =>
        new BinaryTokenCredential(EnrollmentTokenTypes.Jwt, Base64Url(Encoding.UTF8.GetBytes(jwt)), AuthPolicy.Federated);

    /// <summary>Certificate policy: an X.509 BinarySecurityToken plus an XML-DSig signature over a Timestamp, made with
    /// the certificate's private key (MS-MDE2 §3.3).</summary>
    public static EnrollmentCredential Certificate(X509Certificate2 certificateWithPrivateKey) => new CertificateCredential(certificateWithPrivateKey);

    /// <summary>The <c>wsse:Security</c> header element, before any signature.</summary>
    internal abstract XElement CreateHeader(DateTimeOffset now);

    /// <summary>Completes the header once the envelope is assembled (only the Certificate policy signs).</summary>
    internal virtual void Complete(XElement envelope)
    {
    }

    private static readonly JsonSerializerOptions s_fleetJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record FleetTokenPayload(int Type, FleetTokenInner Payload);

    private sealed record FleetTokenInner(string OrbitNodeKey, string AuthToken);

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>OnPremise UsernameToken (digest 1.4).</summary>
public sealed record UsernamePasswordCredential(string Username, string Password) : EnrollmentCredential
{
    public override AuthPolicy Policy => AuthPolicy.OnPremise;

    internal override XElement CreateHeader(DateTimeOffset now) =>
        new(EnrollmentNamespaces.SecurityNs + "Security", SoapEnvelope.MustUnderstand(),
            new XElement(EnrollmentNamespaces.SecurityNs + "UsernameToken", new XAttribute(SecurityUtilityNs + "Id", EnrollmentTokenTypes.WindowsUsernameTokenId),
                new XElement(EnrollmentNamespaces.SecurityNs + "Username", Username),
                new XElement(EnrollmentNamespaces.SecurityNs + "Password", new XAttribute(EnrollmentNamespaces.SecurityNs + "Type", EnrollmentTokenTypes.PasswordText), Password)));

    public override string ToString() => $"UsernamePasswordCredential {{ Username = {Username}, Password = *** }}";
}

/// <summary>A BinarySecurityToken in the header: Federated, Fleet, Entra (digest 1.4).</summary>
/// <param name="EncodedValue">The element text, already encoded as the server expects.</param>
public sealed record BinaryTokenCredential(string ValueType, string EncodedValue, AuthPolicy NaturalPolicy = AuthPolicy.Federated) : EnrollmentCredential
{
    public override AuthPolicy Policy => NaturalPolicy;

    internal override XElement CreateHeader(DateTimeOffset now) =>
        new(EnrollmentNamespaces.SecurityNs + "Security", SoapEnvelope.MustUnderstand(),
            new XElement(EnrollmentNamespaces.SecurityNs + "BinarySecurityToken",
                new XAttribute("ValueType", ValueType), new XAttribute("EncodingType", EnrollmentTokenTypes.Base64Binary), EncodedValue));

    public override string ToString() => $"BinaryTokenCredential {{ ValueType = {ValueType}, EncodedValue = ({EncodedValue.Length} chars) }}";
}

/// <summary>Certificate policy (MS-MDE2 §3.3): X.509 token and an exclusive-C14N, RSA-SHA256 signature over a
/// five-minute <c>u:Timestamp</c>, referenced by <c>#_0</c>.</summary>
public sealed record CertificateCredential(X509Certificate2 CertificateWithKey) : EnrollmentCredential
{
    internal const string TimestampId = "_0";
    internal const string TokenId = "X509-0";
    internal const string ExcC14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
    internal const string RsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    internal const string Sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";

    public override AuthPolicy Policy => AuthPolicy.Certificate;

    internal override XElement CreateHeader(DateTimeOffset now)
    {
        XNamespace wsse = EnrollmentNamespaces.SecurityNs;
        XNamespace ds = XmlDsigNs;
        return new XElement(wsse + "Security", SoapEnvelope.MustUnderstand(),
            new XElement(SecurityUtilityNs + "Timestamp", new XAttribute(SecurityUtilityNs + "Id", TimestampId),
                new XElement(SecurityUtilityNs + "Created", Iso(now)),
                new XElement(SecurityUtilityNs + "Expires", Iso(now.AddMinutes(5)))),
            new XElement(wsse + "BinarySecurityToken", new XAttribute("ValueType", EnrollmentTokenTypes.X509V3),
                new XAttribute("EncodingType", EnrollmentTokenTypes.Base64Binary), new XAttribute(SecurityUtilityNs + "Id", TokenId),
                Convert.ToBase64String(CertificateWithKey.RawData)),
            new XElement(ds + "Signature", new XAttribute(XNamespace.Xmlns + "ds", ds.NamespaceName),
                new XElement(ds + "SignedInfo",
                    new XElement(ds + "CanonicalizationMethod", new XAttribute("Algorithm", ExcC14N)),
                    new XElement(ds + "SignatureMethod", new XAttribute("Algorithm", RsaSha256)),
                    new XElement(ds + "Reference", new XAttribute("URI", "#" + TimestampId),
                        new XElement(ds + "Transforms", new XElement(ds + "Transform", new XAttribute("Algorithm", ExcC14N))),
                        new XElement(ds + "DigestMethod", new XAttribute("Algorithm", Sha256)),
                        new XElement(ds + "DigestValue", ""))),
                new XElement(ds + "SignatureValue", ""),
                new XElement(ds + "KeyInfo",
                    new XElement(wsse + "SecurityTokenReference",
                        new XElement(wsse + "Reference", new XAttribute("URI", "#" + TokenId), new XAttribute("ValueType", EnrollmentTokenTypes.X509V3))))));
    }

    internal override void Complete(XElement envelope)
    {
        XNamespace ds = XmlDsigNs;
        var security = envelope.Descendants(EnrollmentNamespaces.SecurityNs + "Security").First();
        var timestamp = security.Element(SecurityUtilityNs + "Timestamp")!;
        var signature = security.Element(ds + "Signature")!;
        var signedInfo = signature.Element(ds + "SignedInfo")!;
        signedInfo.Descendants(ds + "DigestValue").First().Value =
            Convert.ToBase64String(SHA256.HashData(ExclusiveCanonicalizer.Canonicalize(timestamp)));
        using var rsa = CertificateWithKey.GetRSAPrivateKey()
            ?? throw new InvalidOperationException("the Certificate credential needs an RSA certificate with its private key");
        signature.Element(ds + "SignatureValue")!.Value = Convert.ToBase64String(
            rsa.SignData(ExclusiveCanonicalizer.Canonicalize(signedInfo), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    internal static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
