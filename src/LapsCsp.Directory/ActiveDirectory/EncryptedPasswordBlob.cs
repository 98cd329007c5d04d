using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace LapsCsp.Directory.ActiveDirectory;

/// <summary>What a reader can learn from an encrypted LAPS blob without any key.</summary>
/// <param name="EncryptionPrincipalSid">From the clear protection descriptor: who can decrypt.</param>
public sealed record EncryptedPasswordBlobInfo(DateTimeOffset PasswordUpdateTime, int EncryptedPasswordSize, string EncryptionPrincipalSid);

/// <summary>The <c>msLAPS-EncryptedPassword</c> blob: MS-ADA2 §2.66 header around an emulated DPAPI-NG payload.</summary>
/// <remarks>
/// <para>Header (16 bytes, MS-ADA2 §2.66): <c>PasswordUpdateTimestamp</c> (8 bytes, UTC FILETIME), <c>EncryptedPasswordSize</c>
/// (4 bytes little-endian), <c>Reserved</c> (4 bytes, MUST be 0), then <c>EncryptedPassword</c>.</para>
/// <para>Timestamp word order (digest Q9, open): MS-ADA2 only says "8 bytes UTC". We write the UPPER 32 bits first and then
/// the lower 32 bits, each DWORD little-endian, which is how DSInternals (LapsEncryptedPassword.cs) reads it; our reader
/// reads the same order, so what we write always reads back. A parser that takes one little-endian QWORD would see the
/// halves swapped.</para>
/// <para>EncryptedPassword: real Windows stores a CNG-DPAPI (DPAPI-NG) blob, a CMS EnvelopedData whose key is derived from
/// a KDS root key for the protection descriptor <c>SID=...</c>, content AES-256-GCM. This emulator does NOT produce DPAPI-NG:
/// it stands in with AES-256-GCM under a per-principal 256-bit key held by the emulated domain's key distribution service.
/// Layout: envelope prefix <c>version(1) = 1 | descriptorLength(2, LE) | descriptor (UTF-8 "SID=S-1-5-...")</c>, then
/// <c>nonce(12) | tag(16) | ciphertext</c>. The prefix is in clear (like DPAPI-NG's protection descriptor, it tells a reader
/// who can decrypt) and is bound as GCM associated data, so changing it breaks authentication. Plaintext: UTF-16LE of the
/// n/t/p JSON plus a terminating NUL (digest C.12).</para>
/// </remarks>
public static class EncryptedPasswordBlob
{
    public const int HeaderSize = 16;
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const byte EnvelopeVersion = 1;
    public const string DescriptorPrefix = "SID=";

    /// <summary>Reads the header and the protection descriptor. Throws <see cref="InvalidLapsBlobException"/> when malformed.</summary>
    public static EncryptedPasswordBlobInfo Inspect(ReadOnlySpan<byte> blob)
    {
        var parsed = Parse(blob);
        return new EncryptedPasswordBlobInfo(parsed.UpdateTime, blob.Length - HeaderSize, parsed.PrincipalSid);
    }

    /// <summary>Writes only the 16-byte header followed by <paramref name="encryptedPassword"/>.</summary>
    public static byte[] WithHeader(DateTimeOffset passwordUpdateTime, ReadOnlySpan<byte> encryptedPassword)
    {
        var blob = new byte[HeaderSize + encryptedPassword.Length];
        var fileTime = (ulong)FileTime.FromDateTimeOffset(passwordUpdateTime);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(0, 4), (uint)(fileTime >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4, 4), (uint)fileTime);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(8, 4), (uint)encryptedPassword.Length);
        // Bytes 12..15: Reserved, left 0.
        encryptedPassword.CopyTo(blob.AsSpan(HeaderSize));
        return blob;
    }

    internal static byte[] Protect(DateTimeOffset passwordUpdateTime, string principalSid, ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext)
    {
        var descriptor = Encoding.UTF8.GetBytes(DescriptorPrefix + principalSid);
        var prefixLength = 3 + descriptor.Length;
        var payload = new byte[prefixLength + NonceSize + TagSize + plaintext.Length];
        payload[0] = EnvelopeVersion;
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(1, 2), checked((ushort)descriptor.Length));
        descriptor.CopyTo(payload.AsSpan(3));
        var nonce = payload.AsSpan(prefixLength, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(
            nonce,
            plaintext,
            payload.AsSpan(prefixLength + NonceSize + TagSize),
            payload.AsSpan(prefixLength + NonceSize, TagSize),
            payload.AsSpan(0, prefixLength));
        return WithHeader(passwordUpdateTime, payload);
    }

    /// <summary>Decrypts with the principal's key; <see cref="InvalidLapsBlobException"/> when malformed or not authentic.</summary>
    internal static byte[] Unprotect(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> key)
    {
        var parsed = Parse(blob);
        var payload = blob[HeaderSize..];
        var plaintext = new byte[payload.Length - parsed.PrefixLength - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(
                payload.Slice(parsed.PrefixLength, NonceSize),
                payload[(parsed.PrefixLength + NonceSize + TagSize)..],
                payload.Slice(parsed.PrefixLength + NonceSize, TagSize),
                plaintext,
                payload[..parsed.PrefixLength]);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidLapsBlobException("The encrypted LAPS password failed authentication (tampered or wrong key).", ex);
        }

        return plaintext;
    }

    private static Parsed Parse(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < HeaderSize) throw new InvalidLapsBlobException($"Blob of {blob.Length} bytes is shorter than the 16-byte header.");
        var high = BinaryPrimitives.ReadUInt32LittleEndian(blob[..4]);
        var low = BinaryPrimitives.ReadUInt32LittleEndian(blob.Slice(4, 4));
        var size = BinaryPrimitives.ReadUInt32LittleEndian(blob.Slice(8, 4));
        var reserved = BinaryPrimitives.ReadUInt32LittleEndian(blob.Slice(12, 4));
        if (reserved != 0) throw new InvalidLapsBlobException("Reserved header field is not 0 (MS-ADA2 2.66: MUST be 0).");
        if (size != blob.Length - HeaderSize)
        {
            throw new InvalidLapsBlobException($"EncryptedPasswordSize {size} does not match the {blob.Length - HeaderSize} bytes present.");
        }

        var fileTime = (long)(((ulong)high << 32) | low);
        if (fileTime < 0 || fileTime > DateTime.MaxValue.ToFileTimeUtc())
        {
            throw new InvalidLapsBlobException("PasswordUpdateTimestamp is not a valid FILETIME.");
        }

        var payload = blob[HeaderSize..];
        if (payload.Length < 3 || payload[0] != EnvelopeVersion)
        {
            throw new InvalidLapsBlobException("Unknown encrypted-password envelope (not written by this emulator).");
        }

        int descriptorLength = BinaryPrimitives.ReadUInt16LittleEndian(payload.Slice(1, 2));
        var prefixLength = 3 + descriptorLength;
        if (payload.Length < prefixLength + NonceSize + TagSize)
        {
            throw new InvalidLapsBlobException("Encrypted password is truncated.");
        }

        string descriptor;
        try
        {
            descriptor = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload.Slice(3, descriptorLength));
        }
        catch (DecoderFallbackException ex)
        {
            throw new InvalidLapsBlobException("Protection descriptor is not UTF-8.", ex);
        }

        if (!descriptor.StartsWith(DescriptorPrefix, StringComparison.Ordinal) || descriptor.Length == DescriptorPrefix.Length)
        {
            throw new InvalidLapsBlobException($"Protection descriptor '{descriptor}' is not of the form SID=<sid>.");
        }

        return new Parsed(FileTime.ToDateTimeOffset(fileTime), descriptor[DescriptorPrefix.Length..], prefixLength);
    }

    private readonly record struct Parsed(DateTimeOffset UpdateTime, string PrincipalSid, int PrefixLength);
}
