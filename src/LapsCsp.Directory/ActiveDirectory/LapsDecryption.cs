using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LapsCsp.Directory.ActiveDirectory;

/// <summary>A decrypted <c>msLAPS-EncryptedPassword</c> (or history entry).</summary>
/// <param name="HistoryIndex">-1 for the current password, else the index in <c>msLAPS-EncryptedPasswordHistory</c>.</param>
public sealed record DecryptedLapsPassword(
    string AccountName,
    string Password,
    DateTimeOffset UpdateTime,
    string EncryptionPrincipalSid,
    int HistoryIndex)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("AccountName = ").Append(AccountName)
            .Append(", Password = ***, UpdateTime = ").Append(UpdateTime.ToString("O", CultureInfo.InvariantCulture))
            .Append(", EncryptionPrincipalSid = ").Append(EncryptionPrincipalSid)
            .Append(", HistoryIndex = ").Append(HistoryIndex);
        return true;
    }
}

/// <summary>The caller is neither the encryption principal nor a member of it, so the key distribution service will not
/// release the key (DPAPI-NG answers access denied there).</summary>
public sealed class LapsDecryptionDeniedException : UnauthorizedAccessException
{
    public LapsDecryptionDeniedException(string caller, string encryptionPrincipalSid)
        : base($"'{caller}' is not authorised to decrypt a LAPS password protected to {encryptionPrincipalSid}.")
    {
        Caller = caller;
        EncryptionPrincipalSid = encryptionPrincipalSid;
    }

    public string Caller { get; }

    public string EncryptionPrincipalSid { get; }
}

/// <summary>An encrypted LAPS blob that is malformed or fails authentication (tampered, truncated, wrong key).</summary>
public sealed class InvalidLapsBlobException : CryptographicException
{
    public InvalidLapsBlobException(string message)
        : base(message)
    {
    }

    public InvalidLapsBlobException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
