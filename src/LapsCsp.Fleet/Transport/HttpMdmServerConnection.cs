using System.Collections.Immutable;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using LapsCsp.Enrollment.Client;

namespace LapsCsp.Fleet.Transport;

/// <summary>Options of <see cref="HttpMdmServerConnection"/>.</summary>
public sealed record HttpConnectionOptions
{
    /// <summary>How long one exchange may take before it counts as a timeout (Windows' value is undocumented, digest 6
    /// question 1; 60 s is our choice).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Accept any server certificate (lab servers with self-signed certificates). Off: the system's roots and the
    /// Root/System certificates of the device's provisioning document are trusted, as on Windows (digest 2.2).</summary>
    public bool AcceptAnyServerCertificate { get; init; }

    /// <summary>More roots to trust for every request, enrollment included (DER): a lab server's CA, as an administrator
    /// imports it into a real device's trusted roots before enrollment (<c>fleet run --ca FILE</c>).</summary>
    public System.Collections.Immutable.ImmutableArray<byte[]> TrustedRoots { get; init; } = [];

    /// <summary>Most connections open at once to the server.</summary>
    public int MaxConnectionsPerServer { get; init; } = 256;
}

/// <summary>An MDM server reached over HTTP(S): enrollment POSTs and management POSTs with the headers the device gives.</summary>
/// <remarks>
/// Mutual TLS: a request that carries a client certificate goes over a connection of its own (not pooled), presenting
/// that certificate, so that devices never share a TLS session; the server certificate may then also chain to the device's
/// provisioned Root/System certificates. Failures to get an answer become
/// <see cref="ManagementTransportException"/> (connection, timeout, TLS); an HTTP status is an answer.
/// </remarks>
public sealed class HttpMdmServerConnection : IMdmServerConnection, IDisposable
{
    private static readonly AsyncLocal<X509Certificate2?> s_clientCertificate = new();
    private static readonly AsyncLocal<X509Certificate2Collection?> s_trustedRoots = new();

    private readonly HttpConnectionOptions _options;
    private readonly X509Certificate2Collection _configuredRoots;
    private readonly HttpClient _pooled;
    private readonly HttpClient _mutualTls;

    public HttpMdmServerConnection(Uri discoveryUrl, HttpConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(discoveryUrl);
        DiscoveryUrl = discoveryUrl;
        _options = options ?? new HttpConnectionOptions();
        _configuredRoots = Roots(_options.TrustedRoots);
        _pooled = new HttpClient(Handler(pooled: true), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _mutualTls = new HttpClient(Handler(pooled: false), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public Uri DiscoveryUrl { get; }

    public async Task<EnrollmentHttpResponse> SendEnrollmentAsync(EnrollmentHttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.Body));
        }

        AddHeaders(message, request.Headers);
        var (status, contentType, body, _) = await ExchangeAsync(_pooled, message, cancellationToken).ConfigureAwait(false);
        return new EnrollmentHttpResponse(status, contentType, Encoding.UTF8.GetString(body));
    }

    public async Task<ManagementResponse> SendAsync(ManagementRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Url) { Content = new ByteArrayContent(request.Body) };
        AddHeaders(message, request.Headers);
        var tls = request.ClientCertificate is not null && request.Url.Scheme == Uri.UriSchemeHttps;
        using var certificate = tls ? request.ClientCertificate!.LoadWithKey() : null;
        var previous = (s_clientCertificate.Value, s_trustedRoots.Value);
        s_clientCertificate.Value = certificate;
        s_trustedRoots.Value = request.ClientCertificate is { TrustedRoots.IsEmpty: false } presented ? Roots(presented.TrustedRoots) : null;
        try
        {
            var (status, contentType, body, headers) = await ExchangeAsync(tls ? _mutualTls : _pooled, message, cancellationToken).ConfigureAwait(false);
            return new ManagementResponse(status, contentType, body) { Headers = headers };
        }
        finally
        {
            (s_clientCertificate.Value, s_trustedRoots.Value) = previous;
        }
    }

    public void Dispose()
    {
        _pooled.Dispose();
        _mutualTls.Dispose();
        foreach (var root in _configuredRoots) root.Dispose();
    }

    private async Task<(int Status, string? ContentType, byte[] Body, ImmutableArray<KeyValuePair<string, string>> Headers)> ExchangeAsync(
        HttpClient client, HttpRequestMessage message, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var headers = response.Headers.Concat(response.Content.Headers)
                .Select(h => new KeyValuePair<string, string>(h.Key, string.Join(", ", h.Value)))
                .ToImmutableArray();
            return ((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, headers);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException e)
        {
            throw new ManagementTransportException(TransportFaultKind.Timeout,
                $"no answer from {message.RequestUri?.GetLeftPart(UriPartial.Path)} within {_options.RequestTimeout.TotalSeconds:0.###} s", e);
        }
        catch (HttpRequestException e) when (e.InnerException is AuthenticationException)
        {
            throw new ManagementTransportException(TransportFaultKind.Tls, "TLS handshake failed: " + e.InnerException.Message, e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new ManagementTransportException(TransportFaultKind.ConnectionFailed, "the connection failed: " + e.Message, e);
        }
    }

    private static void AddHeaders(HttpRequestMessage message, ImmutableArray<KeyValuePair<string, string>> headers)
    {
        foreach (var (name, value) in headers)
        {
            if (string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }
    }

    private SocketsHttpHandler Handler(bool pooled) => new()
    {
        // A connection that presents one device's certificate is never reused for another device.
        PooledConnectionLifetime = pooled ? Timeout.InfiniteTimeSpan : TimeSpan.Zero,
        MaxConnectionsPerServer = _options.MaxConnectionsPerServer,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        SslOptions = new SslClientAuthenticationOptions
        {
            LocalCertificateSelectionCallback = (_, _, _, _, _) => s_clientCertificate.Value!,
            RemoteCertificateValidationCallback = ValidateServer,
        },
    };

    private bool ValidateServer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_options.AcceptAnyServerCertificate || errors == SslPolicyErrors.None) return true;
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null) return false;
        var roots = (s_trustedRoots.Value ?? []).Concat(_configuredRoots).ToList();
        if (roots.Count == 0) return false;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return Enrollment.Server.EnrollmentCertificateAuthority.ChainsTo(leaf, roots);
    }

    private static X509Certificate2Collection Roots(System.Collections.Immutable.ImmutableArray<byte[]> roots)
    {
        var collection = new X509Certificate2Collection();
        foreach (var der in roots) collection.Add(X509CertificateLoader.LoadCertificate(der));
        return collection;
    }
}
