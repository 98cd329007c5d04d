using LapsCsp.Device.Identity;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Device.Tests.Identity;

/// <summary>Who the device is: ids, name, join type, locale-dependent built-in accounts.</summary>
public sealed class DeviceIdentityTests
{
    [TestCase("en-US", "Administrator")]
    [TestCase("fr-FR", "Administrateur")]
    [TestCase("de-DE", "Administrator")]
    [TestCase("es-ES", "Administrador")]
    [TestCase("pt-BR", "Administrador")]
    [TestCase("sv-SE", "Administratör")]
    [TestCase("fi-FI", "Järjestelmänvalvoja")]
    [TestCase("xx-YY", "Administrator")]
    public void The_built_in_Administrator_is_named_in_the_install_language(string locale, string name)
    {
        using var device = new SimulatedDevice(new DeviceOptions { Locale = locale }, new FakeTimeProvider(LapsWorld.Start));

        var admin = device.Accounts.FindByRid(500)!;

        admin.Name.Should().Be(name);
        admin.Sid.Should().Be(device.Accounts.MachineSid + "-500");
        admin.Enabled.Should().BeFalse();
        admin.IsAdministrator.Should().BeTrue();
    }

    [Test]
    public void LAPS_finds_the_built_in_Administrator_by_RID_whatever_its_name()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice(new DeviceOptions { Locale = "fr-FR", PasswordSeed = 3 });
        device.Accounts.RenameAccount("Administrateur", "Root").Succeeded.Should().BeTrue();

        device.UseEntra();

        device.ManagedAccount!.Name.Should().Be("Root");
        world.EntraId.Get(device.Identity.EntraDeviceId)!.Credentials[0].AccountName.Should().Be("Root");
        world.EntraPassword(device).Should().Be(device.Accounts.Find("Root")!.Password);
    }

    [Test]
    public void Default_identities_are_stable_and_shaped_like_Windows_ones()
    {
        var a = new DeviceOptions { DeviceId = "PC-1" }.Identity;
        var b = new DeviceOptions { DeviceId = "PC-1" }.Identity;
        var c = new DeviceOptions { DeviceId = "PC-2" }.Identity;

        a.Should().Be(b);
        a.DeviceName.Should().MatchRegex("^DESKTOP-[0-9A-F]{7}$").And.HaveLength(15);
        Guid.TryParse(a.EntraDeviceId, out _).Should().BeTrue();
        c.EntraDeviceId.Should().NotBe(a.EntraDeviceId);
        a.JoinType.Should().Be(JoinType.HybridJoined);
    }

    [TestCase(JoinType.EntraJoined, true, false)]
    [TestCase(JoinType.HybridJoined, true, true)]
    [TestCase(JoinType.WorkplaceJoined, false, false)]
    public void A_device_with_private_directories_is_registered_where_its_join_type_allows(JoinType join, bool inTenant, bool inDomain)
    {
        using var device = new SimulatedDevice(new DeviceOptions { JoinType = join }, new FakeTimeProvider(LapsWorld.Start));

        device.HasPrivateDirectories.Should().BeTrue();
        device.EntraId!.IsRegistered(device.Identity.EntraDeviceId).Should().Be(inTenant);
        (device.ActiveDirectory!.GetAttributes(device.Identity.DeviceId) is not null).Should().Be(inDomain);
    }

    [Test]
    public void Shared_directories_learn_about_a_device_when_it_registers()
    {
        using var world = new LapsWorld();
        var device = new SimulatedDevice(new DeviceOptions { DeviceId = "PC-9", DeviceName = "KIOSK-9" }, world.Clock, world.Directories);

        world.EntraId.IsRegistered(device.Identity.EntraDeviceId).Should().BeFalse();
        device.RegisterWithDirectories();

        world.EntraId.IsRegistered(device.Identity.EntraDeviceId).Should().BeTrue();
        world.Domain.GetAttributes("PC-9")!.SamAccountName.Should().Be("KIOSK-9$");
        device.HasPrivateDirectories.Should().BeFalse();
    }

    [Test]
    public void Sessions_and_processes_end_with_a_reboot_which_is_counted()
    {
        using var device = new SimulatedDevice(new DeviceOptions(), new FakeTimeProvider(LapsWorld.Start));
        device.Accounts.Create("alice", "Alice-Passw0rd", administrator: false, LapsWorld.Start);
        var session = device.Logon("alice", "Alice-Passw0rd").Session!;
        device.StartProcess("alice", "notepad.exe", session.Id);

        device.Reboot();

        device.LogonSessions.Sessions.Should().BeEmpty();
        device.LogonSessions.Processes.Should().BeEmpty();
        device.LogonSessions.RebootCount.Should().Be(1);
    }

    [Test]
    public void A_disabled_account_cannot_log_on()
    {
        using var device = new SimulatedDevice(new DeviceOptions(), new FakeTimeProvider(LapsWorld.Start));
        device.Accounts.Create("alice", "Alice-Passw0rd", administrator: false, LapsWorld.Start);
        device.Accounts.SetAccountEnabled("alice", false);

        device.Logon("alice", "Alice-Passw0rd").Win32Error.Should().Be(LapsCsp.Device.Accounts.LogonResult.AccountDisabled);
    }
}
