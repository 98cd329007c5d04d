using System.Xml.Linq;

namespace LapsCsp.Enrollment.Soap;

/// <summary>The XML namespaces of MS-MDE2 §2.2.1 (digest 1.2), all seen in corpus e02-e07.</summary>
public static class EnrollmentNamespaces
{
    /// <summary>SOAP 1.2 envelope (prefix <c>s</c>). MS-MDE2 §2.1 says SOAP 1.1, every real message uses 1.2 (digest 1.1).</summary>
    public static readonly XNamespace SoapNs = "http://www.w3.org/2003/05/soap-envelope";

    /// <summary>WS-Addressing (prefix <c>a</c>).</summary>
    public static readonly XNamespace AddressingNs = "http://www.w3.org/2005/08/addressing";

    /// <summary>WS-Security utility (prefix <c>u</c>): Id attributes and Timestamp.</summary>
    public static readonly XNamespace SecurityUtilityNs = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

    /// <summary>WS-Security extensions (prefix <c>wsse</c>; e07 uses <c>o</c>).</summary>
    public static readonly XNamespace SecurityNs = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";

    /// <summary>WS-Trust 1.3 (prefix <c>wst</c>).</summary>
    public static readonly XNamespace TrustNs = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";

    /// <summary>WS-Authorization additional context (prefix <c>ac</c>).</summary>
    public static readonly XNamespace AuthorizationNs = "http://schemas.xmlsoap.org/ws/2006/12/authorization";

    /// <summary>Body of Discover / DiscoverResponse.</summary>
    public static readonly XNamespace DiscoveryNs = "http://schemas.microsoft.com/windows/management/2012/01/enrollment";

    /// <summary>MS-XCEP body (GetPolicies / GetPoliciesResponse).</summary>
    public static readonly XNamespace PolicyNs = "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy";

    /// <summary>MS-WSTEP extras: DispositionMessage, RequestID and the fault detail <c>deviceenrollmentserviceerror</c>.</summary>
    public static readonly XNamespace EnrollmentNs = "http://schemas.microsoft.com/windows/pki/2009/01/enrollment";

    /// <summary>WCF diagnostics: the <c>ActivityId</c> header of responses (e03).</summary>
    public static readonly XNamespace DiagnosticsNs = "http://schemas.microsoft.com/2004/09/ServiceModel/Diagnostics";

    public static readonly XNamespace XmlSchemaInstanceNs = "http://www.w3.org/2001/XMLSchema-instance";

    public static readonly XNamespace XmlSchemaNs = "http://www.w3.org/2001/XMLSchema";

    /// <summary>XML-DSig, for the Certificate policy's signature over the Timestamp (MS-MDE2 §3.3).</summary>
    public static readonly XNamespace XmlDsigNs = "http://www.w3.org/2000/09/xmldsig#";
}

/// <summary>WS-Addressing Action values of the three exchanges (digest 1.1, table).</summary>
public static class EnrollmentActions
{
    public const string Discover = "http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/Discover";
    public const string DiscoverResponse = "http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/DiscoverResponse";
    public const string GetPolicies = "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/GetPolicies";
    public const string GetPoliciesResponse = "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/GetPoliciesResponse";
    public const string RequestSecurityToken = "http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/wstep";
    public const string RequestSecurityTokenResponseCollection = "http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RSTRC/wstep";

    /// <summary>ReplyTo address of every request (digest 1.2).</summary>
    public const string AnonymousReplyTo = "http://www.w3.org/2005/08/addressing/anonymous";
}

/// <summary>ValueType, EncodingType and TokenType URIs of WS-Security tokens in enrollment (digest 1.4, 1.6, 1.7).</summary>
public static class EnrollmentTokenTypes
{
    public const string Base64Binary = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd#base64binary";
    public const string PasswordText = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";

    /// <summary>Federated (and Fleet programmatic) user token in the Security header.</summary>
    public const string DeviceEnrollmentUserToken = "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentUserToken";

    /// <summary>Entra ID access token (Fleet: syncml.BinarySecurityAzureEnroll).</summary>
    public const string Jwt = "urn:ietf:params:oauth:token-type:jwt";

    /// <summary>X.509 certificate token (Certificate policy; WSS X.509 token profile).</summary>
    public const string X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";

    public const string DeviceEnrollmentToken = "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken";
    public const string DeviceEnrollmentProvisionDoc = "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentProvisionDoc";
    public const string Pkcs10 = "http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS10";
    public const string Pkcs7 = "http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS7";
    public const string RequestTypeIssue = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue";
    public const string RequestTypeRenew = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Renew";

    /// <summary>The u:Id of the UsernameToken: the same constant in MS-MDE2's example and in the real device's e04/e06.</summary>
    public const string WindowsUsernameTokenId = "uuid-cc1ccc1f-2fba-4bcf-b063-ffc0cac77917-4";
}
