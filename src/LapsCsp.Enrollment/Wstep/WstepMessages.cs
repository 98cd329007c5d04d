using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Xml.Linq;
using LapsCsp.Enrollment.Policy;
using LapsCsp.Enrollment.Security;
using LapsCsp.Enrollment.Soap;
using static LapsCsp.Enrollment.Soap.EnrollmentNamespaces;

namespace LapsCsp.Enrollment.Wstep;

/// <summary>One <c>ac:ContextItem</c> of the RST: a name and its single <c>ac:Value</c> (digest 1.6).</summary>
public sealed record ContextItem(string Name, string Value);

/// <summary>The names of the ContextItems Windows sends, in the real device's order (e06), plus later versions'.</summary>
public static class ContextItemNames
{
    public const string UXInitiated = "UXInitiated";
    public const string HWDevID = "HWDevID";
    public const string Locale = "Locale";
    public const string TargetedUserLoggedIn = "TargetedUserLoggedIn";
    public const string OSEdition = "OSEdition";
    public const string DeviceName = "DeviceName";
    public const string MAC = "MAC";
    public const string DeviceID = "DeviceID";
    public const string EnrollmentType = "EnrollmentType";
    public const string DeviceType = "DeviceType";
    public const string OSVersion = "OSVersion";
    public const string ApplicationVersion = "ApplicationVersion";
    public const string NotInOobe = "NotInOobe";
    public const string RequestVersion = "RequestVersion";
}

/// <summary>The body of an MS-WSTEP RequestSecurityToken (MS-MDE2 §3.4; digest 1.6; corpus e06).</summary>
/// <param name="CertificateRequest">The base64 DER PKCS#10 (or PKCS#7 for renewal), as carried.</param>
/// <param name="ContextItems">In the order they are written; MAC repeats.</param>
public sealed record RequestSecurityToken(
    string TokenType,
    string RequestType,
    string CertificateRequestValueType,
    string CertificateRequest,
    ImmutableArray<ContextItem> ContextItems)
{
    /// <summary>The first value of a context item, or null.</summary>
    public string? Context(string name) => ContextItems.FirstOrDefault(i => i.Name == name)?.Value;

    /// <summary>Every value of a repeatable context item (MAC).</summary>
    public IEnumerable<string> ContextValues(string name) => ContextItems.Where(i => i.Name == name).Select(i => i.Value);
}

/// <summary>The useful content of a RequestSecurityTokenResponseCollection (digest 1.7; corpus e07).</summary>
/// <param name="ProvisioningDocument">The decoded wap-provisioningdoc (UTF-8 text of the base64 token).</param>
public sealed record RequestSecurityTokenResponse(
    string TokenType,
    string ProvisioningDocument,
    string? RequestId,
    string? DispositionMessage,
    DateTimeOffset? Created,
    DateTimeOffset? Expires);

/// <summary>Writes and reads the MS-WSTEP enrollment exchange.</summary>
public static class WstepMessages
{
    /// <summary>The RST shaped as e06: root declares s, a, u, wsse, wst, ac; Action, MessageID, ReplyTo, To, Security;
    /// body <c>wst:RequestSecurityToken</c> with TokenType, RequestType, the PKCS#10 token and the ContextItems in order.</summary>
    /// <remarks>e06 also re-declares the ac namespace as the default on <c>ac:AdditionalContext</c>; no unprefixed element
    /// sits below it, so leaving that declaration out changes no name.</remarks>
    public static string WriteRequest(RequestSecurityToken request, EnrollmentCredential credential, string messageId, string to, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credential);
        var body = new XElement(TrustNs + "RequestSecurityToken",
            new XElement(TrustNs + "TokenType", request.TokenType),
            new XElement(TrustNs + "RequestType", request.RequestType),
            new XElement(EnrollmentNamespaces.SecurityNs + "BinarySecurityToken",
                new XAttribute("ValueType", request.CertificateRequestValueType),
                new XAttribute("EncodingType", EnrollmentTokenTypes.Base64Binary),
                request.CertificateRequest),
            new XElement(AuthorizationNs + "AdditionalContext",
                request.ContextItems.Select(i => new XElement(AuthorizationNs + "ContextItem", new XAttribute("Name", i.Name),
                    new XElement(AuthorizationNs + "Value", i.Value)))));
        var envelope = SoapEnvelope.Build(
            [.. SoapEnvelope.RequestHeaders(EnrollmentActions.RequestSecurityToken, messageId, to), credential.CreateHeader(now)],
            body, PolicyMessages.RequestNamespaces);
        credential.Complete(envelope);
        return SoapEnvelope.Serialize(envelope);
    }

    /// <summary>Reads an RST (server side). The envelope is returned too, for the Security header.</summary>
    public static EnrollmentReadResult<SoapMessage<RequestSecurityToken>> ReadRequest(string? xml, EnrollmentReaderOptions? options = null) =>
        ReadRequestWithEnvelope(xml, options, out _);

    internal static EnrollmentReadResult<SoapMessage<RequestSecurityToken>> ReadRequestWithEnvelope(string? xml, EnrollmentReaderOptions? options, out SoapEnvelopeView? view)
    {
        var diagnostics = new List<EnrollmentDiagnostic>();
        var rst = MessageReading.OpenBody(xml, options ?? EnrollmentReaderOptions.Strict, TrustNs, "RequestSecurityToken", diagnostics, out view, out var fault);
        if (rst is null)
        {
            return MessageReading.Finish<SoapMessage<RequestSecurityToken>>(null, fault, diagnostics);
        }

        MessageReading.RequireRequestHeaders(view!, EnrollmentActions.RequestSecurityToken, diagnostics);
        var token = rst.Element(EnrollmentNamespaces.SecurityNs + "BinarySecurityToken");
        if (token is null)
        {
            diagnostics.Add(SoapEnvelope.Error(rst, "value", "the RequestSecurityToken has no BinarySecurityToken (the certificate request)"));
        }

        var items = rst.Element(AuthorizationNs + "AdditionalContext")?.Elements(AuthorizationNs + "ContextItem")
            .Select(i => new ContextItem((string?)i.Attribute("Name") ?? "", SoapEnvelope.Text(i.Element(AuthorizationNs + "Value")) ?? ""))
            .ToImmutableArray() ?? [];
        var body = new RequestSecurityToken(
            MessageReading.Required(rst, TrustNs + "TokenType", diagnostics),
            MessageReading.Required(rst, TrustNs + "RequestType", diagnostics),
            (string?)token?.Attribute("ValueType") ?? "",
            string.Concat((token?.Value ?? "").Where(c => !char.IsWhiteSpace(c))),
            items);
        return MessageReading.Finish(new SoapMessage<RequestSecurityToken>(view!.Headers, body), null, diagnostics);
    }

    /// <summary>The RSTR collection shaped as e07: Action, RelatesTo and a WS-Security Timestamp in the header; the
    /// provisioning document base64-encoded (UTF-8) in a DeviceEnrollmentProvisionDoc token; RequestID 0.</summary>
    public static string WriteResponse(string provisioningDocument, string? relatesTo, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(provisioningDocument);
        XNamespace o = EnrollmentNamespaces.SecurityNs;
        var header = new object[]
        {
            new XElement(AddressingNs + "Action", SoapEnvelope.MustUnderstand(), EnrollmentActions.RequestSecurityTokenResponseCollection),
            new XElement(AddressingNs + "RelatesTo", relatesTo ?? ""),
            new XElement(o + "Security", new XAttribute(XNamespace.Xmlns + "o", o.NamespaceName), SoapEnvelope.MustUnderstand(),
                new XElement(SecurityUtilityNs + "Timestamp", new XAttribute(SecurityUtilityNs + "Id", "_0"),
                    new XElement(SecurityUtilityNs + "Created", CertificateCredential.Iso(now)),
                    new XElement(SecurityUtilityNs + "Expires", CertificateCredential.Iso(now.AddMinutes(5))))),
        };
        var body = new XElement(TrustNs + "RequestSecurityTokenResponseCollection", new XAttribute("xmlns", TrustNs.NamespaceName),
            new XElement(TrustNs + "RequestSecurityTokenResponse",
                new XElement(TrustNs + "TokenType", EnrollmentTokenTypes.DeviceEnrollmentToken),
                new XElement(EnrollmentNamespaces.EnrollmentNs + "DispositionMessage", new XAttribute("xmlns", EnrollmentNamespaces.EnrollmentNs.NamespaceName), ""),
                new XElement(TrustNs + "RequestedSecurityToken",
                    new XElement(o + "BinarySecurityToken", new XAttribute("xmlns", o.NamespaceName),
                        new XAttribute("ValueType", EnrollmentTokenTypes.DeviceEnrollmentProvisionDoc),
                        new XAttribute("EncodingType", EnrollmentTokenTypes.Base64Binary),
                        Convert.ToBase64String(Encoding.UTF8.GetBytes(provisioningDocument)))),
                new XElement(EnrollmentNamespaces.EnrollmentNs + "RequestID", new XAttribute("xmlns", EnrollmentNamespaces.EnrollmentNs.NamespaceName), "0")));
        return SoapEnvelope.Serialize(SoapEnvelope.Build(header, body, [("u", SecurityUtilityNs)]));
    }

    /// <summary>Reads the RSTR collection (client side). Whitespace around and inside the base64 is ignored and the
    /// Timestamp is not judged: Windows accepted both in e07 (a 2018 Timestamp, newline and tabs after the base64).</summary>
    public static EnrollmentReadResult<SoapMessage<RequestSecurityTokenResponse>> ReadResponse(string? xml, EnrollmentReaderOptions? options = null)
    {
        var diagnostics = new List<EnrollmentDiagnostic>();
        var collection = MessageReading.OpenBody(xml, options ?? EnrollmentReaderOptions.Strict, TrustNs, "RequestSecurityTokenResponseCollection", diagnostics,
            out var view, out var fault);
        if (collection is null)
        {
            return MessageReading.Finish<SoapMessage<RequestSecurityTokenResponse>>(null, fault, diagnostics);
        }

        var response = collection.Element(TrustNs + "RequestSecurityTokenResponse");
        var token = response?.Element(TrustNs + "RequestedSecurityToken")?.Element(EnrollmentNamespaces.SecurityNs + "BinarySecurityToken");
        if (response is null || token is null)
        {
            diagnostics.Add(SoapEnvelope.Error(collection, "value", "no RequestSecurityTokenResponse/RequestedSecurityToken/BinarySecurityToken"));
            return MessageReading.Finish<SoapMessage<RequestSecurityTokenResponse>>(null, null, diagnostics);
        }

        string valueType = (string?)token.Attribute("ValueType") ?? "";
        if (valueType != EnrollmentTokenTypes.DeviceEnrollmentProvisionDoc)
        {
            diagnostics.Add(SoapEnvelope.Error(token, "value", $"the token's ValueType is '{valueType}', expected {EnrollmentTokenTypes.DeviceEnrollmentProvisionDoc}"));
        }

        string base64 = string.Concat(token.Value.Where(c => !char.IsWhiteSpace(c)));
        var buffer = new byte[base64.Length];
        string document = "";
        if (!Convert.TryFromBase64String(base64, buffer, out int written))
        {
            diagnostics.Add(SoapEnvelope.Error(token, "base64", "the provisioning document token is not base64"));
        }
        else
        {
            try
            {
                document = new UTF8Encoding(false, true).GetString(buffer, 0, written).TrimStart('\uFEFF');
            }
            catch (DecoderFallbackException)
            {
                diagnostics.Add(SoapEnvelope.Error(token, "base64", "the provisioning document is not UTF-8"));
            }
        }

        var timestamp = SoapEnvelope.Child(view!.Header, EnrollmentNamespaces.SecurityNs, "Security")?.Element(SecurityUtilityNs + "Timestamp");
        var body = new RequestSecurityTokenResponse(
            SoapEnvelope.Text(response.Element(TrustNs + "TokenType")) ?? "",
            document,
            SoapEnvelope.Text(response.Element(EnrollmentNamespaces.EnrollmentNs + "RequestID")),
            SoapEnvelope.Text(response.Element(EnrollmentNamespaces.EnrollmentNs + "DispositionMessage")),
            Time(timestamp?.Element(SecurityUtilityNs + "Created")),
            Time(timestamp?.Element(SecurityUtilityNs + "Expires")));
        return MessageReading.Finish(new SoapMessage<RequestSecurityTokenResponse>(view.Headers, body), null, diagnostics);
    }

    private static DateTimeOffset? Time(XElement? element) =>
        DateTimeOffset.TryParse(SoapEnvelope.Text(element), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
}
