using System.Security.Cryptography;
using System.Text;

namespace LapsCsp.Enrollment.Security;

/// <summary>The OMA-DM <c>syncml:auth-md5</c> credential (OMA-DM Protocol 1.2 §9.4.2 / Security; digest 2.2 item 3):
/// <c>Data = B64(MD5(B64(MD5(name ":" secret)) ":" nonce))</c>, the nonce taken as raw bytes (the base64-decoded
/// NextNonce of the Chal, or AAUTHDATA of the provisioning document).</summary>
/// <remarks>Known answer: name <c>Bruce2</c>, secret <c>OhBehave</c>, nonce <c>Nonce</c> gives
/// <c>Zz6EivR3yeaaENcRN6lpAQ==</c> (the OMA-DM Protocol worked example, quoted in OMA DM documentation transcriptions
/// and used as a test vector by buteo-syncml). MD5 is what the protocol mandates here, not a choice of ours.</remarks>
public static class OmaDigest
{
    /// <summary>The Cred Meta Type of this scheme.</summary>
    public const string AuthType = "syncml:auth-md5";

    /// <summary>The Cred Meta Format (MUST be b64 with auth-md5).</summary>
    public const string Format = "b64";

    public static string Compute(string name, string secret, ReadOnlySpan<byte> nonce)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(secret);
#pragma warning disable CA5351 // MD5 is mandated by OMA-DM syncml:auth-md5
        byte[] inner = MD5.HashData(Encoding.UTF8.GetBytes(name + ":" + secret));
        byte[] innerB64 = Encoding.ASCII.GetBytes(Convert.ToBase64String(inner));
        byte[] outerInput = new byte[innerB64.Length + 1 + nonce.Length];
        innerB64.CopyTo(outerInput, 0);
        outerInput[innerB64.Length] = (byte)':';
        nonce.CopyTo(outerInput.AsSpan(innerB64.Length + 1));
        return Convert.ToBase64String(MD5.HashData(outerInput));
#pragma warning restore CA5351
    }

    /// <summary>Checks a received Cred Data in constant time.</summary>
    public static bool Verify(string name, string secret, ReadOnlySpan<byte> nonce, string credData)
    {
        ArgumentNullException.ThrowIfNull(credData);
        byte[] expected = Encoding.ASCII.GetBytes(Compute(name, secret, nonce));
        byte[] actual = Encoding.ASCII.GetBytes(credData.Trim());
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    /// <summary>The nonce bytes of a base64 NextNonce / AAUTHDATA. Servers that send a non-base64 word (the PoC and
    /// Fleet provision <c>nonce</c>, e08) get its UTF-8 bytes instead.</summary>
    public static byte[] NonceBytes(string encodedNonce)
    {
        ArgumentNullException.ThrowIfNull(encodedNonce);
        var buffer = new byte[encodedNonce.Length];
        return Convert.TryFromBase64String(encodedNonce.Trim(), buffer, out int written) && written > 0
            ? buffer[..written]
            : Encoding.UTF8.GetBytes(encodedNonce);
    }

    /// <summary>A fresh nonce: 16 random bytes, base64 (what a Chal NextNonce or AAUTHDATA carries).</summary>
    public static string NewNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
}
