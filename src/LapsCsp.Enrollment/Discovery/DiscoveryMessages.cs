using System.Collections.Immutable;
using System.Xml.Linq;
using LapsCsp.Enrollment.Soap;
using static LapsCsp.Enrollment.Soap.EnrollmentNamespaces;

namespace LapsCsp.Enrollment.Discovery;

/// <summary>The body of a Discover request (MS-MDE2 §3.1; digest 1.3; corpus e02).</summary>
/// <param name="EmailAddress">The user's email or UPN; may be empty (Fleet's test client).</param>
/// <param name="RequestVersion">Highest enrollment version the device speaks: Win10 19043 sends <c>4.0</c>, Win11 22621 <c>6.0</c>.</param>
/// <param name="DeviceType"><c>CIMClient_Windows</c> (desktop) or <c>WindowsPhone</c>.</param>
/// <param name="ApplicationVersion">The OS build as a dotted quad (<c>10.0.19043.2364</c>).</param>
/// <param name="OSEdition">The decimal SKU (72 EnterpriseEval, 4 Enterprise, 48 Professional, 101 Home, 121 Education).</param>
/// <param name="AuthPolicies">The policies the device supports, in its order (real: OnPremise, Federated).</param>
public sealed record DiscoverRequest(
    string EmailAddress,
    string RequestVersion,
    string DeviceType,
    string ApplicationVersion,
    string OSEdition,
    ImmutableArray<string> AuthPolicies);

/// <summary>The body of a DiscoverResponse (MS-MDE2 §3.1; corpus e03).</summary>
/// <param name="AuthPolicy">The policy the server picked.</param>
/// <param name="EnrollmentVersion">Optional, no higher than the RequestVersion.</param>
/// <param name="EnrollmentPolicyServiceUrl">Optional: without it the device skips MS-XCEP and uses the defaults (RSA 2048, SHA-1).</param>
/// <param name="AuthenticationServiceUrl">The STS page, Federated only.</param>
public sealed record DiscoverResponse(
    string AuthPolicy,
    string? EnrollmentVersion,
    string? EnrollmentPolicyServiceUrl,
    string EnrollmentServiceUrl,
    string? AuthenticationServiceUrl = null);

/// <summary>Writes and reads the discovery exchange.</summary>
public static class DiscoveryMessages
{
    /// <summary>The discovery path, fixed by MS-MDE2 §3.1.</summary>
    public const string DiscoveryPath = "/EnrollmentServer/Discovery.svc";

    /// <summary>The discovery URL a device builds from the user's email or UPN: <c>enterpriseenrollment.</c> before the
    /// domain, the fixed path, and the explicit port 443 as the real device wrote it in <c>a:To</c> (e02).</summary>
    public static string DiscoveryUrlFor(string emailAddress)
    {
        ArgumentNullException.ThrowIfNull(emailAddress);
        int at = emailAddress.LastIndexOf('@');
        if (at < 0 || at == emailAddress.Length - 1)
        {
            throw new ArgumentException("an email address or UPN with a domain is needed to build the discovery URL", nameof(emailAddress));
        }

        return "https://EnterpriseEnrollment." + emailAddress[(at + 1)..] + ":443" + DiscoveryPath;
    }

    /// <summary>The Discover request exactly as shaped in e02: root declares <c>a</c> then <c>s</c>; Action, MessageID,
    /// ReplyTo, To; body <c>Discover/request</c> with <c>xmlns:i</c>; fields in the device's order.</summary>
    public static string WriteRequest(DiscoverRequest request, string messageId, string to)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = new XElement(DiscoveryNs + "Discover", new XAttribute("xmlns", DiscoveryNs.NamespaceName),
            new XElement(DiscoveryNs + "request", new XAttribute(XNamespace.Xmlns + "i", XmlSchemaInstanceNs.NamespaceName),
                new XElement(DiscoveryNs + "EmailAddress", request.EmailAddress),
                new XElement(DiscoveryNs + "RequestVersion", request.RequestVersion),
                new XElement(DiscoveryNs + "DeviceType", request.DeviceType),
                new XElement(DiscoveryNs + "ApplicationVersion", request.ApplicationVersion),
                new XElement(DiscoveryNs + "OSEdition", request.OSEdition),
                new XElement(DiscoveryNs + "AuthPolicies", request.AuthPolicies.Select(p => new XElement(DiscoveryNs + "AuthPolicy", p)))));
        return SoapEnvelope.Serialize(SoapEnvelope.Build(SoapEnvelope.RequestHeaders(EnrollmentActions.Discover, messageId, to), body, addressingFirst: true));
    }

    /// <summary>Reads a Discover request (server side).</summary>
    public static EnrollmentReadResult<SoapMessage<DiscoverRequest>> ReadRequest(string? xml, EnrollmentReaderOptions? options = null)
    {
        var diagnostics = new List<EnrollmentDiagnostic>();
        var discover = MessageReading.OpenBody(xml, options ?? EnrollmentReaderOptions.Strict, DiscoveryNs, "Discover", diagnostics, out var view, out var fault);
        if (discover is null)
        {
            return MessageReading.Finish<SoapMessage<DiscoverRequest>>(null, fault, diagnostics);
        }

        MessageReading.RequireRequestHeaders(view!, EnrollmentActions.Discover, diagnostics);
        var request = discover.Element(DiscoveryNs + "request");
        if (request is null)
        {
            diagnostics.Add(SoapEnvelope.Error(discover, "value", "Discover has no request element"));
            return MessageReading.Finish<SoapMessage<DiscoverRequest>>(null, null, diagnostics);
        }

        var policies = request.Element(DiscoveryNs + "AuthPolicies")?.Elements(DiscoveryNs + "AuthPolicy")
            .Select(SoapEnvelope.Text).OfType<string>().ToImmutableArray() ?? [];
        if (policies.IsEmpty)
        {
            diagnostics.Add(SoapEnvelope.Error(request, "value", "the request lists no AuthPolicy"));
        }

        var body = new DiscoverRequest(
            MessageReading.Optional(request, DiscoveryNs + "EmailAddress") ?? "",
            MessageReading.Required(request, DiscoveryNs + "RequestVersion", diagnostics),
            MessageReading.Optional(request, DiscoveryNs + "DeviceType") ?? "",
            MessageReading.Optional(request, DiscoveryNs + "ApplicationVersion") ?? "",
            MessageReading.Optional(request, DiscoveryNs + "OSEdition") ?? "",
            policies);
        return MessageReading.Finish(new SoapMessage<DiscoverRequest>(view!.Headers, body), null, diagnostics);
    }

    /// <summary>A DiscoverResponse shaped as e03: Action, ActivityId, RelatesTo; the result fields in MS-MDE2 order.</summary>
    public static string WriteResponse(DiscoverResponse response, string? relatesTo, string activityId)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = new XElement(DiscoveryNs + "DiscoverResponse", new XAttribute("xmlns", DiscoveryNs.NamespaceName),
            new XElement(DiscoveryNs + "DiscoverResult",
                new XElement(DiscoveryNs + "AuthPolicy", response.AuthPolicy),
                response.EnrollmentVersion is null ? null : new XElement(DiscoveryNs + "EnrollmentVersion", response.EnrollmentVersion),
                response.EnrollmentPolicyServiceUrl is null ? null : new XElement(DiscoveryNs + "EnrollmentPolicyServiceUrl", response.EnrollmentPolicyServiceUrl),
                new XElement(DiscoveryNs + "EnrollmentServiceUrl", response.EnrollmentServiceUrl),
                response.AuthenticationServiceUrl is null ? null : new XElement(DiscoveryNs + "AuthenticationServiceUrl", response.AuthenticationServiceUrl)));
        return SoapEnvelope.Serialize(SoapEnvelope.Build(SoapEnvelope.ResponseHeaders(EnrollmentActions.DiscoverResponse, relatesTo, activityId), body));
    }

    /// <summary>Reads a DiscoverResponse (client side); a fault in its place is returned in <see cref="EnrollmentReadResult{T}.Fault"/>.</summary>
    public static EnrollmentReadResult<SoapMessage<DiscoverResponse>> ReadResponse(string? xml, EnrollmentReaderOptions? options = null)
    {
        var diagnostics = new List<EnrollmentDiagnostic>();
        var response = MessageReading.OpenBody(xml, options ?? EnrollmentReaderOptions.Strict, DiscoveryNs, "DiscoverResponse", diagnostics, out var view, out var fault);
        if (response is null)
        {
            return MessageReading.Finish<SoapMessage<DiscoverResponse>>(null, fault, diagnostics);
        }

        var result = response.Element(DiscoveryNs + "DiscoverResult");
        if (result is null)
        {
            diagnostics.Add(SoapEnvelope.Error(response, "value", "DiscoverResponse has no DiscoverResult"));
            return MessageReading.Finish<SoapMessage<DiscoverResponse>>(null, null, diagnostics);
        }

        var body = new DiscoverResponse(
            MessageReading.Required(result, DiscoveryNs + "AuthPolicy", diagnostics),
            MessageReading.Optional(result, DiscoveryNs + "EnrollmentVersion"),
            MessageReading.Optional(result, DiscoveryNs + "EnrollmentPolicyServiceUrl"),
            MessageReading.Required(result, DiscoveryNs + "EnrollmentServiceUrl", diagnostics),
            MessageReading.Optional(result, DiscoveryNs + "AuthenticationServiceUrl"));
        return MessageReading.Finish(new SoapMessage<DiscoverResponse>(view!.Headers, body), null, diagnostics);
    }
}
