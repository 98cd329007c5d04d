using LapsCsp.Ddf.Model;
using LapsCsp.Tree.Commands;
using static LapsCsp.Tree.Tests.TreeFixture;

namespace LapsCsp.Tree.Tests;

public class DmTreeTests
{
    [Test]
    public void Add_then_Get_returns_the_value()
    {
        var tree = NewTree();
        tree.Execute(CspCommand.Add(Policies + "BackupDirectory", "int", "1")).Succeeded.Should().BeTrue();
        var get = tree.Execute(CspCommand.Get(Policies + "BackupDirectory"));
        get.Value.Should().Be(new CspValue("1", DdfFormat.Int));
    }

    [Test]
    public void Add_on_an_existing_node_is_AlreadyExists()
    {
        var tree = NewTree();
        tree.Execute(CspCommand.Add(Policies + "BackupDirectory", "int", "1"));
        tree.Execute(CspCommand.Add(Policies + "BackupDirectory", "int", "2")).Fault.Should().Be(CspFault.AlreadyExists);
        tree.EffectiveValue(Policies + "BackupDirectory").Should().Be("1");
    }

    [Test]
    public void Get_on_a_policy_leaf_never_set_is_NotFound()
    {
        NewTree().Execute(CspCommand.Get(Policies + "PasswordAgeDays")).Fault.Should().Be(CspFault.NotFound);
    }

    [Test]
    public void Get_on_a_node_no_CSP_defines_is_NotFound()
    {
        NewTree().Execute(CspCommand.Get("./Device/Vendor/MSFT/LAPS/Policies/NoSuchSetting")).Fault.Should().Be(CspFault.NotFound);
    }

    [Test]
    public void Delete_on_a_missing_leaf_is_NotFound()
    {
        NewTree().Execute(CspCommand.Delete(Policies + "PasswordAgeDays")).Fault.Should().Be(CspFault.NotFound);
    }

    [Test]
    public void Delete_removes_the_value()
    {
        var tree = NewTree();
        tree.Execute(CspCommand.Add(Policies + "PasswordAgeDays", "int", "30"));
        tree.Execute(CspCommand.Delete(Policies + "PasswordAgeDays")).Succeeded.Should().BeTrue();
        tree.Execute(CspCommand.Get(Policies + "PasswordAgeDays")).Fault.Should().Be(CspFault.NotFound);
    }

    [Test]
    public void Replace_on_a_missing_policy_leaf_creates_it_in_the_windows_profile()
    {
        var tree = NewTree(TreeOptions.Windows);
        tree.Execute(CspCommand.Replace(Policies + "PasswordLength", "int", "20")).Succeeded.Should().BeTrue();
        tree.EffectiveValue(Policies + "PasswordLength").Should().Be("20");
    }

    [Test]
    public void Replace_on_a_missing_policy_leaf_is_NotFound_in_the_oma_profile()
    {
        var tree = NewTree(TreeOptions.Oma);
        tree.Execute(CspCommand.Replace(Policies + "PasswordLength", "int", "20")).Fault.Should().Be(CspFault.NotFound);
        tree.State.Count.Should().Be(0);
    }

    [TestCase(CspOperation.Replace, "./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus", TestName = "Replace on ResetPasswordStatus is NotAllowed")]
    [TestCase(CspOperation.Exec, "./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory", TestName = "Exec on a policy leaf is NotAllowed")]
    [TestCase(CspOperation.Get, "./Device/Vendor/MSFT/LAPS/Actions/ResetPassword", TestName = "Get on ResetPassword is NotAllowed")]
    [TestCase(CspOperation.Add, "./Device/Vendor/MSFT/LAPS/Policies", TestName = "Add on the Policies node is NotAllowed")]
    public void Operations_outside_the_AccessType_are_NotAllowed(CspOperation operation, string uri)
    {
        var command = new CspCommand(operation, uri, operation is CspOperation.Replace ? "int" : null, operation is CspOperation.Replace ? "0" : null);
        NewTree().Execute(command).Fault.Should().Be(CspFault.NotAllowed);
    }

    [Test]
    public void Delete_of_a_permanent_node_is_PermanentNode()
    {
        NewTree().Execute(CspCommand.Delete("./Device/Vendor/MSFT/LAPS/Policies")).Fault.Should().Be(CspFault.PermanentNode);
    }

    [TestCase("chr", "1", TestName = "chr Format on an int node is a FormatMismatch")]
    [TestCase("bool", "true", TestName = "bool Format on an int node is a FormatMismatch")]
    [TestCase("integer", "1", TestName = "An unknown Format is a FormatMismatch")]
    public void Wrong_Meta_Format_is_FormatMismatch(string format, string data)
    {
        NewTree().Execute(CspCommand.Add(Policies + "BackupDirectory", format, data)).Fault.Should().Be(CspFault.FormatMismatch);
    }

    [Test]
    public void Missing_Meta_Format_takes_the_node_format()
    {
        NewTree().Execute(CspCommand.Add(Policies + "BackupDirectory", null, "2")).Succeeded.Should().BeTrue();
    }

    [TestCase("BackupDirectory", "int", "abc", CspFault.InvalidValue, TestName = "Text in an int node is InvalidValue")]
    [TestCase("BackupDirectory", "int", "2147483648", CspFault.InvalidValue, TestName = "An int that overflows 32 bits is InvalidValue")]
    [TestCase("BackupDirectory", "int", "3", CspFault.ValueNotAllowed, TestName = "A value outside the enum is ValueNotAllowed")]
    [TestCase("PasswordLength", "int", "7", CspFault.ValueNotAllowed, TestName = "A value below the range is ValueNotAllowed")]
    [TestCase("PasswordLength", "int", "65", CspFault.ValueNotAllowed, TestName = "A value above the range is ValueNotAllowed")]
    [TestCase("PasswordAgeDays", "int", "0", CspFault.ValueNotAllowed, TestName = "PasswordAgeDays 0 is outside 1 to 365")]
    [TestCase("ADPasswordEncryptionEnabled", "bool", "yes", CspFault.InvalidValue, TestName = "yes is not a bool")]
    public void Bad_values_are_refused(string leaf, string format, string data, CspFault fault)
    {
        var tree = NewTree();
        tree.Execute(CspCommand.Add(Policies + "BackupDirectory", "int", "2"));
        var outcome = tree.Execute(CspCommand.Replace(Policies + leaf, format, data));
        outcome.Fault.Should().Be(fault);
        outcome.Reason.Should().Contain(leaf == "ADPasswordEncryptionEnabled" ? "bool" : leaf == "BackupDirectory" && fault == CspFault.InvalidValue ? "integer" : leaf);
    }

    [TestCase("TRUE", "true")]
    [TestCase("False", "false")]
    public void Bool_accepts_any_case_and_answers_lower_case(string sent, string stored)
    {
        var tree = NewTree();
        tree.Execute(CspCommand.Add(Policies + "BackupDirectory", "int", "2"));
        tree.Execute(CspCommand.Add(Policies + "ADPasswordEncryptionEnabled", "bool", sent)).Succeeded.Should().BeTrue();
        tree.Execute(CspCommand.Get(Policies + "ADPasswordEncryptionEnabled")).Value!.Data.Should().Be(stored);
    }

    [Test]
    public void AD_only_setting_without_BackupDirectory_2_is_DependencyNotMet_judged_on_the_default()
    {
        var outcome = NewTree().Execute(CspCommand.Add(Policies + "ADPasswordEncryptionEnabled", "bool", "true"));
        outcome.Fault.Should().Be(CspFault.DependencyNotMet);
        outcome.Reason.Should().Contain("BackupDirectory=2").And.Contain("it is 0");
    }

    [Test]
    public void Replace_PasswordAgeDays_uses_range_chosen_by_BackupDirectory()
    {
        var tree = NewTree();
        tree.Execute(CspCommand.Add(Policies + "BackupDirectory", "int", "1"));
        var outcome = tree.Execute(CspCommand.Replace(Policies + "PasswordAgeDays", "int", "5"));
        outcome.Fault.Should().Be(CspFault.DependencyValueNotAllowed);
        outcome.Reason.Should().Be("PasswordAgeDays=5 outside [7-365] because BackupDirectory=1");
        tree.Execute(CspCommand.Replace(Policies + "BackupDirectory", "int", "2")).Succeeded.Should().BeTrue();
        tree.Execute(CspCommand.Replace(Policies + "PasswordAgeDays", "int", "5")).Succeeded.Should().BeTrue();
    }

    [Test]
    public void PasswordLength_needs_a_password_complexity_not_a_passphrase()
    {
        var tree = NewTree();
        tree.Execute(CspCommand.Add(Policies + "PasswordComplexity", "int", "6")).Succeeded.Should().BeTrue();
        tree.Execute(CspCommand.Add(Policies + "PasswordLength", "int", "20")).Fault.Should().Be(CspFault.DependencyNotMet);
        tree.Execute(CspCommand.Add(Policies + "PassphraseLength", "int", "5")).Succeeded.Should().BeTrue();
    }

    [Test]
    public void Dependency_warn_mode_accepts_and_reports()
    {
        var tree = NewTree(TreeOptions.Windows with { Dependencies = DependencyMode.Warn });
        var outcome = tree.Execute(CspCommand.Add(Policies + "ADPasswordEncryptionEnabled", "bool", "true"));
        outcome.Succeeded.Should().BeTrue();
        outcome.Warnings.Should().Contain(w => w.Contains("BackupDirectory=2", StringComparison.Ordinal));
    }

    [Test]
    public void Writes_under_AtomicRequired_outside_an_Atomic_are_accepted_with_a_warning()
    {
        var outcome = NewTree().Execute(CspCommand.Add(Policies + "BackupDirectory", "int", "1"));
        outcome.Succeeded.Should().BeTrue();
        outcome.Warnings.Should().ContainSingle().Which.Should().Contain("AtomicRequired");
    }

    [Test]
    public void Writes_under_AtomicRequired_outside_an_Atomic_are_refused_when_asked()
    {
        var tree = NewTree(TreeOptions.Windows with { AtomicRequired = AtomicRequiredMode.Reject });
        tree.Execute(CspCommand.Add(Policies + "BackupDirectory", "int", "1")).Fault.Should().Be(CspFault.AtomicRequired);
        tree.State.Count.Should().Be(0);
        tree.ExecuteAtomic([CspCommand.Add(Policies + "BackupDirectory", "int", "1")]).Succeeded.Should().BeTrue();
    }

    [Test]
    public void PassphraseLength_is_not_applicable_before_build_26100()
    {
        var older = new DeviceContext(new OsBuild(10, 0, 22631, 4460), 0x4);
        var tree = NewTree(TreeOptions.Windows with { Device = older });
        tree.Execute(CspCommand.Add(Policies + "PasswordComplexity", "int", "4")).Succeeded.Should().BeTrue();
        var outcome = tree.Execute(CspCommand.Add(Policies + "PassphraseLength", "int", "6"));
        outcome.Fault.Should().Be(CspFault.NotApplicable);
        outcome.Reason.Should().Contain("10.0.26100");
    }

    [Test]
    public void LAPS_is_not_applicable_on_an_edition_outside_the_allow_list()
    {
        var home = new DeviceContext(new OsBuild(10, 0, 26100, 1), 0x65 + 1000);
        NewTree(TreeOptions.Windows with { Device = home })
            .Execute(CspCommand.Get("./Device/Vendor/MSFT/LAPS")).Fault.Should().Be(CspFault.NotApplicable);
    }

    [Test]
    public void LAPS_is_not_applicable_on_an_unpatched_22621_build()
    {
        var old = new DeviceContext(new OsBuild(10, 0, 22621, 1000), 0x4);
        NewTree(TreeOptions.Windows with { Device = old })
            .Execute(CspCommand.Get("./Device/Vendor/MSFT/LAPS/Policies")).Fault.Should().Be(CspFault.NotApplicable);
    }

    [Test]
    public void Get_on_an_interior_node_lists_its_children()
    {
        var tree = NewTree();
        tree.Execute(CspCommand.Get("./Device/Vendor/MSFT/LAPS")).Value.Should().Be(new CspValue("Policies/Actions", DdfFormat.Node));
        tree.Execute(CspCommand.Get("./Device/Vendor/MSFT/LAPS/Policies")).Value!.Data.Should().BeEmpty();
        tree.Execute(CspCommand.Add(Policies + "BackupDirectory", "int", "1"));
        tree.Execute(CspCommand.Add(Policies + "PasswordAgeDays", "int", "7"));
        tree.Execute(CspCommand.Get("./Device/Vendor/MSFT/LAPS/Policies")).Value!.Data.Should().Be("BackupDirectory/PasswordAgeDays");
        tree.Execute(CspCommand.Get("./Device/Vendor/MSFT")).Value!.Data.Should().Be("LAPS/Accounts");
    }

    [Test]
    public void Vendor_prefix_without_Device_addresses_the_same_node()
    {
        var tree = NewTree();
        tree.Execute(CspCommand.Add("./Vendor/MSFT/LAPS/Policies/BackupDirectory", "int", "2")).Succeeded.Should().BeTrue();
        tree.EffectiveValue("./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory").Should().Be("2");
    }

    [Test]
    public void A_uri_in_another_case_is_stored_under_the_DDF_spelling()
    {
        var tree = NewTree();
        tree.Execute(CspCommand.Add("./Vendor/msft/LAPS/Policies/BackupDirectory", "int", "2")).Succeeded.Should().BeTrue();
        tree.State.Nodes.Keys.Should().Equal("./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory");
    }

    [Test]
    public void Add_below_a_missing_dynamic_node_creates_it()
    {
        const string users = "./Device/Vendor/MSFT/Accounts/Users/";
        var tree = NewTree();
        var delete = tree.Execute(CspCommand.Delete(users + "alice"));
        delete.Fault.Should().Be(CspFault.NotFound);
        delete.Reason.Should().Be(users + "alice does not exist");

        tree.Execute(CspCommand.Add(users + "alice/Password", "chr", "pw")).Succeeded.Should().BeTrue();
        tree.State.Nodes.Should().Equal(new Dictionary<string, string?> { [users + "alice"] = null, [users + "alice/Password"] = "pw" });
        tree.Execute(CspCommand.Add(users + "alice/LocalUserGroup", "int", "2")).Succeeded.Should().BeTrue();
        tree.Execute(CspCommand.Delete(users + "alice")).Succeeded.Should().BeTrue();
        tree.State.Count.Should().Be(0);
    }

    [TestCase("./Device/Vendor/MSFT//LAPS", CspFault.BadRequest)]
    [TestCase("/Vendor/MSFT/LAPS", CspFault.BadRequest)]
    [TestCase("./Device/Vendor/MSFT/LAPS/%G0", CspFault.BadRequest)]
    public void Malformed_uris_are_BadRequest(string uri, CspFault fault)
    {
        NewTree().Execute(CspCommand.Get(uri)).Fault.Should().Be(fault);
    }

    [Test]
    public void A_uri_over_the_limit_is_UriTooLong()
    {
        NewTree().Execute(CspCommand.Get("./Device/Vendor/" + new string('x', 5000))).Fault.Should().Be(CspFault.UriTooLong);
    }
}
