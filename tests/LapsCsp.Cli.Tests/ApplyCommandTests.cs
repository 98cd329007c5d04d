using System.Text;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.Testing;

namespace LapsCsp.Cli.Tests;

public class ApplyCommandTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = System.IO.Directory.CreateTempSubdirectory("lapscsp-apply-").FullName;

    [TearDown]
    public void TearDown() => System.IO.Directory.Delete(_dir, recursive: true);

    private static string Sample(string name) => Path.Combine(RepoPaths.Samples, name);

    private static IEnumerable<StatusCommand> Statuses(string reply)
    {
        var read = SyncMLReader.Read(reply);
        read.Succeeded.Should().BeTrue(string.Join("; ", read.Diagnostics));
        return read.Message!.Commands.OfType<StatusCommand>();
    }

    [Test]
    public void Apply_answers_the_Entra_sample_with_a_200_per_command()
    {
        var result = CliRunner.Run("apply", Sample("laps-entra-id-backup.xml"));
        result.ExitCode.Should().Be(0, result.Stderr);
        Statuses(result.Stdout).Select(s => s.Code).Should().Equal(Enumerable.Repeat("200", 8));
    }

    [Test]
    public void Apply_with_explain_prints_each_status_and_its_reason()
    {
        var result = CliRunner.Run("apply", Sample("dependency-changed-range-400.xml"), "--explain");
        result.ExitCode.Should().Be(0);
        result.Stderr.Should().Contain("PasswordAgeDays=5 outside [7-365] because BackupDirectory=1");
    }

    [Test]
    public void Apply_refuses_malformed_xml_with_exit_2_and_a_position_and_no_stack_trace()
    {
        var result = CliRunner.Run("apply", Sample("refused/malformed-xml.xml"));
        result.ExitCode.Should().Be(2);
        result.Stdout.Should().BeEmpty();
        result.Stderr.Should().MatchRegex("line [0-9]+, column [0-9]+");
        result.Stderr.Should().NotContain("   at ");
    }

    [Test]
    public void Apply_state_file_keeps_the_device_between_runs()
    {
        var state = Path.Combine(_dir, "device.db");
        var first = CliRunner.Run("apply", Sample("atomic-all-succeed.xml"), "--state", state);
        first.ExitCode.Should().Be(0, first.Stderr);
        File.Exists(state).Should().BeTrue();

        var get = Path.Combine(_dir, "get.xml");
        File.WriteAllText(get, File.ReadAllText(Sample("get-delete-missing-404.xml")));
        var second = CliRunner.Run("apply", get, "--state", state);
        Statuses(second.Stdout).Select(s => s.Code).Should().Equal("200", "200", "200", "404", "404");
    }

    [Test]
    public void Apply_reads_the_request_from_standard_input()
    {
        var result = CliRunner.RunWithInput(File.ReadAllBytes(Sample("add-existing-node-418.xml")), "apply", "-");
        result.ExitCode.Should().Be(0, result.Stderr);
        Statuses(result.Stdout).Select(s => s.Code).Should().Equal("200", "200", "418", "200");
    }

    [Test]
    public void Apply_lenient_reads_the_sample_as_printed_in_the_CSP_document()
    {
        var strict = CliRunner.Run("apply", Sample("printed-laps-entra-id-backup.xml"));
        strict.ExitCode.Should().Be(2);
        var lenient = CliRunner.Run("apply", Sample("printed-laps-entra-id-backup.xml"), "--lenient");
        lenient.ExitCode.Should().Be(0);
        lenient.Stderr.Should().Contain("escaped-final");
        Statuses(lenient.Stdout).Should().HaveCount(8).And.OnlyContain(s => s.Code == "200");
    }

    [Test]
    public void Apply_on_a_missing_file_exits_2()
    {
        CliRunner.Run("apply", Path.Combine(_dir, "nope.xml")).ExitCode.Should().Be(2);
    }

    [Test]
    public void Apply_with_a_corrupt_state_file_exits_2_and_leaves_the_file_alone()
    {
        var state = Path.Combine(_dir, "device.db");
        File.WriteAllText(state, "{ not json");
        var result = CliRunner.Run("apply", Sample("atomic-all-succeed.xml"), "--state", state);
        result.ExitCode.Should().Be(2);
        File.ReadAllText(state).Should().Be("{ not json");
    }

    private static IEnumerable<TestCaseData> HostileInputs()
    {
        const string head = "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>d</LocURI></Target><Source><LocURI>s</LocURI></Source></SyncHdr><SyncBody>";
        const string tail = "<Final/></SyncBody></SyncML>";
        yield return new TestCaseData(Array.Empty<byte>(), 2).SetName("Empty file is refused");
        yield return new TestCaseData(Encoding.UTF8.GetBytes(head), 2).SetName("Truncated message is refused");
        yield return new TestCaseData(Encoding.UTF8.GetBytes(head).Concat(new byte[] { 0xC3, 0x28, 0xFF }).Concat(Encoding.UTF8.GetBytes(tail)).ToArray(), 2)
            .SetName("Invalid UTF-8 is refused");
        yield return new TestCaseData(Encoding.UTF8.GetBytes("<Foo xmlns=\"SYNCML:SYNCML1.2\"/>"), 2).SetName("Wrong root is refused");
        yield return new TestCaseData(Encoding.UTF8.GetBytes("<!DOCTYPE x [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>" + head + "<Add><CmdID>1</CmdID><Item><Data>&b;</Data></Item></Add>" + tail), 2)
            .SetName("DTD with expanding entities is refused");
        yield return new TestCaseData(Encoding.UTF8.GetBytes("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" + head + "<Add><CmdID>1</CmdID><Item><Data>&e;</Data></Item></Add>" + tail), 2)
            .SetName("External entity is refused without being fetched");
        yield return new TestCaseData(Encoding.UTF8.GetBytes(head + string.Concat(Enumerable.Repeat("<Sequence>", 5000)) + string.Concat(Enumerable.Repeat("</Sequence>", 5000)) + tail), 2)
            .SetName("5000-deep nesting is refused");
        var big = new StringBuilder(head).Append("<Add><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/AdministratorAccountName</LocURI></Target><Data>")
            .Append('x', 40 * 1024 * 1024).Append("</Data></Item></Add>").Append(tail);
        yield return new TestCaseData(Encoding.UTF8.GetBytes(big.ToString()), 2).SetName("A 40 MB Data value is refused over the size cap");
        var many = new StringBuilder(head);
        for (var i = 1; i <= 200_000; i++) many.Append("<Get><CmdID>").Append(i).Append("</CmdID><Item><Target><LocURI>./Vendor/MSFT/LAPS</LocURI></Target></Item></Get>");
        many.Append(tail);
        yield return new TestCaseData(Encoding.UTF8.GetBytes(many.ToString()), 2).SetName("200,000 commands are refused over the command cap");
    }

    [TestCaseSource(nameof(HostileInputs))]
    public void Hostile_input_ends_in_a_clear_refusal_without_a_crash(byte[] input, int exitCode)
    {
        var file = Path.Combine(_dir, "hostile.xml");
        File.WriteAllBytes(file, input);
        var result = CliRunner.Run("apply", file);
        result.ExitCode.Should().Be(exitCode, result.Stderr);
        result.Stderr.Should().Contain("refused").And.NotContain("Unhandled exception").And.NotContain("   at ");
    }
}
