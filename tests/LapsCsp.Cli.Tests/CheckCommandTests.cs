using System.Xml.Linq;
using LapsCsp.Testing;

namespace LapsCsp.Cli.Tests;

/// <summary>The conformance runner over samples/: the same command users run in their CI.</summary>
public class CheckCommandTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = System.IO.Directory.CreateTempSubdirectory("lapscsp-check-").FullName;

    [TearDown]
    public void TearDown() => System.IO.Directory.Delete(_dir, recursive: true);

    [Test]
    public void Check_passes_on_every_sample_of_the_repository()
    {
        var result = CliRunner.Run("check", RepoPaths.Samples);
        result.ExitCode.Should().Be(0, result.Stdout + result.Stderr);
        result.Stdout.Should().Contain(" 0 failed").And.NotContain("FAIL ");
    }

    [Test]
    public void Check_fails_loudly_when_an_expectation_is_edited()
    {
        CopySample("atomic-rollback-507");
        var expected = Path.Combine(_dir, "atomic-rollback-507.expected.xml");
        File.WriteAllText(expected, File.ReadAllText(expected).Replace("<Data>507</Data>", "<Data>200</Data>", StringComparison.Ordinal));
        var junit = Path.Combine(_dir, "junit.xml");

        var result = CliRunner.Run("check", _dir, "--junit", junit);

        result.ExitCode.Should().Be(1);
        result.Stdout.Should().Contain("FAIL").And.Contain("expected Status Atomic CmdRef=1 MsgRef=1 -> 200, got Status Atomic CmdRef=1 MsgRef=1 -> 507");
        var suite = XDocument.Load(junit).Root!.Element("testsuite")!;
        suite.Attribute("failures")!.Value.Should().Be("1");
        suite.Element("testcase")!.Element("failure").Should().NotBeNull();
    }

    [Test]
    public void Check_update_rewrites_the_expectation_so_the_next_run_passes()
    {
        CopySample("add-existing-node-418");
        File.Delete(Path.Combine(_dir, "add-existing-node-418.expected.xml"));
        CliRunner.Run("check", _dir).ExitCode.Should().Be(1);
        CliRunner.Run("check", _dir, "--update").ExitCode.Should().Be(0);
        CliRunner.Run("check", _dir).ExitCode.Should().Be(0);
    }

    [Test]
    public void Check_compares_statuses_not_whitespace()
    {
        CopySample("atomic-all-succeed");
        var expected = Path.Combine(_dir, "atomic-all-succeed.expected.xml");
        File.WriteAllText(expected, XDocument.Load(expected).ToString(SaveOptions.DisableFormatting));
        CliRunner.Run("check", _dir).ExitCode.Should().Be(0);
    }

    [Test]
    public void Check_with_no_samples_exits_2()
    {
        CliRunner.Run("check", _dir).ExitCode.Should().Be(2);
    }

    private void CopySample(string name)
    {
        foreach (var file in System.IO.Directory.EnumerateFiles(RepoPaths.Samples, name + ".*"))
        {
            File.Copy(file, Path.Combine(_dir, Path.GetFileName(file)));
        }
    }
}
