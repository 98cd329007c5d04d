namespace LapsCsp.Directory.Backup;

/// <summary>A fault to inject into every backup a directory receives, for tests and demos.</summary>
public abstract record FaultMode
{
    private FaultMode()
    {
    }

    /// <summary>No fault: backups behave normally.</summary>
    public static FaultMode None { get; } = new NoFault();

    /// <summary>Every backup fails with <paramref name="Kind"/>.</summary>
    public sealed record Fail(BackupFailureKind Kind) : FaultMode;

    /// <summary>The next <paramref name="Count"/> backups fail with <paramref name="Kind"/>, then the mode returns to None.</summary>
    public sealed record FailNext(int Count, BackupFailureKind Kind = BackupFailureKind.Unreachable) : FaultMode;

    /// <summary>Every backup waits <paramref name="Delay"/> on the directory's TimeProvider, then proceeds normally.</summary>
    public sealed record Slow(TimeSpan Delay) : FaultMode;

    /// <summary>The directory cannot be reached (network, DNS, timeout): every backup fails transiently.</summary>
    public sealed record Unreachable : FaultMode;

    /// <summary>Each backup fails with <paramref name="Kind"/> with probability <paramref name="Probability"/>, drawn from
    /// <paramref name="Random"/> (seed it: the sequence of failures is then reproducible).</summary>
    public sealed record FailureRate(double Probability, Random Random, BackupFailureKind Kind = BackupFailureKind.Unreachable)
        : FaultMode;

    public sealed record NoFault : FaultMode;
}

/// <summary>The fault currently injected into one directory. Thread-safe; may be changed while backups run.</summary>
public sealed class DirectoryFaults
{
    private readonly Lock _lock = new();
    private FaultMode _mode = FaultMode.None;
    private int _remaining;

    /// <summary>The mode in force. For <see cref="FaultMode.FailNext"/> the count is what is left.</summary>
    public FaultMode Mode
    {
        get
        {
            lock (_lock)
            {
                return _mode is FaultMode.FailNext next ? next with { Count = _remaining } : _mode;
            }
        }
    }

    public void Set(FaultMode mode)
    {
        ArgumentNullException.ThrowIfNull(mode);
        switch (mode)
        {
            case FaultMode.FailNext { Count: < 0 }:
                throw new ArgumentOutOfRangeException(nameof(mode), "FailNext count must not be negative.");
            case FaultMode.Slow { Delay: var d } when d < TimeSpan.Zero:
                throw new ArgumentOutOfRangeException(nameof(mode), "Slow delay must not be negative.");
            case FaultMode.FailureRate { Probability: < 0 or > 1 or double.NaN }:
                throw new ArgumentOutOfRangeException(nameof(mode), "FailureRate probability must be within [0, 1].");
            default:
                break;
        }

        lock (_lock)
        {
            _mode = mode is FaultMode.FailNext { Count: 0 } ? FaultMode.None : mode;
            _remaining = mode is FaultMode.FailNext n ? n.Count : 0;
        }
    }

    public void None() => Set(FaultMode.None);

    public void Fail(BackupFailureKind kind) => Set(new FaultMode.Fail(kind));

    public void FailNext(int count, BackupFailureKind kind = BackupFailureKind.Unreachable) => Set(new FaultMode.FailNext(count, kind));

    public void Slow(TimeSpan delay) => Set(new FaultMode.Slow(delay));

    public void Unreachable() => Set(new FaultMode.Unreachable());

    public void FailureRate(double probability, Random random, BackupFailureKind kind = BackupFailureKind.Unreachable) =>
        Set(new FaultMode.FailureRate(probability, random, kind));

    /// <summary>Applies the current mode to one backup: waits when slow, and returns the failure to report, or <c>null</c>
    /// to let the backup proceed. Directories call this first, before looking at their own state.</summary>
    public async Task<BackupFailureKind?> InjectAsync(TimeProvider timeProvider, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        TimeSpan delay;
        lock (_lock)
        {
            switch (_mode)
            {
                case FaultMode.Fail f:
                    return f.Kind;
                case FaultMode.Unreachable:
                    return BackupFailureKind.Unreachable;
                case FaultMode.FailNext n:
                    if (--_remaining <= 0) _mode = FaultMode.None;
                    return n.Kind;
                case FaultMode.FailureRate r:
                    // Random is not thread-safe: drawing under the lock also keeps a seeded sequence reproducible.
                    return r.Random.NextDouble() < r.Probability ? r.Kind : null;
                case FaultMode.Slow s:
                    delay = s.Delay;
                    break;
                default:
                    return null;
            }
        }

        await Task.Delay(delay, timeProvider, ct).ConfigureAwait(false);
        return null;
    }
}
