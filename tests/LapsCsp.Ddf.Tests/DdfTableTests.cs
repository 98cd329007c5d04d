using LapsCsp.Ddf.Display;
using static LapsCsp.Ddf.Tests.TestDdf;

namespace LapsCsp.Ddf.Tests;

public class DdfTableTests
{
    [Test]
    public void Render_prints_a_header_a_rule_and_one_line_per_LAPS_node()
    {
        var text = DdfTable.Render(DdfTable.Rows(Laps));
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        lines.Should().HaveCount(2 + 22);
        lines[0].Should().StartWith("Path").And.Contain("Access").And.Contain("Atomic").And.Contain("Dependencies").And.EndWith("Applicability");
        lines[1].Should().MatchRegex("^-+( +-+)+$");
        text.Should().Contain("BackupDirectory=1 => [7-365]; BackupDirectory=2 => [1-365]");
        text.Should().Contain("needs PasswordComplexity in [1-5]");
        text.Should().Contain("{1,3,5,11}");
        text.Should().Contain("32 editions");
        var atomicColumn = lines[0].IndexOf("Atomic", StringComparison.Ordinal);
        lines.Skip(2).Should().ContainSingle(l => l.Length > atomicColumn && l.Substring(atomicColumn).StartsWith("yes", StringComparison.Ordinal))
            .Which.Should().StartWith(LapsRoot + "/Policies ");
    }

    [Test]
    public void Render_aligns_every_column_under_its_header()
    {
        var rows = DdfTable.Rows(Laps);
        var lines = DdfTable.Render(rows).Split('\n');
        var formatColumn = lines[0].IndexOf("Format", StringComparison.Ordinal);
        var allowedColumn = lines[0].IndexOf("Allowed", StringComparison.Ordinal);

        for (var i = 0; i < rows.Count; i++)
        {
            var line = lines[i + 2];
            line[..rows[i].Path.Length].Should().Be(rows[i].Path);
            line[formatColumn..].Should().StartWith(rows[i].Format + " ");
            line[(formatColumn - 2)..formatColumn].Should().Be("  ");
            if (rows[i].Allowed.Length > 0) line[allowedColumn..].Should().StartWith(rows[i].Allowed);
        }
    }

    [TestCase("Policies", 18, TestName = "Filter_by_a_segment_selects_the_subtree")]
    [TestCase("policies/passwordlength", 1, TestName = "Filter_by_a_path_suffix_ignores_case")]
    [TestCase("./Vendor/MSFT/LAPS/Actions", 3, TestName = "Filter_by_a_full_path_selects_the_subtree")]
    [TestCase("./Device/Vendor/MSFT/LAPS", 22, TestName = "Filter_by_the_root_selects_everything")]
    [TestCase("Length", 0, TestName = "Filter_matches_whole_segments_only")]
    [TestCase("./Policies", 0, TestName = "Filter_starting_with_dot_must_match_the_whole_path")]
    public void Rows_filtered_by_node(string filter, int expectedCount)
    {
        DdfTable.Rows(Laps, filter).Should().HaveCount(expectedCount);
    }

    [TestCase("Users/alice/Password", TestName = "Filter_with_a_concrete_user_name_matches_the_dynamic_node")]
    [TestCase("Users/<UserName>/Password", TestName = "Filter_with_the_dynamic_title_matches_the_dynamic_node")]
    public void Rows_filter_through_dynamic_nodes(string filter)
    {
        DdfTable.Rows(Accounts, filter).Should().ContainSingle().Which.Path.Should().Be("./Device/Vendor/MSFT/Accounts/Users/<UserName>/Password");
    }

    [Test]
    public void Accounts_rows_show_no_access_as_a_dash_and_Add_only_as_A()
    {
        var rows = DdfTable.Rows(Accounts).ToDictionary(r => r.Path[("./Device/Vendor/MSFT/Accounts".Length)..]);

        rows["/Users/<UserName>"].Access.Should().Be("-");
        rows["/Users/<UserName>/Password"].Access.Should().Be("A");
        rows["/Users/<UserName>/LocalUserGroup"].Default.Should().Be("1");
        rows[string.Empty].Access.Should().Be("G");
    }

    [Test]
    public void Show_on_a_single_node_gives_a_detailed_view_with_the_description()
    {
        var text = DdfTable.Show(Laps, "Policies/BackupDirectory");

        text.Should().Contain("Path:            ./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory");
        text.Should().Contain("Access:          Add, Delete, Get, Replace");
        text.Should().Contain("Allowed:         {0,1,2} (ENUM)");
        text.Should().Contain("  2 = Backup the password to Active Directory only");
        text.Should().Contain("Description:\n  Use this setting to configure which directory");
    }

    [Test]
    public void Show_details_dependencies_and_applicability()
    {
        var text = DdfTable.Show(Laps, "PasswordAgeDays");

        text.Should().Contain("  BackupDirectoryAADMode: BackupDirectory=1 => [7-365]");
        text.Should().Contain("  BackupDirectoryADMode: BackupDirectory=2 => [1-365]");
        DdfTable.Show(Laps, "./Vendor/MSFT/LAPS/Policies/PassphraseLength").Should().Contain("Applicability:   10.0.26100; CSP 1.1");
    }

    [Test]
    public void Show_on_a_subtree_gives_the_table()
    {
        DdfTable.Show(Laps, "Actions").Should().StartWith("Path").And.Contain(LapsRoot + "/Actions/ResetPassword ");
    }
}
