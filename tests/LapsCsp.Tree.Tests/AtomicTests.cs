using LapsCsp.Tree.Commands;
using static LapsCsp.Tree.Tests.TreeFixture;

namespace LapsCsp.Tree.Tests;

public class AtomicTests
{
    [Test]
    public void Atomic_where_all_succeed_commits_everything()
    {
        var tree = NewTree();
        var result = tree.ExecuteAtomic([
            CspCommand.Add(Policies + "BackupDirectory", "int", "1"),
            CspCommand.Add(Policies + "PasswordAgeDays", "int", "7"),
        ]);
        result.Succeeded.Should().BeTrue();
        result.Outcomes.Should().AllSatisfy(o => o.Succeeded.Should().BeTrue());
        tree.State.Count.Should().Be(2);
    }

    [Test]
    public void Atomic_with_a_failing_child_rolls_back_and_marks_the_others()
    {
        var tree = NewTree();
        tree.Execute(CspCommand.Add(Policies + "PasswordLength", "int", "20"));
        var before = tree.State;
        var result = tree.ExecuteAtomic([
            CspCommand.Add(Policies + "BackupDirectory", "int", "1"),
            CspCommand.Add(Policies + "PasswordComplexity", "int", "9"),
            CspCommand.Add(Policies + "PasswordAgeDays", "int", "30"),
        ]);
        result.Succeeded.Should().BeFalse();
        result.Outcomes.Select(o => o.Fault).Should().Equal(CspFault.RolledBack, CspFault.ValueNotAllowed, CspFault.NotExecuted);
        tree.State.Should().BeSameAs(before);
    }

    [Test]
    public void Dependencies_inside_an_Atomic_are_judged_on_the_staged_state_whatever_the_order()
    {
        var tree = NewTree();
        var result = tree.ExecuteAtomic([
            CspCommand.Add(Policies + "ADPasswordEncryptionEnabled", "bool", "true"),
            CspCommand.Add(Policies + "BackupDirectory", "int", "2"),
        ]);
        result.Succeeded.Should().BeTrue();
    }

    [Test]
    public void Dependency_changed_range_inside_an_Atomic_uses_the_staged_BackupDirectory()
    {
        var tree = NewTree();
        var result = tree.ExecuteAtomic([
            CspCommand.Add(Policies + "PasswordAgeDays", "int", "3"),
            CspCommand.Add(Policies + "BackupDirectory", "int", "1"),
        ]);
        result.Succeeded.Should().BeFalse();
        result.Outcomes[0].Fault.Should().Be(CspFault.DependencyValueNotAllowed);
        result.Outcomes[1].Fault.Should().Be(CspFault.NotExecuted);
        tree.State.Count.Should().Be(0);
    }

    [Test]
    public void Get_inside_an_Atomic_fails_the_Atomic()
    {
        var tree = NewTree();
        var result = tree.ExecuteAtomic([
            CspCommand.Add(Policies + "BackupDirectory", "int", "1"),
            CspCommand.Get(Policies + "BackupDirectory"),
        ]);
        result.Outcomes.Select(o => o.Fault).Should().Equal(CspFault.RolledBack, CspFault.NotAllowedInAtomic);
        tree.State.Count.Should().Be(0);
    }

    [Test]
    public void Accounts_user_and_password_are_added_in_one_Atomic_with_implicit_parent()
    {
        var tree = NewTree();
        var result = tree.ExecuteAtomic([
            CspCommand.Add("./Device/Vendor/MSFT/Accounts/Users/LapsAdmin/Password", "chr", "S3cret!x"),
            CspCommand.Add("./Device/Vendor/MSFT/Accounts/Users/LapsAdmin/LocalUserGroup", "int", "2"),
        ]);
        result.Succeeded.Should().BeTrue();
        tree.Execute(CspCommand.Get("./Device/Vendor/MSFT/Accounts/Users")).Fault.Should().Be(CspFault.NotAllowed);
        tree.State.Contains(Paths.CspPath.Parse("./Device/Vendor/MSFT/Accounts/Users/LapsAdmin")).Should().BeTrue();
    }

    [Test]
    public void Accounts_user_node_can_be_added_explicitly_then_its_password()
    {
        var tree = NewTree();
        tree.Execute(CspCommand.Add("./Device/Vendor/MSFT/Accounts/Users/testuser1", null, null)).Succeeded.Should().BeTrue();
        tree.Execute(CspCommand.Add("./Device/Vendor/MSFT/Accounts/Users/testuser1", null, null)).Fault.Should().Be(CspFault.AlreadyExists);
        tree.Execute(CspCommand.Add("./Device/Vendor/MSFT/Accounts/Users/testuser1/Password", "chr", "pw")).Succeeded.Should().BeTrue();
        tree.Execute(CspCommand.Add("./Device/Vendor/MSFT/Accounts/Users/testuser1/Password", "chr", "pw")).Fault.Should().Be(CspFault.AlreadyExists);
    }

    [Test]
    public void Replace_below_a_missing_dynamic_node_is_NotFound()
    {
        NewTree().Execute(CspCommand.Replace("./Device/Vendor/MSFT/Accounts/Users/nobody/LocalUserGroup", "int", "2"))
            .Fault.Should().Be(CspFault.NotAllowed);
    }
}
