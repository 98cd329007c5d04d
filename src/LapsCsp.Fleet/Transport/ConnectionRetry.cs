using System.Net.Sockets;
using LapsCsp.Enrollment.Identity;
using Polly;
using Polly.Retry;

namespace LapsCsp.Fleet.Transport;

/// <summary>How a device retries an exchange that got no answer (MDE2 §2.2.9.5 w7 APPLICATION: CONNRETRYFREQ retries,
/// exponential backoff from INITIALBACKOFFTIME up to MAXBACKOFFTIME; defaults 3, 16 s, 1 day).</summary>
/// <remarks>What Windows does on 4xx/5xx is undocumented (mdm-client-digest section 6 question 1): 5xx are retried like
/// connection failures (<see cref="RetryServerErrors"/>), other 4xx are not; 429 waits for Retry-After (MS-MDM §3.1.6,
/// Windows 10 2004 and later). Jitter is off so that a seed always gives the same run.</remarks>
public sealed record ConnectionRetrySettings
{
    public int Retries { get; init; } = 3;

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(16);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromDays(1);

    public bool RetryServerErrors { get; init; } = true;

    /// <summary>Longest Retry-After honoured; a longer one is cut to this.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The settings of a device's w7 APPLICATION (CONNRETRYFREQ, INITIALBACKOFFTIME, MAXBACKOFFTIME).</summary>
    public static ConnectionRetrySettings From(DeviceEnrollmentIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return new ConnectionRetrySettings
        {
            Retries = Math.Max(0, identity.ConnectionRetryFrequency),
            InitialBackoff = identity.InitialBackoff,
            MaxBackoff = identity.MaxBackoff < identity.InitialBackoff ? identity.InitialBackoff : identity.MaxBackoff,
        };
    }

    /// <summary>Whether an exception means "no answer": worth a retry.</summary>
    public static bool IsTransportFailure(Exception exception) =>
        exception is ManagementTransportException or HttpRequestException or IOException or TimeoutException or SocketException;

    /// <summary>A status worth a retry: 429, and 5xx when <see cref="RetryServerErrors"/>.</summary>
    public bool IsRetryableStatus(int status) => status == 429 || (RetryServerErrors && status is >= 500 and <= 599);

    /// <summary>The Polly v8 pipeline of one exchange, on <paramref name="time"/> (a session's virtual clock in a fleet, so
    /// backoff never waits in real time).</summary>
    public ResiliencePipeline<ManagementResponse> BuildPipeline(TimeProvider time, Action<int, Outcome<ManagementResponse>, TimeSpan>? onRetry = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        var builder = new ResiliencePipelineBuilder<ManagementResponse> { TimeProvider = time };
        if (Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<ManagementResponse>
            {
                MaxRetryAttempts = Retries,
                Delay = InitialBackoff,
                MaxDelay = MaxBackoff,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: { } e } => IsTransportFailure(e),
                    { Result: { } r } => IsRetryableStatus(r.StatusCode),
                    _ => false,
                }),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    args.Outcome.Result is { StatusCode: 429, RetryAfter: { } after } ? (after > MaxRetryAfter ? MaxRetryAfter : after) : null),
                OnRetry = args =>
                {
                    onRetry?.Invoke(args.AttemptNumber, args.Outcome, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder.Build();
    }

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Retries is < 0 or > 100) problems.Add("Retries must be between 0 and 100");
        if (InitialBackoff <= TimeSpan.Zero) problems.Add("InitialBackoff must be positive");
        if (MaxBackoff < InitialBackoff) problems.Add("MaxBackoff must not be below InitialBackoff");
        return problems;
    }
}
