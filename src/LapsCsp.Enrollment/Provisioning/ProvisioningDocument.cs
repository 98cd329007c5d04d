using System.Collections.Immutable;
using System.Security.Cryptography.X509Certificates;

namespace LapsCsp.Enrollment.Provisioning;

/// <summary>A certificate of the <c>CertificateStore</c> characteristic (MDE2 §2.2.9.1; digest 1.7).</summary>
/// <param name="Store"><c>Root/System</c> for the CA the device trusts, <c>My/User</c> or <c>My/System</c> for its client certificate.</param>
/// <param name="Thumbprint">The characteristic name: the upper-case SHA-1 thumbprint.</param>
/// <param name="EncodedCertificate">DER bytes (the parm is base64 without line feeds).</param>
public sealed record ProvisionedCertificate(string Store, string Thumbprint, ImmutableArray<byte> EncodedCertificate)
{
    public X509Certificate2 Load() => X509CertificateLoader.LoadCertificate(EncodedCertificate.AsSpan());

    public static ProvisionedCertificate From(string store, X509Certificate2 certificate) =>
        new(store, certificate.Thumbprint, [.. certificate.RawData]);
}

/// <summary>One <c>APPAUTH</c> characteristic of the w7 APPLICATION (MDE2 §2.2.9.5): CLIENT is how the server proves
/// itself to the device, APPSRV how the device proves itself to the server (the SyncML <c>Cred</c>, digest 2.2).</summary>
/// <param name="Data">AAUTHDATA: the nonce, base64 (the PoC and Fleet send the word <c>nonce</c>).</param>
public sealed record AppAuth(string Level, string Type, string? Name, string? Secret, string? Data)
{
    public const string ClientLevel = "CLIENT";
    public const string ServerLevel = "APPSRV";
}

/// <summary>The w7 APPLICATION characteristic: the OMA-DM account (MDE2 §2.2.9.5; digest 1.7 table). Null numbers
/// were absent; the documented defaults then apply (CONNRETRYFREQ 3, INITIALBACKOFFTIME 16000 ms, MAXBACKOFFTIME 86400000 ms).</summary>
/// <param name="Address">ADDR: the management URL every SyncML POST goes to.</param>
public sealed record W7Application(
    string ProviderId,
    string? Name,
    string Address,
    string DefaultEncoding,
    ImmutableArray<AppAuth> Authentication)
{
    public const string DefaultEncodingXml = "application/vnd.syncml.dm+xml";

    public string AppId { get; init; } = "w7";

    public string? ServerList { get; init; }

    public string? Role { get; init; }

    public int? ConnectionRetryFrequency { get; init; }

    public int? InitialBackoffTimeMilliseconds { get; init; }

    public int? MaxBackoffTimeMilliseconds { get; init; }

    public bool BackCompatRetryDisabled { get; init; }

    public string? SslClientCertSearchCriteria { get; init; }

    /// <summary>CONNRETRYFREQ, or its default 3.</summary>
    public int EffectiveConnectionRetryFrequency => ConnectionRetryFrequency ?? 3;

    /// <summary>INITIALBACKOFFTIME, or its default 16 s.</summary>
    public TimeSpan EffectiveInitialBackoff => TimeSpan.FromMilliseconds(InitialBackoffTimeMilliseconds ?? 16_000);

    /// <summary>MAXBACKOFFTIME, or its default 24 h.</summary>
    public TimeSpan EffectiveMaxBackoff => TimeSpan.FromMilliseconds(MaxBackoffTimeMilliseconds ?? 86_400_000);

    /// <summary>The APPAUTH whose AAUTHLEVEL is CLIENT (server credentials).</summary>
    public AppAuth? ClientAuth => Authentication.FirstOrDefault(a => string.Equals(a.Level, AppAuth.ClientLevel, StringComparison.OrdinalIgnoreCase));

    /// <summary>The APPAUTH whose AAUTHLEVEL is APPSRV (device credentials for the SyncML Cred).</summary>
    public AppAuth? ServerAuth => Authentication.FirstOrDefault(a => string.Equals(a.Level, AppAuth.ServerLevel, StringComparison.OrdinalIgnoreCase));
}

/// <summary>DMClient <c>Provider/&lt;id&gt;/Poll</c> settings (MDE2 §2.2.9.3; digest 3), intervals in minutes. The
/// property defaults are the documented ones, used for every node the provisioning document leaves out.</summary>
public sealed record PollSettings
{
    /// <summary>The documented defaults: 10 polls 15 minutes apart, then nothing scheduled (digest 3).</summary>
    public static PollSettings Default { get; } = new();

    public int IntervalForFirstSetOfRetries { get; init; } = 15;

    /// <summary>0 with a non-zero interval repeats forever (DMClient docs; Fleet sends it; MDE2 says servers MUST NOT; digest 6 question 10).</summary>
    public int NumberOfFirstRetries { get; init; } = 10;

    public int IntervalForSecondSetOfRetries { get; init; }

    public int NumberOfSecondRetries { get; init; }

    public int IntervalForRemainingScheduledRetries { get; init; }

    public int NumberOfRemainingScheduledRetries { get; init; }

    public bool PollOnLogin { get; init; }

    public bool AllUsersPollOnFirstLogin { get; init; }
}

/// <summary>The DMClient <c>Provider/&lt;ProviderID&gt;</c> characteristic: poll settings and any other parms as sent.</summary>
public sealed record DmClientProvisioning(string ProviderId, PollSettings Poll)
{
    /// <summary>Parms directly under the provider node (EntDMID, EntDeviceName, UPN, …), in document order.</summary>
    public ImmutableArray<KeyValuePair<string, string>> Parameters { get; init; } = [];
}

/// <summary>The optional <c>CertificateStore/My/WSTEP/Renew</c> block (MDE2 §2.2.9.2): renewal period and retry interval in days.</summary>
public sealed record WstepRenewal(bool RoboSupport = true, int RenewPeriodDays = 42, int RetryIntervalDays = 7);

/// <summary>A wap-provisioningdoc as the enrollment server returns it in the RSTR (MDE2 §2.2.9; corpus e08).</summary>
public sealed record ProvisioningDocument(
    ImmutableArray<ProvisionedCertificate> RootCertificates,
    ImmutableArray<ProvisionedCertificate> ClientCertificates,
    W7Application Application,
    DmClientProvisioning DmClient)
{
    public WstepRenewal? Renewal { get; init; }
}
