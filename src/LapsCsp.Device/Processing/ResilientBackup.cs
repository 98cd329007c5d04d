using System.Globalization;
using LapsCsp.Directory.Backup;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace LapsCsp.Device.Processing;

/// <summary>How a resilient backup ended, beyond the directory's own outcome.</summary>
public enum BackupVerdict
{
    /// <summary>The directory answered (success or a failure it reported); see the outcome.</summary>
    Answered,

    /// <summary>The last attempt exceeded <see cref="LapsBackupResilienceOptions.AttemptTimeout"/>.</summary>
    TimedOut,

    /// <summary>The circuit breaker is open: the directory was not called.</summary>
    CircuitOpen,

    /// <summary>The directory threw (a bug, never a modelled failure).</summary>
    Faulted,

    /// <summary>The device shut down while the backup ran.</summary>
    Cancelled,
}

/// <summary>The result of one resilient backup: the last outcome, how it ended, and how many attempts it took.</summary>
public sealed record BackupResult(DirectoryKind Directory, BackupVerdict Verdict, BackupOutcome? Outcome, int Attempts, string Message)
{
    public bool Succeeded => Verdict == BackupVerdict.Answered && Outcome is { Succeeded: true };

    /// <summary>"1 attempt", "3 attempts": for event messages.</summary>
    public string AttemptsText => Attempts == 1 ? "1 attempt" : string.Create(CultureInfo.InvariantCulture, $"{Attempts} attempts");
}

/// <summary>Backs a password up through a Polly v8 pipeline: retry (backoff) around a circuit breaker around a timeout,
/// all on the device's <see cref="TimeProvider"/>, so simulated time drives the delays and tests never wait.</summary>
/// <remarks>Transient outcomes (<see cref="BackupOutcome.IsTransient"/>) and timeouts are retried and counted by the breaker;
/// other failures come back at once. The pipeline never throws: every ending is a <see cref="BackupResult"/>.</remarks>
public sealed class ResilientBackup
{
    private readonly IBackupDirectory _directory;
    private readonly Lazy<ResiliencePipeline<BackupOutcome>> _pipeline;

    public ResilientBackup(IBackupDirectory directory, LapsBackupResilienceOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.ValidateOrThrow();
        _directory = directory;
        // Built on the first backup: a device that never backs up to this directory (an Entra-only device's AD pipeline, an
        // unmanaged device) does not pay for a pipeline (about 20 KB each).
        _pipeline = new Lazy<ResiliencePipeline<BackupOutcome>>(() => Build(options, time), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private static ResiliencePipeline<BackupOutcome> Build(LapsBackupResilienceOptions options, TimeProvider time)
    {
        var builder = new ResiliencePipelineBuilder<BackupOutcome> { TimeProvider = time };
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<BackupOutcome>
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                BackoffType = options.BackoffType,
                UseJitter = options.UseJitter,
                ShouldHandle = args => ValueTask.FromResult(IsFailure(args.Outcome)),
            });
        }

        if (options.CircuitBreakerEnabled)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<BackupOutcome>
            {
                FailureRatio = options.CircuitBreakerFailureRatio,
                MinimumThroughput = options.CircuitBreakerMinimumThroughput,
                SamplingDuration = options.CircuitBreakerSamplingDuration,
                BreakDuration = options.CircuitBreakerBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(IsFailure(args.Outcome)),
            });
        }

        builder.AddTimeout(options.AttemptTimeout);
        return builder.Build();
    }

    public DirectoryKind Kind => _directory.Kind;

    public async Task<BackupResult> BackupAsync(PasswordBackup backup, CancellationToken ct)
    {
        var attempts = 0;
        try
        {
            var outcome = await _pipeline.Value.ExecuteAsync(
                async (state, token) =>
                {
                    attempts++;
                    return await state.BackupAsync(backup, token).ConfigureAwait(false);
                },
                _directory,
                ct).ConfigureAwait(false);
            return new BackupResult(Kind, BackupVerdict.Answered, outcome, attempts, outcome.Message);
        }
        catch (BrokenCircuitException e)
        {
            return new BackupResult(Kind, BackupVerdict.CircuitOpen, null, attempts, $"The circuit to {Kind} is open after repeated failures: {e.Message}");
        }
        catch (TimeoutRejectedException e)
        {
            return new BackupResult(Kind, BackupVerdict.TimedOut, null, attempts, $"{Kind} did not answer in time: {e.Message}");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new BackupResult(Kind, BackupVerdict.Cancelled, null, attempts, "The device shut down during the backup.");
        }
        catch (Exception e)
        {
            return new BackupResult(Kind, BackupVerdict.Faulted, null, attempts, $"{Kind} failed unexpectedly: {e.Message}");
        }
    }

    private static bool IsFailure(Outcome<BackupOutcome> outcome) =>
        outcome.Exception is TimeoutRejectedException or DirectoryUnavailableException
        || outcome.Result is { IsTransient: true };
}
