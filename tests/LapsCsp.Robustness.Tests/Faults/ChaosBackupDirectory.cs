using LapsCsp.Directory.Backup;
using Polly;
using Polly.Simmy;
using Polly.Simmy.Fault;
using Polly.Simmy.Latency;
using Polly.Simmy.Outcomes;
using Polly.Timeout;

namespace LapsCsp.Robustness.Tests.Faults;

/// <summary>What a chaos run injects, how often, and when the directory is down altogether. Every draw comes from one
/// seeded <see cref="Random"/>, so a seed replays the same faults.</summary>
internal sealed class ChaosPlan
{
    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly List<(DateTimeOffset From, DateTimeOffset To)> _outages = [];

    public ChaosPlan(int seed, DateTimeOffset start, TimeSpan length)
    {
        _random = new Random(seed);
        // Two to four outages of 2 to 60 hours somewhere in the run (a directory down for days, DNS broken, ...).
        for (var i = Next(2, 5); i > 0; i--)
        {
            var from = start + TimeSpan.FromHours(Next(0, (int)length.TotalHours));
            _outages.Add((from, from + TimeSpan.FromHours(Next(2, 61))));
        }
    }

    public double FaultRate { get; init; } = 0.05;

    public double FailureRate { get; init; } = 0.15;

    public double LatencyRate { get; init; } = 0.10;

    /// <summary>The directory stored the password but its answer never reached the device.</summary>
    public double LostAcknowledgementRate { get; init; } = 0.01;

    public IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> Outages => _outages;

    public ChaosCounters Counters { get; } = new();

    public bool InOutage(DateTimeOffset now) => _outages.Any(o => now >= o.From && now < o.To);

    public double NextDouble()
    {
        lock (_gate) return _random.NextDouble();
    }

    public int Next(int min, int max)
    {
        lock (_gate) return _random.Next(min, max);
    }

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(0, items.Count)];
}

/// <summary>How many faults of each kind a run injected (the figures the README reports).</summary>
internal sealed class ChaosCounters
{
    private int _outageFailures;
    private int _exceptions;
    private int _failures;
    private int _latencies;
    private int _lostAcknowledgements;

    public int OutageFailures => _outageFailures;

    public int Exceptions => _exceptions;

    public int Failures => _failures;

    public int Latencies => _latencies;

    public int LostAcknowledgements => _lostAcknowledgements;

    public int Total => _outageFailures + _exceptions + _failures + _latencies + _lostAcknowledgements;

    public void Outage() => Interlocked.Increment(ref _outageFailures);

    public void Exception() => Interlocked.Increment(ref _exceptions);

    public void Failure() => Interlocked.Increment(ref _failures);

    public void Latency() => Interlocked.Increment(ref _latencies);

    public void LostAcknowledgement() => Interlocked.Increment(ref _lostAcknowledgements);

    public void Add(ChaosCounters other)
    {
        _outageFailures += other.OutageFailures;
        _exceptions += other.Exceptions;
        _failures += other.Failures;
        _latencies += other.Latencies;
        _lostAcknowledgements += other.LostAcknowledgements;
    }

    public override string ToString() =>
        $"{Total} faults: {OutageFailures} in outages, {Failures} failure outcomes, {Exceptions} exceptions, {Latencies} latencies, {LostAcknowledgements} lost acknowledgements";
}

/// <summary>A backup directory behind Polly's chaos strategies (Polly.Simmy) on the simulated clock: outages (every backup
/// fails while one lasts), thrown exceptions (timeouts, resets, throttling, emulator bugs), failure outcomes (unreachable, throttled, refused),
/// latency and, after the inner directory stored the password, a lost answer.</summary>
internal sealed class ChaosBackupDirectory : IBackupDirectory
{
    private readonly IBackupDirectory _inner;
    private readonly ChaosPlan _plan;
    private readonly ResiliencePipeline<BackupOutcome> _chaos;
    private readonly bool _loseAcknowledgements;

    public ChaosBackupDirectory(IBackupDirectory inner, ChaosPlan plan, TimeProvider clock, bool loseAcknowledgements)
    {
        _inner = inner;
        _plan = plan;
        _loseAcknowledgements = loseAcknowledgements;
        var kind = inner.Kind;
        var counters = plan.Counters;
        _chaos = new ResiliencePipelineBuilder<BackupOutcome> { TimeProvider = clock }
            .AddChaosOutcome(new ChaosOutcomeStrategyOptions<BackupOutcome>
            {
                InjectionRate = 1,
                Randomizer = plan.NextDouble,
                EnabledGenerator = _ => ValueTask.FromResult(plan.InOutage(clock.GetUtcNow())),
                OutcomeGenerator = _ => ValueTask.FromResult<Outcome<BackupOutcome>?>(
                    Outcome.FromResult(BackupOutcome.Failed(kind, BackupFailureKind.Unreachable, "chaos: the directory is down"))),
                OnOutcomeInjected = _ =>
                {
                    counters.Outage();
                    return ValueTask.CompletedTask;
                },
            })
            .AddChaosFault(new ChaosFaultStrategyOptions
            {
                InjectionRate = plan.FaultRate,
                Randomizer = plan.NextDouble,
                FaultGenerator = _ => ValueTask.FromResult<Exception?>(plan.Next(0, 5) switch
                {
                    0 => new TimeoutException("chaos: the directory did not answer"),
                    1 => new HttpRequestException("chaos: the connection was reset"),
                    2 => new DirectoryUnavailableException(BackupOutcome.Failed(kind, BackupFailureKind.Throttled, "chaos: throttled")),
                    // What the device's own attempt timeout throws, without waiting for it (see LatencyGenerator).
                    3 => new TimeoutRejectedException("chaos: the attempt timed out"),
                    _ => new InvalidOperationException("chaos: the directory emulator failed"),
                }),
                OnFaultInjected = _ =>
                {
                    counters.Exception();
                    return ValueTask.CompletedTask;
                },
            })
            .AddChaosOutcome(new ChaosOutcomeStrategyOptions<BackupOutcome>
            {
                InjectionRate = plan.FailureRate,
                Randomizer = plan.NextDouble,
                OutcomeGenerator = _ => ValueTask.FromResult<Outcome<BackupOutcome>?>(Outcome.FromResult(plan.Next(0, 10) switch
                {
                    < 6 => BackupOutcome.Failed(kind, BackupFailureKind.Unreachable, "chaos: unreachable"),
                    < 9 => BackupOutcome.Failed(kind, BackupFailureKind.Throttled, "chaos: throttled"),
                    _ => BackupOutcome.Failed(kind, BackupFailureKind.Refused, "chaos: refused"),
                })),
                OnOutcomeInjected = _ =>
                {
                    counters.Failure();
                    return ValueTask.CompletedTask;
                },
            })
            .AddChaosLatency(new ChaosLatencyStrategyOptions
            {
                InjectionRate = plan.LatencyRate,
                Randomizer = plan.NextDouble,
                // Up to 29 s, under the device's 30 s attempt timeout. A longer latency would be cut by that timeout, whose
                // CancellationTokenSource (created with the FakeTimeProvider) cancels on a thread-pool thread after
                // Advance returns: the simulation would then race real threads. Timeouts are injected as faults instead.
                LatencyGenerator = _ => ValueTask.FromResult(TimeSpan.FromSeconds(plan.Next(1, 30))),
                OnLatencyInjected = _ =>
                {
                    counters.Latency();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public DirectoryKind Kind => _inner.Kind;

    public async Task<BackupOutcome> BackupAsync(PasswordBackup backup, CancellationToken ct) =>
        await _chaos.ExecuteAsync(async token =>
        {
            var outcome = await _inner.BackupAsync(backup, token).ConfigureAwait(false);
            if (_loseAcknowledgements && outcome.Succeeded && _plan.NextDouble() < _plan.LostAcknowledgementRate)
            {
                _plan.Counters.LostAcknowledgement();
                return BackupOutcome.Failed(Kind, BackupFailureKind.Unreachable, "chaos: the directory stored the password but its answer was lost");
            }

            return outcome;
        }, ct).ConfigureAwait(false);
}
