using LapsCsp.Device.Events;
using LapsCsp.Directory.Audit;
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
    public void In_shared_directories_the_Entra_device_and_the_AD_computer_object_are_renamed_and_keep_their_passwords()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice(new DeviceOptions { DeviceName = "DESKTOP-OLD", PasswordSeed = 42 });
        device.UseAd();
        var before = world.Domain.GetAttributes(device.Identity.DeviceId)!;
        var beforePassword = world.AdPassword(device);

        RenameAndReboot(device);

        var netBios = device.Identity.DeviceName;
        var after = world.Domain.GetAttributes(device.Identity.DeviceId)!;
        after.SamAccountName.Should().Be(netBios + "$");
        after.DistinguishedName.Should().Be($"CN={netBios},CN=Computers,DC=contoso,DC=com");
        after.EncryptedPassword.Should().Equal(before.EncryptedPassword);
        after.CurrentPasswordVersion.Should().Be(before.CurrentPasswordVersion);
        world.AdPassword(device).Should().Be(beforePassword, "the encrypted password still decrypts on the renamed object");
        world.Domain.FindComputer(netBios)!.DeviceId.Should().Be(device.Identity.DeviceId);
        world.Domain.FindComputer("DESKTOP-OLD").Should().BeNull();
        var rename = world.Domain.AuditLog.Should().ContainSingle(r => r.ActivityDisplayName == LapsAuditActivities.RenameComputer).Subject;
        rename.InitiatedBy.App!.DisplayName.Should().Be(netBios + "$", "the computer renames its own account at its reboot");
        rename.AdditionalDetails.Should().Contain(new AuditKeyValue("OldValue", "DESKTOP-OLD$"));

        Reset(device);
        world.AdPassword(device).Should().Be(device.ManagedPassword(), "the reset after the rename was backed up to the renamed object");
        device.UseEntra();

        world.EntraId.Get(device.Identity.EntraDeviceId)!.DeviceName.Should().Be(device.Identity.HostName);
    }

    [Test]
    public void In_a_shared_domain_a_name_another_computer_holds_leaves_the_object_as_it_was_and_backups_still_reach_it()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice(new DeviceOptions { DeviceName = "DESKTOP-OLD", PasswordSeed = 42 });
        device.UseAd();
        device.Apply(Packages.Of(Rename("Finance-Laptop-%RAND:3%"))).Codes().Should().Equal(200);
        world.Domain.AddComputer("another-device", "FINANCE-LAPTOP-");

        device.Reboot();
        Reset(device);

        device.Identity.DeviceName.Should().Be("FINANCE-LAPTOP-", "the device itself is renamed");
        world.Domain.GetAttributes(device.Identity.DeviceId)!.SamAccountName.Should().Be("DESKTOP-OLD$", "a sAMAccountName is unique in the domain");
        world.Domain.FindComputer("FINANCE-LAPTOP-")!.DeviceId.Should().Be("another-device");
        world.AdPassword(device).Should().Be(device.ManagedPassword(), "the object is keyed by device id");
        world.Domain.AuditLog.Should().NotContain(r => r.ActivityDisplayName == LapsAuditActivities.RenameComputer);
    }

    [Test]
    public void The_devices_own_domain_is_renamed_in_place_with_its_audit_and_KDS_keys()
    {
        using var device = new SimulatedDevice(new DeviceOptions { DeviceName = "DESKTOP-OLD", PasswordSeed = 4 }, new FakeTimeProvider(LapsWorld.Start));
        device.UseAd();
        var domain = device.ActiveDirectory!;
        var audited = domain.AuditLog.Count;

        RenameAndReboot(device);

        device.ActiveDirectory.Should().BeSameAs(domain, "RenameComputer changes the object; the domain is not rebuilt");
        domain.GetAttributes(device.Identity.DeviceId)!.SamAccountName.Should().Be(device.Identity.DeviceName + "$");
        domain.AuditLog.Should().HaveCount(audited + 1);
        domain.AuditLog[^1].ActivityDisplayName.Should().Be(LapsAuditActivities.RenameComputer);
        domain.Decrypt(device.Identity.DeviceId, "CONTOSO\\Administrator")!.Password.Should().Be(device.ManagedPassword());
    }

    [Test]
    public void An_Entra_joined_device_has_no_computer_object_to_rename()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice(new DeviceOptions { DeviceName = "DESKTOP-OLD", JoinType = JoinType.EntraJoined });
        world.Domain.AddComputer(device.Identity.DeviceId, "DESKTOP-OLD");

        RenameAndReboot(device, "KIOSK-9");

        world.Domain.GetAttributes(device.Identity.DeviceId)!.SamAccountName.Should().Be("DESKTOP-OLD$",
            "only a domain-joined (hybrid) device renames its account in the domain");
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
