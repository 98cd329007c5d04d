using LapsCsp.Fleet.Reporting;
using LapsCsp.Fleet.Runner;
using LapsCsp.Fleet.Tests.Support;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.Fleet.Tests.Runner;

/// <summary>Fleet devices told to rename themselves through DevDetail <c>Ext/Microsoft/DNSComputerName</c>: they answer 200,
/// keep the rename pending, and take the new name when they reboot — which a fleet device does when its LAPS policy's
/// post-authentication actions include the reboot (PostAuthenticationActions 5) and a helpdesk engineer signs in with the
/// LAPS account.</summary>
public class FleetRenameTests
{
    private const string DnsComputerName = "./DevDetail/Ext/Microsoft/DNSComputerName";
    private const string DeviceName = "./DevDetail/Ext/Microsoft/DeviceName";

    /// <summary>Lets the test server read the runner's virtual clock, which exists only once the runner does.</summary>
    private sealed class RunnerClock : TimeProvider
    {
        public FleetRunner? Runner { get; set; }

        public override DateTimeOffset GetUtcNow() => Runner?.Clock.GetUtcNow() ?? FleetOptions.DefaultStart;
    }

    private static ItemCommand AddInt(string leaf, int value) =>
        new(ItemCommandKind.Add, "1", [new Item(TargetUri: "./Device/Vendor/MSFT/LAPS/Policies/" + leaf, Meta: new Meta(Format: "int"),
            Data: new ItemData(value.ToString(System.Globalization.CultureInfo.InvariantCulture)))]);

    /// <summary>First check-in (until the device acknowledged the Atomic): the Entra LAPS policy with reset-and-reboot after a
    /// LAPS logon (1 hour's grace) and the rename; every later check-in: a Get of DevDetail DeviceName.</summary>
    private static ScriptedMdmServer RenamingServer(TimeProvider time) => new(time, new ScriptedServerOptions
    {
        OnCheckIn = d => d.StatusCodes.Keys.Any(k => k.StartsWith("Atomic:", StringComparison.Ordinal))
            ? [SessionKit.Get(DeviceName)]
            :
            [
                SessionKit.EntraLapsPolicy(7) with
                {
                    Commands = [.. SessionKit.EntraLapsPolicy(7).Commands, AddInt("PostAuthenticationActions", 5), AddInt("PostAuthenticationResetDelay", 1)],
                },
                SessionKit.Replace(DnsComputerName, "Kiosk-%RAND:4%", "chr"),
            ],
    });

    private static async Task<(FleetReport Report, FleetRunner Runner, ScriptedMdmServer Server)> RunAsync(FleetOptions options)
    {
        var clock = new RunnerClock();
        var server = RenamingServer(clock);
        var runner = new FleetRunner(options, server);
        clock.Runner = runner;
        var report = await runner.RunAsync();
        return (report, runner, server);
    }

    private static FleetOptions Options(double adminLogonsPerDay, double directoryFailureRate = 0) => new()
    {
        Devices = 6,
        Days = 6,
        Seed = 5,
        Mix = FleetMix.Parse("entra=1,hybrid=1"),
        Faults = FaultPlan.None with { AdminLogonsPerDevicePerDay = adminLogonsPerDay, DirectoryFailureRate = directoryFailureRate },
        MaxConcurrency = 2,
    };

    /// <summary>With directory failures the device backs up through a fault injector and does not see the emulated tenant
    /// and domain themselves; the fleet renames them for it.</summary>
    [TestCase(0.0, TestName = "A_fleet_device_renamed_by_the_server_takes_the_name_at_its_post_authentication_reboot_everywhere")]
    [TestCase(0.2, TestName = "A_fleet_device_renamed_behind_failing_directories_is_renamed_in_the_tenant_and_domain_too")]
    public async Task A_fleet_device_renamed_by_the_server_takes_the_name_at_its_reboot(double directoryFailureRate)
    {
        var (report, runner, server) = await RunAsync(Options(adminLogonsPerDay: 1, directoryFailureRate));
        using var _ = runner;

        report.DeviceErrors.Should().BeEmpty();
        var rebooted = Enumerable.Range(0, 6).Where(i => runner.Device(i)!.LogonSessions.RebootCount > 0).ToList();
        rebooted.Should().NotBeEmpty().And.HaveCountLessThan(6, "the seed gives some devices a disabled built-in Administrator");
        for (var i = 0; i < 6; i++)
        {
            var blueprint = runner.Blueprint(i);
            var device = runner.Device(i)!;
            var seen = server.Device(blueprint.DeviceId);
            seen.StatusCodes.Should().ContainKey("Replace:200").And.NotContainKey("Replace:405");
            if (!rebooted.Contains(i))
            {
                // The helpdesk engineer signs in with the managed account, here the built-in Administrator: disabled on this
                // device, so no logon, no post-authentication actions, no reboot — the rename stays pending.
                blueprint.AdministratorEnabled.Should().BeFalse();
                device.PendingComputerName.Should().MatchRegex("^Kiosk-[0-9]{4}$");
                device.Identity.HostName.Should().Be(blueprint.DeviceName);
                continue;
            }

            device.PendingComputerName.Should().BeNull();
            var name = device.Identity.HostName;
            name.Should().MatchRegex("^Kiosk-[0-9]{4}$").And.NotBe(blueprint.DeviceName);
            seen.Results.Select(r => r.Items.Single().DataText).Should().StartWith(blueprint.DeviceName)
                .And.EndWith(name, "the DM client answers DevDetail with the new name after the reboot");
            runner.EntraId!.Get(device.Identity.EntraDeviceId)!.DeviceName.Should().Be(name);
            if (device.Identity.IsDomainJoined)
            {
                runner.Domain!.GetAttributes(blueprint.DeviceId)!.SamAccountName.Should().Be(name.ToUpperInvariant() + "$");
            }
        }

        rebooted.Select(i => runner.Device(i)!.Identity.IsDomainJoined).Should().Contain(true, "a hybrid device's computer object is renamed too");
    }

    [Test]
    public async Task Without_a_reboot_the_rename_stays_pending_and_the_device_keeps_its_name()
    {
        var (report, runner, server) = await RunAsync(Options(adminLogonsPerDay: 0));
        using var _ = runner;

        report.DeviceErrors.Should().BeEmpty();
        for (var i = 0; i < 6; i++)
        {
            var blueprint = runner.Blueprint(i);
            var device = runner.Device(i)!;
            var seen = server.Device(blueprint.DeviceId);
            seen.StatusCodes.Should().ContainKey("Replace:200");
            device.LogonSessions.RebootCount.Should().Be(0);
            device.PendingComputerName.Should().MatchRegex("^Kiosk-[0-9]{4}$");
            device.Identity.HostName.Should().Be(blueprint.DeviceName);
            seen.Results.Should().NotBeEmpty().And.OnlyContain(r => r.Items.Single().DataText == blueprint.DeviceName);
        }
    }

    [Test]
    public async Task The_same_seed_renames_the_same_devices_to_the_same_names_with_the_same_report()
    {
        var (first, r1, _) = await RunAsync(Options(adminLogonsPerDay: 1));
        var names1 = Enumerable.Range(0, 6).Select(i => r1.Device(i)!.Identity.HostName).ToList();
        r1.Dispose();
        var (second, r2, _) = await RunAsync(Options(adminLogonsPerDay: 1));
        var names2 = Enumerable.Range(0, 6).Select(i => r2.Device(i)!.Identity.HostName).ToList();
        r2.Dispose();

        names2.Should().Equal(names1).And.OnlyHaveUniqueItems();
        second.ToDeterministicJson().Should().Be(first.ToDeterministicJson());
    }
}
