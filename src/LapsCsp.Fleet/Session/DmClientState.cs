using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Provisioning;
using LapsCsp.Fleet.Transport;

namespace LapsCsp.Fleet.Session;

/// <summary>What the DM client keeps between sessions (the DMAcc account, DMClient settings and counters): the input of
/// a session and, updated, part of its result.</summary>
public sealed record DmClientState
{
    /// <summary>ADDR of the w7 APPLICATION: the management URL without the query Windows appends.</summary>
    public required string ManagementUrl { get; init; }

    /// <summary>PROVIDER-ID: the DMClient provider node name.</summary>
    public required string ProviderId { get; init; }

    public required DmDeviceInfo Device { get; init; }

    /// <summary>The SessionID of the last session (0: none yet, so the first session after enrollment is 1, e09).</summary>
    public int LastSessionId { get; init; }

    public CredentialScheme CredentialScheme { get; init; } = CredentialScheme.Md5Digest;

    /// <summary>APPSRV name, secret and the latest server nonce.</summary>
    public Enrollment.Identity.DigestCredential? Credential { get; init; }

    /// <summary>The nonce in <see cref="Credential"/> came from a Chal (so Cred goes out from the first message).</summary>
    public bool ChallengeNonceKnown { get; init; }

    /// <summary>Client-Request-Id: the provider's EntDMID when provisioned, else 0 (MDE2 §2.2.9.3; digest 2.1).</summary>
    public string ClientRequestId { get; init; } = "0";

    /// <summary>The base of the Ms-Cv correlation vector (16 base64 characters, e.g. <c>OTrP9+n7GU+OcSEg</c>).</summary>
    public string CorrelationVectorBase { get; init; } = "AAAAAAAAAAAAAAAA";

    /// <summary>Sessions run so far: the last field of Ms-Cv (<c>.0.0.0</c>, then <c>.0.0.1</c> in the next session, e10).</summary>
    public long SessionsRun { get; init; }

    public PollSettings Poll { get; init; } = PollSettings.Default;

    public ConnectionRetrySettings Retry { get; init; } = new();

    /// <summary>Generic alerts waiting for the next package 1 (asynchronous results, unenrollment).</summary>
    public ImmutableArray<GenericAlert> PendingAlerts { get; init; } = [];

    /// <summary>Other DMClient provider nodes set by the server (EntDMID, Push/PFN, …), keyed by their path under the provider.</summary>
    public ImmutableSortedDictionary<string, string> ProviderNodes { get; init; } = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);

    /// <summary>The Ms-Cv header of the next session.</summary>
    public string CorrelationVector => CorrelationVectorBase + ".0.0." + SessionsRun.ToString(CultureInfo.InvariantCulture);

    /// <summary>The schedule a device keeps when its provisioning document has no Poll settings: 5 polls 3 minutes apart,
    /// then 8 every 15 minutes, then every 8 hours (the default, as Intune does; our enrollment server provisions
    /// the same).</summary>
    public static PollSettings DefaultPoll { get; } = new()
    {
        IntervalForFirstSetOfRetries = 3,
        NumberOfFirstRetries = 5,
        IntervalForSecondSetOfRetries = 15,
        NumberOfSecondRetries = 8,
        IntervalForRemainingScheduledRetries = 480,
        NumberOfRemainingScheduledRetries = 0,
        PollOnLogin = true,
    };

    /// <summary>The client state of a freshly enrolled device: ADDR, PROVIDER-ID, APPSRV credential, DMClient settings
    /// and the w7 retry settings from its identity.</summary>
    /// <param name="pollWhenAbsent">The schedule when the provisioning document had no Poll settings (default
    /// <see cref="DefaultPoll"/>). The enrollment reader gives exactly the <see cref="PollSettings.Default"/> instance
    /// then; a document that spells out the same values keeps them.</param>
    public static DmClientState FromEnrollment(DeviceEnrollmentIdentity identity, DmDeviceInfo device, string correlationVectorBase,
        PollSettings? pollWhenAbsent = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(device);
        var scheme = identity.SessionAuthentication.HasFlag(ManagementAuthentication.Md5Digest) ? CredentialScheme.Md5Digest : CredentialScheme.None;
        return new DmClientState
        {
            ManagementUrl = identity.ManagementUrl,
            ProviderId = identity.ProviderId,
            Device = device,
            CredentialScheme = scheme,
            Credential = identity.DeviceCredential,
            ClientRequestId = identity.DmClientParameters.TryGetValue("EntDMID", out var entDmId) && entDmId.Length > 0 ? entDmId : "0",
            CorrelationVectorBase = correlationVectorBase,
            Poll = ReferenceEquals(identity.Poll, PollSettings.Default) ? pollWhenAbsent ?? DefaultPoll : identity.Poll,
            Retry = ConnectionRetrySettings.From(identity),
        };
    }

    /// <summary>The SessionID that follows <paramref name="last"/>, written as <paramref name="format"/>.</summary>
    public static (int Number, string Text) NextSessionId(int last, int wrap, SessionIdFormat format)
    {
        var next = last >= wrap || last < 0 ? 1 : last + 1;
        var text = format == SessionIdFormat.Hexadecimal
            ? next.ToString("X", CultureInfo.InvariantCulture)
            : next.ToString(CultureInfo.InvariantCulture);
        return (next, text);
    }
}
