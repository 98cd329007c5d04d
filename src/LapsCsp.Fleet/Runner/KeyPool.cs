using System.Security.Cryptography;

namespace LapsCsp.Fleet.Runner;

/// <summary>Hands out RSA keys from a small pool of pre-generated ones: generating a 2048-bit key costs tens of
/// milliseconds, which a fleet of thousands of simulated devices cannot pay per device. Every key handed out is a new
/// <see cref="RSA"/> object (the caller disposes it) holding one of the pooled key pairs. Simulation only: devices that
/// share a key pair are distinguishable by their certificates, not by their keys.</summary>
public sealed class KeyPool
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, List<RSAParameters>> _keys = [];
    private readonly int _size;
    private int _next;

    public KeyPool(int size = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _size = size;
    }

    /// <summary>Shared by every fleet in the process.</summary>
    public static KeyPool Shared { get; } = new();

    /// <summary>An <c>EnrollmentClientOptions.KeyFactory</c>.</summary>
    public RSA Create(int keySize)
    {
        RSAParameters parameters;
        lock (_gate)
        {
            if (!_keys.TryGetValue(keySize, out var list)) _keys[keySize] = list = [];
            var index = _next++ % _size;
            if (index >= list.Count)
            {
                using var fresh = RSA.Create(keySize);
                list.Add(fresh.ExportParameters(includePrivateParameters: true));
            }

            parameters = list[index % list.Count];
        }

        var rsa = RSA.Create();
        rsa.ImportParameters(parameters);
        return rsa;
    }
}
