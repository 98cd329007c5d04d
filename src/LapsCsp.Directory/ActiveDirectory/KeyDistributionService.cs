using System.Security.Cryptography;

namespace LapsCsp.Directory.ActiveDirectory;

/// <summary>The emulated domain's key distribution service: one 256-bit AES key per principal SID, generated with
/// <see cref="RandomNumberGenerator"/> when the principal first appears. Stands in for the KDS root key derivation of
/// DPAPI-NG (see <see cref="EncryptedPasswordBlob"/>). Not thread-safe: the domain calls it under its lock.</summary>
internal sealed class KeyDistributionService
{
    public const int KeySize = 32;

    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.OrdinalIgnoreCase);

    public byte[] GetOrCreate(string principalSid)
    {
        if (!_keys.TryGetValue(principalSid, out var key))
        {
            key = RandomNumberGenerator.GetBytes(KeySize);
            _keys.Add(principalSid, key);
        }

        return key;
    }

    public bool TryGet(string principalSid, out byte[] key) => _keys.TryGetValue(principalSid, out key!);

    public void Import(string principalSid, byte[] key)
    {
        if (key.Length != KeySize) throw new ArgumentException($"KDS key for {principalSid} must be {KeySize} bytes.", nameof(key));
        _keys[principalSid] = (byte[])key.Clone();
    }

    public IEnumerable<(string Sid, byte[] Key)> Export() =>
        _keys.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => (k.Key, (byte[])k.Value.Clone()));
}
