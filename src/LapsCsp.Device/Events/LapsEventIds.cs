using System.Collections.Frozen;
using System.Globalization;
using LapsCsp.Device.Laps;

namespace LapsCsp.Device.Events;

/// <summary>The event ids of the <c>Microsoft-Windows-LAPS/Operational</c> channel the simulated device writes (digest
/// C.5), with their levels and message texts. The texts follow the Windows messages quoted in the LAPS event-log and
/// troubleshooting docs where those are public, and paraphrase the meaning otherwise; none ever carries a password.</summary>
public static class LapsEventIds
{
    public const int PolicyProcessingStarting = 10003;
    public const int PolicyProcessingSucceeded = 10004;
    public const int PolicyProcessingFailed = 10005;
    public const int EncryptionRequiresDomainFunctionalLevel = 10006;
    public const int NotConfigured = 10007;
    public const int AdQueryFailed = 10011;
    public const int AdSchemaMissing = 10012;
    public const int ManagedAccountNotFound = 10013;
    public const int AdministratorRequestedReset = 10014;
    public const int PasswordUpdateNeeded = 10015;
    public const int AdUpdateFailed = 10017;
    public const int AdUpdated = 10018;
    public const int LocalPasswordUpdateFailed = 10019;
    public const int LocalAccountUpdated = 10020;
    public const int PolicyDumpActiveDirectory = 10021;
    public const int PolicyDumpEntraId = 10022;
    public const int PolicyDumpLegacy = 10023;
    public const int EntraDiscoveryFailed = 10025;
    public const int EntraDeviceAuthenticationUnavailable = 10026;
    public const int PasswordNotAcceptable = 10027;
    public const int EntraUpdateFailed = 10028;
    public const int EntraUpdated = 10029;
    public const int PasswordChangeBlocked = 10031;
    public const int EntraDeviceAuthenticationFailed = 10032;
    public const int EncryptionPrincipalAmbiguous = 10034;
    public const int EncryptionPrincipalUnresolvable = 10035;
    public const int PostAuthenticationScheduled = 10041;
    public const int PostAuthenticationGraceExpired = 10042;
    public const int PostAuthenticationResetFailed = 10043;
    public const int PostAuthenticationCompleted = 10044;
    public const int PostAuthenticationRetriesExhausted = 10048;
    public const int PostAuthenticationRebootFailed = 10049;
    public const int NoWritableDomainController = 10056;
    public const int LdapBindFailed = 10057;
    public const int EntraFailureResponse = 10059;
    public const int LegacyAttributeAccessDenied = 10065;
    public const int AccountModificationBlocked = 10101;
    public const int AccountSecurityDescriptorChangeBlocked = 10102;
    public const int AccountDeletionBlocked = 10103;
    public const int AccountRemovalFromAdministratorsBlocked = 10104;

    private static readonly FrozenDictionary<int, LapsEventLevel> s_levels = new Dictionary<int, LapsEventLevel>
    {
        [PolicyProcessingStarting] = LapsEventLevel.Information,
        [PolicyProcessingSucceeded] = LapsEventLevel.Information,
        [PolicyProcessingFailed] = LapsEventLevel.Error,
        [EncryptionRequiresDomainFunctionalLevel] = LapsEventLevel.Error,
        [NotConfigured] = LapsEventLevel.Information,
        [AdQueryFailed] = LapsEventLevel.Error,
        [AdSchemaMissing] = LapsEventLevel.Error,
        [ManagedAccountNotFound] = LapsEventLevel.Error,
        [AdministratorRequestedReset] = LapsEventLevel.Information,
        [PasswordUpdateNeeded] = LapsEventLevel.Information,
        [AdUpdateFailed] = LapsEventLevel.Error,
        [AdUpdated] = LapsEventLevel.Information,
        [LocalPasswordUpdateFailed] = LapsEventLevel.Error,
        [LocalAccountUpdated] = LapsEventLevel.Information,
        [PolicyDumpActiveDirectory] = LapsEventLevel.Information,
        [PolicyDumpEntraId] = LapsEventLevel.Information,
        [PolicyDumpLegacy] = LapsEventLevel.Information,
        [EntraDiscoveryFailed] = LapsEventLevel.Error,
        [EntraDeviceAuthenticationUnavailable] = LapsEventLevel.Error,
        [PasswordNotAcceptable] = LapsEventLevel.Error,
        [EntraUpdateFailed] = LapsEventLevel.Error,
        [EntraUpdated] = LapsEventLevel.Information,
        [PasswordChangeBlocked] = LapsEventLevel.Warning,
        [EntraDeviceAuthenticationFailed] = LapsEventLevel.Error,
        [EncryptionPrincipalAmbiguous] = LapsEventLevel.Error,
        [EncryptionPrincipalUnresolvable] = LapsEventLevel.Error,
        [PostAuthenticationScheduled] = LapsEventLevel.Information,
        [PostAuthenticationGraceExpired] = LapsEventLevel.Information,
        [PostAuthenticationResetFailed] = LapsEventLevel.Error,
        [PostAuthenticationCompleted] = LapsEventLevel.Information,
        [PostAuthenticationRetriesExhausted] = LapsEventLevel.Error,
        [PostAuthenticationRebootFailed] = LapsEventLevel.Error,
        [NoWritableDomainController] = LapsEventLevel.Error,
        [LdapBindFailed] = LapsEventLevel.Error,
        [EntraFailureResponse] = LapsEventLevel.Error,
        [LegacyAttributeAccessDenied] = LapsEventLevel.Error,
        [AccountModificationBlocked] = LapsEventLevel.Warning,
        [AccountSecurityDescriptorChangeBlocked] = LapsEventLevel.Warning,
        [AccountDeletionBlocked] = LapsEventLevel.Warning,
        [AccountRemovalFromAdministratorsBlocked] = LapsEventLevel.Warning,
    }.ToFrozenDictionary();

    /// <summary>Every id the device writes.</summary>
    public static IEnumerable<int> All => s_levels.Keys.Order();

    public static LapsEventLevel LevelOf(int id) => s_levels.GetValueOrDefault(id, LapsEventLevel.Information);

    internal static string Hex(int hresult) => HResults.ToHex(hresult);

    internal static string Time(DateTimeOffset time) => time.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    internal static string Rid(int rid) => "0x" + rid.ToString("X", CultureInfo.InvariantCulture);
}
