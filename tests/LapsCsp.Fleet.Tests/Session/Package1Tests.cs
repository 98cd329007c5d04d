using System.Text;
using LapsCsp.Fleet.Session;
using LapsCsp.Fleet.Tests.Support;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;

namespace LapsCsp.Fleet.Tests.Session;

/// <summary>Package 1 as the real Windows 10 19043 device sent it (corpus r20, e10; mdm-client-digest 2.3).</summary>
public class Package1Tests
{
    [Test]
    public async Task Package_1_of_a_scheduled_session_is_byte_for_byte_the_real_device_package_r20()
    {
        var channel = RecordingChannel.Answering("");
        await SessionKit.Client(channel, new FixedCodeDevice("200")).RunSessionAsync(SessionKit.R20Device, SessionKit.NoAuth, SessionTrigger.Scheduled);

        channel.BodyText(0).Should().Be(FleetTestKit.Corpus("r20-realvm-client-init-win10-19043.xml").TrimEnd('\n'));
    }

    [Test]
    public async Task Package_1_of_a_user_unenrollment_is_byte_for_byte_the_real_device_package_e10()
    {
        var channel = RecordingChannel.Answering("");
        var result = await SessionKit.Client(channel, new FixedCodeDevice("200")).RunSessionAsync(SessionKit.E10Device, SessionKit.NoAuth, SessionTrigger.Unenroll);

        channel.BodyText(0).Should().Be(FleetTestKit.Enrollment("e10").TrimEnd('\n'));
        result.Outcome.Should().Be(SessionOutcome.Unenrolled);
    }

    [Test]
    public async Task Package_1_matches_r20_field_by_field_also_on_one_line()
    {
        var channel = RecordingChannel.Answering("");
        var client = SessionKit.Client(channel, new FixedCodeDevice("200"), options: new DmClientOptions { Indent = false });
        await client.RunSessionAsync(SessionKit.R20Device, SessionKit.NoAuth, SessionTrigger.Scheduled);

        channel.BodyText(0).Should().NotContain("\n");
        FleetTestKit.Shape(channel.BodyText(0)).Should().Equal(FleetTestKit.Shape(FleetTestKit.Corpus("r20-realvm-client-init-win10-19043.xml")));
    }

    [Test]
    public async Task Package_1_matches_e10_field_by_field_with_the_generic_alert_between_LoginStatus_and_DevInfo()
    {
        var channel = RecordingChannel.Answering("");
        await SessionKit.Client(channel, new FixedCodeDevice("200")).RunSessionAsync(SessionKit.E10Device, SessionKit.NoAuth, SessionTrigger.Unenroll);

        var shape = FleetTestKit.Shape(channel.BodyText(0));
        shape.Should().Equal(FleetTestKit.Shape(FleetTestKit.Enrollment("e10")));
        var message = SyncMLReader.Read(channel.Requests[0].Body).Message!;
        message.Commands.Select(c => (c.ElementName, c.CmdId, (c as AlertCommand)?.Code))
            .Should().Equal(("Alert", "2", "1201"), ("Alert", "3", "1224"), ("Alert", "4", "1226"), ("Replace", "5", null));
    }

    [Test]
    public async Task Every_message_goes_to_ADDR_with_the_query_and_headers_Windows_sends()
    {
        var channel = RecordingChannel.Answering("");
        await SessionKit.Client(channel, new FixedCodeDevice("200")).RunSessionAsync(SessionKit.R20Device, SessionKit.NoAuth, SessionTrigger.Scheduled);

        var request = channel.Requests.Single();
        request.Url.ToString().Should().Be("https://pocmdmserver.com/ManagementServer/MDM.svc?mode=Maintenance&Platform=WoA");
        request.Headers.Select(h => (h.Key, h.Value)).Should().Equal(
            ("Accept", "application/vnd.syncml.dm+xml, application/vnd.syncml.dm+wbxml, application/octet-stream"),
            ("Accept-Charset", "UTF-8"),
            ("Client-Request-Id", "0"),
            ("Content-Type", "application/vnd.syncml.dm+xml"),
            ("Ms-Cv", "OTrP9+n7GU+OcSEg.0.0.0"),
            ("User-Agent", "MSFT OMA DM Client/1.2.0.1"));
    }

    [Test]
    public async Task The_next_session_has_the_next_SessionID_and_correlation_vector_as_e10_after_e09()
    {
        var channel = RecordingChannel.Answering("", "");
        var client = SessionKit.Client(channel, new FixedCodeDevice("200"));
        var first = await client.RunSessionAsync(SessionKit.R20Device, SessionKit.NoAuth, SessionTrigger.PostEnrollment);
        await client.RunSessionAsync(first.State, SessionKit.NoAuth, SessionTrigger.Scheduled);

        first.SessionId.Should().Be("1");
        var second = SyncMLReader.Read(channel.Requests[1].Body).Message!;
        second.Header.SessionId.Should().Be("2");
        second.Header.MsgId.Should().Be("1");
        channel.Requests.Select(r => r.Header("Ms-Cv")).Should().Equal("OTrP9+n7GU+OcSEg.0.0.0", "OTrP9+n7GU+OcSEg.0.0.1");
    }

    [TestCase(SessionMode.Machine, true, "https://h/m.svc", "https://h/m.svc?mode=Machine&Platform=WoA", TestName = "Machine_mode_sessions_say_mode_Machine")]
    [TestCase(SessionMode.Maintenance, false, "https://h/m.svc", "https://h/m.svc?mode=Maintenance", TestName = "Platform_can_be_left_out")]
    [TestCase(SessionMode.Maintenance, true, "https://h/m.svc?tenant=1", "https://h/m.svc?tenant=1&mode=Maintenance&Platform=WoA",
        TestName = "An_ADDR_with_a_query_keeps_it_and_appends_the_mode")]
    public void The_POST_URL_is_ADDR_plus_the_mode(SessionMode mode, bool platform, string addr, string expected) =>
        DmClient.PostUrl(addr, new DmClientOptions { Mode = mode, AppendPlatform = platform }).ToString().Should().Be(expected);

    [Test]
    public async Task A_server_initiated_session_opens_with_Alert_1200()
    {
        var channel = RecordingChannel.Answering("");
        await SessionKit.Client(channel, new FixedCodeDevice("200")).RunSessionAsync(SessionKit.R20Device, SessionKit.NoAuth, SessionTrigger.ServerInitiated);

        var message = SyncMLReader.Read(channel.Requests[0].Body).Message!;
        message.Commands.OfType<AlertCommand>().First().Code.Should().Be("1200");
    }

    [Test]
    public async Task LoginStatus_and_the_HWDevID_item_follow_the_options_as_the_Mattrax_check_in_e12()
    {
        var channel = RecordingChannel.Answering("");
        var state = SessionKit.R20Device with { Device = SessionKit.R20Device.Device with { HwDevId = "def" } };
        var client = SessionKit.Client(channel, new FixedCodeDevice("200"), options: new DmClientOptions { LoginStatus = "others", IncludeHwDevIdInDevInfo = true });
        await client.RunSessionAsync(state, SessionKit.NoAuth, SessionTrigger.Scheduled);

        var message = SyncMLReader.Read(channel.Requests[0].Body).Message!;
        message.Commands.OfType<AlertCommand>().Single(a => a.Code == "1224").Items.Single().DataText.Should().Be("others");
        var replace = message.Commands.OfType<ItemCommand>().Single();
        replace.Items.Last().Should().Be(new Item(SourceUri: "./Vendor/MSFT/DMClient/HWDevID", Data: new ItemData("def")));
        FleetTestKit.Shape(Encoding.UTF8.GetString(channel.Requests[0].Body)).Where(l => l.Contains("LocURI", StringComparison.Ordinal))
            .Should().Contain(FleetTestKit.Shape(FleetTestKit.Enrollment("e12")).Where(l => l.Contains("HWDevID", StringComparison.Ordinal)));
    }

    [Test]
    public async Task Pending_generic_alerts_go_into_package_1_and_are_kept_until_a_server_answers()
    {
        var alert = GenericAlert.AsyncResult("Reversed-Domain-Name:com.microsoft.mdm.win32csp_install",
            "./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/{GUID}/DownloadInstall", 0);
        var state = SessionKit.R20Device with { PendingAlerts = [alert], Retry = SessionKit.R20Device.Retry with { Retries = 0 } };
        var failing = new RecordingChannel((_, _) => throw new LapsCsp.Fleet.Transport.ManagementTransportException(LapsCsp.Fleet.Transport.TransportFaultKind.ConnectionFailed, "refused"));
        var failed = await SessionKit.Client(failing, new FixedCodeDevice("200")).RunSessionAsync(state, SessionKit.NoAuth, SessionTrigger.Scheduled);
        failed.State.PendingAlerts.Should().Equal(alert);

        var channel = RecordingChannel.Answering("");
        var delivered = await SessionKit.Client(channel, new FixedCodeDevice("200")).RunSessionAsync(failed.State, SessionKit.NoAuth, SessionTrigger.Scheduled);

        delivered.State.PendingAlerts.Should().BeEmpty();
        var generic = SyncMLReader.Read(channel.Requests[0].Body).Message!.Commands.OfType<AlertCommand>().Single(a => a.Code == "1226");
        generic.Items.Single().Should().Be(new Item(SourceUri: alert.SourceUri,
            Meta: new Meta(Format: "int", Type: alert.Type, Mark: "informational"), Data: new ItemData("0")));
    }
}
