using LapsCsp.Ddf.Model;
using LapsCsp.Device.Events;
using LapsCsp.Device.Policy;
using static LapsCsp.Device.Policy.LapsSettingNames;
using Actions = LapsCsp.Device.Policy.PostAuthenticationActions;

namespace LapsCsp.Device.Tests.Policy;

/// <summary>The effective policy: roots and precedence (digest C.3), applicability by backup directory (C.4, D3-D5).</summary>
public sealed class PolicyResolutionTests
{
    private static readonly OsBuild s_24H2 = new(10, 0, 26100, 2314);
    private static readonly OsBuild s_23H2 = new(10, 0, 22631, 4460);
    private static readonly Dictionary<string, string> s_noCsp = [];

    [Test]
    public void No_root_with_a_value_means_every_default_and_LAPS_disabled()
    {
        var policy = LapsPolicyResolver.Resolve(s_noCsp, new LapsPolicyRoots(), s_24H2);

        policy.Should().BeEquivalentTo(new LapsPolicy(
            PolicySource.None, LapsBackupDirectory.Disabled, null, 30, 4, 14, 6, 24,
            Actions.ResetPassword | Actions.LogOff, null, null));
        policy.IsEnabled.Should().BeFalse();
    }

    [Test]
    public void The_first_root_with_any_value_wins_and_nothing_is_inherited_from_the_roots_below()
    {
        var roots = new LapsPolicyRoots();
        roots.Set(PolicySource.GroupPolicy, BackupDirectory, "2");
        roots.Set(PolicySource.GroupPolicy, PasswordAgeDays, "5");

        var policy = LapsPolicyResolver.Resolve(new Dictionary<string, string> { [PasswordComplexity] = "2" }, roots, s_24H2);

        policy.Source.Should().Be(PolicySource.Csp);
        policy.PasswordComplexity.Should().Be(2);
        policy.BackupDirectory.Should().Be(LapsBackupDirectory.Disabled, "the CSP root does not inherit BackupDirectory from Group Policy");
        policy.PasswordAgeDays.Should().Be(30);
    }

    [TestCase(true, true, true, PolicySource.GroupPolicy, TestName = "Group_Policy_beats_local_configuration_and_legacy_LAPS")]
    [TestCase(false, true, true, PolicySource.LocalConfiguration, TestName = "Local_configuration_beats_legacy_LAPS")]
    [TestCase(false, false, true, PolicySource.LegacyMicrosoftLaps, TestName = "Legacy_LAPS_applies_when_it_is_the_only_root")]
    public void Roots_are_read_in_order(bool gpo, bool local, bool legacy, PolicySource expected)
    {
        var roots = new LapsPolicyRoots();
        if (gpo) roots.Set(PolicySource.GroupPolicy, BackupDirectory, "1");
        if (local) roots.Set(PolicySource.LocalConfiguration, BackupDirectory, "2");
        if (legacy) roots.Set(PolicySource.LegacyMicrosoftLaps, LegacyAdmPwdEnabled, "1");

        LapsPolicyResolver.Resolve(s_noCsp, roots, s_24H2).Source.Should().Be(expected);
    }

    [Test]
    public void The_AD_only_settings_are_ignored_in_Entra_mode_and_default_in_AD_mode()
    {
        var values = new Dictionary<string, string>
        {
            [BackupDirectory] = "1",
            [AdPasswordEncryptionEnabled] = "false",
            [AdEncryptedPasswordHistorySize] = "12",
            [PasswordExpirationProtectionEnabled] = "false",
        };

        var entra = LapsPolicyResolver.Resolve(values, new LapsPolicyRoots(), s_24H2);
        var ad = LapsPolicyResolver.Resolve(new Dictionary<string, string> { [BackupDirectory] = "2" }, new LapsPolicyRoots(), s_24H2);

        entra.ActiveDirectory.Should().BeNull();
        ad.ActiveDirectory.Should().Be(new ActiveDirectoryPolicy(true, true, null, 0));
    }

    [Test]
    public void Legacy_mode_backs_up_to_AD_in_clear_without_history_and_defaults_expiration_protection_to_false()
    {
        var roots = new LapsPolicyRoots();
        roots.Set(PolicySource.LegacyMicrosoftLaps, LegacyAdmPwdEnabled, "1");
        roots.Set(PolicySource.LegacyMicrosoftLaps, LegacyAdminAccountName, "LegacyAdmin");
        roots.Set(PolicySource.LegacyMicrosoftLaps, PasswordLength, "20");

        var policy = LapsPolicyResolver.Resolve(s_noCsp, roots, s_24H2);

        policy.IsLegacyMode.Should().BeTrue();
        policy.BackupDirectory.Should().Be(LapsBackupDirectory.ActiveDirectory);
        policy.AdministratorAccountName.Should().Be("LegacyAdmin");
        policy.PasswordLength.Should().Be(20);
        policy.ActiveDirectory.Should().Be(new ActiveDirectoryPolicy(false, false, null, 0));
    }

    [Test]
    public void Legacy_LAPS_without_AdmPwdEnabled_manages_nothing()
    {
        var roots = new LapsPolicyRoots();
        roots.Set(PolicySource.LegacyMicrosoftLaps, PasswordAgeDays, "10");

        var policy = LapsPolicyResolver.Resolve(s_noCsp, roots, s_24H2);

        policy.Source.Should().Be(PolicySource.LegacyMicrosoftLaps);
        policy.IsEnabled.Should().BeFalse();
    }

    [Test]
    public void Registry_style_values_are_read_and_values_the_DDF_would_refuse_fall_back_to_defaults()
    {
        var roots = new LapsPolicyRoots();
        roots.Set(PolicySource.GroupPolicy, BackupDirectory, "2");
        roots.Set(PolicySource.GroupPolicy, PasswordExpirationProtectionEnabled, "0");
        roots.Set(PolicySource.GroupPolicy, PasswordLength, "100");
        roots.Set(PolicySource.GroupPolicy, PasswordComplexity, "nine");
        roots.Set(PolicySource.GroupPolicy, LapsSettingNames.PostAuthenticationActions, "7");

        var policy = LapsPolicyResolver.Resolve(s_noCsp, roots, s_24H2);

        policy.ActiveDirectory!.PasswordExpirationProtectionEnabled.Should().BeFalse();
        policy.PasswordLength.Should().Be(14);
        policy.PasswordComplexity.Should().Be(4);
        policy.PostAuthenticationActions.Should().Be(LapsPolicyResolver.DefaultPostAuthenticationActions);
    }

    [Test]
    public void A_PasswordAgeDays_below_7_is_raised_to_7_with_Entra_backup_only()
    {
        var roots = new LapsPolicyRoots();
        roots.Set(PolicySource.GroupPolicy, PasswordAgeDays, "3");
        roots.Set(PolicySource.GroupPolicy, BackupDirectory, "1");
        LapsPolicyResolver.Resolve(s_noCsp, roots, s_24H2).PasswordAgeDays.Should().Be(7);

        roots.Set(PolicySource.GroupPolicy, BackupDirectory, "2");
        LapsPolicyResolver.Resolve(s_noCsp, roots, s_24H2).PasswordAgeDays.Should().Be(3);
    }

    [Test]
    public void The_24H2_additions_apply_only_from_build_26100()
    {
        var values = new Dictionary<string, string>
        {
            [BackupDirectory] = "1",
            [PasswordComplexity] = "6",
            [PassphraseLength] = "9",
            [LapsSettingNames.PostAuthenticationActions] = "11",
            [AutomaticAccountManagementEnabled] = "true",
        };

        var older = LapsPolicyResolver.Resolve(values, new LapsPolicyRoots(), s_23H2);
        var newer = LapsPolicyResolver.Resolve(values, new LapsPolicyRoots(), s_24H2);

        older.PasswordComplexity.Should().Be(4);
        older.PostAuthenticationActions.Should().Be(Actions.ResetPassword | Actions.LogOff);
        older.AutomaticAccountManagement.Should().BeNull();
        newer.PasswordComplexity.Should().Be(6);
        newer.PassphraseLength.Should().Be(9);
        newer.PostAuthenticationActions.Should().Be(
            Actions.ResetPassword | Actions.LogOff | Actions.TerminateProcesses);
        newer.AutomaticAccountManagement.Should().Be(new AutomaticAccountManagementPolicy(1, "WLapsAdmin", false, false));
    }

    [Test]
    public void AutomaticAccountManagement_settings_are_ignored_unless_it_is_enabled()
    {
        var values = new Dictionary<string, string>
        {
            [BackupDirectory] = "1",
            [AutomaticAccountManagementNameOrPrefix] = "Other",
            [AutomaticAccountManagementTarget] = "0",
        };

        LapsPolicyResolver.Resolve(values, new LapsPolicyRoots(), s_24H2).AutomaticAccountManagement.Should().BeNull();
    }

    [Test]
    public void Roots_refuse_unknown_settings_and_the_CSP_root()
    {
        var roots = new LapsPolicyRoots();

        var unknown = () => roots.Set(PolicySource.GroupPolicy, "PasswordAgeDayz", "5");
        var legacyName = () => roots.Set(PolicySource.GroupPolicy, LegacyAdmPwdEnabled, "1");
        var csp = () => roots.Set(PolicySource.Csp, BackupDirectory, "1");

        unknown.Should().Throw<ArgumentException>().WithMessage("*PasswordAgeDayz*");
        legacyName.Should().Throw<ArgumentException>();
        csp.Should().Throw<ArgumentException>().WithMessage("*DM tree*");
    }

    [TestCase("1", LapsEventIds.PolicyDumpEntraId, "Microsoft Entra ID", TestName = "Entra_mode_dumps_the_policy_in_10022_with_its_source")]
    [TestCase("2", LapsEventIds.PolicyDumpActiveDirectory, "Active Directory", TestName = "AD_mode_dumps_the_policy_in_10021_with_its_source")]
    public void Each_cycle_dumps_the_policy_with_its_source(string directory, int eventId, string directoryName)
    {
        using var world = new LapsWorld();
        var device = world.NewDevice();
        device.PolicyRoots.Set(PolicySource.LocalConfiguration, BackupDirectory, directory);
        device.PolicyRoots.Set(PolicySource.LocalConfiguration, PasswordAgeDays, "12");

        device.RunDueWork();

        var dump = device.Events.Query(eventId).Single().Message;
        dump.Should().Contain("Policy source: Local Configuration").And.Contain("Backup directory: " + directoryName).And.Contain("Password age in days: 12");
        dump.Should().NotContain(device.ManagedPassword()!);
    }

    [Test]
    public void A_CSP_value_makes_the_Group_Policy_root_irrelevant_on_the_device()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice();
        device.PolicyRoots.Set(PolicySource.GroupPolicy, BackupDirectory, "2");
        device.RunDueWork();
        device.LapsState.BackupDirectory.Should().Be(LapsBackupDirectory.ActiveDirectory);

        device.UseEntra();

        device.Policy.Source.Should().Be(PolicySource.Csp);
        device.LapsState.BackupDirectory.Should().Be(LapsBackupDirectory.EntraId);
        world.EntraPassword(device).Should().Be(device.ManagedPassword());
    }
}
