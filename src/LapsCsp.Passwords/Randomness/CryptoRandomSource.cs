using System.Security.Cryptography;

namespace LapsCsp.Passwords.Randomness;

/// <summary>The source for real secrets: <see cref="RandomNumberGenerator.GetInt32(int)"/>, which rejects out-of-range
/// draws instead of reducing modulo the range, so every value is exactly equally likely. Thread-safe.</summary>
public sealed class CryptoRandomSource : IRandomSource
{
    public static CryptoRandomSource Instance { get; } = new();

    public int NextInt32(int toExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(toExclusive);
        return RandomNumberGenerator.GetInt32(toExclusive);
    }
}
