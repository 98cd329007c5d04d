using System.Xml.Linq;

namespace LapsCsp.Enrollment.Soap;

/// <summary>Shared steps of the message readers: open the envelope, surface a fault, check the body element.</summary>
internal static class MessageReading
{
    /// <summary>Opens the envelope and returns its body message when it is <paramref name="ns"/>:<paramref name="localName"/>.
    /// A fault body sets <paramref name="fault"/>; anything else adds an error.</summary>
    public static XElement? OpenBody(string? xml, EnrollmentReaderOptions options, XNamespace ns, string localName,
        List<EnrollmentDiagnostic> diagnostics, out SoapEnvelopeView? view, out SoapFault? fault)
    {
        fault = null;
        view = SoapEnvelope.TryOpen(xml, options ?? EnrollmentReaderOptions.Strict, diagnostics);
        if (view is null)
        {
            return null;
        }

        fault = SoapEnvelope.TryReadFault(view);
        if (fault is not null)
        {
            return null;
        }

        if (!SoapEnvelope.NameIs(view.Message, ns, localName))
        {
            var found = view.Message is null ? "nothing" : "{" + view.Message.Name.NamespaceName + "}" + view.Message.Name.LocalName;
            diagnostics.Add(SoapEnvelope.Error(view.Message ?? view.Body, "message", $"the body holds {found}, expected {{{ns.NamespaceName}}}{localName}"));
            return null;
        }

        return view.Message;
    }

    /// <summary>The trimmed text of a required child; adds an error when it is missing or empty.</summary>
    public static string Required(XElement parent, XName name, List<EnrollmentDiagnostic> diagnostics)
    {
        var value = SoapEnvelope.Text(parent.Element(name));
        if (string.IsNullOrEmpty(value))
        {
            diagnostics.Add(SoapEnvelope.Error(parent, "value", $"{parent.Name.LocalName} has no {name.LocalName}"));
            return "";
        }

        return value;
    }

    public static string? Optional(XElement parent, XName name) => SoapEnvelope.Text(parent.Element(name)) is { Length: > 0 } value ? value : null;

    public static EnrollmentReadResult<T> Finish<T>(T? value, SoapFault? fault, List<EnrollmentDiagnostic> diagnostics)
        where T : class =>
        diagnostics.Any(d => d.Severity == EnrollmentDiagnosticSeverity.Error)
            ? new EnrollmentReadResult<T>(null, fault, [.. diagnostics])
            : new EnrollmentReadResult<T>(value, fault, [.. diagnostics]);

    /// <summary>Request headers a server needs (Fleet checks the same, digest 1.3): Action and MessageID.</summary>
    public static void RequireRequestHeaders(SoapEnvelopeView view, string action, List<EnrollmentDiagnostic> diagnostics)
    {
        if (view.Headers.Action != action)
        {
            diagnostics.Add(SoapEnvelope.Error(view.Header ?? view.Envelope, "header", $"the Action header is '{view.Headers.Action}', expected {action}"));
        }

        if (string.IsNullOrEmpty(view.Headers.MessageId))
        {
            diagnostics.Add(SoapEnvelope.Error(view.Header ?? view.Envelope, "header", "the request has no MessageID header"));
        }
    }
}
