using LapsCsp.Device.Processing;
using LapsCsp.Directory.Backup;
using Microsoft.Extensions.Time.Testing;
using Polly;

namespace LapsCsp.Device.Tests.Processing;

/// <summary>The Polly v8 pipeline around backups and its validated options.</summary>
public sealed class ResilienceTests
{
    private static readonly PasswordBackup s_backup = new(
        "device", "PC", "Administrator", "S-1-5-21-1-2-3-500", "P@ssw0rd-secret", LapsWorld.Start, LapsWorld.Start.AddDays(30));

    [Test]
    public void The_default_options_are_valid()
    {
        new LapsBackupResilienceOptions().Validate().Should().BeEmpty();
    }

    [Test]
    public void Validation_reports_every_problem_at_once()
    {
        var options = new LapsBackupResilienceOptions
        {
            MaxRetryAttempts = 11,
            RetryBaseDelay = TimeSpan.FromMinutes(2),
            MaxRetryDelay = TimeSpan.FromMinutes(1),
            AttemptTimeout = TimeSpan.Zero,
            CircuitBreakerFailureRatio = 1.5,
            CircuitBreakerMinimumThroughput = 1,
            BackoffType = (DelayBackoffType)42,
        };

        var problems = options.Validate();
        var act = () => options.ValidateOrThrow();

        problems.SelectMany(p => p.MemberNames).Should().Contain(
        [
            nameof(options.MaxRetryAttempts), nameof(options.AttemptTimeout), nameof(options.CircuitBreakerFailureRatio),
            nameof(options.CircuitBreakerMinimumThroughput), nameof(options.BackoffType), nameof(options.MaxRetryDelay),
        ]);
        problems.Should().HaveCountGreaterThanOrEqualTo(6);
        act.Should().Throw<LapsOptionsValidationException>().Which.Problems.Should().HaveCount(problems.Count);
    }

    [Test]
    public void Options_whose_worst_case_outlasts_the_hourly_cycle_are_refused()
    {
        var options = new LapsBackupResilienceOptions { MaxRetryAttempts = 10, AttemptTimeout = TimeSpan.FromMinutes(6) };

        options.Validate().Should().ContainSingle().Which.ErrorMessage.Should().Contain("hourly policy cycle");
    }

    [Test]
    public void A_copy_of_options_already_found_valid_is_checked_again()
    {
        var valid = new LapsBackupResilienceOptions().ValidateOrThrow();
        var copy = valid with { MaxRetryAttempts = -1 };

        valid.ValidateOrThrow().Should().BeSameAs(valid);
        var act = () => copy.ValidateOrThrow();
        act.Should().Throw<LapsOptionsValidationException>().WithMessage("*MaxRetryAttempts*");
    }

    [Test]
    public void A_device_is_not_built_with_invalid_options()
    {
        var act = () => new SimulatedDevice(new DeviceOptions { Resilience = new LapsBackupResilienceOptions { MaxRetryAttempts = -1 } });

        act.Should().Throw<LapsOptionsValidationException>().WithMessage("*MaxRetryAttempts*");
    }

    [Test]
    public async Task Transient_failures_are_retried_after_2_4_and_8_seconds_of_simulated_time()
    {
        var clock = new FakeTimeProvider(LapsWorld.Start);
        var directory = new ScriptedDirectory(clock, BackupFailureKind.Unreachable, BackupFailureKind.Throttled, BackupFailureKind.Unreachable, null);
        var backup = new ResilientBackup(directory, new LapsBackupResilienceOptions(), clock);

        var task = backup.BackupAsync(s_backup, CancellationToken.None);
        foreach (var step in new[] { 2, 4, 8 })
        {
            task.IsCompleted.Should().BeFalse();
            clock.Advance(TimeSpan.FromSeconds(step));
        }

        var result = await task;
        result.Succeeded.Should().BeTrue();
        result.Attempts.Should().Be(4);
        directory.Times.Should().Equal(LapsWorld.Start, LapsWorld.Start.AddSeconds(2), LapsWorld.Start.AddSeconds(6), LapsWorld.Start.AddSeconds(14));
    }

    [Test]
    public async Task A_failure_that_is_not_transient_is_not_retried()
    {
        var clock = new FakeTimeProvider(LapsWorld.Start);
        var directory = new ScriptedDirectory(clock, BackupFailureKind.LapsDisabledInTenant, null);

        var result = await new ResilientBackup(directory, new LapsBackupResilienceOptions(), clock).BackupAsync(s_backup, CancellationToken.None);

        result.Attempts.Should().Be(1);
        result.Outcome!.Failure.Should().Be(BackupFailureKind.LapsDisabledInTenant);
        result.Verdict.Should().Be(BackupVerdict.Answered);
    }

    [Test]
    public async Task Exhausted_retries_return_the_last_transient_outcome()
    {
        var clock = new FakeTimeProvider(LapsWorld.Start);
        var directory = new ScriptedDirectory(clock, BackupFailureKind.Unreachable, BackupFailureKind.Unreachable, BackupFailureKind.Throttled);
        var options = new LapsBackupResilienceOptions { MaxRetryAttempts = 2, RetryBaseDelay = TimeSpan.FromSeconds(1), BackoffType = DelayBackoffType.Constant };

        var task = new ResilientBackup(directory, options, clock).BackupAsync(s_backup, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        var result = await task;

        result.Attempts.Should().Be(3);
        result.Outcome!.Failure.Should().Be(BackupFailureKind.Throttled);
    }

    [Test]
    public async Task A_directory_that_throws_becomes_a_faulted_result_not_an_exception()
    {
        var clock = new FakeTimeProvider(LapsWorld.Start);

        var result = await new ResilientBackup(new ThrowingDirectory(), new LapsBackupResilienceOptions(), clock).BackupAsync(s_backup, CancellationToken.None);

        result.Verdict.Should().Be(BackupVerdict.Faulted);
        result.Message.Should().Contain("emulator bug");
    }

    /// <summary>Answers each backup with the next scripted failure (null = success) and records when it was called.</summary>
    private sealed class ScriptedDirectory(TimeProvider clock, params BackupFailureKind?[] script) : IBackupDirectory
    {
        private int _next;

        public List<DateTimeOffset> Times { get; } = [];

        public DirectoryKind Kind => DirectoryKind.EntraId;

        public Task<BackupOutcome> BackupAsync(PasswordBackup backup, CancellationToken ct)
        {
            Times.Add(clock.GetUtcNow());
            var failure = script[Math.Min(_next++, script.Length - 1)];
            return Task.FromResult(failure is { } kind ? BackupOutcome.Failed(Kind, kind, kind.ToString()) : BackupOutcome.Success(Kind, "ok"));
        }
    }

    private sealed class ThrowingDirectory : IBackupDirectory
    {
        public DirectoryKind Kind => DirectoryKind.ActiveDirectory;

        public Task<BackupOutcome> BackupAsync(PasswordBackup backup, CancellationToken ct) => throw new InvalidOperationException("emulator bug");
    }
}
