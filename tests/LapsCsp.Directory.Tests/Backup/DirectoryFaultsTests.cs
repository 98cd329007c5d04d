using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Backup;
using LapsCsp.Directory.Entra;
using Microsoft.Extensions.Time.Testing;
using static LapsCsp.Directory.Tests.TestBackups;

namespace LapsCsp.Directory.Tests.Backup;

public sealed class DirectoryFaultsTests
{
    private FakeTimeProvider _time = null!;
    private EntraIdDirectory _entra = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(Start);
        _entra = new EntraIdDirectory(_time);
        _entra.RegisterDevice(DeviceId, "LAPS_TEST");
    }

    [Test]
    public async Task FailNext_2_fails_twice_then_succeeds()
    {
        _entra.Faults.FailNext(2, BackupFailureKind.Unreachable);

        var first = await _entra.BackupAsync(For("p1"), CancellationToken.None);
        _entra.Faults.Mode.Should().Be(new FaultMode.FailNext(1, BackupFailureKind.Unreachable));
        var second = await _entra.BackupAsync(For("p2"), CancellationToken.None);
        var third = await _entra.BackupAsync(For("p3"), CancellationToken.None);

        first.Failure.Should().Be(BackupFailureKind.Unreachable);
        first.IsTransient.Should().BeTrue();
        first.HttpStatus.Should().BeNull("an unreachable service gives no HTTP response");
        second.Failure.Should().Be(BackupFailureKind.Unreachable);
        third.Succeeded.Should().BeTrue();
        _entra.Faults.Mode.Should().Be(FaultMode.None);
        _entra.Get(DeviceId)!.Credentials.Select(c => c.DecodePassword()).Should().Equal("p3");
    }

    [Test]
    public async Task Slow_waits_on_the_injected_TimeProvider()
    {
        _entra.Faults.Slow(TimeSpan.FromSeconds(5));

        var task = _entra.BackupAsync(For("slow"), CancellationToken.None);
        task.IsCompleted.Should().BeFalse();
        _time.Advance(TimeSpan.FromSeconds(4));
        task.IsCompleted.Should().BeFalse();
        _entra.Get(DeviceId).Should().BeNull();
        _time.Advance(TimeSpan.FromSeconds(1));
        var outcome = await task.WaitAsync(TimeSpan.FromSeconds(30));

        outcome.Succeeded.Should().BeTrue();
        _entra.Get(DeviceId)!.LastBackupDateTime.Should().Be(Start.AddSeconds(5), "the service stamps the time it stored the password");
    }

    [Test]
    public async Task Slow_backup_can_be_cancelled()
    {
        _entra.Faults.Slow(TimeSpan.FromMinutes(1));
        using var cts = new CancellationTokenSource();

        var task = _entra.BackupAsync(For("slow"), cts.Token);
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => task.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<OperationCanceledException>();
        _entra.Get(DeviceId).Should().BeNull();
    }

    [Test]
    public async Task FailureRate_with_a_seed_is_deterministic()
    {
        var first = await RunWithFailureRate(seed: 1234);
        var second = await RunWithFailureRate(seed: 1234);
        var other = await RunWithFailureRate(seed: 99);

        first.Should().Equal(second);
        first.Should().Contain(true).And.Contain(false);
        first.Should().NotEqual(other);
        var reference = new Random(1234);
        first.Should().Equal(Enumerable.Range(0, first.Count).Select(_ => reference.NextDouble() >= 0.4));
    }

    [Test]
    public async Task Fail_keeps_failing_until_cleared()
    {
        _entra.Faults.Fail(BackupFailureKind.Refused);

        for (var i = 0; i < 3; i++)
        {
            var outcome = await _entra.BackupAsync(For("pw"), CancellationToken.None);
            outcome.Failure.Should().Be(BackupFailureKind.Refused);
            outcome.HttpStatus.Should().Be(401);
            outcome.IsTransient.Should().BeFalse();
        }

        _entra.Faults.None();
        (await _entra.BackupAsync(For("pw"), CancellationToken.None)).Succeeded.Should().BeTrue();
    }

    [Test]
    public async Task Unreachable_mode_fails_an_AD_backup_transiently_without_touching_the_computer()
    {
        var ad = new ActiveDirectoryDomain(_time);
        ad.AddComputer(DeviceId, "PC01");
        ad.Faults.Unreachable();

        var outcome = await ad.BackupAsync(For("pw"), CancellationToken.None);

        outcome.Failure.Should().Be(BackupFailureKind.Unreachable);
        outcome.Directory.Should().Be(DirectoryKind.ActiveDirectory);
        outcome.IsTransient.Should().BeTrue();
        ad.GetAttributes(DeviceId)!.CurrentPasswordVersion.Should().BeNull();
    }

    [Test]
    public async Task BackupOrThrowAsync_throws_only_for_transient_failures()
    {
        _entra.Faults.FailNext(1, BackupFailureKind.Throttled);

        var thrown = await FluentActions.Awaiting(() => _entra.BackupOrThrowAsync(For("pw"), CancellationToken.None))
            .Should().ThrowAsync<DirectoryUnavailableException>();
        thrown.Which.Outcome.Failure.Should().Be(BackupFailureKind.Throttled);
        thrown.Which.Outcome.HttpStatus.Should().Be(429);

        _entra.LapsEnabled = false;
        var refused = await _entra.BackupOrThrowAsync(For("pw"), CancellationToken.None);
        refused.Failure.Should().Be(BackupFailureKind.LapsDisabledInTenant);

        _entra.LapsEnabled = true;
        (await _entra.BackupOrThrowAsync(For("pw"), CancellationToken.None)).Succeeded.Should().BeTrue();
    }

    [TestCase(BackupFailureKind.Unreachable, true)]
    [TestCase(BackupFailureKind.Throttled, true)]
    [TestCase(BackupFailureKind.Refused, false)]
    [TestCase(BackupFailureKind.LapsDisabledInTenant, false)]
    [TestCase(BackupFailureKind.DeviceNotFound, false)]
    [TestCase(BackupFailureKind.SchemaMissing, false)]
    [TestCase(BackupFailureKind.EncryptionRequiresDomainFunctionalLevel2016, false)]
    [TestCase(BackupFailureKind.EncryptionPrincipalAmbiguous, false)]
    [TestCase(BackupFailureKind.EncryptionPrincipalUnresolvable, false)]
    public void Only_network_and_throttling_failures_are_transient(BackupFailureKind kind, bool transient)
    {
        kind.IsTransient().Should().Be(transient);
        BackupOutcome.Failed(DirectoryKind.ActiveDirectory, kind, "x").IsTransient.Should().Be(transient);
    }

    [Test]
    public async Task Concurrent_backups_consume_FailNext_exactly_once_each()
    {
        _entra.Faults.FailNext(50);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            Task.Run(() => _entra.BackupAsync(For($"p{i}"), CancellationToken.None))));

        outcomes.Count(o => !o.Succeeded).Should().Be(50);
        _entra.AuditLog.Should().HaveCount(50);
    }

    [Test]
    public void Invalid_modes_are_rejected()
    {
        var faults = new DirectoryFaults();

        faults.Invoking(f => f.FailNext(-1)).Should().Throw<ArgumentOutOfRangeException>();
        faults.Invoking(f => f.Slow(TimeSpan.FromSeconds(-1))).Should().Throw<ArgumentOutOfRangeException>();
        faults.Invoking(f => f.FailureRate(1.5, new Random(1))).Should().Throw<ArgumentOutOfRangeException>();
        faults.Mode.Should().Be(FaultMode.None);
    }

    private async Task<List<bool>> RunWithFailureRate(int seed)
    {
        var entra = new EntraIdDirectory(_time);
        entra.RegisterDevice(DeviceId, "LAPS_TEST");
        entra.Faults.FailureRate(0.4, new Random(seed));
        var results = new List<bool>();
        for (var i = 0; i < 40; i++)
        {
            results.Add((await entra.BackupAsync(For($"p{i}"), CancellationToken.None)).Succeeded);
        }

        return results;
    }
}
