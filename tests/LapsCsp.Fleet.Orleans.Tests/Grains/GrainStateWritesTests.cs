using LapsCsp.Fleet.Orleans.Grains;
using LapsCsp.Fleet.Orleans.Tests.Support;
using LapsCsp.Fleet.Runner;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace LapsCsp.Fleet.Orleans.Tests.Grains;

/// <summary>When device grains write their state (<see cref="GrainStateWrites"/>): what each policy writes, counted through
/// a <see cref="CountingGrainStorage"/>, and that no policy loses anything when Orleans deactivates or moves a grain.</summary>
public class GrainStateWritesTests
{
    [Test]
    public async Task With_OnDeactivation_a_device_is_written_only_when_its_grain_deactivates_and_the_report_is_unchanged()
    {
        var options = OrleansFleetKit.Faulty(devices: 12, days: 4, seed: 3);
        var expected = await OrleansFleetKit.SingleProcessAsync(options);

        var (environment, server, _) = OrleansFleetKit.Shared(options);
        var log = new GrainWriteLog();
        await using var cluster = await OrleansFleetKit.ClusterAsync(2, environment, GrainStateWrites.OnDeactivation, log);
        var grains = new GrainDeviceHost(cluster.Client, "run-on-deactivation");
        await grains.StartAsync(options);
        int? writtenBeforeDeactivation = null;
        var host = new ObservingDeviceHost(grains)
        {
            AfterBatch = async (fleetNow, _) =>
            {
                if (writtenBeforeDeactivation is not null || fleetNow < options.Start + TimeSpan.FromDays(2)) return;
                writtenBeforeDeactivation = log.Total;
                for (var i = 0; i < options.Devices; i++) await cluster.DeactivateAsync(grains.Grain(i));
            },
        };
        using var runner = new FleetRunner(options, host, OrleansFleetKit.ServerName(server));
        var report = await runner.RunAsync();
        for (var i = 0; i < options.Devices; i++) await cluster.DeactivateAsync(grains.Grain(i));

        report.ToDeterministicJson().Should().Be(expected.ToDeterministicJson());
        writtenBeforeDeactivation.Should().Be(0, "two days of wakes wrote nothing until the grains deactivated");
        Enumerable.Range(0, options.Devices).Select(i => log.WritesOf(grains.Grain(i))).Should()
            .OnlyContain(n => n >= 1 && n <= 2, "one write per activation that woke the device: before and after the deactivation half-way");
        var traffic = Traffic(cluster);
        traffic.Writes.Should().Be(log.Total).And.Be(traffic.DeactivationWrites);
        grains.Wakes.Should().BeGreaterThan(10 * log.Total, "every device woke far more often than it was written");
        grains.Figures().Saves.Should().Be(0, "no wake wrote");
        cluster.Silos.Sum(s => cluster.GetSiloServiceProvider(s.SiloAddress).GetRequiredService<FleetSiloRuns>().DevicesActive)
            .Should().Be(0, "every grain dropped its device when it deactivated");
    }

    [Test]
    public async Task With_OnChange_the_stored_state_keeps_every_enrollment_policy_and_escrowed_password_without_any_deactivation()
    {
        var options = OrleansFleetKit.Faulty(devices: 16, days: 10, seed: 23);
        var (environment, server, clock) = OrleansFleetKit.Shared(options);
        var log = new GrainWriteLog();
        await using var cluster = await OrleansFleetKit.ClusterAsync(2, environment, GrainStateWrites.OnChange, log);
        var grains = new GrainDeviceHost(cluster.Client, "run-on-change");
        await grains.StartAsync(options);
        var host = new ObservingDeviceHost(grains);
        using var runner = new FleetRunner(options, host, OrleansFleetKit.ServerName(server));
        var report = await runner.RunAsync();

        // What a silo that died now would leave behind: the last write of every device, nothing of what is in memory.
        report.DeviceErrors.Should().BeEmpty();
        report.Rotations.Should().BeGreaterThan(options.Devices, "policies arrived, passwords were set and expired");
        var resources = environment.For(grains.RunId, options);
        var restorer = new FleetDeviceRuntime(options, resources.Server, resources.Directories, clock);
        var tenant = resources.Directories.EntraIdTenant!;
        var escrowed = 0;
        for (var i = 0; i < options.Devices; i++)
        {
            var latest = host.Latest[i];
            var stored = log.LastOf(grains.Grain(i));
            if (stored is null)
            {
                latest.State.Should().Be(FleetDeviceState.Pending, $"device {i} was never written, so it never enrolled");
                continue;
            }

            var record = FleetDeviceRecord.FromBookkeeping(stored.Bookkeeping!, stored.Snapshot, stored.Client, stored.Identity);
            record.State.Should().Be(latest.State, $"device {i}'s lifecycle is stored");
            record.Laps.Should().Be(latest.Laps, $"device {i}'s policy, backups and rotations are stored");
            if (record.Snapshot is null || latest.State != FleetDeviceState.Enrolled) continue;

            var restored = restorer.Restore(record);
            try
            {
                if (tenant.Get(restored.Device!.Identity.EntraDeviceId) is not { Credentials: [var credential, ..] }) continue;
                restored.Device.Accounts.CheckPassword(credential.AccountName, credential.DecodePassword())
                    .Should().BeTrue($"device {i} restored from storage has the password Entra ID escrowed");
                escrowed++;
            }
            finally
            {
                restored.Unload();
            }
        }

        escrowed.Should().BeGreaterThan(options.Devices / 2);
        var traffic = Traffic(cluster);
        traffic.DeactivationWrites.Should().Be(0);
        traffic.Writes.Should().Be(log.Total).And.Be(grains.Figures().Saves);
        log.Total.Should().BeLessThan((int)(grains.Wakes / 4), "most wakes change nothing the outside world relies on");
    }

    [TestCase(GrainStateWrites.OnDeactivation, false, TestName = "A_device_grain_deactivated_after_every_wake_loses_nothing")]
    [TestCase(GrainStateWrites.OnChange, true, TestName = "A_device_grain_migrated_to_another_silo_after_every_wake_loses_nothing")]
    [TestCase(GrainStateWrites.EveryWake, true, TestName = "A_device_grain_written_by_its_wake_and_then_migrated_hands_its_state_to_the_next_silo")]
    public async Task Moved_after_every_wake(GrainStateWrites writes, bool migrate)
    {
        var options = OrleansFleetKit.Faulty(devices: 10, days: 3, seed: 17);
        var expected = await OrleansFleetKit.SingleProcessAsync(options);

        var (environment, server, _) = OrleansFleetKit.Shared(options);
        await using var cluster = await OrleansFleetKit.ClusterAsync(2, environment, writes);
        var grains = new GrainDeviceHost(cluster.Client, "run-moving");
        await grains.StartAsync(options);
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var migrated = 0;
        var host = new ObservingDeviceHost(grains)
        {
            AfterBatch = async (_, woken) =>
            {
                foreach (var index in woken)
                {
                    var grain = grains.Grain(index);
                    if (!migrate)
                    {
                        await cluster.DeactivateAsync(grain);
                        continue;
                    }

                    // MigrateAsync waits for the grain to leave its silo: name the other one.
                    if (await management.GetActivationAddress(grain) is not { } current) continue;
                    await cluster.MigrateAsync(grain, cluster.Silos.First(s => !s.SiloAddress.Equals(current)).SiloAddress);
                    migrated++;
                }
            },
        };
        using var runner = new FleetRunner(options, host, OrleansFleetKit.ServerName(server));
        var report = await runner.RunAsync();

        report.ToDeterministicJson().Should().Be(expected.ToDeterministicJson());
        var traffic = Traffic(cluster);
        if (migrate)
        {
            migrated.Should().BeGreaterThan((int)(grains.Wakes / 2));
            traffic.Restored.Should().BeGreaterThan(grains.Wakes / 2, "the grains moved between the silos and continued there");
        }
        else
        {
            (traffic.Loaded - traffic.Restored).Should().Be(options.Devices, "each device was new once");
            traffic.Restored.Should().Be(grains.Wakes - options.Devices,
                "every grain call but a device's first ran on a fresh activation restored from storage");
        }
    }

    [TestCase(GrainStateWrites.EveryWake, true, TestName = "With_EveryWake_a_wake_is_written_and_an_identical_capture_is_not")]
    [TestCase(GrainStateWrites.OnChange, false, TestName = "With_OnChange_a_wake_that_changes_nothing_durable_is_written_only_on_deactivation")]
    [TestCase(GrainStateWrites.OnDeactivation, false, TestName = "With_OnDeactivation_a_wake_is_written_only_on_deactivation")]
    public async Task A_pending_device_woken_before_its_enrollment(GrainStateWrites writes, bool writtenByTheWake)
    {
        var options = OrleansFleetKit.Faulty(devices: 4, days: 1, seed: 29);
        var (environment, _, clock) = OrleansFleetKit.Shared(options);
        var log = new GrainWriteLog();
        await using var cluster = await OrleansFleetKit.ClusterAsync(1, environment, writes, log);
        var grains = new GrainDeviceHost(cluster.Client, "run-pending");
        await grains.StartAsync(options);
        var resources = environment.For(grains.RunId, options);
        var blueprints = new FleetDeviceRuntime(options, resources.Server, resources.Directories, clock);
        var index = Enumerable.Range(0, options.Devices).First(i => blueprints.Blueprint(i).EnrollAt > options.Start);
        var grain = grains.Grain(index);

        var first = await grain.WakeAsync(options.Start, options.Start);
        var second = await grain.WakeAsync(options.Start, options.Start);
        var writtenByWakes = log.WritesOf(grain);
        await cluster.DeactivateAsync(grain);
        var writtenAfterDeactivation = log.WritesOf(grain);
        await cluster.DeactivateAsync(grain);
        var third = await grain.WakeAsync(options.Start, options.Start);

        DeviceWakeResult.FromJson(first.Result).State.Should().Be(FleetDeviceState.Pending);
        first.Restored.Should().BeFalse();
        first.Written.Should().Be(writtenByTheWake, "the wake recorded the device's last activity");
        second.Written.Should().BeFalse("the second wake at the same time changed nothing");
        writtenByWakes.Should().Be(writtenByTheWake ? 1 : 0);
        writtenAfterDeactivation.Should().Be(1, "the deactivation wrote what the wakes had not");
        third.Restored.Should().BeTrue("the device came back from grain storage");
        third.Written.Should().Be(false, "nothing changed since the write");
        log.WritesOf(grain).Should().Be(1);
        Traffic(cluster).Unchanged.Should().Be(writtenByTheWake ? 2 : 0,
            "with EveryWake the second and third wakes captured the device, found it equal to the last write and did not write it");
    }

    private static GrainStateFigures Traffic(InProcessTestCluster cluster) =>
        GrainStateFigures.Sum(cluster.Silos.Select(s => cluster.GetSiloServiceProvider(s.SiloAddress).GetRequiredService<FleetSiloRuns>().Figures()));
}
