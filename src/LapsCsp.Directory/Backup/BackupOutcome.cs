namespace LapsCsp.Directory.Backup;

/// <summary>Why a backup did not happen. The device maps each kind to its event (digest C.5) and HRESULT.</summary>
public enum BackupFailureKind
{
    /// <summary>Network, DNS or timeout: the directory was never reached (AD 10011/10056, Entra 10025). Transient.</summary>
    Unreachable,

    /// <summary>The directory asked the caller to slow down (HTTP 429; digest C.2: frequent resets "may be throttled"). Transient.</summary>
    Throttled,

    /// <summary>Authentication or authorisation refused (AD 10057 LDAP bind, 10065 insufficient rights; Entra 10026/10032). Not transient.</summary>
    Refused,

    /// <summary>The tenant-wide "Enable LAPS" device setting is off (Entra 10059 carrying the HTTP status). Not transient.</summary>
    LapsDisabledInTenant,

    /// <summary>No Entra device object / no AD computer object for this device. Not transient.</summary>
    DeviceNotFound,

    /// <summary>The AD schema lacks the Windows LAPS attributes (AD 10012). Not transient.</summary>
    SchemaMissing,

    /// <summary>Encryption is required but the domain functional level is below 2016 (AD 10006). Not transient.</summary>
    EncryptionRequiresDomainFunctionalLevel2016,

    /// <summary>The encryption principal is an isolated name other than the default (AD 10034). Not transient.</summary>
    EncryptionPrincipalAmbiguous,

    /// <summary>The encryption principal cannot be mapped to an account of the domain (AD 10035). Not transient.</summary>
    EncryptionPrincipalUnresolvable,
}

public static class BackupFailureKindExtensions
{
    /// <summary>Whether retrying the same backup later can succeed without anyone changing configuration.</summary>
    public static bool IsTransient(this BackupFailureKind kind) =>
        kind is BackupFailureKind.Unreachable or BackupFailureKind.Throttled;

    /// <summary>The HTTP status the emulated Entra endpoint answers with for a failure kind; <c>null</c> for AD (LDAP, no
    /// HTTP) and for <see cref="BackupFailureKind.Unreachable"/> (no response at all).</summary>
    /// <remarks>403 for <see cref="BackupFailureKind.LapsDisabledInTenant"/>: the Entra LAPS doc says "By default Microsoft
    /// Entra ID doesn't allow managed devices to post new Windows LAPS passwords to Microsoft Entra ID. You MUST first have
    /// your IT admin enable the feature at the Microsoft Entra tenant level" (laps-scenarios-azure-active-directory.md); the
    /// request is well formed and authenticated but not allowed, which is 403 Forbidden rather than 400 Bad Request. The
    /// troubleshooting guide only says event 10059 "also contains an HTTP error" without naming it, so 403 is our choice.
    /// 404 for <see cref="BackupFailureKind.DeviceNotFound"/> and 401 for <see cref="BackupFailureKind.Refused"/> follow
    /// plain HTTP semantics (emulator choice, no Microsoft text).</remarks>
    public static int? EntraHttpStatus(this BackupFailureKind kind) => kind switch
    {
        BackupFailureKind.Unreachable => null,
        BackupFailureKind.Throttled => 429,
        BackupFailureKind.Refused => 401,
        BackupFailureKind.LapsDisabledInTenant => 403,
        BackupFailureKind.DeviceNotFound => 404,
        _ => 400,
    };
}

/// <summary>The result of one backup attempt: success, or a failure kind with a message (and for Entra an HTTP status).</summary>
/// <param name="Failure"><c>null</c> on success.</param>
/// <param name="HttpStatus">Entra only: 200 on success, the failure's status otherwise (<c>null</c> when unreachable).</param>
/// <param name="PasswordVersion">AD only: the new <c>msLAPS-CurrentPasswordVersion</c> GUID, which the device keeps locally
/// for image-rollback detection (digest C.2).</param>
public sealed record BackupOutcome(
    DirectoryKind Directory,
    BackupFailureKind? Failure,
    int? HttpStatus,
    string Message,
    Guid? PasswordVersion = null)
{
    public bool Succeeded => Failure is null;

    public bool IsTransient => Failure is { } kind && kind.IsTransient();

    public static BackupOutcome Success(DirectoryKind directory, string message, Guid? passwordVersion = null) =>
        new(directory, null, directory == DirectoryKind.EntraId ? 200 : null, message, passwordVersion);

    public static BackupOutcome Failed(DirectoryKind directory, BackupFailureKind failure, string message) =>
        new(directory, failure, directory == DirectoryKind.EntraId ? failure.EntraHttpStatus() : null, message);

    /// <summary>Returns this outcome, or throws <see cref="DirectoryUnavailableException"/> when it is a transient failure.</summary>
    public BackupOutcome ThrowIfTransient() => IsTransient ? throw new DirectoryUnavailableException(this) : this;
}
