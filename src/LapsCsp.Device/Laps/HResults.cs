using System.Globalization;

namespace LapsCsp.Device.Laps;

/// <summary>HRESULTs the LAPS CSP reports in Actions/ResetPasswordStatus, as signed 32-bit integers (the node's format is int).</summary>
/// <remarks>The CSP document prints E_PENDING as 0x8000000; the real value is 0x8000000A (digest C.6, D6).</remarks>
public static class HResults
{
    public const int SOk = 0;

    /// <summary>0x8000000A E_PENDING: the reset is still running.</summary>
    public const int EPending = unchecked((int)0x8000000A);

    /// <summary>0x80070525 HRESULT_FROM_WIN32(ERROR_NO_SUCH_USER): the managed account does not exist.</summary>
    public const int NoSuchUser = unchecked((int)0x80070525);

    /// <summary>0x80072EE7 HRESULT_FROM_WIN32(ERROR_INTERNET_NAME_NOT_RESOLVED): the directory could not be reached.</summary>
    public const int DirectoryUnreachable = unchecked((int)0x80072EE7);

    /// <summary>0x80070005 E_ACCESSDENIED: the directory refused the update.</summary>
    public const int AccessDenied = unchecked((int)0x80070005);

    /// <summary>0x80070032 HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED): LAPS is disabled (tenant switch off, or BackupDirectory=0).</summary>
    public const int NotSupported = unchecked((int)0x80070032);

    /// <summary>0x800705B4 HRESULT_FROM_WIN32(ERROR_TIMEOUT).</summary>
    public const int Timeout = unchecked((int)0x800705B4);

    public static string ToHex(int hresult) => "0x" + unchecked((uint)hresult).ToString("X8", CultureInfo.InvariantCulture);
}
