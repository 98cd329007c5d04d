using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Device.Laps;
using LapsCsp.Directory.Backup;
using static LapsCsp.Device.Events.LapsEventIds;

namespace LapsCsp.Device.Processing;

/// <summary>The one table that says how a failed backup is reported: the events the device writes (digest C.5) and the
/// HRESULT that ResetPasswordStatus and event 10005 carry (see <see cref="HResults"/>).</summary>
/// <remarks>Every failure ends with 10028 (Entra) or 10017 (AD) "The current password has not been modified"; the
/// specific event before it names the cause. An open circuit is reported as the directory being unreachable.</remarks>
internal static class BackupFailureReport
{
    public static (int HResult, ImmutableArray<(int Id, string Message)> Events) For(DirectoryKind directory, BackupResult result, bool legacy)
    {
        var message = result.Message;
        var entra = directory == DirectoryKind.EntraId;
        var failure = result.Outcome?.Failure ?? BackupFailureKind.Unreachable;
        var (hresult, cause) = result.Verdict switch
        {
            BackupVerdict.CircuitOpen => (entra ? HResults.DirectoryUnreachable : HResults.DsServerDown, ((int, string)?)null),
            BackupVerdict.TimedOut => (HResults.Timeout, null),
            BackupVerdict.Faulted or BackupVerdict.Cancelled => (HResults.Fail, null),
            _ when entra => Entra(failure, result.Outcome?.HttpStatus, message),
            _ => Ad(failure, legacy, message),
        };
        var attempts = result.AttemptsText;
        var final = entra
            ? (EntraUpdateFailed, $"LAPS failed to update Microsoft Entra ID with the new password. The current password has not been modified. {message} ({attempts})")
            : (AdUpdateFailed, $"LAPS failed to update Active Directory with the new password. The current password has not been modified. {message} ({attempts})");
        return (hresult, cause is { } c ? [c, final] : [final]);
    }

    private static (int, (int, string)?) Entra(BackupFailureKind failure, int? http, string message) => failure switch
    {
        BackupFailureKind.Unreachable => (HResults.DirectoryUnreachable, (EntraDiscoveryFailed, $"LAPS was unable to reach Microsoft Entra ID (discovery failed). {message}")),
        BackupFailureKind.Refused => (HResults.HttpDenied, (EntraDeviceAuthenticationFailed, $"LAPS was unable to authenticate to Microsoft Entra ID using the device identity. {message}")),
        _ => (
            failure switch
            {
                BackupFailureKind.Throttled => HResults.HttpTooManyRequests,
                BackupFailureKind.LapsDisabledInTenant => HResults.HttpForbidden,
                BackupFailureKind.DeviceNotFound => HResults.HttpNotFound,
                _ => HResults.Fail,
            },
            (EntraFailureResponse, $"Microsoft Entra ID returned a failure code. HTTP status: {http?.ToString(CultureInfo.InvariantCulture) ?? "none"}. {message}")),
    };

    private static (int, (int, string)?) Ad(BackupFailureKind failure, bool legacy, string message) => failure switch
    {
        BackupFailureKind.Unreachable => (HResults.DsServerDown, (NoWritableDomainController, $"LAPS was unable to find a writable domain controller. {message}")),
        BackupFailureKind.Throttled => (HResults.DsBusy, null),
        BackupFailureKind.Refused when legacy => (HResults.AccessDenied,
            (LegacyAttributeAccessDenied, $"LAPS received an LDAP_INSUFFICIENT_RIGHTS error writing the legacy LAPS password attribute. {message}")),
        BackupFailureKind.Refused => (HResults.AccessDenied, (LdapBindFailed, $"LAPS failed to bind over LDAP to the domain controller (access denied). {message}")),
        BackupFailureKind.DeviceNotFound => (HResults.DsNoSuchObject, (AdQueryFailed, $"LAPS failed while querying Active Directory for the computer's state. {message}")),
        BackupFailureKind.SchemaMissing => (HResults.DsAttributeTypeUndefined,
            (AdSchemaMissing, $"The Active Directory schema has not been updated with the necessary LAPS attributes. {message}")),
        BackupFailureKind.EncryptionRequiresDomainFunctionalLevel2016 => (HResults.EncryptionNotSupported, (EncryptionRequiresDomainFunctionalLevel,
            "LAPS password encryption is required but the Active Directory domain is not yet at 2016 domain functional level. The password was not updated and no changes will be made until this is corrected.")),
        BackupFailureKind.EncryptionPrincipalAmbiguous => (HResults.InvalidArgument, (EncryptionPrincipalAmbiguous,
            $"The configured encryption principal is an isolated name, which is ambiguous; use a SID, DOMAIN\\name or name@domain. {message}")),
        BackupFailureKind.EncryptionPrincipalUnresolvable => (HResults.NoneMapped,
            (EncryptionPrincipalUnresolvable, $"The configured encryption principal could not be mapped to a known account. {message}")),
        _ => (HResults.Fail, null),
    };
}
