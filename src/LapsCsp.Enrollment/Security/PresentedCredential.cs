using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using LapsCsp.Enrollment.Soap;
using static LapsCsp.Enrollment.Soap.EnrollmentNamespaces;

namespace LapsCsp.Enrollment.Security;

/// <summary>What a device presented in the <c>wsse:Security</c> header, as the server read it (digest 1.4).</summary>
public abstract record PresentedCredential;

/// <summary>OnPremise UsernameToken.</summary>
public sealed record PresentedUsernameToken(string Username, string Password) : PresentedCredential
{
    public override string ToString() => $"PresentedUsernameToken {{ Username = {Username}, Password = *** }}";
}

/// <summary>A BinarySecurityToken: Federated, Fleet (DeviceEnrollmentUserToken) or Entra (JWT).</summary>
/// <param name="EncodedValue">The element text, whitespace removed.</param>
public sealed record PresentedBinaryToken(string ValueType, string EncodedValue) : PresentedCredential
{
    /// <summary>The token decoded as base64 (standard or URL alphabet, padding optional) and then UTF-8; null if it is not base64.</summary>
    public string? DecodedText
    {
        get
        {
            string normalized = EncodedValue.Replace('-', '+').Replace('_', '/');
            normalized = normalized.PadRight(normalized.Length + ((4 - (normalized.Length % 4)) % 4), '=');
            var buffer = new byte[normalized.Length];
            return Convert.TryFromBase64String(normalized, buffer, out int written) ? Encoding.UTF8.GetString(buffer, 0, written) : null;
        }
    }
}

/// <summary>Certificate policy: the X.509 token, whose signature over the Timestamp has been checked already; the
/// authenticator decides whether the certificate itself is trusted.</summary>
public sealed record PresentedCertificate(X509Certificate2 Certificate) : PresentedCredential;

/// <summary>Reads the <c>wsse:Security</c> header on the server side.</summary>
internal static class SecurityHeaderReader
{
    private static readonly TimeSpan s_clockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The presented credential, or a fault reason when the header is missing or unusable (a:InvalidSecurity).</summary>
    public static PresentedCredential? Read(XElement? header, DateTimeOffset now, out string? problem)
    {
        problem = null;
        var security = SoapEnvelope.Child(header, EnrollmentNamespaces.SecurityNs, "Security");
        if (security is null)
        {
            problem = "the request has no wsse:Security header";
            return null;
        }

        if (security.Element(EnrollmentNamespaces.SecurityNs + "UsernameToken") is { } usernameToken)
        {
            string? username = SoapEnvelope.Text(usernameToken.Element(EnrollmentNamespaces.SecurityNs + "Username"));
            var passwordElement = usernameToken.Element(EnrollmentNamespaces.SecurityNs + "Password");
            string? type = (string?)passwordElement?.Attribute(EnrollmentNamespaces.SecurityNs + "Type") ?? (string?)passwordElement?.Attribute("Type");
            if (username is null || passwordElement is null)
            {
                problem = "the UsernameToken has no Username or no Password";
                return null;
            }

            if (type is not null && type != EnrollmentTokenTypes.PasswordText)
            {
                problem = "only PasswordText UsernameTokens are supported (MS-MDE2 §3.3), got " + type;
                return null;
            }

            // The password is what the user typed: not trimmed.
            return new PresentedUsernameToken(username, passwordElement.Value);
        }

        if (security.Element(EnrollmentNamespaces.SecurityNs + "BinarySecurityToken") is not { } token)
        {
            problem = "the Security header holds neither a UsernameToken nor a BinarySecurityToken";
            return null;
        }

        string valueType = (string?)token.Attribute("ValueType") ?? (string?)token.Attribute(EnrollmentNamespaces.SecurityNs + "ValueType") ?? "";
        string value = string.Concat(token.Value.Where(c => !char.IsWhiteSpace(c)));
        if (value.Length == 0)
        {
            problem = "the BinarySecurityToken is empty";
            return null;
        }

        if (valueType != EnrollmentTokenTypes.X509V3)
        {
            return new PresentedBinaryToken(valueType, value);
        }

        return ReadCertificate(security, value, now, out problem);
    }

    private static PresentedCertificate? ReadCertificate(XElement security, string base64, DateTimeOffset now, out string? problem)
    {
        problem = null;
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(base64));
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            problem = "the X.509 BinarySecurityToken is not a DER certificate: " + e.Message;
            return null;
        }

        XNamespace ds = XmlDsigNs;
        var signature = security.Element(ds + "Signature");
        var signedInfo = signature?.Element(ds + "SignedInfo");
        var reference = signedInfo?.Element(ds + "Reference");
        string? uri = (string?)reference?.Attribute("URI");
        if (signedInfo is null || reference is null || uri is null || !uri.StartsWith('#'))
        {
            problem = "the Certificate token has no ds:Signature with a same-document Reference";
            return null;
        }

        var referenced = security.Elements().FirstOrDefault(e => (string?)e.Attribute(SecurityUtilityNs + "Id") == uri[1..]);
        if (referenced is null || referenced.Name != SecurityUtilityNs + "Timestamp")
        {
            problem = "the signature must reference the u:Timestamp of the Security header";
            return null;
        }

        if ((string?)signedInfo.Element(ds + "CanonicalizationMethod")?.Attribute("Algorithm") != CertificateCredential.ExcC14N
            || (string?)signedInfo.Element(ds + "SignatureMethod")?.Attribute("Algorithm") != CertificateCredential.RsaSha256
            || (string?)reference.Element(ds + "DigestMethod")?.Attribute("Algorithm") != CertificateCredential.Sha256)
        {
            problem = "only exclusive C14N with RSA-SHA256 and a SHA-256 digest are supported";
            return null;
        }

        byte[] digest = SHA256.HashData(ExclusiveCanonicalizer.Canonicalize(referenced));
        if (!TryBase64(SoapEnvelope.Text(reference.Element(ds + "DigestValue")), out var claimedDigest)
            || !CryptographicOperations.FixedTimeEquals(digest, claimedDigest))
        {
            problem = "the digest of the signed Timestamp does not match";
            return null;
        }

        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is null || !TryBase64(SoapEnvelope.Text(signature!.Element(ds + "SignatureValue")), out var signatureValue)
            || !rsa.VerifyData(ExclusiveCanonicalizer.Canonicalize(signedInfo), signatureValue, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            problem = "the signature over the Timestamp does not verify with the certificate's key";
            return null;
        }

        if (!TryTime(referenced.Element(SecurityUtilityNs + "Created"), out var created) || !TryTime(referenced.Element(SecurityUtilityNs + "Expires"), out var expires)
            || created - s_clockSkew > now || expires + s_clockSkew < now)
        {
            problem = "the signed Timestamp is missing or not current";
            return null;
        }

        return new PresentedCertificate(certificate);
    }

    private static bool TryBase64(string? text, out byte[] bytes)
    {
        bytes = [];
        if (text is null)
        {
            return false;
        }

        var buffer = new byte[text.Length];
        if (!Convert.TryFromBase64String(text, buffer, out int written))
        {
            return false;
        }

        bytes = buffer[..written];
        return true;
    }

    private static bool TryTime(XElement? element, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(SoapEnvelope.Text(element), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
}
