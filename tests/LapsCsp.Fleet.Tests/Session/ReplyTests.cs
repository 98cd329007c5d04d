using System.Text;
using LapsCsp.Fleet.Session;
using LapsCsp.Fleet.Tests.Support;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;

namespace LapsCsp.Fleet.Tests.Session;

/// <summary>The client's answers to server packages, against the real device replies r22 and r24 and the MS-MDM example r12.</summary>
public class ReplyTests
{
    private const string EndOfSession = """
        <SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>{0}</SessionID><MsgID>2</MsgID>
        <Target><LocURI>{1}</LocURI></Target><Source><LocURI>{2}</LocURI></Source></SyncHdr>
        <SyncBody><Status><CmdID>1</CmdID><MsgRef>2</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status><Final/></SyncBody></SyncML>
        """;

    [Test]
    public async Task The_answer_to_the_real_server_package_r21_is_byte_for_byte_the_real_device_reply_r22()
    {
        var state = SessionKit.R20Device;
        var end = string.Format(System.Globalization.CultureInfo.InvariantCulture, EndOfSession, "1", state.Device.DeviceId, state.ManagementUrl);
        var channel = RecordingChannel.Answering(FleetTestKit.Corpus("r21-realvm-server-replace-personalization.xml"), end);
        var device = new FixedCodeDevice("202");

        var result = await SessionKit.Client(channel, device).RunSessionAsync(state, SessionKit.NoAuth, SessionTrigger.Scheduled);

        channel.BodyText(1).Should().Be(FleetTestKit.Corpus("r22-realvm-client-status-202.xml").TrimEnd('\n'));
        result.Outcome.Should().Be(SessionOutcome.Completed);
        result.MessagesSent.Should().Be(2);
        result.StatusesSent.Should().Equal(new Dictionary<int, int> { [202] = 2 });
        result.Accepted.Select(a => a.CmdRef).Should().Equal("5", "6");
        device.Seen.Single().Commands.Select(c => c.CmdId).Should().Equal("5", "6");
    }

    [Test]
    public async Task The_answer_to_a_Fleet_Atomic_with_UUID_CmdIDs_is_byte_for_byte_the_device_reply_r24()
    {
        var state = SessionKit.R20Device with
        {
            ManagementUrl = "https://roperzh-fleet.ngrok.io/api/mdm/microsoft/management",
            Device = new DmDeviceInfo { DeviceId = "1F28CCBDCE02AE44BD2AAC3C0B9AD4DE" },
            LastSessionId = 47,
        };
        var package = $"""
            <SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>48</SessionID><MsgID>1</MsgID>
            <Target><LocURI>{state.Device.DeviceId}</LocURI></Target><Source><LocURI>{state.ManagementUrl}</LocURI></Source></SyncHdr>
            <SyncBody>{FleetTestKit.Corpus("r23-fleet-atomic-bluetooth-payload.xml")}<Final/></SyncBody></SyncML>
            """;
        var end = string.Format(System.Globalization.CultureInfo.InvariantCulture, EndOfSession, "48", state.Device.DeviceId, state.ManagementUrl);
        var channel = RecordingChannel.Answering(package, end);

        await SessionKit.Client(channel, new FixedCodeDevice("200")).RunSessionAsync(state, SessionKit.NoAuth, SessionTrigger.Scheduled);

        channel.BodyText(1).Should().Be(FleetTestKit.Corpus("r24-fleet-device-response-atomic-200.xml").TrimEnd('\n'));
    }

    [Test]
    public async Task Gets_of_DevDetail_are_answered_by_the_client_with_Statuses_and_Results_as_in_the_MS_MDM_example_r12()
    {
        var state = SessionKit.R20Device with { Device = SessionKit.R20Device.Device with { SoftwareVersion = "10.0.19043.2364", HardwareVersion = "hw-1" } };
        var server = $"""
            <SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>
            <Target><LocURI>{state.Device.DeviceId}</LocURI></Target><Source><LocURI>{state.ManagementUrl}</LocURI></Source></SyncHdr>
            <SyncBody><Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>
            <Get><CmdID>4</CmdID><Item><Target><LocURI>./DevDetail/SwV</LocURI></Target></Item></Get>
            <Get><CmdID>5</CmdID><Item><Target><LocURI>./DevDetail/HwV</LocURI></Target></Item></Get><Final/></SyncBody></SyncML>
            """;
        var channel = RecordingChannel.Answering(server, "");
        var device = new FixedCodeDevice("500");

        await SessionKit.Client(channel, device).RunSessionAsync(state, SessionKit.NoAuth, SessionTrigger.Scheduled);

        device.Seen.Should().BeEmpty("DevDetail belongs to the DM client, not to a CSP of the device");
        var reply = SyncMLReader.Read(channel.Requests[1].Body).Message!;
        var expected = SyncMLReader.Read(FleetTestKit.Corpus("r12-msmdm-ex-client-results.xml"), SyncMLReaderOptions.Lenient).Message!;
        SessionKit.StatusesOf(reply).Select(s => (s.CmdRef, s.Cmd, s.Code)).Should()
            .Equal(SessionKit.StatusesOf(expected).Select(s => (s.CmdRef, s.Cmd, s.Code)));
        reply.Commands.OfType<ResultsCommand>().Select(r => (r.MsgRef, r.CmdRef, r.Items.Single().SourceUri, r.Items.Single().Meta?.Format))
            .Should().Equal(("1", "4", "./DevDetail/SwV", "chr"), ("1", "5", "./DevDetail/HwV", "chr"));
        reply.Commands.OfType<ResultsCommand>().Select(r => r.Items.Single().DataText).Should().Equal("10.0.19043.2364", "hw-1");
    }

    [Test]
    public async Task A_server_package_with_only_Statuses_ends_the_session_without_another_message_as_after_e09()
    {
        var channel = RecordingChannel.Answering(FleetTestKit.Enrollment("e09"));
        var state = SessionKit.E10Device with { LastSessionId = 0, SessionsRun = 0 };

        var result = await SessionKit.Client(channel, new FixedCodeDevice("200")).RunSessionAsync(state, SessionKit.NoAuth, SessionTrigger.PostEnrollment);

        result.Outcome.Should().Be(SessionOutcome.Completed);
        channel.Requests.Should().HaveCount(1);
        result.StatusesReceived.Should().Equal(new Dictionary<int, int> { [200] = 4 });
    }

    [Test]
    public async Task An_empty_HTTP_200_body_ends_the_session_as_the_PoC_server_did()
    {
        var channel = RecordingChannel.Answering("  \r\n");
        var result = await SessionKit.Client(channel, new FixedCodeDevice("200")).RunSessionAsync(SessionKit.R20Device, SessionKit.NoAuth, SessionTrigger.Scheduled);

        result.Outcome.Should().Be(SessionOutcome.Completed);
        result.MessagesSent.Should().Be(1);
    }

    [Test]
    public async Task Alert_1223_from_the_server_aborts_the_session_without_an_answer()
    {
        var state = SessionKit.R20Device;
        var abort = $"""
            <SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>
            <Target><LocURI>{state.Device.DeviceId}</LocURI></Target><Source><LocURI>{state.ManagementUrl}</LocURI></Source></SyncHdr>
            <SyncBody><Alert><CmdID>2</CmdID><Data>1223</Data></Alert><Final/></SyncBody></SyncML>
            """;
        var channel = RecordingChannel.Answering(abort, "");
        var result = await SessionKit.Client(channel, new FixedCodeDevice("200")).RunSessionAsync(state, SessionKit.NoAuth, SessionTrigger.Scheduled);

        result.Outcome.Should().Be(SessionOutcome.Aborted);
        channel.Requests.Should().HaveCount(1);
    }

    [Test]
    public async Task A_server_SessionID_that_differs_is_tolerated_and_reported()
    {
        var e09 = FleetTestKit.Enrollment("e09").Replace("<SessionID>1</SessionID>", "<SessionID>7</SessionID>", StringComparison.Ordinal);
        var channel = RecordingChannel.Answering(e09);
        var state = SessionKit.E10Device with { LastSessionId = 0 };
        var result = await SessionKit.Client(channel, new FixedCodeDevice("200")).RunSessionAsync(state, SessionKit.NoAuth, SessionTrigger.Scheduled);

        result.Outcome.Should().Be(SessionOutcome.Completed);
        result.Warnings.Should().ContainSingle().Which.Should().Contain("SessionID '7'");
    }

    [Test]
    public async Task Every_message_after_package_1_starts_with_the_SyncHdr_Status_as_CmdID_1()
    {
        var state = SessionKit.R20Device;
        var end = string.Format(System.Globalization.CultureInfo.InvariantCulture, EndOfSession, "1", state.Device.DeviceId, state.ManagementUrl);
        var channel = RecordingChannel.Answering(FleetTestKit.Corpus("r21-realvm-server-replace-personalization.xml"), end);
        await SessionKit.Client(channel, new FixedCodeDevice("202")).RunSessionAsync(state, SessionKit.NoAuth, SessionTrigger.Scheduled);

        var reply = SyncMLReader.Read(Encoding.UTF8.GetString(channel.Requests[1].Body)).Message!;
        reply.Commands[0].Should().Be(new StatusCommand("1", "1", "0", "SyncHdr", "200"));
    }
}
