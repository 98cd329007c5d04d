using LapsCsp.Testing;

namespace LapsCsp.Cli.Tests;

public class DdfCommandTests
{
    [Test]
    public void Ddf_show_prints_the_LAPS_node_table()
    {
        var result = CliRunner.Run("ddf", "show", RepoPaths.Ddf("LAPS.xml"));
        result.ExitCode.Should().Be(0, result.Stderr);
        result.Stdout.Should().Contain("./Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays")
            .And.Contain("[1-365]").And.Contain("[7-365]").And.Contain("ResetPasswordStatus");
    }

    [Test]
    public void Ddf_show_with_node_prints_one_node()
    {
        var result = CliRunner.Run("ddf", "show", RepoPaths.Ddf("Accounts.xml"), "--node", "LocalUserGroup");
        result.ExitCode.Should().Be(0, result.Stderr);
        result.Stdout.Should().Contain("LocalUserGroup").And.NotContain("ComputerName");
    }

    [Test]
    public void Ddf_show_on_a_bad_file_reports_problems_with_positions()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.xml");
        File.WriteAllText(file, "<MgmtTree><Node><NodeName>X</NodeName><DFProperties><DFFormat><weird/></DFFormat></DFProperties></Node></MgmtTree>");
        try
        {
            var result = CliRunner.Run("ddf", "show", file);
            result.ExitCode.Should().NotBe(0);
            result.Stderr.Should().MatchRegex("line [0-9]+");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
