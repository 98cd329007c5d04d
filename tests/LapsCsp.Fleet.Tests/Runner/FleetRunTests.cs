using System.Globalization;
using LapsCsp.Fleet.Reporting;
using LapsCsp.Fleet.Runner;
using LapsCsp.Fleet.Scheduling;
using LapsCsp.Fleet.Tests.Support;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.Fleet.Tests.Runner;

/// <summary>Whole fleets against the scripted test server, on virtual time.</summary>
public class FleetRunTests
{
    /// <summary>The scripted server hands every device a LAPS policy (Entra, or AD for <paramref name="backupDirectory"/> 2)
    /// until it acknowledges it. It shares the fleet's virtual clock, as an in-process server would.</summary>
    private static ScriptedMdmServer PolicyServer(FleetRunnerHolder holder, int passwordAgeDays = 7, int backupDirectory = 1, bool history = false) =>
        new(holder.Time, new ScriptedServerOptions
        {
            KeepHistory = history,
            // Until the device acknowledges the Atomic, as a real server resends a command that got no Status.
            OnCheckIn = d => d.StatusCodes.Keys.Any(k => k.StartsWith("Atomic:", StringComparison.Ordinal)) ? null : [Policy(passwordAgeDays, backupDirectory)],
        });

    private static AtomicCommand Policy(int passwordAgeDays, int backupDirectory)
    {
        var policy = SessionKit.EntraLapsPolicy(passwordAgeDays);
        return policy with
        {
            Commands = [.. policy.Commands.Select(c => c is ItemCommand { Items: [{ TargetUri: var uri } item] } add && uri!.EndsWith("BackupDirectory", StringComparison.Ordinal)
                ? add with { Items = [item with { Data = new ItemData(backupDirectory.ToString(CultureInfo.InvariantCulture)) }] }
                : c)],
        };
    }

    /// <summary>Lets the test server read the runner's virtual clock, which exists only once the runner does.</summary>
    private sealed class FleetRunnerHolder : TimeProvider
    {
        public FleetRunner? Runner { get; set; }

        public TimeProvider Time => this;

        public override DateTimeOffset GetUtcNow() => Runner?.Clock.GetUtcNow() ?? FleetOptions.DefaultStart;
    }

    private static async Task<(FleetReport Report, FleetRunner Runner, ScriptedMdmServer Server)> RunAsync(FleetOptions options,
        Func<FleetRunnerHolder, ScriptedMdmServer>? server = null, IProgress<FleetProgress>? progress = null)
    {
        var holder = new FleetRunnerHolder();
        var scripted = (server ?? (h => PolicyServer(h)))(holder);
        var runner = new FleetRunner(options, scripted);
        holder.Runner = runner;
        var report = await runner.RunAsync(progress);
        return (report, runner, scripted);
    }

    private static FleetOptions Quiet(int devices, double days, int seed = 3) =>
        new() { Devices = devices, Days = days, Seed = seed, Faults = FaultPlan.None, MaxConcurrency = 4 };

    [Test]
    public async Task A_fleet_enrolls_every_device_delivers_the_policy_and_rotates_every_PasswordAgeDays_with_every_backup_in_the_tenant()
    {
        var options = Quiet(24, 15) with { Mix = FleetMix.Parse("entra=1,hybrid=1") };
        var (report, runner, server) = await RunAsync(options);
        using var _ = runner;

        report.DevicesByState.Should().Equal(new Dictionary<string, long> { ["enrolled"] = 24 });
        report.Enrollments.Should().Be(24);
        report.Rotations.Should().Be(24 * 3, "a rotation when the policy arrives, then on days 7 and 14");
        report.Backups.Should().Be(report.Rotations);
        report.BackupFailures.Should().Be(0);
        report.DevicesByKind["laps-backed-up:EntraId"].Should().Be(24);
        for (var i = 0; i < 24; i++)
        {
            var device = runner.Device(i)!;
            var credentials = runner.EntraId!.Get(device.Identity.EntraDeviceId)!.Credentials;
            credentials.Should().HaveCount(3);
            var times = credentials.Select(c => c.BackupDateTime).Order().ToList();
            for (var k = 1; k < times.Count; k++)
            {
                (times[k] - times[k - 1]).Should().BeGreaterThanOrEqualTo(TimeSpan.FromDays(7)).And.BeLessThanOrEqualTo(TimeSpan.FromDays(7) + TimeSpan.FromHours(1) + options.BatchWindow);
            }

            device.Policy.PasswordAgeDays.Should().Be(7);
            server.Device(device.Identity.DeviceId).StatusCodes.Should().Contain("Atomic:200", 1);
        }
    }

    [Test]
    public async Task Devices_check_in_on_the_DMClient_schedule_of_their_provisioning_document()
    {
        var options = Quiet(12, 3) with { Mix = FleetMix.Parse("entra=1") };
        var (report, runner, server) = await RunAsync(options);
        using var _ = runner;

        var poll = server.Enrollment.Options.Poll;
        var expected = Enumerable.Range(0, 12).Sum(i => PollSchedule.PollsUntil(poll, runner.Blueprint(i).EnrollAt, options.End));
        report.SessionsByTrigger["Scheduled"].Should().Be(expected);
        report.SessionsByTrigger["PostEnrollment"].Should().Be(12);
        var logons = Enumerable.Range(0, 12).Count(i => runner.Blueprint(i).LocalUsers > 0);
        report.SessionsByTrigger.GetValueOrDefault("Logon").Should().Be(logons * 3, "PollOnLogin: one session per working day with a logon (Mon-Wed)");
        server.Devices.Sum(d => d.CheckIns).Should().Be((int)report.Sessions);
    }

    [Test]
    public async Task The_same_seed_gives_the_same_report_twice_and_another_seed_gives_another()
    {
        var plan = FaultPlan.Default with
        {
            DropRate = 0.02, TimeoutRate = 0.01, ServerErrorRate = 0.01, GarbageRate = 0.01, DirectoryFailureRate = 0.05,
            UnenrollPercent = 5, SilentPercent = 5, AdminLogonsPerDevicePerDay = 0.2, FlakyDevicePercent = 10, ClockSkewPercent = 20,
        };
        FleetOptions Options(int seed) => new()
        {
            Devices = 40, Days = 10, Seed = seed, Faults = plan, MaxConcurrency = 8, BatchWindow = TimeSpan.FromMinutes(1),
        };

        var (first, r1, _) = await RunAsync(Options(11));
        var (second, r2, _) = await RunAsync(Options(11));
        var (other, r3, _) = await RunAsync(Options(12));
        r1.Dispose();
        r2.Dispose();
        r3.Dispose();

        second.ToDeterministicJson().Should().Be(first.ToDeterministicJson());
        other.ToDeterministicJson().Should().NotBe(first.ToDeterministicJson());
        first.Faults.Keys.Should().Contain(["transport:ConnectionFailed", "transport:Timeout", "http:503"]);
        first.SessionFailures.Should().NotBeEmpty();
        first.Sessions.Should().BeGreaterThan(1000);
        first.DeviceErrors.Should().BeEmpty();
    }

    [Test]
    public async Task Waking_only_when_something_is_due_gives_the_same_history_as_waking_every_hour()
    {
        var options = Quiet(10, 9) with { Faults = FaultPlan.None with { AdminLogonsPerDevicePerDay = 0.3 } };
        var (due, r1, _) = await RunAsync(options);
        var (hourly, r2, _) = await RunAsync(options with { HourlyWakeups = true });
        r1.Dispose();
        r2.Dispose();

        hourly.PolicyCycles.Should().Be(due.PolicyCycles).And.BeGreaterThan(10 * 9 * 24 - 10 * 2);
        hourly.LapsEvents.Should().Equal(due.LapsEvents);
        hourly.Rotations.Should().Be(due.Rotations);
        hourly.Sessions.Should().Be(due.Sessions);
        hourly.CommandsByStatus.Should().Equal(due.CommandsByStatus);
        hourly.Days.Should().Equal(due.Days);
    }

    [Test]
    public async Task Devices_kept_idle_in_SQLite_and_loaded_on_demand_behave_as_devices_kept_in_memory()
    {
        var options = Quiet(30, 9) with { Faults = FaultPlan.None with { AdminLogonsPerDevicePerDay = 0.3 } };
        var (resident, r1, _) = await RunAsync(options);
        var (stored, r2, _) = await RunAsync(options with { ResidentDevices = 4 });
        r1.Dispose();

        stored.Performance!.DeviceLoads.Should().BeGreaterThan(100);
        stored.Performance.DeviceSaves.Should().BeGreaterThan(100);
        r2.ResidentCount.Should().BeLessThanOrEqualTo(4 + 16);
        Normalize(stored).Should().Be(Normalize(resident));
        r2.Dispose();

        string Normalize(FleetReport report) => (report with
        {
            Settings = report.Settings with { ResidentDevices = 0 },
            PolicyCycles = 0,
            LapsEvents = report.LapsEvents.Remove("10003").Remove("10004").Remove("10022"),
        }).ToDeterministicJson();
    }

    [Test]
    public async Task A_store_named_by_the_user_keeps_every_device_with_its_identity_and_client_state_after_the_run()
    {
        var path = Path.Combine(Path.GetTempPath(), "fleet-store-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            var (_, runner, _) = await RunAsync(Quiet(8, 2) with { StorePath = path, ResidentDevices = 3 });
            var ids = Enumerable.Range(0, 8).Select(i => runner.Blueprint(i).DeviceId).ToList();
            runner.Dispose();

            using var store = LapsCsp.Storage.LapsStore.Open(path);
            store.CountDevices().Should().Be(8);
            foreach (var id in ids)
            {
                store.LoadDevice(id)!.Tree.Should().ContainKey("./Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays");
                Enrollment.Identity.DeviceEnrollmentIdentity.FromJson(store.GetSetting("fleet/identity/" + id)!).DeviceId.Should().Be(id);
                store.GetSetting("fleet/client/" + id).Should().Contain("\"lastSessionId\"");
            }
        }
        finally
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(path + suffix);
        }
    }

    [Test]
    public async Task Silent_and_unenrolling_devices_leave_the_fleet_and_the_server_hears_each_unenrollment()
    {
        var options = Quiet(30, 6) with { Faults = FaultPlan.None with { SilentPercent = 20, UnenrollPercent = 20 } };
        var (report, runner, server) = await RunAsync(options, h => PolicyServer(h, history: true));
        using var _ = runner;

        var silent = new List<int>();
        var unenrolled = new List<int>();
        for (var i = 0; i < 30; i++)
        {
            var b = runner.Blueprint(i);
            if (b.SilentFrom is { } s && (b.UnenrollAt is null || s < b.UnenrollAt)) silent.Add(i);
            else if (b.UnenrollAt is not null) unenrolled.Add(i);
        }

        silent.Should().NotBeEmpty();
        unenrolled.Should().NotBeEmpty();
        report.DevicesByState["silent"].Should().Be(silent.Count);
        report.DevicesByState["unenrolled"].Should().Be(unenrolled.Count);
        report.Unenrollments.Should().Be(unenrolled.Count);
        foreach (var i in silent)
        {
            server.Device(runner.Blueprint(i).DeviceId).LastCheckIn.Should().BeOnOrBefore(runner.Blueprint(i).SilentFrom!.Value);
        }

        foreach (var i in unenrolled)
        {
            var seen = server.Device(runner.Blueprint(i).DeviceId);
            seen.Unenrolled.Should().BeTrue();
            seen.GenericAlerts.Single().Items.Single().Meta!.Type.Should().Be("com.microsoft:mdm.unenrollment.userrequest");
        }
    }

    [Test]
    public async Task A_fleet_on_a_failing_network_retries_reports_the_faults_and_still_gets_its_policy()
    {
        var options = Quiet(15, 4) with { Faults = FaultPlan.None with { FlakyDevicePercent = 100, FlakyFailureRate = 0.5 } };
        var (report, runner, _) = await RunAsync(options);
        using var _ = runner;

        report.Faults.Keys.Should().Contain(["transport:ConnectionFailed", "transport:Timeout"]);
        report.Retries.Should().BeGreaterThan(0);
        report.SessionsByOutcome.Should().ContainKey("Failed");
        report.DevicesByKind["laps-backed-up:EntraId"].Should().Be(15);
        report.SessionLatency.P99.Should().BeGreaterThan(16_000, "a retried exchange waits INITIALBACKOFFTIME (16 s) of virtual time");
    }

    [Test]
    public async Task Hybrid_devices_under_an_AD_policy_back_up_to_the_domain()
    {
        var options = Quiet(8, 8) with { Mix = FleetMix.Parse("hybrid=1") };
        var (report, runner, _) = await RunAsync(options, h => PolicyServer(h, backupDirectory: 2));
        using var _ = runner;

        report.DevicesByKind["laps-backed-up:ActiveDirectory"].Should().Be(8);
        report.Rotations.Should().Be(16);
        report.LapsEvents.Should().ContainKey("10018");
        for (var i = 0; i < 8; i++)
        {
            runner.Domain!.GetPasswordExpirationTime(runner.Blueprint(i).DeviceId).Should().BeAfter(options.End);
        }
    }

    [Test]
    public async Task Helpdesk_logons_with_the_LAPS_account_start_the_post_authentication_reset()
    {
        var options = Quiet(10, 5) with { Faults = FaultPlan.None with { AdminLogonsPerDevicePerDay = 1 } };
        var (report, runner, _) = await RunAsync(options);
        using var _ = runner;

        report.AdminLogons.Should().BeGreaterThan(10);
        report.LapsEvents.Should().ContainKey("10041").And.ContainKey("10044");
        report.Rotations.Should().BeGreaterThan(10 + 10, "each helpdesk logon leads to a reset after the grace period");
    }

    [Test]
    public async Task Progress_goes_forward_in_virtual_time_and_ends_complete()
    {
        var seen = new List<FleetProgress>();
        var (_, runner, _) = await RunAsync(Quiet(5, 2), progress: new SyncProgress(seen.Add));
        runner.Dispose();

        seen.Should().NotBeEmpty();
        seen.Select(p => p.Fraction).Should().BeInAscendingOrder();
        seen.Select(p => p.VirtualNow).Should().BeInAscendingOrder();
        seen.Last().Fraction.Should().Be(1);
    }

    [Test]
    public void Options_are_validated_all_at_once()
    {
        var act = () => new FleetRunner(new FleetOptions { Devices = 0, Days = -1, ResidentDevices = 0 },
            new ScriptedMdmServer(new FleetRunnerHolder()));

        act.Should().Throw<ArgumentException>().Which.Message.Should()
            .Contain("Devices").And.Contain("Days").And.Contain("ResidentDevices");
    }

    private sealed class SyncProgress(Action<FleetProgress> report) : IProgress<FleetProgress>
    {
        public void Report(FleetProgress value) => report(value);
    }
}
