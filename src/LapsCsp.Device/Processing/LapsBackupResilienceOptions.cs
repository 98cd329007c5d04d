using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Polly;

namespace LapsCsp.Device.Processing;

/// <summary>How a device retries a backup that failed transiently (unreachable or throttled directory; see
/// <c>BackupFailureKind.IsTransient</c>): a retry with backoff around a circuit breaker around a per-attempt timeout.</summary>
/// <remarks>Non-transient failures (refused, tenant switch off, no device object, schema, encryption prerequisites) are
/// never retried inside a cycle: retrying cannot fix configuration, and the next hourly cycle tries again anyway (digest
/// C.2). Defaults keep a cycle short (at most about a minute and a half) and deterministic (no jitter).
/// Validated with DataAnnotations; <see cref="Validate()"/> reports every problem at once.</remarks>
public sealed record LapsBackupResilienceOptions : IValidatableObject
{
    /// <summary>Retries after the first attempt; 0 disables retrying.</summary>
    [Range(0, 10)]
    public int MaxRetryAttempts { get; init; } = 3;

    /// <summary>The first retry's delay; later ones grow per <see cref="BackoffType"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true)]
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>No retry waits longer than this.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true)]
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(1);

    [EnumDataType(typeof(DelayBackoffType))]
    public DelayBackoffType BackoffType { get; init; } = DelayBackoffType.Exponential;

    /// <summary>Randomise retry delays. Off by default: simulations must be reproducible.</summary>
    public bool UseJitter { get; init; }

    /// <summary>How long one attempt may take before it counts as failed (ERROR_TIMEOUT).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true)]
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether a circuit breaker stops calling a directory that keeps failing.</summary>
    public bool CircuitBreakerEnabled { get; init; } = true;

    /// <summary>Share of failed attempts within <see cref="CircuitBreakerSamplingDuration"/> that opens the circuit.</summary>
    [Range(0.01, 1.0)]
    public double CircuitBreakerFailureRatio { get; init; } = 0.8;

    /// <summary>Attempts needed within the sampling window before the ratio is judged.</summary>
    [Range(2, 1000)]
    public int CircuitBreakerMinimumThroughput { get; init; } = 8;

    [Range(typeof(TimeSpan), "00:00:00.500", "1.00:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true)]
    public TimeSpan CircuitBreakerSamplingDuration { get; init; } = TimeSpan.FromHours(2);

    /// <summary>How long an open circuit fails backups without calling the directory.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "1.00:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true)]
    public TimeSpan CircuitBreakerBreakDuration { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Every problem with these options (attributes and cross-field rules), empty when valid.</summary>
    public IReadOnlyList<ValidationResult> Validate()
    {
        var context = new ValidationContext(this);
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, context, results, validateAllProperties: true);

        // TryValidateObject skips IValidatableObject when a property failed; run it anyway so all problems come at once.
        foreach (var result in Validate(context))
        {
            if (!results.Any(r => string.Equals(r.ErrorMessage, result.ErrorMessage, StringComparison.Ordinal))) results.Add(result);
        }

        return results;
    }

    /// <summary>Throws <see cref="LapsOptionsValidationException"/> listing every problem.</summary>
    /// <remarks>An instance found valid is remembered (the record is immutable; a <c>with</c> copy is a new instance and is
    /// checked again): every device checks its options, and the attribute validation costs about 5 KB a call.</remarks>
    public LapsBackupResilienceOptions ValidateOrThrow()
    {
        if (s_valid.TryGetValue(this, out _)) return this;
        var problems = Validate();
        if (problems.Count > 0) throw new LapsOptionsValidationException(nameof(LapsBackupResilienceOptions), problems);
        s_valid.AddOrUpdate(this, s_validMark);
        return this;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<LapsBackupResilienceOptions, object> s_valid = [];
    private static readonly object s_validMark = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxRetryDelay < RetryBaseDelay)
        {
            yield return new ValidationResult(
                string.Create(CultureInfo.InvariantCulture, $"MaxRetryDelay ({MaxRetryDelay}) must not be shorter than RetryBaseDelay ({RetryBaseDelay})."),
                [nameof(MaxRetryDelay), nameof(RetryBaseDelay)]);
        }

        var worstCycle = TimeSpan.FromTicks(AttemptTimeout.Ticks * (MaxRetryAttempts + 1)) + TimeSpan.FromTicks(MaxRetryDelay.Ticks * MaxRetryAttempts);
        if (worstCycle >= TimeSpan.FromHours(1))
        {
            yield return new ValidationResult(
                string.Create(CultureInfo.InvariantCulture, $"Attempts and retry delays may take {worstCycle}, longer than the hourly policy cycle."),
                [nameof(AttemptTimeout), nameof(MaxRetryAttempts), nameof(MaxRetryDelay)]);
        }
    }
}

/// <summary>Options failed validation; <see cref="Problems"/> lists every problem found.</summary>
public sealed class LapsOptionsValidationException : Exception
{
    public LapsOptionsValidationException(string optionsName, IReadOnlyList<ValidationResult> problems)
        : base($"{optionsName} is not valid:{Environment.NewLine}" +
            string.Join(Environment.NewLine, problems.Select(p => " - " + p.ErrorMessage)))
    {
        OptionsName = optionsName;
        Problems = problems;
    }

    public string OptionsName { get; }

    public IReadOnlyList<ValidationResult> Problems { get; }
}
