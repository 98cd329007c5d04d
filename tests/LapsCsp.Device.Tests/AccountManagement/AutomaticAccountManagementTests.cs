using LapsCsp.Device.Accounts;
using LapsCsp.Device.Events;
using LapsCsp.Device.Laps;

namespace LapsCsp.Device.Tests.AccountManagement;

/// <summary>Automatic account management (24H2, digest C.11) and the protection of the managed account (digest C.5).</summary>
public sealed class AutomaticAccountManagementTests
{
    private LapsWorld _world = null!;

    [SetUp]
    public void SetUp() => _world = new LapsWorld();

    [TearDown]
    public void TearDown() => _world.Dispose();

    [Test]
    public void Target_1_creates_WLapsAdmin_as_a_disabled_administrator_and_backs_up_its_password()
    {
        var device = _world.NewDevice();

        device.UseEntra(more: ("AutomaticAccountManagementEnabled", "True"));

        var account = device.Accounts.Find("WLapsAdmin")!;
        account.Should().NotBeNull();
        account.Rid.Should().BeGreaterThanOrEqualTo(1000);
        account.IsAdministrator.Should().BeTrue();
        account.Enabled.Should().BeFalse("AutomaticAccountManagementEnableAccount defaults to False");
        account.PasswordNeverExpires.Should().BeFalse();
        device.ManagedAccount!.Sid.Should().Be(account.Sid);
        _world.EntraPassword(device).Should().Be(account.Password);
        _world.EntraId.Get(device.Identity.EntraDeviceId)!.Credentials[0].AccountName.Should().Be("WLapsAdmin");
        device.LapsState.ManagedAccountCreatedByLaps.Should().BeTrue();
    }

    [Test]
    public void NameOrPrefix_and_EnableAccount_shape_the_created_account()
    {
        var device = _world.NewDevice();

        device.UseEntra(more: [("AutomaticAccountManagementEnabled", "True"), ("AutomaticAccountManagementNameOrPrefix", "ContosoAdmin"),
            ("AutomaticAccountManagementEnableAccount", "True")]);

        device.Accounts.Find("ContosoAdmin")!.Enabled.Should().BeTrue();
        device.Accounts.Find("WLapsAdmin").Should().BeNull();

        device.Apply(Packages.SetPolicies(("AutomaticAccountManagementEnableAccount", "False")));

        device.Accounts.Find("ContosoAdmin")!.Enabled.Should().BeFalse("the next cycle applies the setting");
    }

    [Test]
    public void RandomizeName_gives_the_account_a_new_six_digit_suffix_at_each_rotation()
    {
        var device = _world.NewDevice();
        device.UseEntra(ageDays: 7, ("AutomaticAccountManagementEnabled", "True"), ("AutomaticAccountManagementRandomizeName", "True"));
        var sid = device.ManagedAccount!.Sid;
        var names = new List<string> { device.ManagedAccount!.Name };

        for (var i = 0; i < 4; i++)
        {
            _world.AdvanceDays(7, device);
            names.Add(device.ManagedAccount!.Name);
        }

        names.Should().OnlyHaveUniqueItems().And.OnlyContain(n => System.Text.RegularExpressions.Regex.IsMatch(n, "^WLapsAdmin[0-9]{6}$"));
        device.Accounts.FindBySid(sid)!.Name.Should().Be(names[^1], "the same account is renamed, not re-created");
        var credentials = _world.EntraId.Get(device.Identity.EntraDeviceId)!.Credentials;
        credentials.Select(c => c.AccountName).Should().Equal(Enumerable.Reverse(names), "each backup names the account as it is after that rotation");
        device.Events.Query(LapsEventIds.LocalAccountUpdated)[^1].Message.Should().Contain(names[^1]);
    }

    [Test]
    public void Target_0_manages_the_built_in_Administrator_renamed_and_enabled_per_policy()
    {
        var device = _world.NewDevice();

        device.UseEntra(more: [("AutomaticAccountManagementEnabled", "True"), ("AutomaticAccountManagementTarget", "0"),
            ("AutomaticAccountManagementNameOrPrefix", "LocalRoot"), ("AutomaticAccountManagementEnableAccount", "True")]);

        var admin = device.Accounts.FindByRid(500)!;
        admin.Name.Should().Be("LocalRoot");
        admin.Enabled.Should().BeTrue();
        device.ManagedAccount!.Rid.Should().Be(500);
        device.Accounts.All.Should().NotContain(a => a.Name.StartsWith("WLapsAdmin", StringComparison.Ordinal));
    }

    [Test]
    public void Leaving_automatic_mode_deletes_the_account_LAPS_created_and_manages_the_built_in_Administrator_again()
    {
        var device = _world.NewDevice();
        device.UseEntra(more: ("AutomaticAccountManagementEnabled", "True"));

        device.Apply(Packages.SetPolicies(("AutomaticAccountManagementEnabled", "False")));

        device.Accounts.Find("WLapsAdmin").Should().BeNull();
        device.ManagedAccount!.Rid.Should().Be(500);
        _world.EntraPassword(device).Should().Be(device.Accounts.FindByRid(500)!.Password);
    }

    [Test]
    public void Automatic_management_is_not_applicable_before_24H2()
    {
        var device = _world.NewDevice(new DeviceOptions
        {
            PasswordSeed = 2,
            Context = new Tree.DeviceContext(new Ddf.Model.OsBuild(10, 0, 22631, 4460), 0x4),
        });

        var reply = device.Apply(Packages.SetPolicies(("BackupDirectory", "1"), ("AutomaticAccountManagementEnabled", "True")));

        reply.Codes().Should().Equal(200, 405);
        device.Accounts.Find("WLapsAdmin").Should().BeNull();
        device.ManagedAccount!.Rid.Should().Be(500);
    }

    [TestCase(AccountChangeKind.Rename, LapsEventIds.AccountModificationBlocked, TestName = "Renaming_the_automatic_account_is_blocked_with_10101")]
    [TestCase(AccountChangeKind.Enable, LapsEventIds.AccountModificationBlocked, TestName = "Enabling_the_automatic_account_is_blocked_with_10101")]
    [TestCase(AccountChangeKind.ChangeSecurityDescriptor, LapsEventIds.AccountSecurityDescriptorChangeBlocked, TestName = "Changing_the_automatic_accounts_security_descriptor_is_blocked_with_10102")]
    [TestCase(AccountChangeKind.Delete, LapsEventIds.AccountDeletionBlocked, TestName = "Deleting_the_automatic_account_is_blocked_with_10103")]
    [TestCase(AccountChangeKind.RemoveFromAdministrators, LapsEventIds.AccountRemovalFromAdministratorsBlocked, TestName = "Removing_the_automatic_account_from_Administrators_is_blocked_with_10104")]
    [TestCase(AccountChangeKind.ChangePassword, LapsEventIds.PasswordChangeBlocked, TestName = "Changing_the_automatic_accounts_password_is_blocked_with_10031")]
    public void Outside_changes_to_the_automatic_account_are_blocked(AccountChangeKind change, int eventId)
    {
        var device = _world.NewDevice();
        device.UseEntra(more: ("AutomaticAccountManagementEnabled", "True"));
        var before = device.Accounts.Find("WLapsAdmin")!;

        var result = Attempt(device.Accounts, "WLapsAdmin", change);

        result.Win32Error.Should().Be(AccountChangeResult.PolicyControlledAccount).And.Be(0x21CE);
        device.Accounts.FindBySid(before.Sid).Should().BeEquivalentTo(before);
        device.Events.Query(eventId).Should().ContainSingle();
        LapsEventIds.LevelOf(eventId).Should().Be(LapsCsp.Device.Events.LapsEventLevel.Warning);
    }

    [Test]
    public void In_manual_mode_only_the_managed_accounts_password_is_protected()
    {
        var device = _world.NewDevice();
        device.UseEntra();

        Attempt(device.Accounts, "Administrator", AccountChangeKind.ChangePassword).Win32Error.Should().Be(AccountChangeResult.PolicyControlledAccount);
        Attempt(device.Accounts, "Administrator", AccountChangeKind.Enable).Succeeded.Should().BeTrue();
        Attempt(device.Accounts, "Administrator", AccountChangeKind.Rename).Succeeded.Should().BeTrue();

        device.Accounts.FindByRid(500)!.Name.Should().Be("Admin2");
        device.Events.Query(LapsEventIds.PasswordChangeBlocked).Should().ContainSingle();
        device.ManagedPassword().Should().Be(_world.EntraPassword(device));
    }

    [Test]
    public void Accounts_not_managed_by_LAPS_change_freely()
    {
        var device = _world.NewDevice();
        device.UseEntra();
        device.Accounts.Create("alice", "x-Passw0rd-1", administrator: true, _world.Now);

        Attempt(device.Accounts, "alice", AccountChangeKind.ChangePassword).Succeeded.Should().BeTrue();
        Attempt(device.Accounts, "alice", AccountChangeKind.RemoveFromAdministrators).Succeeded.Should().BeTrue();
        Attempt(device.Accounts, "alice", AccountChangeKind.Delete).Succeeded.Should().BeTrue();
        device.Events.Query(LapsEventIds.PasswordChangeBlocked, LapsEventIds.AccountDeletionBlocked).Should().BeEmpty();
    }

    [Test]
    public void The_Accounts_CSP_cannot_delete_the_automatic_account()
    {
        var device = _world.NewDevice();
        device.Apply(Packages.Of(Packages.Add(Packages.Users + "WLapsAdmin/Password", "chr", "Created-By-Csp-1"))).Codes().Should().Equal(200);
        device.UseEntra(more: ("AutomaticAccountManagementEnabled", "True"));
        var account = device.ManagedAccount!;
        account.Name.Should().Be("WLapsAdmin", "automatic mode adopts the existing account of that name");

        var reply = device.Apply(Packages.Of(Packages.Delete(Packages.Users + "WLapsAdmin")));

        reply.Codes().Should().Equal(500);
        reply.Reports[^1].Reason.Should().Contain("ERROR_POLICY_CONTROLLED_ACCOUNT");
        device.Accounts.FindBySid(account.Sid).Should().BeEquivalentTo(account);
        device.Events.Query(LapsEventIds.AccountDeletionBlocked).Should().ContainSingle();
        HResults.PolicyControlledAccount.Should().Be(unchecked((int)0x800721CE));
    }

    [Test]
    public void The_Accounts_CSP_cannot_set_the_password_of_the_managed_built_in_Administrator()
    {
        var device = _world.NewDevice();
        device.UseEntra();
        var password = device.ManagedPassword();

        var reply = device.Apply(Packages.Of(Packages.Add(Packages.Users + "Administrator/Password", "chr", "Chosen-By-Someone-1")));

        reply.Codes().Should().Equal(500);
        reply.Reports[^1].Reason.Should().Contain("ERROR_POLICY_CONTROLLED_ACCOUNT");
        device.ManagedPassword().Should().Be(password);
        device.Events.Query(LapsEventIds.PasswordChangeBlocked).Should().ContainSingle();
    }

    private static AccountChangeResult Attempt(LocalAccountStore accounts, string name, AccountChangeKind change) => change switch
    {
        AccountChangeKind.Rename => accounts.RenameAccount(name, "Admin2"),
        AccountChangeKind.Enable => accounts.SetAccountEnabled(name, true),
        AccountChangeKind.Disable => accounts.SetAccountEnabled(name, false),
        AccountChangeKind.ChangePassword => accounts.ChangeAccountPassword(name, "Someone-Else-1!", LapsWorld.Start),
        AccountChangeKind.Delete => accounts.DeleteAccount(name),
        AccountChangeKind.RemoveFromAdministrators => accounts.RemoveAccountFromGroup(name, "Administrators"),
        _ => accounts.ChangeAccountSecurityDescriptor(name),
    };
}
