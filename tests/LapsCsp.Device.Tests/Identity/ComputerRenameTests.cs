using LapsCsp.Device.Events;
using LapsCsp.Device.Identity;
using LapsCsp.SyncML.Messages;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Device.Tests.Identity;

/// <summary>What a DNSComputerName rename changes when it takes effect at the reboot: the directories, the backups and the
/// event log see the new name.</summary>
public sealed class ComputerRenameTests
{
    private const string DnsComputerName = "./DevDetail/Ext/Microsoft/DNSComputerName";

    /// <summary>Longer than 15 characters, so that the NetBIOS name is a cut of it.</summary>
    private const string NewNameTemplate = "Finance-Laptop-%RAND:3%";

    private static ItemCommand Rename(string value) => Packages.Replace(DnsComputerName, "chr", value);

    private static void RenameAndReboot(SimulatedDevice device, string value = NewNameTemplate)
    {
        device.Apply(Packages.Of(Rename(value))).Codes().Should().Equal(200);
        device.Reboot();
    }

    /// <summary>Exec ResetPassword; the rotation it asks for runs when the package is done (then the status is S_OK).</summary>
    private static void Reset(SimulatedDevice device)
    {
        device.Apply(Packages.ResetPasswordThenGetStatus());
        device.Backend.ResetPasswordStatus.Should().Be(0);
    }

    [Test]
    public void After_the_rename_the_next_Entra_backup_carries_the_new_name_in_the_devices_own_tenant()
    {
        using var device = new SimulatedDevice(new DeviceOptions { DeviceName = "DESKTOP-OLD", PasswordSeed = 4 }, new FakeTimeProvider(LapsWorld.Start));
        device.UseEntra();
        var entraId = device.Identity.EntraDeviceId;
        device.EntraId!.Get(entraId)!.DeviceName.Should().Be("DESKTOP-OLD");

        RenameAndReboot(device);
        Reset(device);

        var newName = device.Identity.HostName;
        newName.Should().MatchRegex("^Finance-Laptop-[0-9]{3}$");
        var info = device.EntraId.Get(entraId)!;
        info.DeviceName.Should().Be(newName);
        info.Credentials.Should().HaveCount(2);
        info.Credentials[0].DecodePassword().Should().Be(device.ManagedPassword());
        device.EntraId.AuditLog[^1].InitiatedBy.App!.DisplayName.Should().Be(newName, "the device authenticates under its new name");
    }

    [Test]
    public void After_the_rename_the_devices_own_domain_names_the_computer_object_by_the_new_NetBIOS_name_and_keeps_its_LAPS_attributes()
    {
        using var device = new SimulatedDevice(new DeviceOptions { DeviceName = "DESKTOP-OLD", PasswordSeed = 4 }, new FakeTimeProvider(LapsWorld.Start));
        device.UseAd();
        var before = device.ActiveDirectory!.GetAttributes(device.Identity.DeviceId)!;
        before.SamAccountName.Should().Be("DESKTOP-OLD$");

        RenameAndReboot(device);

        var netBios = device.Identity.DeviceName;
        netBios.Should().Be("FINANCE-LAPTOP-", "the first 15 characters of Finance-Laptop-NNN, upper case");
        var after = device.ActiveDirectory!.GetAttributes(device.Identity.DeviceId)!;
        after.SamAccountName.Should().Be(netBios + "$");
        after.DistinguishedName.Should().Be($"CN={netBios},CN=Computers,DC=contoso,DC=com");
        after.EncryptedPassword.Should().Equal(before.EncryptedPassword);
        after.CurrentPasswordVersion.Should().Be(before.CurrentPasswordVersion);

        Reset(device);
        var decrypted = device.ActiveDirectory.Decrypt(device.Identity.DeviceId, "CONTOSO\\Administrator");
        decrypted!.Password.Should().Be(device.ManagedPassword(), "the next AD backup lands on the renamed object");
    }

    [Test]
    public void Backups_after_the_rename_name_the_device_by_its_host_name_for_Entra_and_its_NetBIOS_name_for_AD()
    {
        using var world = new LapsWorld();
        SimulatedDevice? device = null;
        var entra = new RecordingDirectory(world.EntraId, () => device?.Accounts);
        var ad = new RecordingDirectory(world.Domain, () => device?.Accounts);
        world.Directories = world.Directories with { EntraId = entra, ActiveDirectory = ad };
        device = world.NewDevice(new DeviceOptions { DeviceName = "DESKTOP-OLD", PasswordSeed = 42 });
        device.UseEntra();

        RenameAndReboot(device);
        Reset(device);
        device.UseAd();

        entra.Calls.Select(c => c.Backup.DeviceName).Should().Equal("DESKTOP-OLD", device.Identity.HostName);
        ad.Calls.Select(c => c.Backup.DeviceName).Should().Equal(device.Identity.DeviceName);
        ad.Calls[0].Outcome.Succeeded.Should().BeTrue();
    }

    [Test]
    public void In_shared_directories_the_Entra_device_is_renamed_and_the_AD_object_keeps_its_name_as_the_domain_offers_no_rename()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice(new DeviceOptions { DeviceName = "DESKTOP-OLD", PasswordSeed = 42 });
        device.UseAd();

        RenameAndReboot(device);
        Reset(device);
        device.UseEntra();

        world.EntraId.Get(device.Identity.EntraDeviceId)!.DeviceName.Should().Be(device.Identity.HostName);
        world.Domain.GetAttributes(device.Identity.DeviceId)!.SamAccountName.Should().Be("DESKTOP-OLD$",
            "ActiveDirectoryDomain has no rename; the backup still reaches the object, keyed by device id");
        world.AdPassword(device).Should().NotBeNull();
    }

    [Test]
    public void A_device_not_registered_in_a_shared_tenant_is_not_joined_by_its_rename()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice(new DeviceOptions { DeviceName = "DESKTOP-OLD", JoinType = JoinType.EntraJoined }, register: false);

        RenameAndReboot(device, "KIOSK-9");

        world.EntraId.IsRegistered(device.Identity.EntraDeviceId).Should().BeFalse();
        device.Identity.HostName.Should().Be("KIOSK-9");
    }

    [Test]
    public void Events_carry_the_computer_name_in_effect_when_they_were_written()
    {
        using var device = new SimulatedDevice(new DeviceOptions { DeviceName = "DESKTOP-OLD", JoinType = JoinType.EntraJoined, PasswordSeed = 4 },
            new FakeTimeProvider(LapsWorld.Start));
        device.UseEntra();
        var before = device.Events.All.Count;

        RenameAndReboot(device, "KIOSK-9");
        Reset(device);

        device.Events.All.Take(before).Select(e => e.Computer).Should().AllBe("DESKTOP-OLD");
        device.Events.All.Skip(before).Should().NotBeEmpty().And.OnlyContain(e => e.Computer == "KIOSK-9");
        device.Events.Query(LapsEventIds.EntraUpdated)[^1].Computer.Should().Be("KIOSK-9");
    }

    [Test]
    public void A_pending_rename_changes_nothing_in_the_directories_before_the_reboot()
    {
        using var device = new SimulatedDevice(new DeviceOptions { DeviceName = "DESKTOP-OLD", PasswordSeed = 4 }, new FakeTimeProvider(LapsWorld.Start));
        device.UseEntra();

        device.Apply(Packages.Of(Rename("LAB-%RAND:4%"))).Codes().Should().Equal(200);
        Reset(device);

        device.EntraId!.Get(device.Identity.EntraDeviceId)!.DeviceName.Should().Be("DESKTOP-OLD");
        device.ActiveDirectory!.GetAttributes(device.Identity.DeviceId)!.SamAccountName.Should().Be("DESKTOP-OLD$");
        device.Events.All[^1].Computer.Should().Be("DESKTOP-OLD");
    }

    [Test]
    public void RegisterWithDirectories_after_a_rename_registers_the_new_name()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice(new DeviceOptions { DeviceName = "DESKTOP-OLD", JoinType = JoinType.EntraJoined }, register: false);
        RenameAndReboot(device, "KIOSK-9");

        device.RegisterWithDirectories();

        world.EntraId.IsRegistered(device.Identity.EntraDeviceId).Should().BeTrue();
        device.UseEntra();
        world.EntraId.Get(device.Identity.EntraDeviceId)!.DeviceName.Should().Be("KIOSK-9");
    }
}
