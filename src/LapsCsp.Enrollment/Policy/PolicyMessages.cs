using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Xml.Linq;
using LapsCsp.Enrollment.Csr;
using LapsCsp.Enrollment.Security;
using LapsCsp.Enrollment.Soap;
using static LapsCsp.Enrollment.Soap.EnrollmentNamespaces;

namespace LapsCsp.Enrollment.Policy;

/// <summary>One <c>oIDs/oID</c> entry of an MS-XCEP response. Group follows CRYPT_*_OID_GROUP_ID (1 hash, 3 public key,
/// 4 signature, 9 template), though real servers use it loosely (e05 files a template name under group 1).</summary>
public sealed record PolicyOid(string Value, int Group, int ReferenceId, string? DefaultName);

/// <summary>The parts of an MS-XCEP certificate enrollment policy a device acts on (MS-MDE2 §3.3; digest 1.5): key
/// length and hash algorithm. The docs say the policy step is optional; then <see cref="Default"/> applies.</summary>
/// <param name="HashAlgorithmOid">The OID hashAlgorithmOIDReference points at; null when nil or absent.</param>
public sealed record EnrollmentPolicy(
    int PolicySchema,
    int MinimalKeyLength,
    string? HashAlgorithmOid,
    string? CommonName = null,
    long? ValidityPeriodSeconds = null,
    long? RenewalPeriodSeconds = null)
{
    /// <summary>No policy, or no usable one: RSA 2048 and SHA-1 (docs:federated; the real device signed its e06 CSR with
    /// SHA-1 under e05's nil hash reference).</summary>
    public static EnrollmentPolicy Default { get; } = new(3, 2048, null);

    public ImmutableArray<PolicyOid> Oids { get; init; } = [];

    /// <summary>The hash the device signs its CSR with: the one the policy names when this library knows it (SHA-1,
    /// SHA-256, SHA-384, SHA-512, as hash or RSA-signature OIDs), else SHA-1 as Windows did in e06.</summary>
    public HashAlgorithmName CsrHashAlgorithm => HashAlgorithmOid is { } oid && SignatureAlgorithms.HashFromOid(oid) is { } hash ? hash : HashAlgorithmName.SHA1;
}

/// <summary>The body of GetPolicies: both fields nil from a first-time device (e04).</summary>
public sealed record GetPoliciesRequest(string? LastUpdate, string? PreferredLanguage);

/// <summary>Writes and reads the MS-XCEP GetPolicies exchange.</summary>
public static class PolicyMessages
{
    internal static readonly (string, XNamespace)[] RequestNamespaces =
    [
        ("u", SecurityUtilityNs), ("wsse", EnrollmentNamespaces.SecurityNs), ("wst", TrustNs), ("ac", AuthorizationNs),
    ];

    /// <summary>GetPolicies shaped as e04: root declares s, a, u, wsse, wst, ac; the Security header after To; body
    /// declares xsi and xsd; <c>client/lastUpdate</c>, <c>client/preferredLanguage</c> and <c>requestFilter</c> nil.</summary>
    public static string WriteRequest(EnrollmentCredential credential, string messageId, string to, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(credential);
        XNamespace p = EnrollmentNamespaces.PolicyNs;
        var body = new XElement(p + "GetPolicies", new XAttribute("xmlns", p.NamespaceName),
            new XElement(p + "client",
                new XElement(p + "lastUpdate", Nil()),
                new XElement(p + "preferredLanguage", Nil())),
            new XElement(p + "requestFilter", Nil()));
        var envelope = SoapEnvelope.Build(
            [.. SoapEnvelope.RequestHeaders(EnrollmentActions.GetPolicies, messageId, to), credential.CreateHeader(now)],
            body, RequestNamespaces, BodyNamespaces());
        credential.Complete(envelope);
        return SoapEnvelope.Serialize(envelope);
    }

    /// <summary>Reads GetPolicies (server side): the headers and the presented credential are what matter.</summary>
    public static EnrollmentReadResult<SoapMessage<GetPoliciesRequest>> ReadRequest(string? xml, EnrollmentReaderOptions? options = null) =>
        ReadRequestWithEnvelope(xml, options, out _);

    internal static EnrollmentReadResult<SoapMessage<GetPoliciesRequest>> ReadRequestWithEnvelope(string? xml, EnrollmentReaderOptions? options,
        out SoapEnvelopeView? view)
    {
        XNamespace p = EnrollmentNamespaces.PolicyNs;
        var diagnostics = new List<EnrollmentDiagnostic>();
        var body = MessageReading.OpenBody(xml, options ?? EnrollmentReaderOptions.Strict, p, "GetPolicies", diagnostics, out view, out var fault);
        if (body is null)
        {
            return MessageReading.Finish<SoapMessage<GetPoliciesRequest>>(null, fault, diagnostics);
        }

        MessageReading.RequireRequestHeaders(view!, EnrollmentActions.GetPolicies, diagnostics);
        var client = body.Element(p + "client");
        var request = new GetPoliciesRequest(SoapEnvelope.Text(client?.Element(p + "lastUpdate")), SoapEnvelope.Text(client?.Element(p + "preferredLanguage")));
        return MessageReading.Finish(new SoapMessage<GetPoliciesRequest>(view!.Headers, request), null, diagnostics);
    }

    /// <summary>A GetPoliciesResponse with the structure of the docs:on-premise sample (every MS-XCEP element present,
    /// unused ones nil), naming SHA-256 (oID 0, group 1) and RSA (oID 1, group 3).</summary>
    public static string WriteResponse(EnrollmentPolicy policy, string? relatesTo, string activityId)
    {
        ArgumentNullException.ThrowIfNull(policy);
        XNamespace p = EnrollmentNamespaces.PolicyNs;
        var oids = policy.Oids.IsDefaultOrEmpty ? DefaultOids(policy) : policy.Oids;
        int hashRef = oids.FirstOrDefault(o => o.Value == policy.HashAlgorithmOid)?.ReferenceId ?? -1;
        int keyRef = oids.FirstOrDefault(o => o.Value == SignatureAlgorithms.RsaEncryption)?.ReferenceId ?? -1;
        var attributes = new XElement(p + "attributes",
            new XElement(p + "commonName", policy.CommonName ?? "LapsCspMdmDevice"),
            new XElement(p + "policySchema", policy.PolicySchema),
            new XElement(p + "certificateValidity",
                new XElement(p + "validityPeriodSeconds", policy.ValidityPeriodSeconds ?? 31_536_000),
                new XElement(p + "renewalPeriodSeconds", policy.RenewalPeriodSeconds ?? 15_552_000)),
            new XElement(p + "permission", new XElement(p + "enroll", "true"), new XElement(p + "autoEnroll", "false")),
            new XElement(p + "privateKeyAttributes",
                new XElement(p + "minimalKeyLength", policy.MinimalKeyLength),
                new XElement(p + "keySpec", Nil()),
                new XElement(p + "keyUsageProperty", Nil()),
                new XElement(p + "permissions", Nil()),
                keyRef >= 0 ? new XElement(p + "algorithmOIDReference", keyRef) : new XElement(p + "algorithmOIDReference", Nil()),
                new XElement(p + "cryptoProviders", Nil())),
            new XElement(p + "revision", new XElement(p + "majorRevision", 101), new XElement(p + "minorRevision", 0)),
            new XElement(p + "supersededPolicies", Nil()),
            new XElement(p + "privateKeyFlags", Nil()),
            new XElement(p + "subjectNameFlags", Nil()),
            new XElement(p + "enrollmentFlags", Nil()),
            new XElement(p + "generalFlags", Nil()),
            hashRef >= 0 ? new XElement(p + "hashAlgorithmOIDReference", hashRef) : new XElement(p + "hashAlgorithmOIDReference", Nil()),
            new XElement(p + "rARequirements", Nil()),
            new XElement(p + "keyArchivalAttributes", Nil()),
            new XElement(p + "extensions", Nil()));
        var body = new XElement(p + "GetPoliciesResponse", new XAttribute("xmlns", p.NamespaceName),
            new XElement(p + "response",
                new XElement(p + "policyID", ""),
                new XElement(p + "policyFriendlyName", Nil()),
                new XElement(p + "nextUpdateHours", Nil()),
                new XElement(p + "policiesNotChanged", Nil()),
                new XElement(p + "policies",
                    new XElement(p + "policy",
                        new XElement(p + "policyOIDReference", hashRef >= 0 ? hashRef : 0),
                        new XElement(p + "cAs", Nil()),
                        attributes))),
            new XElement(p + "cAs", Nil()),
            new XElement(p + "oIDs", oids.Select(o => new XElement(p + "oID",
                new XElement(p + "value", o.Value),
                new XElement(p + "group", o.Group),
                new XElement(p + "oIDReferenceID", o.ReferenceId),
                new XElement(p + "defaultName", o.DefaultName ?? "")))));
        return SoapEnvelope.Serialize(SoapEnvelope.Build(
            SoapEnvelope.ResponseHeaders(EnrollmentActions.GetPoliciesResponse, relatesTo, activityId), body,
            [("u", SecurityUtilityNs)], BodyNamespaces()));
    }

    /// <summary>Reads a GetPoliciesResponse (client side). Lenient mode reads e05 (not well-formed) with a warning.
    /// Missing optional parts take the <see cref="EnrollmentPolicy.Default"/> values.</summary>
    public static EnrollmentReadResult<SoapMessage<EnrollmentPolicy>> ReadResponse(string? xml, EnrollmentReaderOptions? options = null)
    {
        XNamespace p = EnrollmentNamespaces.PolicyNs;
        var diagnostics = new List<EnrollmentDiagnostic>();
        var response = MessageReading.OpenBody(xml, options ?? EnrollmentReaderOptions.Strict, p, "GetPoliciesResponse", diagnostics, out var view, out var fault);
        if (response is null)
        {
            return MessageReading.Finish<SoapMessage<EnrollmentPolicy>>(null, fault, diagnostics);
        }

        var oids = response.Element(p + "oIDs")?.Elements(p + "oID").Select(o => new PolicyOid(
            SoapEnvelope.Text(o.Element(p + "value")) ?? "",
            Int(o.Element(p + "group")) ?? 0,
            Int(o.Element(p + "oIDReferenceID")) ?? -1,
            SoapEnvelope.Text(o.Element(p + "defaultName")))).ToImmutableArray() ?? [];
        var attributes = response.Element(p + "response")?.Element(p + "policies")?.Elements(p + "policy").FirstOrDefault()?.Element(p + "attributes");
        if (attributes is null)
        {
            diagnostics.Add(SoapEnvelope.Error(response, "value", "the response has no response/policies/policy/attributes"));
            return MessageReading.Finish<SoapMessage<EnrollmentPolicy>>(null, null, diagnostics);
        }

        int schema = Int(attributes.Element(p + "policySchema")) ?? 3;
        if (schema != 3)
        {
            diagnostics.Add(SoapEnvelope.Warning(attributes, "value", FormattableString.Invariant($"policySchema is {schema}; MS-MDE2 says it MUST be 3")));
        }

        int keyLength = Int(attributes.Element(p + "privateKeyAttributes")?.Element(p + "minimalKeyLength")) ?? EnrollmentPolicy.Default.MinimalKeyLength;
        string? hashOid = null;
        var hashRefElement = attributes.Element(p + "hashAlgorithmOIDReference");
        if (Int(hashRefElement) is { } hashRef)
        {
            hashOid = oids.FirstOrDefault(o => o.ReferenceId == hashRef)?.Value;
            if (hashOid is null)
            {
                diagnostics.Add(SoapEnvelope.Warning(hashRefElement, "value",
                    FormattableString.Invariant($"hashAlgorithmOIDReference {hashRef} names no oID; the CSR is signed with SHA-1")));
            }
            else if (SignatureAlgorithms.HashFromOid(hashOid) is null)
            {
                diagnostics.Add(SoapEnvelope.Warning(hashRefElement, "value", $"hash algorithm {hashOid} is not supported; the CSR is signed with SHA-1"));
            }
        }

        var validity = attributes.Element(p + "certificateValidity");
        var policy = new EnrollmentPolicy(schema, keyLength, hashOid, SoapEnvelope.Text(attributes.Element(p + "commonName")),
            Long(validity?.Element(p + "validityPeriodSeconds")), Long(validity?.Element(p + "renewalPeriodSeconds")))
        {
            Oids = oids,
        };
        return MessageReading.Finish(new SoapMessage<EnrollmentPolicy>(view!.Headers, policy), null, diagnostics);
    }

    /// <summary>The oIDs our server names: SHA-256 as the hash (group 1) and RSA as the key algorithm (group 3).</summary>
    public static ImmutableArray<PolicyOid> DefaultOids(EnrollmentPolicy policy) =>
    [
        new PolicyOid(policy.HashAlgorithmOid ?? SignatureAlgorithms.Sha256, 1, 0, SignatureAlgorithms.FriendlyName(policy.HashAlgorithmOid ?? SignatureAlgorithms.Sha256)),
        new PolicyOid(SignatureAlgorithms.RsaEncryption, 3, 1, "szOID_RSA_RSA"),
    ];

    internal static XAttribute[] BodyNamespaces() =>
    [
        new(XNamespace.Xmlns + "xsi", XmlSchemaInstanceNs.NamespaceName),
        new(XNamespace.Xmlns + "xsd", XmlSchemaNs.NamespaceName),
    ];

    private static XAttribute Nil() => new(XmlSchemaInstanceNs + "nil", "true");

    private static int? Int(XElement? element) =>
        int.TryParse(SoapEnvelope.Text(element), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;

    private static long? Long(XElement? element) =>
        long.TryParse(SoapEnvelope.Text(element), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value : null;
}
