using LapsCsp.Device.Events;
using LapsCsp.Directory.Entra;

namespace LapsCsp.Device.Tests.Processing;

/// <summary>The first "done when": the CSP document's Entra sample applied and the clock advanced 90 days.</summary>
public sealed class EntraSampleScenarioTests
{
    private const string ManagedAccount = "ContosoLocalLapsAdmin";

    [Test]
    public void The_Entra_sample_over_90_days_rotates_every_7_days_backing_up_to_Entra_before_the_local_change()
    {
        using var world = new LapsWorld();
        SimulatedDevice? device = null;
        var recorder = new RecordingDirectory(world.EntraId, () => device?.Accounts);
        world.Directories = world.Directories with { EntraId = recorder };
        device = world.NewDevice(new DeviceOptions { PasswordSeed = 7, JoinType = LapsCsp.Device.Identity.JoinType.EntraJoined });
        CreateManagedAccount(device);
        var t0 = world.Now;

        device.Apply(Packages.Sample("laps-entra-id-backup.xml")).Codes().Should().AllBeEquivalentTo(200);
        var cycles = world.AdvanceDays(90, device);

        var rotationTimes = Enumerable.Range(0, 13).Select(k => t0 + TimeSpan.FromDays(7 * k)).ToList();
        cycles.Should().Be(2160, "a cycle runs every hour for 90 days");
        device.Events.Query(LapsEventIds.EntraUpdated).Select(e => e.TimeCreated).Should().Equal(rotationTimes);
        device.Events.Query(LapsEventIds.LocalAccountUpdated).Select(e => e.TimeCreated).Should().Equal(rotationTimes);
        device.Events.Query(LapsEventIds.PolicyProcessingStarting).Should().HaveCount(2161, "the policy change started one more cycle at t0");
        device.Events.Query(LapsEventIds.PolicyProcessingSucceeded).Should().HaveCount(2161);
        device.Events.Query(LapsEventIds.PolicyProcessingFailed).Should().BeEmpty();
        device.Events.Query(LapsEventIds.PolicyDumpEntraId).Should().HaveCount(2161);

        // Within each rotation's cycle: 10003, policy dump, 10015, 10029 (Entra updated) before 10020 (local account), 10004.
        var firstCycle = device.Events.Query(new LapsEventQuery(From: t0, To: t0 + TimeSpan.FromMinutes(1))).Select(e => e.Id);
        firstCycle.Should().Equal(
            LapsEventIds.PolicyProcessingStarting, LapsEventIds.PolicyDumpEntraId, LapsEventIds.PasswordUpdateNeeded,
            LapsEventIds.EntraUpdated, LapsEventIds.LocalAccountUpdated, LapsEventIds.PolicyProcessingSucceeded);

        recorder.Calls.Should().HaveCount(13);
        recorder.Calls.Should().OnlyContain(c => !c.AccountAlreadyHadIt && c.Outcome.Succeeded,
            "every password reached Entra ID while the account still had its previous one");
        recorder.Calls.Select(c => c.Backup.Password.Length).Should().AllBeEquivalentTo(32);
        recorder.Calls.Select(c => c.Backup.ExpirationTime).Should().Equal(rotationTimes.Select(t => t + TimeSpan.FromDays(7)));

        var info = world.EntraId.Get(device.Identity.EntraDeviceId)!;
        info.Credentials.Should().HaveCount(13);
        info.Credentials.Select(c => c.BackupDateTime).Should().Equal(Enumerable.Reverse(rotationTimes), "Graph lists history newest first");
        info.Credentials.Should().OnlyContain(c => c.AccountName == ManagedAccount && c.AccountSid == device.Accounts.Find(ManagedAccount)!.Sid);
        info.RefreshDateTime.Should().Be(rotationTimes[^1] + TimeSpan.FromDays(7));
        device.Accounts.CheckPassword(ManagedAccount, DeviceLocalCredential.DecodePassword(info.Credentials[0].PasswordBase64)).Should().BeTrue();
        info.Credentials.Select(c => c.PasswordBase64).Should().OnlyHaveUniqueItems();
    }

    [Test]
    public void A_single_90_day_jump_of_the_clock_runs_the_2160_cycles_at_their_own_times()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice(new DeviceOptions { PasswordSeed = 7 });
        CreateManagedAccount(device);
        var t0 = world.Now;
        device.Apply(Packages.Sample("laps-entra-id-backup.xml"));

        world.Clock.Advance(TimeSpan.FromDays(90));
        var cycles = device.RunDueWork();

        cycles.Should().Be(2160);
        device.Events.Query(LapsEventIds.LocalAccountUpdated).Select(e => e.TimeCreated)
            .Should().Equal(Enumerable.Range(0, 13).Select(k => t0 + TimeSpan.FromDays(7 * k)));
        device.LapsState.PasswordExpirationTime.Should().Be(t0 + TimeSpan.FromDays(91));
        device.LapsState.NextCycleTime.Should().Be(t0 + TimeSpan.FromHours(2161));
    }

    internal static void CreateManagedAccount(SimulatedDevice device) =>
        device.Apply(Packages.Of(
            Packages.Add(Packages.Users + ManagedAccount + "/Password", "chr", "Initial-P@ssw0rd-2026"),
            Packages.Add(Packages.Users + ManagedAccount + "/LocalUserGroup", "int", "2"))).Codes().Should().AllBeEquivalentTo(200);
}
