using System.Collections.Immutable;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Soap;

namespace LapsCsp.Enrollment.Client;

/// <summary>An HTTP request the enrollment client wants sent. Headers are in the device's order.</summary>
/// <param name="Method"><c>GET</c> (discovery probe) or <c>POST</c>.</param>
/// <param name="Body">UTF-8 text; null for the GET probe.</param>
public sealed record EnrollmentHttpRequest(string Method, Uri Url, ImmutableArray<KeyValuePair<string, string>> Headers, string? Body)
{
    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>What came back. <paramref name="Body"/> is the decoded text (empty when none).</summary>
public sealed record EnrollmentHttpResponse(int StatusCode, string? ContentType, string Body);

/// <summary>The steps of an enrollment, in order (digest 1.1).</summary>
public enum EnrollmentStep
{
    Probe,
    Discovery,
    Policy,
    Enrollment,
    Provisioning,
}

/// <summary>Why an enrollment stopped.</summary>
public enum EnrollmentFailureKind
{
    /// <summary>The transport threw (connection refused, timeout, TLS): <see cref="EnrollmentOutcome.Exception"/> has it.</summary>
    Transport,

    /// <summary>A non-2xx status without a SOAP fault body.</summary>
    HttpStatus,

    /// <summary>The server answered with a SOAP fault: <see cref="EnrollmentOutcome.Fault"/>.</summary>
    Fault,

    /// <summary>The reply could not be read (not XML, wrong message, bad base64, certificate thumbprint mismatch).</summary>
    MalformedResponse,

    /// <summary>The reply was readable but unusable: no client certificate, or one that is not for this device's key.</summary>
    Rejected,
}

/// <summary>One HTTP round trip of an enrollment, kept for logs and the session trace.</summary>
public sealed record EnrollmentExchange(EnrollmentStep Step, EnrollmentHttpRequest Request, EnrollmentHttpResponse? Response);

/// <summary>The result of <see cref="EnrollmentClient.EnrollAsync"/>: an identity, or where and why it stopped.</summary>
public sealed record EnrollmentOutcome(
    DeviceEnrollmentIdentity? Identity,
    EnrollmentStep? FailedStep,
    EnrollmentFailureKind? FailureKind,
    string? Failure,
    ImmutableArray<EnrollmentDiagnostic> Diagnostics,
    ImmutableArray<EnrollmentExchange> Exchanges)
{
    public bool Succeeded => Identity is not null;

    public SoapFault? Fault { get; init; }

    public Exception? Exception { get; init; }

    /// <summary>The HTTP status of the last reply, when there was one.</summary>
    public int? LastStatusCode => Exchanges.LastOrDefault()?.Response?.StatusCode;

    public override string ToString() =>
        Succeeded ? $"enrolled {Identity!.DeviceId} at {Identity.ManagementUrl}" : $"enrollment failed at {FailedStep} ({FailureKind}): {Failure}";
}
