namespace LapsCsp.Fleet.Runner;

/// <summary>Deterministic randomness for the simulation: a stream is a pure function of the fleet seed and a few
/// integers (device index, purpose, a counter), so that what one device draws never depends on what others did or on
/// the order in which parallel workers ran. SplitMix64 mixing; <see cref="HashCode"/> is not used because it changes
/// from process to process.</summary>
public static class SimRandom
{
    /// <summary>Purposes of streams, so that two uses of one device never share draws.</summary>
    public enum Stream
    {
        Blueprint = 1,
        Session = 2,
        Logon = 3,
        Directory = 4,
        Enrollment = 5,
    }

    public static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    public static ulong Hash(int seed, int device, Stream stream, long counter = 0) =>
        Mix(Mix(Mix(Mix((ulong)(uint)seed) ^ (ulong)(uint)device) ^ (ulong)stream) ^ (ulong)counter);

    /// <summary>A <see cref="Random"/> for one purpose of one device (and one occasion, by <paramref name="counter"/>).</summary>
    public static Random For(int seed, int device, Stream stream, long counter = 0) =>
        new((int)(Hash(seed, device, stream, counter) & 0x7FFFFFFF));

    /// <summary>A uniform draw in [0, 1) without allocating a <see cref="Random"/>.</summary>
    public static double Unit(int seed, int device, Stream stream, long counter) =>
        (Hash(seed, device, stream, counter) >> 11) * (1.0 / (1UL << 53));
}
