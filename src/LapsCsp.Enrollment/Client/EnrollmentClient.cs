using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LapsCsp.Enrollment.Csr;
using LapsCsp.Enrollment.Discovery;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Policy;
using LapsCsp.Enrollment.Provisioning;
using LapsCsp.Enrollment.Security;
using LapsCsp.Enrollment.Soap;
using LapsCsp.Enrollment.Wstep;

namespace LapsCsp.Enrollment.Client;

/// <summary>Knobs of the simulated device's enrollment client.</summary>
public sealed record EnrollmentClientOptions
{
    /// <summary>The discovery URL; null builds it from the email domain (MDE2 §3.1). Programmatic enrollment
    /// (<c>RegisterDeviceWithManagement</c>, Fleet's orbit) passes it directly.</summary>
    public string? DiscoveryUrl { get; init; }

    /// <summary>Send the GET probe before the Discover POST, as Windows does (e01).</summary>
    public bool SendProbe { get; init; } = true;

    /// <summary>Reader limits and leniency. Strict by default; <see cref="EnrollmentReaderOptions.Lenient"/> reads e05-like
    /// policy replies as Windows 10 did, reporting the repair as a warning.</summary>
    public EnrollmentReaderOptions Reader { get; init; } = EnrollmentReaderOptions.Strict;

    /// <summary>Send the three fixed MessageIDs Windows 10 19043 sent in every enrollment (e02, e04, e06; digest 1.1)
    /// rather than fresh ones.</summary>
    public bool UseWindowsMessageIds { get; init; } = true;

    /// <summary>Source of GUIDs (CSR subject prefix, MessageIDs when not fixed); inject for reproducible messages.</summary>
    public Func<Guid> NewGuid { get; init; } = Guid.NewGuid;

    /// <summary>Makes the device's key pair for a modulus size. Inject to pool keys in large fleets (RSA generation costs
    /// tens of milliseconds); the default makes a fresh RSA key per device.</summary>
    public Func<int, RSA> KeyFactory { get; init; } = RSA.Create;

    /// <summary>Smallest RSA key the device makes (the policy's minimalKeyLength raises it).</summary>
    public int KeySize { get; init; } = 2048;

    /// <summary>The User-Agent of every enrollment request (real Win10: <c>ENROLLClient</c>, e01).</summary>
    public string UserAgent { get; init; } = "ENROLLClient";

    /// <summary>What the identity tells the session layer to use on the management endpoint.</summary>
    public ManagementAuthentication SessionAuthentication { get; init; } = ManagementAuthentication.ClientCertificate | ManagementAuthentication.Md5Digest;
}

/// <summary>Runs discovery, policy and enrollment as a Windows device does (digest 1.1), over a caller-supplied
/// transport, and returns the device's enrollment identity. No HTTP here: the delegate sends the requests.</summary>
/// <remarks>Failures are data (<see cref="EnrollmentOutcome"/>), including transport exceptions, so that a fleet can count
/// them; only cancellation propagates. Retries belong to the caller (digest 2.8).</remarks>
public sealed class EnrollmentClient
{
    public const string SoapContentType = "application/soap+xml; charset=utf-8";
    internal const string WindowsDiscoverMessageId = "urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478";
    internal const string WindowsGetPoliciesMessageId = "urn:uuid:72048B64-0F19-448F-8C2E-B4C661860AA0";
    internal const string WindowsRstMessageId = "urn:uuid:0d5a1441-5891-453b-becf-a2e5f6ea3749";

    private readonly Func<EnrollmentHttpRequest, Task<EnrollmentHttpResponse>> _transport;
    private readonly TimeProvider _time;
    private readonly EnrollmentClientOptions _options;

    public EnrollmentClient(Func<EnrollmentHttpRequest, Task<EnrollmentHttpResponse>> transport, TimeProvider? time = null, EnrollmentClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _time = time ?? TimeProvider.System;
        _options = options ?? new EnrollmentClientOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.KeySize, 1024, nameof(options));
    }

    /// <summary>The Discover request body for <paramref name="device"/> (e02's shape).</summary>
    public static DiscoverRequest DiscoverRequestFor(DeviceProfile device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return new DiscoverRequest(device.EmailAddress, device.RequestVersion, device.DeviceType, device.OsVersion,
            device.OsEdition.ToString(System.Globalization.CultureInfo.InvariantCulture), [.. device.SupportedAuthPolicies.Select(p => p.ToString())]);
    }

    public async Task<EnrollmentOutcome> EnrollAsync(DeviceProfile device, EnrollmentCredential credential, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(credential);
        var run = new Run(this);
        string discoveryUrl = _options.DiscoveryUrl ?? DiscoveryMessages.DiscoveryUrlFor(device.EmailAddress);

        // 0. GET probe (e01). Windows went on after an empty 200; what it does after other statuses is not captured,
        // so a non-2xx answer is only reported and the POST is tried anyway.
        if (_options.SendProbe)
        {
            var probe = await run.SendAsync(EnrollmentStep.Probe, "GET", discoveryUrl, null, cancellationToken).ConfigureAwait(false);
            if (probe is null)
            {
                return run.Outcome;
            }

            if (probe.StatusCode is < 200 or > 299)
            {
                run.Diagnostics.Add(EnrollmentDiagnostic.Warning("probe", $"the discovery GET probe answered HTTP {probe.StatusCode}; continuing with the POST"));
            }
        }

        // 1. Discover.
        string discoverId = MessageId(WindowsDiscoverMessageId);
        var discoverXml = DiscoveryMessages.WriteRequest(DiscoverRequestFor(device), discoverId, discoveryUrl);
        var discovered = await run.ExchangeAsync(EnrollmentStep.Discovery, discoveryUrl, discoverXml, discoverId,
            xml => DiscoveryMessages.ReadResponse(xml, _options.Reader), cancellationToken).ConfigureAwait(false);
        if (discovered is null)
        {
            return run.Outcome;
        }

        var discovery = discovered.Body;
        if (!string.Equals(discovery.AuthPolicy, credential.Policy.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            run.Diagnostics.Add(EnrollmentDiagnostic.Warning("auth-policy",
                $"the server chose AuthPolicy {discovery.AuthPolicy}; the device presents a {credential.Policy} credential (Fleet, for one, says OnPremise and expects a token)"));
        }

        // 2. GetPolicies (optional: without a policy URL the defaults apply, docs:federated).
        var policy = EnrollmentPolicy.Default;
        if (discovery.EnrollmentPolicyServiceUrl is { } policyUrl)
        {
            string policyId = MessageId(WindowsGetPoliciesMessageId);
            var policyXml = PolicyMessages.WriteRequest(credential, policyId, policyUrl, _time.GetUtcNow());
            var policies = await run.ExchangeAsync(EnrollmentStep.Policy, policyUrl, policyXml, policyId,
                xml => PolicyMessages.ReadResponse(xml, _options.Reader), cancellationToken).ConfigureAwait(false);
            if (policies is null)
            {
                return run.Outcome;
            }

            policy = policies.Body;
        }

        // 3. RequestSecurityToken with a fresh key pair and a Windows-shaped CSR.
        using var key = _options.KeyFactory(Math.Max(policy.MinimalKeyLength, _options.KeySize));
        byte[] csr = WindowsCsr.Create(key, device.DeviceId, _options.NewGuid(), policy.CsrHashAlgorithm);
        var rst = new RequestSecurityToken(EnrollmentTokenTypes.DeviceEnrollmentToken, EnrollmentTokenTypes.RequestTypeIssue, EnrollmentTokenTypes.Pkcs10,
            Convert.ToBase64String(csr), device.ContextItems());
        string rstId = MessageId(WindowsRstMessageId);
        var rstXml = WstepMessages.WriteRequest(rst, credential, rstId, discovery.EnrollmentServiceUrl, _time.GetUtcNow());
        var issued = await run.ExchangeAsync(EnrollmentStep.Enrollment, discovery.EnrollmentServiceUrl, rstXml, rstId,
            xml => WstepMessages.ReadResponse(xml, _options.Reader), cancellationToken).ConfigureAwait(false);
        if (issued is null)
        {
            return run.Outcome;
        }

        // 4. The provisioning document.
        var provisioning = ProvisioningDocuments.Read(issued.Body.ProvisioningDocument, _options.Reader);
        run.Diagnostics.AddRange(provisioning.Diagnostics);
        if (!provisioning.Succeeded)
        {
            return run.Fail(EnrollmentStep.Provisioning, EnrollmentFailureKind.MalformedResponse,
                "the provisioning document was refused: " + string.Join("; ", provisioning.Errors));
        }

        return Accept(run, device, key, provisioning.Value);
    }

    private EnrollmentOutcome Accept(Run run, DeviceProfile device, RSA key, ProvisioningDocument document)
    {
        byte[] publicKey = key.ExportSubjectPublicKeyInfo();
        var client = document.ClientCertificates.FirstOrDefault(c => SamePublicKey(c, publicKey));
        if (client is null)
        {
            return run.Fail(EnrollmentStep.Provisioning, EnrollmentFailureKind.Rejected, document.ClientCertificates.IsEmpty
                ? "the provisioning document holds no client certificate (CertificateStore/My)"
                : "no client certificate in the provisioning document is for this device's key");
        }

        if (document.RootCertificates.IsEmpty)
        {
            run.Diagnostics.Add(EnrollmentDiagnostic.Warning("certificate", "the provisioning document holds no Root/System certificate"));
        }
        else if (!ChainsToProvisionedRoot(client, document.RootCertificates))
        {
            run.Diagnostics.Add(EnrollmentDiagnostic.Warning("certificate", "the client certificate does not chain to a provisioned root"));
        }

        var app = document.Application;
        var appsrv = app.ServerAuth;
        var clientAuth = app.ClientAuth;
        var identity = new DeviceEnrollmentIdentity
        {
            DeviceId = device.DeviceId,
            HwDevId = device.HwDevId,
            EnrollmentType = device.EnrollmentType,
            EnrolledAt = _time.GetUtcNow(),
            PrivateKeyPkcs8 = key.ExportPkcs8PrivateKey(),
            ClientCertificate = [.. client.EncodedCertificate],
            RootCertificates = [.. document.RootCertificates.Select(r => r.EncodedCertificate.ToArray())],
            ManagementUrl = app.Address,
            ProviderId = app.ProviderId,
            ServerName = app.Name,
            DefaultEncoding = app.DefaultEncoding,
            ConnectionRetryFrequency = app.EffectiveConnectionRetryFrequency,
            InitialBackoff = app.EffectiveInitialBackoff,
            MaxBackoff = app.EffectiveMaxBackoff,
            Poll = document.DmClient.Poll,
            DmClientParameters = document.DmClient.Parameters.GroupBy(p => p.Key, StringComparer.Ordinal)
                .ToImmutableDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal),
            DeviceCredential = appsrv is { Secret: { } secret }
                ? new DigestCredential(appsrv.Name ?? device.DeviceId, secret, appsrv.Data ?? "")
                : null,
            ServerCredential = clientAuth is { Secret: { } serverSecret }
                ? new DigestCredential(clientAuth.Name ?? "", serverSecret, clientAuth.Data ?? "")
                : null,
            SessionAuthentication = _options.SessionAuthentication,
        };
        return run.Succeed(identity);
    }

    private static bool SamePublicKey(ProvisionedCertificate certificate, byte[] subjectPublicKeyInfo)
    {
        using var loaded = certificate.Load();
        return loaded.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(subjectPublicKeyInfo);
    }

    private bool ChainsToProvisionedRoot(ProvisionedCertificate client, ImmutableArray<ProvisionedCertificate> roots)
    {
        using var leaf = client.Load();
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        var loadedRoots = roots.Select(r => r.Load()).ToList();
        try
        {
            chain.ChainPolicy.CustomTrustStore.AddRange(loadedRoots.ToArray());
            return chain.Build(leaf);
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, leaf) && !loadedRoots.Contains(element.Certificate))
                {
                    element.Certificate.Dispose();
                }
            }

            foreach (var root in loadedRoots)
            {
                root.Dispose();
            }
        }
    }

    private string MessageId(string windowsFixed) => _options.UseWindowsMessageIds ? windowsFixed : "urn:uuid:" + _options.NewGuid().ToString("D");

    /// <summary>The state of one enrollment attempt: exchanges, diagnostics and the outcome.</summary>
    private sealed class Run(EnrollmentClient client)
    {
        public List<EnrollmentDiagnostic> Diagnostics { get; } = [];

        public List<EnrollmentExchange> Exchanges { get; } = [];

        public EnrollmentOutcome Outcome { get; private set; } = null!;


        public async Task<EnrollmentHttpResponse?> SendAsync(EnrollmentStep step, string method, string url, string? body, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                Fail(step, EnrollmentFailureKind.MalformedResponse, $"'{url}' is not an absolute URL");
                return null;
            }

            ImmutableArray<KeyValuePair<string, string>> headers = body is null
                ? [new("Cache-Control", "no-cache"), new("Pragma", "no-cache"), new("User-Agent", client._options.UserAgent)]
                : [new("Content-Type", SoapContentType), new("User-Agent", client._options.UserAgent), new("Cache-Control", "no-cache")];
            var request = new EnrollmentHttpRequest(method, uri, headers, body);
            EnrollmentHttpResponse response;
            try
            {
                response = await client._transport(request).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                Exchanges.Add(new EnrollmentExchange(step, request, null));
                Fail(step, EnrollmentFailureKind.Transport, $"{method} {url} failed: {e.Message}", exception: e);
                return null;
            }

            Exchanges.Add(new EnrollmentExchange(step, request, response));
            return response;
        }

        /// <summary>POSTs a SOAP request and reads the reply: a fault (any status) fails with it, a non-2xx status
        /// without a fault fails as HTTP, an unreadable reply fails as malformed.</summary>
        public async Task<SoapMessage<T>?> ExchangeAsync<T>(EnrollmentStep step, string url, string body, string messageId,
            Func<string, EnrollmentReadResult<SoapMessage<T>>> read, CancellationToken cancellationToken)
            where T : class
        {
            var response = await SendAsync(step, "POST", url, body, cancellationToken).ConfigureAwait(false);
            if (response is null)
            {
                return null;
            }

            var result = read(response.Body);
            if (result.Fault is { } fault)
            {
                Diagnostics.AddRange(result.Diagnostics);
                Fail(step, EnrollmentFailureKind.Fault, fault.ToString(), fault);
                return null;
            }

            if (response.StatusCode is < 200 or > 299)
            {
                Fail(step, EnrollmentFailureKind.HttpStatus, FormattableString.Invariant($"HTTP {response.StatusCode} from {url}"));
                return null;
            }

            Diagnostics.AddRange(result.Diagnostics);
            if (!result.Succeeded)
            {
                Fail(step, EnrollmentFailureKind.MalformedResponse, string.Join("; ", result.Errors));
                return null;
            }

            if (result.Value.Headers.RelatesTo is { } relatesTo && !string.Equals(relatesTo, messageId, StringComparison.OrdinalIgnoreCase))
            {
                Diagnostics.Add(EnrollmentDiagnostic.Warning("header", $"RelatesTo is '{relatesTo}', the request's MessageID was '{messageId}'"));
            }

            return result.Value;
        }

        public EnrollmentOutcome Fail(EnrollmentStep step, EnrollmentFailureKind kind, string reason, SoapFault? fault = null, Exception? exception = null) =>
            Outcome = new EnrollmentOutcome(null, step, kind, reason, [.. Diagnostics], [.. Exchanges]) { Fault = fault, Exception = exception };

        public EnrollmentOutcome Succeed(DeviceEnrollmentIdentity identity) =>
            Outcome = new EnrollmentOutcome(identity, null, null, null, [.. Diagnostics], [.. Exchanges]);
    }
}
