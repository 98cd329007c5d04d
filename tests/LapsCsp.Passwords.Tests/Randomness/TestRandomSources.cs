using LapsCsp.Passwords.Randomness;

namespace LapsCsp.Passwords.Tests.Randomness;

/// <summary>Returns the given values in order (then repeats), checking each fits the requested range.</summary>
internal sealed class ScriptedRandomSource(params int[] values) : IRandomSource
{
    private int _next;

    public int NextInt32(int toExclusive)
    {
        var value = values[_next++ % values.Length];
        if (value >= toExclusive) throw new InvalidOperationException($"scripted {value} is not below {toExclusive}");
        return value;
    }
}

/// <summary>A broken source: always 0.</summary>
internal sealed class AlwaysZeroRandomSource : IRandomSource
{
    public int NextInt32(int toExclusive) => 0;
}

/// <summary>A classic bug: one random byte reduced modulo the range, so the first 256 mod n values are favoured
/// (for n = 80, the first 16 characters come out a third more often than the rest).</summary>
internal sealed class ByteModuloRandomSource(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    public int NextInt32(int toExclusive) => _random.Next(256) % toExclusive;
}

/// <summary>Another classic bug: one random byte scaled to the range, so a list longer than 256 has unreachable words.</summary>
internal sealed class ByteScaledRandomSource(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    public int NextInt32(int toExclusive) => _random.Next(256) * toExclusive / 256;
}
