using System.Globalization;
using LapsCsp.Device;
using LapsCsp.Device.Policy;
using LapsCsp.SyncML.Messages;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Dashboard.Tests.Devices;

/// <summary><see cref="Device.Laps.SimulatedDeviceBackend.ManagedAccountName"/>, the cached name the dashboard shows for
/// every local device: after every kind of change it answers as <see cref="Device.Laps.SimulatedDeviceBackend.ManagedAccount"/>
/// resolves it afresh.</summary>
public class ManagedAccountNameTests
{
    private const string Policies = "./Device/Vendor/MSFT/LAPS/Policies/";

    private static readonly DateTimeOffset s_start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Test]
    public void The_cached_name_follows_outside_renames_CSP_policy_new_and_deleted_accounts()
    {
        var time = new FakeTimeProvider(s_start);
        using var device = new SimulatedDevice(new DeviceOptions { DeviceId = "PC-CACHE-1" }, time);

        NameShouldBe(device, "Administrator", "without a policy LAPS manages the built-in Administrator (RID 500)");
        NameShouldBe(device, "Administrator", "asked again, nothing changed");

        device.Accounts.RenameAccount("Administrator", "Admin2").Succeeded.Should().BeTrue();
        NameShouldBe(device, "Admin2", "renamed from outside: the RID 500 account has a new name");

        Apply(device, ("AdministratorAccountName", "HelpdeskAdmin"));
        NameShouldBe(device, null, "the policy names an account that does not exist");

        device.Accounts.Create("HelpdeskAdmin", "Initial-1aA", administrator: true, time.GetUtcNow()).Should().NotBeNull();
        NameShouldBe(device, "HelpdeskAdmin", "the account the policy names was created from outside");

        device.Accounts.RenameAccount("HelpdeskAdmin", "HelpdeskAdmin2").Succeeded.Should().BeTrue();
        NameShouldBe(device, null, "the account of that name is gone");

        Apply(device, ("AdministratorAccountName", "HelpdeskAdmin2"));
        NameShouldBe(device, "HelpdeskAdmin2", "the CSP policy names the renamed account");

        device.Accounts.Remove("HelpdeskAdmin2").Should().BeTrue();
        NameShouldBe(device, null, "the account was deleted");
    }

    [Test]
    public void The_cached_name_follows_a_policy_root_that_changes_outside_the_DM_tree()
    {
        var time = new FakeTimeProvider(s_start);
        using var device = new SimulatedDevice(new DeviceOptions { DeviceId = "PC-CACHE-2" }, time);
        NameShouldBe(device, "Administrator", "without a policy");

        device.PolicyRoots.Set(PolicySource.GroupPolicy, "AdministratorAccountName", "Guest");
        NameShouldBe(device, "Guest", "the Group Policy root names the Guest account");

        device.PolicyRoots.Clear(PolicySource.GroupPolicy);
        NameShouldBe(device, "Administrator", "the root was cleared");
    }

    private static void NameShouldBe(SimulatedDevice device, string? expected, string because)
    {
        device.Backend.ManagedAccountName.Should().Be(expected, because);
        device.Backend.ManagedAccountName.Should().Be(device.Backend.ManagedAccount()?.Name, "the cache answers as the policy resolved afresh");
    }

    /// <summary>Replaces LAPS CSP policy values over a DM session, as a server would.</summary>
    private static void Apply(SimulatedDevice device, params (string Name, string Value)[] values)
    {
        var commands = values.Select((v, i) => new ItemCommand(ItemCommandKind.Replace, (i + 1).ToString(CultureInfo.InvariantCulture),
            [new Item(Policies + v.Name, Meta: new Meta("chr", "text/plain"), Data: new ItemData(v.Value))]));
        var reply = device.Apply(new SyncMLMessage(
            new SyncHeader("1", "1", device.Options.DeviceId, "https://mdm.contoso.com/ManagementServer/MDM.svc"), [.. commands]));
        reply.Reports.Where(r => r.Cmd != "SyncHdr").Should().OnlyContain(r => (int)r.Status == 200);
    }
}
