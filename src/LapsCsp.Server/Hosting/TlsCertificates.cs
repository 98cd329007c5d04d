using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LapsCsp.Server.Identity;

namespace LapsCsp.Server.Hosting;

/// <summary>The certificate <c>lapscsp serve</c> presents on its https addresses: the configured file
/// (<see cref="ServerOptions.HttpsCertificateFile"/>), or else one that the server's own MDM CA issues for the name the
/// client asked for (TLS SNI), for loopback and for the hosts of <c>--urls</c> and <c>--public-url</c>. That CA's root is
/// in every provisioning document the server hands out, so an enrolled device trusts the management endpoint; for the
/// enrollment endpoints (before a device holds the root), import the root exported with <c>--export-ca</c>.</summary>
internal sealed class TlsCertificates : IDisposable
{
    /// <summary>Issued certificates live a year; a server running longer issues again on the next handshake after expiry.</summary>
    private static readonly TimeSpan s_validity = TimeSpan.FromDays(365);

    /// <summary>At most this many SNI names get a certificate of their own; others get the default one (a client cannot
    /// make the server mint certificates without end).</summary>
    private const int MaxNames = 64;

    private readonly ServerOptions _options;
    private readonly Mdm.MdmService _mdm;
    private readonly TimeProvider _time;
    private readonly Lazy<X509Certificate2?> _configured;
    private readonly ConcurrentDictionary<string, X509Certificate2> _issued = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();

    /// <remarks>TLS peers check validity against their real clocks, so the certificates are dated by the system clock, not by
    /// the server's injected one (which runs virtual time under a fleet).</remarks>
    public TlsCertificates(ServerOptions options, Mdm.MdmService mdm)
    {
        _options = options;
        _mdm = mdm;
        _time = TimeProvider.System;
        _configured = new Lazy<X509Certificate2?>(() => options.HttpsCertificateFile is { } file ? Load(file, options.HttpsCertificatePassword) : null,
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Whether the certificate comes from a file (else the MDM CA issues it).</summary>
    public bool Configured => _options.HttpsCertificateFile is not null;

    /// <summary>The certificate for a handshake that asked for <paramref name="serverName"/> (null without SNI, e.g. an IP address).</summary>
    public X509Certificate2 For(string? serverName)
    {
        if (_configured.Value is { } configured) return configured;
        var key = !IsHostName(serverName) || (_issued.Count >= MaxNames && !_issued.ContainsKey(serverName!)) ? "" : serverName!.ToLowerInvariant();
        var now = _time.GetUtcNow();
        if (_issued.TryGetValue(key, out var cached) && cached.NotAfter.ToUniversalTime() > now.UtcDateTime.AddDays(1)) return cached;
        lock (_gate)
        {
            if (_issued.TryGetValue(key, out cached) && cached.NotAfter.ToUniversalTime() > now.UtcDateTime.AddDays(1)) return cached;
            var hosts = key.Length == 0 ? DefaultHosts() : [key, .. DefaultHosts()];
            var issued = _mdm.Authority.IssueServerCertificate(hosts, now, s_validity);
            _issued[key] = issued;
            return issued;
        }
    }

    /// <summary>Whether an SNI name is a DNS host name this server may put in a certificate: ASCII labels of letters, digits
    /// and hyphens (RFC 1123 2.1; SNI carries A-labels, RFC 6066 3), 1-63 characters each, not starting or ending with a
    /// hyphen, at most 253 in all; no wildcard and no IP address (SNI never carries one). Anything else gets the default
    /// certificate: a client cannot make the server sign a name such as <c>*</c>.</summary>
    internal static bool IsHostName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 253 || System.Net.IPAddress.TryParse(name, out _)) return false;
        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
        }

        return true;
    }

    /// <summary>Loopback names and the hosts this server is configured to be reached at.</summary>
    public IReadOnlyList<string> DefaultHosts()
    {
        var hosts = new List<string> { "localhost", "127.0.0.1", "::1" };
        foreach (var url in _options.Urls.Append(_options.Mdm.PublicUrl))
        {
            if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri)) continue;
            var host = uri.Host.Trim('[', ']');
            if (host is "0.0.0.0" or "::" or "*" or "+" || host.Length == 0) continue;
            if (!hosts.Contains(host, StringComparer.OrdinalIgnoreCase)) hosts.Insert(0, host);
        }

        return hosts;
    }

    /// <summary>A PKCS#12 file (.pfx, .p12) or a PEM file holding the certificate and its private key.</summary>
    public static X509Certificate2 Load(string path, string? password)
    {
        var bytes = File.ReadAllBytes(path);
        var text = System.Text.Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 4096));
        try
        {
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                using var pem = string.IsNullOrEmpty(password)
                    ? X509Certificate2.CreateFromPemFile(path)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, password);
                return Reload(pem);
            }

            var certificate = X509CertificateLoader.LoadPkcs12(bytes, password, KeyFlags);
            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                throw new CryptographicException("the file holds no private key");
            }

            return certificate;
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ServerConfigurationException([$"--https-certificate: '{path}' is not a certificate with its private key (PKCS#12 or PEM): {e.Message}"]);
        }
    }

    /// <summary>Windows' TLS stack cannot use an ephemeral key (what a PEM load gives); elsewhere nothing goes to disk.</summary>
    private static X509KeyStorageFlags KeyFlags =>
        OperatingSystem.IsWindows() ? X509KeyStorageFlags.Exportable : X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet;

    private static X509Certificate2 Reload(X509Certificate2 pem) => X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null, KeyFlags);

    public void Dispose()
    {
        if (_configured.IsValueCreated) _configured.Value?.Dispose();
        foreach (var certificate in _issued.Values) certificate.Dispose();
    }
}
