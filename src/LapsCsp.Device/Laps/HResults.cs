using System.Collections.Frozen;
using System.Globalization;

namespace LapsCsp.Device.Laps;

/// <summary>HRESULTs the LAPS CSP reports in Actions/ResetPasswordStatus (and event 10005), as signed 32-bit integers (the
/// node's format is int).</summary>
/// <remarks>The CSP document prints E_PENDING as 0x8000000; the real value is 0x8000000A (digest C.6, D6). Microsoft does
/// not document which HRESULT each LAPS failure gives; the values below are the Windows codes for the same condition:
/// Win32 errors as HRESULT_FROM_WIN32 (0x8007xxxx), LDAP failures as ADSI maps them (ADSI "Win32 Error Codes" table),
/// Entra HTTP failures as HTTP_E_STATUS_* (0x801901xx + status), the unreachable Entra endpoint as WinINet's
/// ERROR_INTERNET_NAME_NOT_RESOLVED. The table is in /work/notes/issue4-readme.md.</remarks>
public static class HResults
{
    public const int SOk = 0;

    /// <summary>0x8000000A E_PENDING: the reset is still running.</summary>
    public const int EPending = unchecked((int)0x8000000A);

    /// <summary>0x80004005 E_FAIL: an unexpected failure (a bug in a directory emulator, for instance).</summary>
    public const int Fail = unchecked((int)0x80004005);

    /// <summary>0x80070525 HRESULT_FROM_WIN32(ERROR_NO_SUCH_USER): the managed account does not exist (event 10013).</summary>
    public const int NoSuchUser = unchecked((int)0x80070525);

    /// <summary>0x80072EE7 HRESULT_FROM_WIN32(ERROR_INTERNET_NAME_NOT_RESOLVED): Entra ID could not be reached (10025).</summary>
    public const int DirectoryUnreachable = unchecked((int)0x80072EE7);

    /// <summary>0x80070005 E_ACCESSDENIED: AD refused the write (LDAP_INSUFFICIENT_RIGHTS per ADSI; 10057/10065).</summary>
    public const int AccessDenied = unchecked((int)0x80070005);

    /// <summary>0x80070032 HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED): LAPS is disabled (BackupDirectory 0) or the backup
    /// directory is not supported by the device's join type (Entra backup on a workplace-joined device).</summary>
    public const int NotSupported = unchecked((int)0x80070032);

    /// <summary>0x800705B4 HRESULT_FROM_WIN32(ERROR_TIMEOUT): every attempt timed out.</summary>
    public const int Timeout = unchecked((int)0x800705B4);

    /// <summary>0x8007054B HRESULT_FROM_WIN32(ERROR_NO_SUCH_DOMAIN): AD backup on a device that is not domain-joined.</summary>
    public const int NoSuchDomain = unchecked((int)0x8007054B);

    /// <summary>0x8007203A HRESULT_FROM_WIN32(ERROR_DS_SERVER_DOWN) "The server is not operational": no domain controller
    /// answered (10056).</summary>
    public const int DsServerDown = unchecked((int)0x8007203A);

    /// <summary>0x8007200E HRESULT_FROM_WIN32(ERROR_DS_BUSY): AD asked the device to slow down.</summary>
    public const int DsBusy = unchecked((int)0x8007200E);

    /// <summary>0x80072030 HRESULT_FROM_WIN32(ERROR_DS_NO_SUCH_OBJECT): no computer object for the device (10011).</summary>
    public const int DsNoSuchObject = unchecked((int)0x80072030);

    /// <summary>0x8007200C HRESULT_FROM_WIN32(ERROR_DS_ATTRIBUTE_TYPE_UNDEFINED): the schema lacks the msLAPS-* attributes (10012).</summary>
    public const int DsAttributeTypeUndefined = unchecked((int)0x8007200C);

    /// <summary>0x80090029 NTE_NOT_SUPPORTED: encryption needs domain functional level 2016 (10006).</summary>
    public const int EncryptionNotSupported = unchecked((int)0x80090029);

    /// <summary>0x80070057 E_INVALIDARG: the encryption principal is an ambiguous isolated name (10034).</summary>
    public const int InvalidArgument = unchecked((int)0x80070057);

    /// <summary>0x80070534 HRESULT_FROM_WIN32(ERROR_NONE_MAPPED): the encryption principal does not resolve (10035).</summary>
    public const int NoneMapped = unchecked((int)0x80070534);

    /// <summary>0x80190191 HTTP_E_STATUS_DENIED (HTTP 401): Entra refused the device's identity (10032).</summary>
    public const int HttpDenied = unchecked((int)0x80190191);

    /// <summary>0x80190193 HTTP_E_STATUS_FORBIDDEN (HTTP 403): LAPS is not enabled in the tenant (10059).</summary>
    public const int HttpForbidden = unchecked((int)0x80190193);

    /// <summary>0x80190194 HTTP_E_STATUS_NOT_FOUND (HTTP 404): the device is not in the tenant (10059).</summary>
    public const int HttpNotFound = unchecked((int)0x80190194);

    /// <summary>0x801901AD: HTTP 429 in the HTTP_E_STATUS_* scheme (0x80190000 + status): Entra throttled the device.</summary>
    public const int HttpTooManyRequests = unchecked((int)0x801901AD);

    /// <summary>0x800708C5 HRESULT_FROM_WIN32(NERR_PasswordTooShort): the local password policy refuses the password the
    /// LAPS policy asks for (10027).</summary>
    public const int PasswordDoesNotMeetPolicy = unchecked((int)0x800708C5);

    /// <summary>0x800721CE HRESULT_FROM_WIN32(ERROR_POLICY_CONTROLLED_ACCOUNT): the change was blocked because LAPS manages
    /// the account (digest C.5).</summary>
    public const int PolicyControlledAccount = unchecked((int)0x800721CE);

    private static readonly FrozenDictionary<int, string> s_names = new Dictionary<int, string>
    {
        [SOk] = "S_OK",
        [EPending] = "E_PENDING",
        [Fail] = "E_FAIL",
        [NoSuchUser] = "ERROR_NO_SUCH_USER",
        [DirectoryUnreachable] = "ERROR_INTERNET_NAME_NOT_RESOLVED",
        [AccessDenied] = "E_ACCESSDENIED",
        [NotSupported] = "ERROR_NOT_SUPPORTED",
        [Timeout] = "ERROR_TIMEOUT",
        [NoSuchDomain] = "ERROR_NO_SUCH_DOMAIN",
        [DsServerDown] = "ERROR_DS_SERVER_DOWN",
        [DsBusy] = "ERROR_DS_BUSY",
        [DsNoSuchObject] = "ERROR_DS_NO_SUCH_OBJECT",
        [DsAttributeTypeUndefined] = "ERROR_DS_ATTRIBUTE_TYPE_UNDEFINED",
        [EncryptionNotSupported] = "NTE_NOT_SUPPORTED",
        [InvalidArgument] = "E_INVALIDARG",
        [NoneMapped] = "ERROR_NONE_MAPPED",
        [HttpDenied] = "HTTP_E_STATUS_DENIED",
        [HttpForbidden] = "HTTP_E_STATUS_FORBIDDEN",
        [HttpNotFound] = "HTTP_E_STATUS_NOT_FOUND",
        [HttpTooManyRequests] = "HTTP 429",
        [PasswordDoesNotMeetPolicy] = "NERR_PasswordTooShort",
        [PolicyControlledAccount] = "ERROR_POLICY_CONTROLLED_ACCOUNT",
    }.ToFrozenDictionary();

    public static string ToHex(int hresult) => "0x" + unchecked((uint)hresult).ToString("X8", CultureInfo.InvariantCulture);

    /// <summary>The symbolic name of a code this device reports, e.g. ERROR_NO_SUCH_USER; the hex value for others.</summary>
    public static string NameOf(int hresult) => s_names.TryGetValue(hresult, out var name) ? name : ToHex(hresult);
}
