using System.Globalization;
using System.Text;
using LapsCsp.Robustness.Tests.Support;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.SyncML.Writing;

namespace LapsCsp.Robustness.Tests.BadInputs;

/// <summary>The reader's limits must admit every reply the device gives to a message within them (issue 7 item 2: "the
/// reply always parses with our reader").</summary>
public sealed class ReplyLimitTests
{
    /// <summary>30,000 Gets answer with 60,001 commands in about 15 MB: over MaxCommands (50,000) but within
    /// MaxMessageBytes (16 MiB). The reader used to count Status and Results as commands and refused this reply.</summary>
    [Test]
    public void The_reply_to_thirty_thousand_successful_Gets_is_readable_by_the_strict_reader()
    {
        const int gets = 30_000;
        using var device = TestDevice.Create();
        device.Apply(Wire.RoundTrip(Wire.Package([Wire.Command(ItemCommandKind.Replace, "1", "./Vendor/MSFT/LAPS/Policies/BackupDirectory", "1", "int")])));
        var body = new StringBuilder();
        for (var i = 1; i <= gets; i++)
        {
            body.Append(CultureInfo.InvariantCulture, $"<Get><CmdID>{i}</CmdID><Item><Target><LocURI>./Vendor/MSFT/LAPS/Policies/BackupDirectory</LocURI></Target></Item></Get>");
        }

        var request = SyncMLReader.Read(Encoding.UTF8.GetBytes(
            "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>2</MsgID>"
            + "<Target><LocURI>D</LocURI></Target><Source><LocURI>S</LocURI></Source></SyncHdr><SyncBody>" + body + "<Final/></SyncBody></SyncML>"));
        request.Succeeded.Should().BeTrue();

        var reply = SyncMLWriter.WriteToUtf8(device.Apply(request.Message!).Message);
        var read = SyncMLReader.Read(reply, SyncMLReaderOptions.Strict);

        read.Succeeded.Should().BeTrue(string.Join("; ", read.Errors));
        reply.Length.Should().BeLessThan((int)SyncMLReaderOptions.Strict.MaxMessageBytes, "the case stays within the size cap");
        read.Message!.Commands.Should().HaveCount((2 * gets) + 1, "the SyncHdr Status, then a Status and a Results per Get");
    }

    [Test]
    public void Executable_commands_past_MaxCommands_are_still_refused_when_Statuses_are_mixed_in()
    {
        var options = new SyncMLReaderOptions { MaxCommands = 2 };
        const string status = "<Status><CmdID>9</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>";
        static string Message(string body) =>
            "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>2</MsgID>"
            + "<Target><LocURI>D</LocURI></Target><Source><LocURI>S</LocURI></Source></SyncHdr><SyncBody>" + body + "<Final/></SyncBody></SyncML>";

        SyncMLReader.Read(Message(status + status + status + "<Get><CmdID>1</CmdID></Get><Get><CmdID>2</CmdID></Get>"), options)
            .Succeeded.Should().BeTrue("answers are bounded by size, not by MaxCommands");
        SyncMLReader.Read(Message(status + "<Get><CmdID>1</CmdID></Get><Get><CmdID>2</CmdID></Get><Get><CmdID>3</CmdID></Get>"), options)
            .Errors.Single().Code.Should().Be("too-many-commands");
    }
}
