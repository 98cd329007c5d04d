using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using LapsCsp.Enrollment.Csr;
using LapsCsp.Enrollment.Discovery;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Policy;
using LapsCsp.Enrollment.Provisioning;
using LapsCsp.Enrollment.Security;
using LapsCsp.Enrollment.Soap;
using LapsCsp.Enrollment.Wstep;

namespace LapsCsp.Enrollment.Server;

/// <summary>The server side of MS-MDE2 as pure handlers: request XML in, response XML (or a SOAP 1.2 fault) out. The
/// host maps them to endpoints: GET on the discovery URL answers 200 with an empty <c>text/html</c> body
/// (<see cref="ProbeContentType"/>, docs:on-premise), POST on it calls <see cref="Discover"/>, the policy URL
/// <see cref="GetPolicies"/>, the enrollment URL <see cref="RequestSecurityToken"/>; then it stores the returned
/// <see cref="EnrolledDevice"/>.</summary>
/// <remarks>
/// Fault choices (MDE2 §2.2.10; digest 1.8), always in SOAP 1.2 casing: unreadable or incomplete messages
/// <c>s:MessageFormat</c>; a missing or unusable Security header, or a credential kind no authenticator handles,
/// <c>a:InvalidSecurity</c>; a refused credential what the authenticator says (<c>s:Authentication</c> by default); a
/// bad CSR (signature, key length, hash, DeviceID mismatch) <c>s:CertificateRequest</c>; renewal and PKCS#7 requests
/// <c>s:MessageFormat</c> with detail NotSupported (not implemented); an unexpected exception <c>s:EnrollmentServer</c>.
/// Faults carry the operation's response Action, as in the MDE2 sample (e13).
/// </remarks>
public sealed partial class EnrollmentServer
{
    public const string ProbeContentType = "text/html";

    private readonly EnrollmentServerOptions _options;
    private readonly EnrollmentCertificateAuthority _authority;
    private readonly EnrollmentAuthenticator _authenticator;
    private readonly TimeProvider _time;
    private readonly EnrollmentReaderOptions _reader;

    public EnrollmentServer(EnrollmentServerOptions options, EnrollmentCertificateAuthority authority, EnrollmentAuthenticator authenticator,
        TimeProvider? time = null, EnrollmentReaderOptions? readerOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(authenticator);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid enrollment server options: " + string.Join("; ", problems), nameof(options));
        }

        _options = options;
        _authority = authority;
        _authenticator = authenticator;
        _time = time ?? TimeProvider.System;
        _reader = readerOptions ?? EnrollmentReaderOptions.Strict;
    }

    public EnrollmentServerOptions Options => _options;

    /// <summary>The policy this server hands out in GetPoliciesResponse and enforces on CSRs.</summary>
    public EnrollmentPolicy Policy => new(3, _options.MinimalKeyLength, EnrollmentServerOptions.HashOid(_options.PolicyHashAlgorithm),
        "LapsCspMdmDevice", (long)_options.CertificateValidity.TotalSeconds, (long)(_options.CertificateValidity.TotalSeconds * 0.5));

    /// <summary>POST on the discovery URL (MDE2 §3.1).</summary>
    public EnrollmentServerResponse Discover(string? requestXml) => Guard(EnrollmentActions.DiscoverResponse, () =>
    {
        var read = DiscoveryMessages.ReadRequest(requestXml, _reader);
        if (!read.Succeeded)
        {
            return MessageFormat(EnrollmentActions.DiscoverResponse, read.Diagnostics, RelatesToOf(requestXml));
        }

        var (headers, request) = (read.Value.Headers, read.Value.Body);
        if (!decimal.TryParse(request.RequestVersion, NumberStyles.Number, CultureInfo.InvariantCulture, out var requested) || requested <= 0)
        {
            return Fault(EnrollmentActions.DiscoverResponse, headers.MessageId, EnrollmentFaultCode.MessageFormat,
                $"RequestVersion '{request.RequestVersion}' is not a version number");
        }

        string policy = _options.AuthPolicy.ToString();
        if (!request.AuthPolicies.Contains(policy, StringComparer.OrdinalIgnoreCase))
        {
            return Fault(EnrollmentActions.DiscoverResponse, headers.MessageId, EnrollmentFaultCode.MessageFormat,
                $"the device does not support the {policy} authentication policy this server uses (it lists {string.Join(", ", request.AuthPolicies)})");
        }

        decimal version = Math.Min(requested, _options.MaxEnrollmentVersion);
        var response = new DiscoverResponse(policy, version.ToString("0.0", CultureInfo.InvariantCulture), _options.EnrollmentPolicyServiceUrl,
            _options.EnrollmentServiceUrl, _options.AuthPolicy == AuthPolicy.Federated ? _options.AuthenticationServiceUrl : null);
        return Ok(DiscoveryMessages.WriteResponse(response, headers.MessageId, NewActivityId()));
    });

    /// <summary>POST on the policy URL (MS-XCEP GetPolicies, MDE2 §3.3).</summary>
    public EnrollmentServerResponse GetPolicies(string? requestXml) => Guard(EnrollmentActions.GetPoliciesResponse, () =>
    {
        var read = PolicyMessages.ReadRequestWithEnvelope(requestXml, _reader, out var view);
        if (!read.Succeeded)
        {
            return MessageFormat(EnrollmentActions.GetPoliciesResponse, read.Diagnostics, RelatesToOf(requestXml));
        }

        var headers = read.Value.Headers;
        if (Authenticate(view!.Header, EnrollmentStage.GetPolicies, out _) is { } rejection)
        {
            return Fault(rejection with { RelatesTo = headers.MessageId, Action = EnrollmentActions.GetPoliciesResponse });
        }

        return Ok(PolicyMessages.WriteResponse(Policy, headers.MessageId, NewActivityId()));
    });

    /// <summary>POST on the enrollment URL (MS-WSTEP RST, MDE2 §3.4): checks the credential and the CSR, issues the
    /// client certificate, returns the provisioning document and the <see cref="EnrolledDevice"/> to store.</summary>
    public EnrollmentServerResponse RequestSecurityToken(string? requestXml) => Guard(EnrollmentActions.RequestSecurityTokenResponseCollection, () =>
    {
        const string Action = EnrollmentActions.RequestSecurityTokenResponseCollection;
        var read = WstepMessages.ReadRequestWithEnvelope(requestXml, _reader, out var view);
        if (!read.Succeeded)
        {
            return MessageFormat(Action, read.Diagnostics, RelatesToOf(requestXml));
        }

        var (headers, rst) = (read.Value.Headers, read.Value.Body);
        string? relatesTo = headers.MessageId;
        if (Authenticate(view!.Header, EnrollmentStage.RequestSecurityToken, out string? principal) is { } rejection)
        {
            return Fault(rejection with { RelatesTo = relatesTo, Action = Action });
        }

        if (rst.TokenType != EnrollmentTokenTypes.DeviceEnrollmentToken)
        {
            return Fault(Action, relatesTo, EnrollmentFaultCode.MessageFormat, $"TokenType '{rst.TokenType}' is not {EnrollmentTokenTypes.DeviceEnrollmentToken}");
        }

        if (rst.RequestType != EnrollmentTokenTypes.RequestTypeIssue || rst.CertificateRequestValueType != EnrollmentTokenTypes.Pkcs10)
        {
            return Fault(Action, relatesTo, EnrollmentFaultCode.MessageFormat,
                $"only Issue requests with a PKCS#10 token are supported (got {rst.RequestType}, {rst.CertificateRequestValueType}); renewal is not implemented",
                new EnrollmentErrorDetail(EnrollmentErrorType.NotSupported));
        }

        string? deviceId = rst.Context(ContextItemNames.DeviceID);
        if (deviceId is null || !DeviceIdPattern().IsMatch(deviceId))
        {
            return Fault(Action, relatesTo, EnrollmentFaultCode.MessageFormat,
                $"the DeviceID context item is missing or not 1-64 letters, digits, '-', '{{' or '}}' (got '{deviceId}')",
                new EnrollmentErrorDetail(EnrollmentErrorType.InvalidEnrollmentData));
        }

        string enrollmentTypeText = rst.Context(ContextItemNames.EnrollmentType) ?? nameof(EnrollmentType.Full);
        if (!Enum.TryParse<EnrollmentType>(enrollmentTypeText, ignoreCase: true, out var enrollmentType) || !Enum.IsDefined(enrollmentType))
        {
            return Fault(Action, relatesTo, EnrollmentFaultCode.MessageFormat, $"EnrollmentType '{enrollmentTypeText}' is not Full or Device",
                new EnrollmentErrorDetail(EnrollmentErrorType.InvalidEnrollmentData));
        }

        var csr = CheckCertificateRequest(rst.CertificateRequest, deviceId, out string? csrProblem);
        if (csr is null)
        {
            return Fault(Action, relatesTo, EnrollmentFaultCode.CertificateRequest, csrProblem!);
        }

        var now = _time.GetUtcNow();
        using var certificate = _authority.IssueClientCertificate(csr.SubjectPublicKeyInfo.AsSpan(), deviceId, now, _options.CertificateValidity);
        var (deviceCredential, serverCredential) = NewDigestCredentials(deviceId);
        string store = enrollmentType == EnrollmentType.Device ? "My/System" : "My/User";
        var document = new ProvisioningDocument(
            [ProvisionedCertificate.From("Root/System", _authority.RootCertificate)],
            [ProvisionedCertificate.From(store, certificate)],
            new W7Application(_options.ProviderId, _options.ServerName, _options.ManagementUrl, W7Application.DefaultEncodingXml,
            [
                new AppAuth(AppAuth.ClientLevel, "DIGEST", null, serverCredential.Secret, serverCredential.Nonce),
                new AppAuth(AppAuth.ServerLevel, "DIGEST", deviceCredential.Name, deviceCredential.Secret, deviceCredential.Nonce),
            ])
            {
                BackCompatRetryDisabled = true,
                SslClientCertSearchCriteria = _options.SslClientCertSearchCriteria,
                ConnectionRetryFrequency = _options.ConnectionRetryFrequency,
                InitialBackoffTimeMilliseconds = _options.InitialBackoffTimeMilliseconds,
                MaxBackoffTimeMilliseconds = _options.MaxBackoffTimeMilliseconds,
            },
            new DmClientProvisioning(_options.ProviderId, _options.Poll) { Parameters = _options.DmClientParameters })
        {
            Renewal = _options.Renewal,
        };

        var device = new EnrolledDevice
        {
            DeviceId = deviceId,
            HwDevId = rst.Context(ContextItemNames.HWDevID),
            DeviceName = rst.Context(ContextItemNames.DeviceName),
            OsVersion = rst.Context(ContextItemNames.OSVersion),
            OsEdition = rst.Context(ContextItemNames.OSEdition),
            Locale = rst.Context(ContextItemNames.Locale),
            EnrollmentType = enrollmentType,
            MacAddresses = [.. rst.ContextValues(ContextItemNames.MAC)],
            Principal = principal,
            ProviderId = _options.ProviderId,
            CertificateThumbprint = certificate.Thumbprint,
            Certificate = certificate.RawData,
            CertificateNotBefore = certificate.NotBefore.ToUniversalTime(),
            CertificateNotAfter = certificate.NotAfter.ToUniversalTime(),
            EnrolledAt = now,
            DeviceCredential = deviceCredential,
            ServerCredential = serverCredential,
            ContextItems = rst.ContextItems,
        };
        string body = WstepMessages.WriteResponse(ProvisioningDocuments.Write(document), relatesTo, now);
        return new EnrollmentServerResponse(body, 200, null, device);
    });

    /// <summary>The CSR when it is acceptable; else null and why not.</summary>
    private CertificateSigningRequest? CheckCertificateRequest(string base64, string deviceId, out string? problem)
    {
        problem = CertificateProblem(base64, deviceId, out var csr);
        return problem is null ? csr : null;
    }

    private string? CertificateProblem(string base64, string deviceId, out CertificateSigningRequest? csr)
    {
        if (!CertificateSigningRequest.TryReadBase64(base64, out csr, out var error))
        {
            return error;
        }

        if (csr!.PublicKeyAlgorithmOid != SignatureAlgorithms.RsaEncryption)
        {
            return $"the CSR's key is {csr.PublicKeyAlgorithmOid}; only RSA keys are accepted";
        }

        if (!csr.SignatureValid)
        {
            return $"the CSR's signature ({csr.SignatureAlgorithmOid}) does not verify with its own public key";
        }

        if (csr.KeySizeBits < _options.MinimalKeyLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the CSR's RSA key has {csr.KeySizeBits} bits; the policy's minimalKeyLength is {_options.MinimalKeyLength}");
        }

        if (csr.SignatureHash == HashAlgorithmName.SHA1 && !_options.AcceptSha1CertificateRequests)
        {
            return "the CSR is signed with SHA-1, which this server does not accept";
        }

        if (csr.DeviceIdFromExtension is { } fromExtension && !string.Equals(fromExtension, deviceId, StringComparison.OrdinalIgnoreCase))
        {
            return $"the CSR's DeviceID extension says {fromExtension}, the DeviceID context item {deviceId}";
        }

        return null;
    }

    /// <summary>Null when authenticated (principal set), else the fault to send.</summary>
    private SoapFault? Authenticate(System.Xml.Linq.XElement? header, EnrollmentStage stage, out string? principal)
    {
        principal = null;
        var credential = SecurityHeaderReader.Read(header, _time.GetUtcNow(), out string? problem);
        if (credential is null)
        {
            return SoapFault.Receiver(EnrollmentFaultCode.InvalidSecurity, problem ?? "the Security header cannot be processed");
        }

        var result = _authenticator(credential, stage);
        if (!result.Handled)
        {
            return SoapFault.Receiver(EnrollmentFaultCode.InvalidSecurity, $"this server does not accept a {Describe(credential)}");
        }

        if (!result.Accepted)
        {
            return result.Rejection ?? SoapFault.Receiver(EnrollmentFaultCode.Authentication, "the credential was refused");
        }

        principal = result.Principal;
        return null;
    }

    private (DigestCredential Device, DigestCredential Server) NewDigestCredentials(string deviceId)
    {
        if (!_options.IssueDigestCredentials)
        {
            // The PoC's placeholders (e08), which it never checked.
            return (new DigestCredential("dummy", "dummy", "nonce"), new DigestCredential("", "dummy", "nonce"));
        }

        // As Fleet: APPSRV name = DeviceID and a random secret; a random CLIENT secret too; base64 nonces.
        return (new DigestCredential(deviceId, NewSecret(), OmaDigest.NewNonce()), new DigestCredential("", NewSecret(), OmaDigest.NewNonce()));
    }

    private static string NewSecret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    private static string Describe(PresentedCredential credential) => credential switch
    {
        PresentedUsernameToken => "UsernameToken",
        PresentedBinaryToken token => "BinarySecurityToken of type " + token.ValueType,
        PresentedCertificate => "certificate token",
        _ => credential.GetType().Name,
    };

    private EnrollmentServerResponse Guard(string action, Func<EnrollmentServerResponse> handler)
    {
        try
        {
            return handler();
        }
        catch (Exception e) when (e is CryptographicException or InvalidOperationException or ArgumentException or FormatException)
        {
            return Fault(action, null, EnrollmentFaultCode.EnrollmentServer, "the enrollment server failed: " + e.Message);
        }
    }

    private EnrollmentServerResponse MessageFormat(string action, ImmutableArray<EnrollmentDiagnostic> diagnostics, string? relatesTo) =>
        Fault(action, relatesTo, EnrollmentFaultCode.MessageFormat,
            "the message cannot be read: " + string.Join("; ", diagnostics.Where(d => d.Severity == EnrollmentDiagnosticSeverity.Error)));

    private EnrollmentServerResponse Fault(string action, string? relatesTo, EnrollmentFaultCode code, string reason, EnrollmentErrorDetail? detail = null) =>
        Fault(SoapFault.Receiver(code, reason, detail) with { RelatesTo = relatesTo, Action = action });

    private EnrollmentServerResponse Fault(SoapFault fault) =>
        new(SoapEnvelope.WriteFault(fault, NewActivityId()), _options.FaultStatusCode, fault);

    private static EnrollmentServerResponse Ok(string body) => new(body, 200, null);

    private static string NewActivityId() => Guid.NewGuid().ToString("D");

    /// <summary>The MessageID of a request that could not be read as a whole, so that even its fault relates to it.</summary>
    private string? RelatesToOf(string? xml)
    {
        var view = SoapEnvelope.TryOpen(xml, _reader, []);
        return view?.Headers.MessageId;
    }

    [GeneratedRegex(@"^[A-Za-z0-9\-{}]{1,64}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex DeviceIdPattern();
}
