using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using LapsCsp.Enrollment.Provisioning;
using LapsCsp.Enrollment.Security;

namespace LapsCsp.Enrollment.Identity;

/// <summary>How a device proves itself on the management endpoint (digest 2.2): the client TLS certificate as Windows
/// does, and/or the OMA-DM MD5 digest <c>Cred</c> in every SyncML message (what Fleet checks, digest 5.4).</summary>
[Flags]
public enum ManagementAuthentication
{
    None = 0,
    ClientCertificate = 1,
    Md5Digest = 2,
}

public enum EnrollmentState
{
    Enrolled,
    Unenrolled,
}

/// <summary>A name, secret and nonce of one APPAUTH level (digest 2.2, 1.9).</summary>
/// <param name="Nonce">Base64 nonce (or the word the server sent, e.g. <c>nonce</c>).</param>
public sealed record DigestCredential(string Name, string Secret, string Nonce)
{
    /// <summary>The Cred Data for this credential with <paramref name="encodedNonce"/> (the latest NextNonce), or with
    /// its own nonce when none is given.</summary>
    public string ComputeCred(string? encodedNonce = null) => OmaDigest.Compute(Name, Secret, OmaDigest.NonceBytes(encodedNonce ?? Nonce));

    public override string ToString() => $"DigestCredential {{ Name = {Name}, Secret = ***, Nonce = {Nonce} }}";
}

/// <summary>What a device keeps after enrollment (digest 1.9): its identifiers, its private key and certificates, the
/// management account of the provisioning document and the DMClient settings. JSON-serialisable with
/// <see cref="ToJson"/> / <see cref="FromJson"/>; the private key is PKCS#8 bytes (base64 in JSON, unencrypted: the
/// simulator's state file is its "TPM").</summary>
public sealed record DeviceEnrollmentIdentity
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required string DeviceId { get; init; }

    public required string HwDevId { get; init; }

    public EnrollmentType EnrollmentType { get; init; } = EnrollmentType.Full;

    public EnrollmentState State { get; init; } = EnrollmentState.Enrolled;

    public DateTimeOffset EnrolledAt { get; init; }

    public DateTimeOffset? UnenrolledAt { get; init; }

    /// <summary>The RSA private key, PKCS#8 DER. Empty after unenrollment.</summary>
    public required byte[] PrivateKeyPkcs8 { get; init; }

    /// <summary>The issued client certificate, DER (from <c>My/User</c> or <c>My/System</c>). Empty after unenrollment.</summary>
    public required byte[] ClientCertificate { get; init; }

    /// <summary>The CA certificates of <c>Root/System</c>, DER: what the device trusts for the management TLS connection.</summary>
    public ImmutableArray<byte[]> RootCertificates { get; init; } = [];

    /// <summary>ADDR: the management URL.</summary>
    public required string ManagementUrl { get; init; }

    /// <summary>PROVIDER-ID, also the DMClient provider node name.</summary>
    public required string ProviderId { get; init; }

    public string? ServerName { get; init; }

    public string DefaultEncoding { get; init; } = W7Application.DefaultEncodingXml;

    public int ConnectionRetryFrequency { get; init; } = 3;

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(16);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromDays(1);

    public PollSettings Poll { get; init; } = PollSettings.Default;

    /// <summary>Other DMClient provider parms (EntDMID, …) as sent.</summary>
    public ImmutableDictionary<string, string> DmClientParameters { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>APPSRV: the credentials the device puts in its SyncML Cred. Null when the server sent none usable.</summary>
    public DigestCredential? DeviceCredential { get; init; }

    /// <summary>CLIENT: the secret and nonce the server's own Cred is checked against (digest 6, question 4).</summary>
    public DigestCredential? ServerCredential { get; init; }

    /// <summary>How the session layer authenticates (a knob: Windows uses the certificate; Fleet wants the digest).</summary>
    public ManagementAuthentication SessionAuthentication { get; init; } = ManagementAuthentication.ClientCertificate | ManagementAuthentication.Md5Digest;

    /// <summary>The DMAcc node the w7 APPLICATION created (digest 1.7).</summary>
    [JsonIgnore]
    public string DmAccountNodeName => DmAccount.NodeName(ProviderId);

    public RSA LoadPrivateKey()
    {
        EnsureEnrolled();
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(PrivateKeyPkcs8, out _);
        return rsa;
    }

    /// <summary>The client certificate with its private key, for mutual TLS to <see cref="ManagementUrl"/>.</summary>
    public X509Certificate2 LoadClientCertificateWithKey()
    {
        using var certificate = X509CertificateLoader.LoadCertificate(ClientCertificate);
        using var key = LoadPrivateKey();
        return certificate.CopyWithPrivateKey(key);
    }

    public X509Certificate2Collection LoadRootCertificates()
    {
        var collection = new X509Certificate2Collection();
        foreach (var der in RootCertificates)
        {
            collection.Add(X509CertificateLoader.LoadCertificate(der));
        }

        return collection;
    }

    /// <summary>The enrollment-side part of unenrollment (digest 4): whatever the server answers to the 1226 alert, the
    /// device deletes its MDM certificates, key and w7 account and stops polling. Identifiers stay, for the record.</summary>
    public DeviceEnrollmentIdentity Unenroll(DateTimeOffset at) => this with
    {
        State = EnrollmentState.Unenrolled,
        UnenrolledAt = at,
        PrivateKeyPkcs8 = [],
        ClientCertificate = [],
        RootCertificates = [],
        DeviceCredential = null,
        ServerCredential = null,
    };

    /// <summary>The identity after a server "rekey" (Fleet's Replaces on <c>…/AppAuth/CLCRED/AAuthName|AAuthSecret</c>, digest 2.2).</summary>
    public DeviceEnrollmentIdentity WithDeviceCredential(string name, string secret) =>
        this with { DeviceCredential = new DigestCredential(name, secret, DeviceCredential?.Nonce ?? "") };

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static DeviceEnrollmentIdentity FromJson(string json) =>
        JsonSerializer.Deserialize<DeviceEnrollmentIdentity>(json, s_json) ?? throw new JsonException("the identity JSON is null");

    private void EnsureEnrolled()
    {
        if (State != EnrollmentState.Enrolled || PrivateKeyPkcs8.Length == 0)
        {
            throw new InvalidOperationException($"device {DeviceId} is not enrolled: its key was deleted at unenrollment");
        }
    }
}

/// <summary>The generic alert a device sends when the user unenrolls (digest 4; corpus e10). The session layer builds
/// the SyncML; these are its values.</summary>
public static class UnenrollmentAlert
{
    public const int AlertCode = 1226;
    public const string Type = "com.microsoft:mdm.unenrollment.userrequest";
    public const string Format = "int";
    public const string Data = "1";
}
