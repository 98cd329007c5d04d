using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Fleet.Session;

namespace LapsCsp.Fleet.Transport;

/// <summary>One POST of a SyncML message to the management endpoint (ADDR plus the query Windows appends).</summary>
/// <param name="Headers">In the device's order (mdm-client-digest 2.1).</param>
/// <param name="DeviceId">Who sends it (the SyncML Source), for in-process servers and logs.</param>
public sealed record ManagementRequest(Uri Url, ImmutableArray<KeyValuePair<string, string>> Headers, byte[] Body, string DeviceId)
{
    /// <summary>The certificate to present in the TLS handshake (an in-process server treats it as the peer certificate).</summary>
    public ClientTlsCertificate? ClientCertificate { get; init; }

    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>The server's HTTP answer. A non-2xx status is data; only a failed exchange (no answer) throws.</summary>
public sealed record ManagementResponse(int StatusCode, string? ContentType, byte[] Body)
{
    public ImmutableArray<KeyValuePair<string, string>> Headers { get; init; } = [];

    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Retry-After in seconds (the HTTP-date form is not used by MDM servers and is ignored).</summary>
    public TimeSpan? RetryAfter =>
        Header("Retry-After") is { } value && int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;

    public bool IsSuccess => StatusCode is >= 200 and < 300;
}

/// <summary>Where a session sends its messages. Implementations throw <see cref="ManagementTransportException"/> (or the
/// transport's own IOException / HttpRequestException / TimeoutException) when no answer came back.</summary>
public interface IManagementChannel
{
    Task<ManagementResponse> SendAsync(ManagementRequest request, CancellationToken cancellationToken);
}

/// <summary>An MDM server a fleet enrolls with and checks in to. Two implementations: <see cref="HttpMdmServerConnection"/>
/// (any server URL, e.g. Fleet's) and an in-process one that <c>lapscsp serve</c> provides, so that a large fleet runs
/// without sockets.</summary>
/// <remarks>
/// What an in-process server implements (issue 6 item 3):
/// <list type="bullet">
/// <item><see cref="DiscoveryUrl"/>: where <c>EnrollmentClient</c> starts (its host names the enrollment endpoints).</item>
/// <item><see cref="SendEnrollmentAsync"/>: GET/POST on the discovery, policy and enrollment URLs, as
/// <c>EnrollmentServer.Discover/GetPolicies/RequestSecurityToken</c> answer them, storing each <c>EnrolledDevice</c>.</item>
/// <item><see cref="IManagementChannel.SendAsync"/>: the management endpoint: the body is a SyncML message (UTF-8), the
/// headers are Windows' (Content-Type application/vnd.syncml.dm+xml, User-Agent MSFT OMA DM Client/1.2.0.1, Ms-Cv,
/// Client-Request-Id), <see cref="ManagementRequest.ClientCertificate"/> stands for the TLS peer certificate; the answer
/// is the server's SyncML package (HTTP 200, same content type).</item>
/// </list>
/// Both methods may be called concurrently for different devices; calls for one device never overlap.
/// </remarks>
public interface IMdmServerConnection : IManagementChannel
{
    /// <summary>The discovery URL (e.g. <c>https://host/EnrollmentServer/Discovery.svc</c>).</summary>
    Uri DiscoveryUrl { get; }

    Task<Enrollment.Client.EnrollmentHttpResponse> SendEnrollmentAsync(Enrollment.Client.EnrollmentHttpRequest request, CancellationToken cancellationToken);
}

/// <summary>How an exchange failed when no usable HTTP answer came back.</summary>
public enum TransportFaultKind
{
    /// <summary>Connection refused, reset or dropped before a complete answer.</summary>
    ConnectionFailed,

    /// <summary>No answer within the request timeout.</summary>
    Timeout,

    /// <summary>TLS handshake failed (untrusted server, client certificate refused).</summary>
    Tls,
}

/// <summary>An exchange that got no answer, with its kind.</summary>
public sealed class ManagementTransportException : Exception
{
    public ManagementTransportException(TransportFaultKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

    public ManagementTransportException()
    {
    }

    public ManagementTransportException(string message) : base(message)
    {
    }

    public ManagementTransportException(string message, Exception inner) : base(message, inner)
    {
    }

    public TransportFaultKind Kind { get; }
}
