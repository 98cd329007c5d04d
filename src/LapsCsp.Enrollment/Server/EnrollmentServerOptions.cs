using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using LapsCsp.Enrollment.Provisioning;
using LapsCsp.Enrollment.Security;

namespace LapsCsp.Enrollment.Server;

/// <summary>Configuration of our enrollment server's handlers. URLs are absolute strings, sent verbatim.</summary>
public sealed record EnrollmentServerOptions
{
    public const string PolicyPath = "/EnrollmentServer/Policy.svc";
    public const string EnrollmentPath = "/EnrollmentServer/Enrollment.svc";
    public const string ManagementPath = "/ManagementServer/MDM.svc";

    /// <summary>DiscoverResponse EnrollmentPolicyServiceUrl (MS-XCEP endpoint).</summary>
    public required string EnrollmentPolicyServiceUrl { get; init; }

    /// <summary>DiscoverResponse EnrollmentServiceUrl (MS-WSTEP endpoint).</summary>
    public required string EnrollmentServiceUrl { get; init; }

    /// <summary>The w7 ADDR: where enrolled devices run their OMA-DM sessions.</summary>
    public required string ManagementUrl { get; init; }

    /// <summary>The policy Discover answers with (the device must list it).</summary>
    public AuthPolicy AuthPolicy { get; init; } = AuthPolicy.OnPremise;

    /// <summary>The STS page for <see cref="AuthPolicy.Federated"/>.</summary>
    public string? AuthenticationServiceUrl { get; init; }

    /// <summary>Highest EnrollmentVersion answered; the answer is the lower of this and the device's RequestVersion
    /// (MDE2 §3.1). Fleet always answers 4.0.</summary>
    public decimal MaxEnrollmentVersion { get; init; } = 4.0m;

    /// <summary>PROVIDER-ID and the DMClient provider node name.</summary>
    public string ProviderId { get; init; } = "LapsCsp";

    /// <summary>The w7 NAME shown in Settings.</summary>
    public string ServerName { get; init; } = "LapsCsp MDM";

    /// <summary>minimalKeyLength of the policy, enforced on the CSR.</summary>
    public int MinimalKeyLength { get; init; } = 2048;

    /// <summary>The hash the policy names. A device under this policy signs its CSR with it.</summary>
    public HashAlgorithmName PolicyHashAlgorithm { get; init; } = HashAlgorithmName.SHA256;

    /// <summary>Accept SHA-1-signed CSRs (the real device's e06 under a policy naming no hash).</summary>
    public bool AcceptSha1CertificateRequests { get; init; } = true;

    public TimeSpan CertificateValidity { get; init; } = TimeSpan.FromDays(365);

    /// <summary>The DMClient Poll schedule provisioned. Default as the issue asks and Intune does: 5 polls 3 minutes
    /// apart, then 8 every 15 minutes, then every 8 hours forever. MDE2 §2.2.9.3 says the remaining interval MUST NOT be
    /// under 1440 minutes; Intune's 8-hour check-in shows Windows accepts it. A knob.</summary>
    public PollSettings Poll { get; init; } = new()
    {
        IntervalForFirstSetOfRetries = 3,
        NumberOfFirstRetries = 5,
        IntervalForSecondSetOfRetries = 15,
        NumberOfSecondRetries = 8,
        IntervalForRemainingScheduledRetries = 480,
        NumberOfRemainingScheduledRetries = 0,
        PollOnLogin = true,
        AllUsersPollOnFirstLogin = false,
    };

    /// <summary>Provision random per-device APPSRV/CLIENT digest secrets (Fleet's approach, digest 2.2) instead of the
    /// PoC's placeholders (<c>dummy</c>/<c>nonce</c>, e08). MDE2 wants both APPAUTH blocks either way.</summary>
    public bool IssueDigestCredentials { get; init; } = true;

    /// <summary>Optional CertificateStore/My/WSTEP/Renew block; none by default (renewal is not implemented).</summary>
    public WstepRenewal? Renewal { get; init; }

    /// <summary>SSLCLIENTCERTSEARCHCRITERIA of the w7 APPLICATION. Neither the PoC nor Fleet sends it and whether Windows
    /// needs it with several client certificates is not known (digest 6, question 7): none by default.</summary>
    public string? SslClientCertSearchCriteria { get; init; }

    public int? ConnectionRetryFrequency { get; init; }

    public int? InitialBackoffTimeMilliseconds { get; init; }

    public int? MaxBackoffTimeMilliseconds { get; init; }

    /// <summary>Extra DMClient provider parms (EntDMID, …), type string.</summary>
    public ImmutableArray<KeyValuePair<string, string>> DmClientParameters { get; init; } = [];

    /// <summary>The HTTP status a fault goes out with: 500, as the SOAP 1.2 HTTP binding says for Receiver faults.
    /// Fleet sends 200 (digest 1.1); set it to 200 to mimic Fleet.</summary>
    public int FaultStatusCode { get; init; } = 500;

    /// <summary>Options with the conventional paths under <paramref name="baseUrl"/> (<c>/EnrollmentServer/Policy.svc</c>,
    /// <c>/EnrollmentServer/Enrollment.svc</c>, <c>/ManagementServer/MDM.svc</c>, as in e03 and e08).</summary>
    public static EnrollmentServerOptions ForBaseUrl(Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        string root = baseUrl.GetLeftPart(UriPartial.Authority);
        return new EnrollmentServerOptions
        {
            EnrollmentPolicyServiceUrl = root + PolicyPath,
            EnrollmentServiceUrl = root + EnrollmentPath,
            ManagementUrl = root + ManagementPath,
        };
    }

    /// <summary>Every problem at once; empty when the options are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        foreach (var (name, value) in new[]
                 {
                     (nameof(EnrollmentPolicyServiceUrl), EnrollmentPolicyServiceUrl), (nameof(EnrollmentServiceUrl), EnrollmentServiceUrl),
                     (nameof(ManagementUrl), ManagementUrl),
                 })
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out _))
            {
                problems.Add($"{name} '{value}' is not an absolute URL");
            }
        }

        if (AuthPolicy == AuthPolicy.Federated && !Uri.TryCreate(AuthenticationServiceUrl, UriKind.Absolute, out _))
        {
            problems.Add("the Federated policy needs an absolute AuthenticationServiceUrl");
        }

        if (string.IsNullOrWhiteSpace(ProviderId))
        {
            problems.Add("ProviderId is empty");
        }

        if (MinimalKeyLength is < 1024 or > 16384)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"MinimalKeyLength {MinimalKeyLength} is outside 1024..16384"));
        }

        if (MaxEnrollmentVersion is < 1.0m or > 7.0m)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"MaxEnrollmentVersion {MaxEnrollmentVersion} is outside 1.0..7.0"));
        }

        if (Csr.SignatureAlgorithms.HashFromOid(HashOid(PolicyHashAlgorithm) ?? "") is null)
        {
            problems.Add($"PolicyHashAlgorithm {PolicyHashAlgorithm.Name} is not SHA-1, SHA-256, SHA-384 or SHA-512");
        }

        if (CertificateValidity <= TimeSpan.Zero)
        {
            problems.Add("CertificateValidity must be positive");
        }

        if (FaultStatusCode is < 200 or > 599)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"FaultStatusCode {FaultStatusCode} is not an HTTP status"));
        }

        var poll = Poll;
        int[] numbers =
        [
            poll.IntervalForFirstSetOfRetries, poll.NumberOfFirstRetries, poll.IntervalForSecondSetOfRetries, poll.NumberOfSecondRetries,
            poll.IntervalForRemainingScheduledRetries, poll.NumberOfRemainingScheduledRetries,
        ];
        if (numbers.Any(n => n < 0))
        {
            problems.Add("Poll values must not be negative");
        }

        if (numbers.All(n => n == 0))
        {
            problems.Add("Poll: the six numbers must not all be 0 (MDE2 §2.2.9.3)");
        }

        return problems;
    }

    internal static string? HashOid(HashAlgorithmName hash) => hash.Name switch
    {
        "SHA1" => Csr.SignatureAlgorithms.OiwSha1,
        "SHA256" => Csr.SignatureAlgorithms.Sha256,
        "SHA384" => Csr.SignatureAlgorithms.Sha384,
        "SHA512" => Csr.SignatureAlgorithms.Sha512,
        _ => null,
    };
}
