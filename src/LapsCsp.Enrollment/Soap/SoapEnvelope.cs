using System.Xml;
using System.Xml.Linq;
using static LapsCsp.Enrollment.Soap.EnrollmentNamespaces;

namespace LapsCsp.Enrollment.Soap;

/// <summary>An opened SOAP 1.2 envelope: its header and the single message element of its body.</summary>
internal sealed record SoapEnvelopeView(XElement Envelope, XElement? Header, XElement Body, XElement? Message, SoapHeaders Headers, bool LowerCase);

/// <summary>Opening and building SOAP 1.2 envelopes, shared by every message of the three exchanges.</summary>
internal static class SoapEnvelope
{
    /// <summary>Parses and opens <paramref name="xml"/>. A lower-case envelope (the MS-MDE2 §2.2.10 sample, corpus e13)
    /// is opened with a warning; anything else that is not a SOAP 1.2 envelope with a body is refused.</summary>
    public static SoapEnvelopeView? TryOpen(string? xml, EnrollmentReaderOptions options, List<EnrollmentDiagnostic> diagnostics)
    {
        var doc = SafeXml.TryLoad(xml, options, diagnostics);
        if (doc?.Root is not { } root)
        {
            return null;
        }

        if (!NameIs(root, SoapNs, "Envelope", ignoreCase: true))
        {
            diagnostics.Add(Error(root, "envelope", $"the root element is {{{root.Name.NamespaceName}}}{root.Name.LocalName}, not a SOAP 1.2 Envelope ({SoapNs.NamespaceName})"));
            return null;
        }

        bool lowerCase = root.Name.LocalName != "Envelope";
        if (lowerCase)
        {
            diagnostics.Add(Warning(root, "lower-case-soap",
                "SOAP element names are lower-case (as in the MS-MDE2 §2.2.10 sample, corpus e13), not SOAP 1.2's Envelope/Body/Fault"));
        }

        var header = Child(root, SoapNs, "Header", ignoreCase: true);
        var body = Child(root, SoapNs, "Body", ignoreCase: true);
        if (body is null)
        {
            diagnostics.Add(Error(root, "body", "the envelope has no Body"));
            return null;
        }

        var message = body.Elements().FirstOrDefault();
        return new SoapEnvelopeView(root, header, body, message, ReadHeaders(header), lowerCase);
    }

    /// <summary>The fault in the body, if the body holds one (either casing).</summary>
    public static SoapFault? TryReadFault(SoapEnvelopeView view)
    {
        if (view.Message is not { } fault || !NameIs(fault, SoapNs, "Fault", ignoreCase: true))
        {
            return null;
        }

        var code = Child(fault, SoapNs, "Code", true);
        string codeValue = StripPrefix(Text(Child(code, SoapNs, "Value", true)) ?? "Receiver");
        string rawSubcode = Text(Child(Child(code, SoapNs, "Subcode", true), SoapNs, "Value", true)) ?? "";
        string reason = Text(Child(Child(fault, SoapNs, "Reason", true), SoapNs, "Text", true)) ?? "";
        EnrollmentErrorDetail? detail = null;
        var error = Child(fault, SoapNs, "Detail", true)?.Elements()
            .FirstOrDefault(e => string.Equals(e.Name.LocalName, "deviceenrollmentserviceerror", StringComparison.OrdinalIgnoreCase));
        if (error is not null)
        {
            string rawType = Text(ChildAnyNamespace(error, "errortype")) ?? "";
            detail = new EnrollmentErrorDetail(ParseEnum(rawType, EnrollmentErrorType.Unknown), Text(ChildAnyNamespace(error, "message")),
                Text(ChildAnyNamespace(error, "traceid")))
            {
                RawErrorType = rawType,
            };
        }

        return new SoapFault(Capitalise(codeValue), ParseEnum(StripPrefix(rawSubcode), EnrollmentFaultCode.Unknown), reason, detail,
            view.Headers.RelatesTo, view.Headers.Action)
        {
            RawSubcode = rawSubcode,
            LowerCase = view.LowerCase || fault.Name.LocalName != "Fault",
        };
    }

    /// <summary>A SOAP 1.2 envelope with proper casing. The <c>s</c> and <c>a</c> prefixes are declared on the root
    /// (as in every real message); <paramref name="extraNamespaces"/> adds more root declarations in order.</summary>
    public static XElement Build(IEnumerable<object> headerContent, object? bodyContent, IEnumerable<(string Prefix, XNamespace Ns)>? extraNamespaces = null,
        IEnumerable<XAttribute>? bodyAttributes = null, bool addressingFirst = false)
    {
        var declarations = new List<XAttribute>();
        if (addressingFirst)
        {
            declarations.Add(new XAttribute(XNamespace.Xmlns + "a", AddressingNs.NamespaceName));
            declarations.Add(new XAttribute(XNamespace.Xmlns + "s", SoapNs.NamespaceName));
        }
        else
        {
            declarations.Add(new XAttribute(XNamespace.Xmlns + "s", SoapNs.NamespaceName));
            declarations.Add(new XAttribute(XNamespace.Xmlns + "a", AddressingNs.NamespaceName));
        }

        foreach (var (prefix, ns) in extraNamespaces ?? [])
        {
            declarations.Add(new XAttribute(XNamespace.Xmlns + prefix, ns.NamespaceName));
        }

        return new XElement(SoapNs + "Envelope", declarations,
            new XElement(SoapNs + "Header", headerContent),
            new XElement(SoapNs + "Body", bodyAttributes ?? [], bodyContent));
    }

    /// <summary>The request headers in the device's order (e02, e04, e06): Action, MessageID, ReplyTo, To.</summary>
    public static IEnumerable<XElement> RequestHeaders(string action, string messageId, string to) =>
    [
        new XElement(AddressingNs + "Action", MustUnderstand(), action),
        new XElement(AddressingNs + "MessageID", messageId),
        new XElement(AddressingNs + "ReplyTo", new XElement(AddressingNs + "Address", EnrollmentActions.AnonymousReplyTo)),
        new XElement(AddressingNs + "To", MustUnderstand(), to),
    ];

    /// <summary>The response headers of e03: Action, ActivityId (WCF diagnostics), RelatesTo.</summary>
    public static IEnumerable<XElement> ResponseHeaders(string action, string? relatesTo, string activityId) =>
    [
        new XElement(AddressingNs + "Action", MustUnderstand(), action),
        new XElement(DiagnosticsNs + "ActivityId", new XAttribute("CorrelationId", activityId), new XAttribute("xmlns", DiagnosticsNs.NamespaceName), activityId),
        new XElement(AddressingNs + "RelatesTo", relatesTo ?? ""),
    ];

    /// <summary>A fault envelope with SOAP 1.2 casing (the corpus e13 content, correctly spelled).</summary>
    public static string WriteFault(SoapFault fault, string activityId)
    {
        var detail = fault.Detail is { } d
            ? new XElement(SoapNs + "Detail",
                new XElement(EnrollmentNamespaces.EnrollmentNs + "deviceenrollmentserviceerror",
                    new XAttribute("xmlns", EnrollmentNamespaces.EnrollmentNs.NamespaceName),
                    new XElement(EnrollmentNamespaces.EnrollmentNs + "errortype", d.RawErrorType),
                    new XElement(EnrollmentNamespaces.EnrollmentNs + "message", d.Message ?? fault.Reason),
                    new XElement(EnrollmentNamespaces.EnrollmentNs + "traceid", d.TraceId ?? activityId)))
            : null;
        var body = new XElement(SoapNs + "Fault",
            new XElement(SoapNs + "Code",
                new XElement(SoapNs + "Value", "s:" + fault.Code),
                new XElement(SoapNs + "Subcode", new XElement(SoapNs + "Value", fault.RawSubcode))),
            new XElement(SoapNs + "Reason", new XElement(SoapNs + "Text", new XAttribute(XNamespace.Xml + "lang", "en-US"), fault.Reason)),
            detail);
        return Serialize(Build(ResponseHeaders(fault.Action ?? "http://www.w3.org/2005/08/addressing/soap/fault", fault.RelatesTo, activityId), body));
    }

    public static string Serialize(XElement element) => element.ToString(SaveOptions.DisableFormatting);

    public static XAttribute MustUnderstand() => new(SoapNs + "mustUnderstand", "1");

    public static bool NameIs(XElement? element, XNamespace ns, string localName, bool ignoreCase = false) =>
        element is not null
        && string.Equals(element.Name.LocalName, localName, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal)
        && string.Equals(element.Name.NamespaceName, ns.NamespaceName, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    public static XElement? Child(XElement? parent, XNamespace ns, string localName, bool ignoreCase = false) =>
        parent?.Elements().FirstOrDefault(e => NameIs(e, ns, localName, ignoreCase));

    public static XElement? ChildAnyNamespace(XElement? parent, string localName) =>
        parent?.Elements().FirstOrDefault(e => string.Equals(e.Name.LocalName, localName, StringComparison.OrdinalIgnoreCase));

    /// <summary>Element text, trimmed: real replies carry newlines and tabs inside values (e03 ActivityId, e07 RequestID).
    /// Null for a missing element or one with <c>xsi:nil="true"</c>.</summary>
    public static string? Text(XElement? element)
    {
        if (element is null || IsNil(element))
        {
            return null;
        }

        return element.Value.Trim();
    }

    public static bool IsNil(XElement element) =>
        string.Equals((string?)element.Attribute(XmlSchemaInstanceNs + "nil"), "true", StringComparison.OrdinalIgnoreCase);

    public static EnrollmentDiagnostic Error(XObject? at, string code, string message)
    {
        var info = at as IXmlLineInfo;
        return EnrollmentDiagnostic.Error(code, message, info?.LineNumber ?? 0, info?.LinePosition ?? 0);
    }

    public static EnrollmentDiagnostic Warning(XObject? at, string code, string message)
    {
        var info = at as IXmlLineInfo;
        return EnrollmentDiagnostic.Warning(code, message, info?.LineNumber ?? 0, info?.LinePosition ?? 0);
    }

    private static SoapHeaders ReadHeaders(XElement? header) => new(
        Text(Child(header, AddressingNs, "Action", true)),
        Text(Child(header, AddressingNs, "MessageID", true)),
        Text(Child(header, AddressingNs, "To", true)),
        Text(Child(header, AddressingNs, "RelatesTo", true)),
        Text(Child(Child(header, AddressingNs, "ReplyTo", true), AddressingNs, "Address", true)),
        Text(ChildAnyNamespace(header, "ActivityId")));

    private static string StripPrefix(string value)
    {
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? value[(colon + 1)..] : value;
    }

    private static string Capitalise(string value) =>
        value.Length == 0 ? value : char.ToUpperInvariant(value[0]) + value[1..];

    private static TEnum ParseEnum<TEnum>(string value, TEnum fallback)
        where TEnum : struct, Enum =>
        Enum.TryParse<TEnum>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(value, out _) ? parsed : fallback;
}
