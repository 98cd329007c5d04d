namespace LapsCsp.Passwords.Randomness;

/// <summary>A replayable source for simulations: wraps <c>new System.Random(seed)</c>, so the same seed gives the same
/// sequence on the same .NET runtime. Not for real secrets (predictable) and not thread-safe (one per simulated device).</summary>
public sealed class SeededRandomSource(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    public int NextInt32(int toExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(toExclusive);
#pragma warning disable CA5394 // Deliberately not cryptographic: seeded for deterministic simulations.
        return _random.Next(toExclusive);
#pragma warning restore CA5394
    }
}
