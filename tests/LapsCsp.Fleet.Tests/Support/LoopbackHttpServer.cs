using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace LapsCsp.Fleet.Tests.Support;

/// <summary>An HTTP/1.1 request as it arrived on the socket: request line, headers in order, body.</summary>
internal sealed record RawHttpRequest(string Method, string Target, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>What the loopback server does with a request.</summary>
internal abstract record LoopbackReply
{
    public sealed record Http(int Status, string ContentType, byte[] Body) : LoopbackReply;

    /// <summary>Bytes that are not HTTP at all, then the connection closes.</summary>
    public sealed record Garbage(byte[] Bytes) : LoopbackReply;

    /// <summary>Never answer (until the server is disposed).</summary>
    public sealed record Hang : LoopbackReply;

    /// <summary>Close the connection without a word.</summary>
    public sealed record Drop : LoopbackReply;
}

/// <summary>A raw HTTP/1.1 server on a loopback port that can misbehave: answer garbage, hang or drop the connection.</summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<RawHttpRequest, Task<LoopbackReply>> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly X509Certificate2? _certificate;

    /// <param name="tlsCertificate">Serve HTTPS with this certificate and ask every client for its certificate.</param>
    public LoopbackHttpServer(Func<RawHttpRequest, Task<LoopbackReply>> handler, X509Certificate2? tlsCertificate = null)
    {
        _handler = handler;
        _certificate = tlsCertificate;
        _listener.Start();
        BaseUrl = new Uri($"{(tlsCertificate is null ? "http" : "https")}://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    public Uri BaseUrl { get; }

    /// <summary>The certificates clients presented in their TLS handshakes (DER), in order.</summary>
    public ConcurrentQueue<byte[]> ClientCertificates { get; } = new();

    public ConcurrentQueue<RawHttpRequest> Requests { get; } = new();

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                connections.Add(ServeAsync(client));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }

        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        client.NoDelay = true;
        Stream stream = client.GetStream();
        try
        {
            if (_certificate is not null)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate,
                    ClientCertificateRequired = true,
                    RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null,
                }, _stop.Token);
                if (tls.RemoteCertificate is { } presented) ClientCertificates.Enqueue(presented.GetRawCertData());
                stream = tls;
            }

            while (!_stop.IsCancellationRequested)
            {
                var request = await ReadRequestAsync(stream);
                if (request is null) return;
                Requests.Enqueue(request);
                switch (await _handler(request))
                {
                    case LoopbackReply.Http http:
                        var head = $"HTTP/1.1 {http.Status} X\r\nContent-Type: {http.ContentType}\r\nContent-Length: {http.Body.Length}\r\n\r\n";
                        await stream.WriteAsync((byte[])[.. Encoding.ASCII.GetBytes(head), .. http.Body], _stop.Token);
                        break;
                    case LoopbackReply.Garbage garbage:
                        await stream.WriteAsync(garbage.Bytes, _stop.Token);
                        return;
                    case LoopbackReply.Hang:
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                        return;
                    default:
                        client.Client.LingerState = new LingerOption(true, 0);
                        return;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
        }
    }

    private static async Task<RawHttpRequest?> ReadRequestAsync(Stream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0) return null;
            head.Add(one[0]);
        }

        var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var parts = lines[0].Split(' ');
        var headers = lines.Skip(1).Select(l => (l[..l.IndexOf(':', StringComparison.Ordinal)].Trim(), l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())).ToList();
        var length = headers.FirstOrDefault(h => h.Item1.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Item2 is { } text
            ? int.Parse(text, CultureInfo.InvariantCulture)
            : 0;
        var body = new byte[length];
        await stream.ReadExactlyAsync(body);
        return new RawHttpRequest(parts[0], parts[1], headers, body);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
