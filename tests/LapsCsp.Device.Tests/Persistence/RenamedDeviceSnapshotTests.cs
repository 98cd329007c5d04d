using LapsCsp.Device.Identity;
using LapsCsp.Storage;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Device.Tests.Persistence;

/// <summary>A rename survives the device's snapshot: the renamed identity, the pending name and the position in the
/// %RAND:x% stream come back from JSON and from the SQLite store; snapshots without them still load.</summary>
public sealed class RenamedDeviceSnapshotTests
{
    private const string DnsComputerName = "./DevDetail/Ext/Microsoft/DNSComputerName";

    private static DeviceOptions Options => new() { DeviceId = "PC-SNAP-1", DeviceName = "DESKTOP-OLD", Seed = 11, PasswordSeed = 4 };

    private static void Rename(SimulatedDevice device, string value) =>
        device.Apply(Packages.Of(Packages.Replace(DnsComputerName, "chr", value))).Codes().Should().Equal(200);

    private static string? Get(SimulatedDevice device, string uri) => device.Apply(Packages.Of(Packages.Get(uri))).ResultOf(uri);

    [Test]
    public void A_renamed_device_with_a_pending_rename_comes_back_from_the_SQLite_store_as_it_was()
    {
        var clock = new FakeTimeProvider(LapsWorld.Start);
        using var original = new SimulatedDevice(Options, clock);
        original.UseEntra();
        Rename(original, "Finance-Laptop-%RAND:4%");
        original.Reboot();
        Rename(original, "Finance-Desk-%RAND:4%");
        using var store = LapsStore.OpenInMemory();

        store.SaveDevice(original.Snapshot());
        var loaded = store.LoadDevice("PC-SNAP-1")!;
        using var restored = new SimulatedDevice(Options, clock);
        restored.Restore(loaded);

        loaded.ComputerName.Should().Be(new ComputerNameSnapshot(original.Identity.HostName, original.PendingComputerName, 2));
        restored.Identity.Should().Be(original.Identity);
        restored.Identity.HostName.Should().MatchRegex("^Finance-Laptop-[0-9]{4}$");
        restored.Identity.DeviceName.Should().Be("FINANCE-LAPTOP-");
        restored.PendingComputerName.Should().Be(original.PendingComputerName).And.MatchRegex("^Finance-Desk-[0-9]{4}$");
        Get(restored, DnsComputerName).Should().Be(original.Identity.HostName, "the pending name waits for the reboot");
        restored.EntraId!.Get(restored.Identity.EntraDeviceId)!.DeviceName.Should().Be(original.Identity.HostName);
        restored.Events.Computer.Should().Be(original.Identity.HostName, "events written from now on name the renamed computer");
        restored.Snapshot().ToJson().Should().Be(original.Snapshot().ToJson(), "nothing is lost or changed by the round trip");

        original.Reboot();
        restored.Reboot();

        restored.Identity.Should().Be(original.Identity);
        Get(restored, "./DevDetail/Ext/Microsoft/DeviceName").Should().MatchRegex("^Finance-Desk-[0-9]{4}$");
        Rename(original, "NEXT-%RAND:8%");
        Rename(restored, "NEXT-%RAND:8%");
        restored.PendingComputerName.Should().Be(original.PendingComputerName, "the %RAND:x% stream carries on where it stopped");
    }

    [Test]
    public void A_host_that_rebuilds_the_device_from_its_registration_gets_the_renamed_identity_back_from_the_snapshot()
    {
        var clock = new FakeTimeProvider(LapsWorld.Start);
        using var original = new SimulatedDevice(Options, clock);
        Rename(original, "Lab-%RAND:3%");
        original.Reboot();
        var json = original.Snapshot().ToJson();

        // The server builds devices from their registration (the name they enrolled with), then restores the stored snapshot.
        using var hosted = new SimulatedDevice(Options, clock);
        hosted.Restore(DeviceSnapshot.FromJson(json));
        using var rebuilt = new SimulatedDevice(Options.WithIdentity(DeviceSnapshot.FromJson(json).Identity!), clock);

        hosted.Identity.Should().Be(original.Identity);
        hosted.ActiveDirectory!.GetAttributes("PC-SNAP-1")!.SamAccountName.Should().Be(original.Identity.DeviceName + "$");
        rebuilt.Identity.Should().Be(original.Identity, "DeviceOptions.WithIdentity keeps the DNS host name too");
        Get(rebuilt, DnsComputerName).Should().Be(original.Identity.HostName);
    }

    [Test]
    public void A_snapshot_without_a_computer_name_restores_the_name_of_the_options()
    {
        var clock = new FakeTimeProvider(LapsWorld.Start);
        using var device = new SimulatedDevice(Options, clock);
        var older = device.Snapshot();
        Rename(device, "Lab-%RAND:3%");
        device.Reboot();
        var json = older.ToJson();

        json.Should().NotContain("computerName", "a device never renamed writes no rename state");
        device.Restore(DeviceSnapshot.FromJson(json));

        device.Identity.Should().Be(Options.Identity);
        device.PendingComputerName.Should().BeNull();
        Get(device, DnsComputerName).Should().Be("DESKTOP-OLD");
    }

    [Test]
    public void A_snapshot_in_the_original_format_loads_with_the_options_name_and_no_pending_rename()
    {
        using var device = new SimulatedDevice(Options, new FakeTimeProvider(LapsWorld.Start));
        const string json = """
            {
              "deviceId": "PC-SNAP-1",
              "tree": {},
              "accounts": [ { "name": "Administrator", "rid": 500, "sid": "S-1-5-21-1-2-3-500", "enabled": false, "groups": [ "Administrators" ] } ],
              "resetPasswordStatus": 0,
              "resetPending": false,
              "events": { "events": [ { "recordId": 1, "id": 10003, "level": "Information", "timeCreated": "2025-03-03T09:00:00+00:00", "message": "old" } ], "nextRecordId": 2 }
            }
            """;

        device.Restore(DeviceSnapshot.FromJson(json));

        device.Identity.Should().Be(Options.Identity);
        device.PendingComputerName.Should().BeNull();
        device.Events.All.Should().ContainSingle().Which.Computer.Should().BeNull("events saved before the log recorded the computer have none");
        Rename(device, "Lab-%RAND:3%");
        device.Reboot();
        device.Identity.HostName.Should().MatchRegex("^Lab-[0-9]{3}$");
    }
}
