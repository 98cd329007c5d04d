using System.Collections.Immutable;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Soap;
using LapsCsp.Enrollment.Wstep;

namespace LapsCsp.Enrollment.Server;

/// <summary>What the server learnt and issued in one enrollment, for the host to store (digest 1.9, server side).
/// The management endpoint checks the device's TLS certificate against <see cref="CertificateThumbprint"/> or its
/// SyncML Cred against <see cref="DeviceCredential"/>.</summary>
public sealed record EnrolledDevice
{
    public required string DeviceId { get; init; }

    public string? HwDevId { get; init; }

    public string? DeviceName { get; init; }

    public string? OsVersion { get; init; }

    public string? OsEdition { get; init; }

    public string? Locale { get; init; }

    public EnrollmentType EnrollmentType { get; init; } = EnrollmentType.Full;

    public ImmutableArray<string> MacAddresses { get; init; } = [];

    /// <summary>Who authenticated the enrollment (the authenticator's principal).</summary>
    public string? Principal { get; init; }

    public required string ProviderId { get; init; }

    /// <summary>Upper-case SHA-1 thumbprint of the issued client certificate.</summary>
    public required string CertificateThumbprint { get; init; }

    /// <summary>The issued client certificate, DER.</summary>
    public required byte[] Certificate { get; init; }

    public DateTimeOffset CertificateNotBefore { get; init; }

    public DateTimeOffset CertificateNotAfter { get; init; }

    public DateTimeOffset EnrolledAt { get; init; }

    /// <summary>APPSRV: the name/secret/nonce the device's SyncML Cred must match.</summary>
    public DigestCredential? DeviceCredential { get; init; }

    /// <summary>CLIENT: the secret/nonce the server's own Cred is made with.</summary>
    public DigestCredential? ServerCredential { get; init; }

    /// <summary>Every ContextItem of the RST, in order.</summary>
    public ImmutableArray<ContextItem> ContextItems { get; init; } = [];

    public EnrollmentState State { get; init; } = EnrollmentState.Enrolled;

    public DateTimeOffset? UnenrolledAt { get; init; }

    /// <summary>The record after the device left: generic alert 1226 <c>com.microsoft:mdm.unenrollment.userrequest</c>
    /// (digest 4; Fleet deletes the enrollment on it), so later sessions from this DeviceID are not recognised.</summary>
    public EnrolledDevice Unenroll(DateTimeOffset at) => this with { State = EnrollmentState.Unenrolled, UnenrolledAt = at };
}

/// <summary>What a server handler returns: the SOAP body to send, its status and content type, and for a successful
/// RST the enrolled device to store.</summary>
public sealed record EnrollmentServerResponse(string Body, int StatusCode, SoapFault? Fault, EnrolledDevice? Device = null)
{
    public const string SoapContentType = "application/soap+xml; charset=utf-8";

    public string ContentType => SoapContentType;

    public bool IsFault => Fault is not null;
}
