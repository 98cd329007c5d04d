namespace LapsCsp.Passwords.Randomness;

/// <summary>Uniform integers for the password generator. Real passwords use <see cref="CryptoRandomSource"/>;
/// simulations that must replay use <see cref="SeededRandomSource"/>.</summary>
public interface IRandomSource
{
    /// <summary>A uniformly distributed integer in [0, <paramref name="toExclusive"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="toExclusive"/> is zero or negative.</exception>
    int NextInt32(int toExclusive);
}
