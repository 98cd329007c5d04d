using System.Net;
using System.Text;
using LapsCsp.Robustness.Tests.Support;

namespace LapsCsp.Robustness.Tests.BadInputs;

/// <summary>Server bugs found by the robustness runs, kept as regression tests. One is still open in src/LapsCsp.Server
/// (another engineer's project): it is ignored with its fix described, until the fix lands (then remove the Ignore).</summary>
public sealed class ServerFindingsTests
{
    private const string OutOfSession = """
        <SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>7</SessionID>
        <MsgID>5</MsgID><Target><LocURI>GHOST-1</LocURI></Target><Source><LocURI>https://mdm.example/</LocURI></Source></SyncHdr>
        <SyncBody><Get><CmdID>1</CmdID><Item><Target><LocURI>./Vendor/MSFT/LAPS</LocURI></Target></Item></Get><Final/></SyncBody></SyncML>
        """;

    [Test]
    public async Task A_message_the_reader_refuses_creates_no_device()
    {
        await using var server = InMemoryServer.Start();
        using var client = server.CreateClient();
        using var response = await client.PostAsync(new Uri("/devices/GHOST-0/syncml", UriKind.Relative),
            InMemoryServer.SyncMLContent(Encoding.UTF8.GetBytes("<SyncML")));
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        using var device = await client.GetAsync(new Uri("/devices/GHOST-0", UriKind.Relative));
        device.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    /// <summary>DeviceEndpoints.PostSyncML calls registry.GetOrCreate before host.Session.Judge, so a message answered 400
    /// "Out of session order" has already registered the device (joined to Entra ID, stored). Its remarks promise "the
    /// device is touched only after all of them [the refusals]".</summary>
    [Test]
    public async Task A_message_refused_as_out_of_session_creates_no_device()
    {
        await using var server = InMemoryServer.Start();
        using var client = server.CreateClient();
        using var response = await client.PostAsync(new Uri("/devices/GHOST-1/syncml", UriKind.Relative),
            InMemoryServer.SyncMLContent(Encoding.UTF8.GetBytes(OutOfSession)));
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, "MsgID 5 opens no session");
        using var device = await client.GetAsync(new Uri("/devices/GHOST-1", UriKind.Relative));
        device.StatusCode.Should().Be(HttpStatusCode.NotFound, "a refused request leaves no device behind");
    }

    /// <summary>Found by MdmTrafficChaosTests: a session's closing message (Statuses only) is answered 204 and ends the
    /// session; when that 204 is lost and the client sends the identical message again, DmSessionState.Judge refuses it
    /// ("no session is open") because Record keeps no reply and closes the session. Its remarks promise that "an identical
    /// repeat of the last message is answered from cache".</summary>
    [Test]
    public async Task The_repeat_of_a_closing_message_whose_answer_was_lost_is_answered_again()
    {
        await using var server = InMemoryServer.Start();
        using var client = server.CreateClient();
        const string open = """
            <SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>3</SessionID>
            <MsgID>1</MsgID><Target><LocURI>PC-1</LocURI></Target><Source><LocURI>https://mdm.example/</LocURI></Source></SyncHdr>
            <SyncBody><Get><CmdID>1</CmdID><Item><Target><LocURI>./Vendor/MSFT/LAPS</LocURI></Target></Item></Get><Final/></SyncBody></SyncML>
            """;
        var close = open.Replace("<MsgID>1</MsgID>", "<MsgID>2</MsgID>", StringComparison.Ordinal)
            .Replace("<Get><CmdID>1</CmdID><Item><Target><LocURI>./Vendor/MSFT/LAPS</LocURI></Target></Item></Get>",
                "<Status><CmdID>1</CmdID><MsgRef>2</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>", StringComparison.Ordinal);
        (await client.PostAsync(new Uri("/devices/PC-1/syncml", UriKind.Relative), InMemoryServer.SyncMLContent(Encoding.UTF8.GetBytes(open)))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.PostAsync(new Uri("/devices/PC-1/syncml", UriKind.Relative), InMemoryServer.SyncMLContent(Encoding.UTF8.GetBytes(close)))).StatusCode.Should().Be(HttpStatusCode.NoContent);

        using var repeat = await client.PostAsync(new Uri("/devices/PC-1/syncml", UriKind.Relative), InMemoryServer.SyncMLContent(Encoding.UTF8.GetBytes(close)));

        repeat.StatusCode.Should().Be(HttpStatusCode.NoContent, "an HTTP retry of the message that ended the session is answered as the first time");
    }

    /// <summary>Found by MdmTrafficChaosTests: ServerOptions.Validate accepts any PolicyCycleInterval of a second or more,
    /// but PeriodicTimer refuses periods over uint.MaxValue - 1 ms (about 49.7 days): PolicyCycleService then fails at
    /// start with ArgumentOutOfRangeException ("BackgroundService failed"), and no policy cycle ever runs.</summary>
    [TestCase(60, 0, TestName = "A_policy_cycle_interval_the_timer_cannot_hold_is_refused_by_validation")]
    [TestCase(0, 60, TestName = "An_MDM_flush_interval_the_timer_cannot_hold_is_refused_by_validation")]
    public void Intervals_the_timer_cannot_hold_are_refused(int policyDays, int flushDays)
    {
        var options = new LapsCsp.Server.Hosting.ServerOptions
        {
            PolicyCycleInterval = policyDays > 0 ? TimeSpan.FromDays(policyDays) : TimeSpan.FromMinutes(5),
            MdmFlushInterval = flushDays > 0 ? TimeSpan.FromDays(flushDays) : TimeSpan.FromSeconds(30),
        };

        options.Validate().Should().ContainSingle(p => p.Contains("interval", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Found by ServeCrashConsistencyTests (100 cycles): HostedDevice keeps a device's newest 500 rotation records,
    /// and PolicyService.RotateAsync reports the rotation only when the record count grew; from the 501st rotation on the
    /// count stays at 500 and the action answers "rotation": null although the device rotated and backed up.</summary>
    [Test]
    public async Task The_rotate_action_reports_its_rotation_after_five_hundred_rotations()
    {
        await using var server = InMemoryServer.Start();
        using var client = server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            await InMemoryServer.TokenAsync(client, "globaladmin@contoso.com"));
        (await client.PostAsync(new Uri("/devices", UriKind.Relative), System.Net.Http.Json.JsonContent.Create(new { deviceId = "PC-R" }))).EnsureSuccessStatusCode();
        foreach (var sample in new[] { "laps-entra-id-backup.xml", "accounts-create-managed-account.xml" })
        {
            var xml = File.ReadAllText(Path.Combine(LapsCsp.Testing.RepoPaths.Samples, sample)).Replace("LAPSCSP-DEVICE-0001", "PC-R", StringComparison.Ordinal);
            (await client.PostAsync(new Uri("/devices/PC-R/syncml", UriKind.Relative), InMemoryServer.SyncMLContent(Encoding.UTF8.GetBytes(xml)))).EnsureSuccessStatusCode();
        }

        string? last = null;
        for (var i = 0; i < 502; i++)
        {
            using var rotate = await client.PostAsync(new Uri("/beta/deviceManagement/managedDevices/PC-R/rotateLocalAdminPassword", UriKind.Relative), null);
            last = await rotate.Content.ReadAsStringAsync();
        }

        System.Text.Json.Nodes.JsonNode.Parse(last!)!["rotation"].Should().NotBeNull("the 502nd rotation happened and is reported like the first");
    }
}
