using LapsCsp.Device.Events;
using LapsCsp.Device.Laps;
using LapsCsp.Device.Policy;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Device.Tests.Persistence;

/// <summary>The device's whole state as plain records (for the SQLite store of issue item 10): JSON round trips, and a
/// restored device carries on where the saved one stopped.</summary>
public sealed class DeviceSnapshotTests
{
    private const string ManagedAccount = "ContosoLocalLapsAdmin";

    [Test]
    public void A_device_restored_from_JSON_answers_the_same_and_keeps_rotating_on_schedule()
    {
        var clock = new FakeTimeProvider(LapsWorld.Start);
        using var original = new SimulatedDevice(new DeviceOptions { PasswordSeed = 8 }, clock);
        original.Apply(Packages.Sample("laps-entra-id-backup.xml"));
        original.Apply(Packages.Sample("accounts-create-managed-account.xml"));
        original.PolicyRoots.Set(PolicySource.GroupPolicy, LapsSettingNames.PasswordAgeDays, "12");
        for (var h = 0; h < 30; h++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            original.RunDueWork();
        }

        var json = original.Snapshot().ToJson();
        using var restored = new SimulatedDevice(new DeviceOptions { PasswordSeed = 8 }, clock);
        restored.Restore(DeviceSnapshot.FromJson(json));

        restored.Snapshot().ToJson().Should().Be(json, "nothing is lost or changed by a round trip");
        restored.Accounts.All.Should().BeEquivalentTo(original.Accounts.All);
        restored.LapsState.Should().Be(original.LapsState);
        restored.Events.All.Should().Equal(original.Events.All);
        restored.PolicyRoots.Values(PolicySource.GroupPolicy).Should().BeEquivalentTo(original.PolicyRoots.Values(PolicySource.GroupPolicy));
        restored.EntraId!.Get(restored.Identity.EntraDeviceId).Should().BeEquivalentTo(original.EntraId!.Get(original.Identity.EntraDeviceId));

        for (var h = 0; h < 7 * 24; h++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            restored.RunDueWork();
        }

        restored.Events.Query(LapsEventIds.EntraUpdated).Select(e => e.TimeCreated).Should().Equal(LapsWorld.Start, LapsWorld.Start + TimeSpan.FromDays(7));
        var credential = restored.EntraId!.Get(restored.Identity.EntraDeviceId)!.Credentials[0];
        restored.Accounts.CheckPassword(ManagedAccount, credential.DecodePassword()).Should().BeTrue();
    }

    [Test]
    public void A_snapshot_saved_while_a_reset_was_running_runs_the_reset_again_after_restore()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice();
        device.UseEntra();
        world.EntraId.Faults.Slow(TimeSpan.FromMinutes(1));
        device.Apply(Packages.ResetPasswordThenGetStatus());
        var saved = DeviceSnapshot.FromJson(device.Snapshot().ToJson());
        saved.ResetPasswordStatus.Should().Be(HResults.EPending);
        world.EntraId.Faults.None();

        var revived = world.NewDevice();
        revived.Restore(saved);
        revived.Backend.ResetPasswordStatus.Should().Be(HResults.EPending);
        revived.Backend.RunPendingWork();

        revived.Backend.ResetPasswordStatus.Should().Be(HResults.SOk);
        world.EntraPassword(revived).Should().Be(revived.ManagedPassword());
    }

    [Test]
    public void A_snapshot_in_the_original_format_still_restores_the_tree_accounts_and_status()
    {
        using var device = new SimulatedDevice(new DeviceOptions(), new FakeTimeProvider(LapsWorld.Start));
        const string json = """
            {
              "deviceId": "LAPSCSP-DEVICE-0001",
              "tree": { "./Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays": "9" },
              "accounts": [ { "name": "Administrator", "rid": 500, "sid": "S-1-5-21-1-2-3-500", "enabled": false, "groups": [ "Administrators" ] } ],
              "resetPasswordStatus": -2147023579,
              "resetPending": false
            }
            """;

        device.Restore(DeviceSnapshot.FromJson(json));

        device.Tree.EffectiveValue(Packages.Policies + "PasswordAgeDays").Should().Be("9");
        device.Accounts.All.Should().ContainSingle().Which.Sid.Should().Be("S-1-5-21-1-2-3-500");
        device.Apply(Packages.GetStatus()).ResultOf(Packages.ResetPasswordStatus).Should().Be("-2147023579");
    }

    [Test]
    public void Shared_directories_stay_out_of_the_device_snapshot()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice();
        device.UseEntra();

        var snapshot = device.Snapshot();

        snapshot.PrivateEntraId.Should().BeNull();
        snapshot.PrivateActiveDirectory.Should().BeNull();
        snapshot.Laps!.BackupDirectory.Should().Be(LapsBackupDirectory.EntraId);
        DeviceSnapshot.FromJson(snapshot.ToJson()).Laps.Should().Be(snapshot.Laps);
    }

    [Test]
    public void Options_rebuilt_from_a_recorded_identity_give_the_same_device()
    {
        var saved = new SimulatedDevice(
            new DeviceOptions { DeviceId = "PC-7", DeviceName = "KIOSK-7", JoinType = LapsCsp.Device.Identity.JoinType.EntraJoined, Locale = "de-DE" },
            new FakeTimeProvider(LapsWorld.Start)).Snapshot();

        using var rebuilt = new SimulatedDevice(new DeviceOptions().WithIdentity(saved.Identity!), new FakeTimeProvider(LapsWorld.Start));

        rebuilt.Identity.Should().Be(saved.Identity);
    }
}
