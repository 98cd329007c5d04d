using System.Net;
using System.Net.Http.Json;
using System.Text;
using LapsCsp.Enrollment.Client;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Security;
using LapsCsp.Server.Hosting;
using LapsCsp.Server.Mdm;
using LapsCsp.Server.Tests.Support;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Writing;

using static LapsCsp.Server.Tests.Support.MdmClient;

namespace LapsCsp.Server.Tests.Mdm;

/// <summary>lapscsp serve as an MDM server (issue 6 item 3): a device enrolls over MS-MDE2, checks in over MS-MDM, and gets
/// what was queued for it; what it answers is stored per command.</summary>
public class MdmServerTests
{
    private const string Admin = "globaladmin@contoso.com";

    [Test]
    public async Task A_device_enrolls_and_its_first_check_in_gets_the_queued_policy_in_an_Atomic_after_a_digest_challenge()
    {
        await using var factory = new LapsServerFactory();
        using var admin = await factory.ClientFor(Admin);
        var identity = await Enroll(factory, 1);
        identity.DeviceCredential.Should().NotBeNull("the provisioning document carries the APPSRV digest credential");

        var policyId = await CreatePolicy(admin, """{"backupDirectory":1,"passwordAgeDays":30}""");
        var assign = await Post(admin, $"/beta/deviceManagement/lapsPolicies/{policyId}/assign", new { deviceIds = new[] { identity.DeviceId } });
        assign["value"]![0]!["status"]!.GetValue<string>().Should().Be("queued");

        using var device = factory.CreateClient();
        // Package 1 without Cred: 407 with a challenge (no client certificate over this transport).
        var first = await Send(device, Package1(identity, "1", "1", cred: null));
        var hdr = HeaderStatus(first);
        hdr.Code.Should().Be("407");
        var nonce = hdr.Chal!.Meta.NextNonce!;
        first.Commands.OfType<AtomicCommand>().Should().BeEmpty();

        // Package 1 again with the Cred from the nonce: 212, a Status for each client command, then the policy.
        var second = await Send(device, Package1(identity, "1", "2", identity.DeviceCredential!.ComputeCred(nonce)));
        HeaderStatus(second).Code.Should().Be("212");
        second.Commands.OfType<StatusCommand>().Where(s => s.Cmd != "SyncHdr").Select(s => s.Cmd).Should().Equal("Alert", "Alert", "Replace");
        var atomic = second.Commands.OfType<AtomicCommand>().Should().ContainSingle().Subject;
        atomic.Commands.OfType<ItemCommand>().Select(c => c.Items[0].TargetUri).Should().Equal(
            "./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory", "./Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays");
        second.Final.Should().BeTrue();
        second.Header.SessionId.Should().Be("1");
        second.Header.MsgId.Should().Be("2", "the server numbers its own messages of the session");

        // The device answers the package: the Statuses are stored and the session ends with a package without commands.
        var statuses = new List<SyncCommand> { new StatusCommand("1", second.Header.MsgId, "0", "SyncHdr", "200") };
        var cmdId = 2;
        foreach (var command in new SyncCommand[] { atomic }.Concat(atomic.Commands))
        {
            statuses.Add(new StatusCommand((cmdId++).ToString(System.Globalization.CultureInfo.InvariantCulture), second.Header.MsgId, command.CmdId, command.ElementName, "200"));
        }

        var third = await Send(device, Message(identity, "1", "3", statuses));
        third.Commands.Where(c => c is not StatusCommand).Should().BeEmpty("nothing more is queued: the session ends");

        var commands = await Get(admin, $"/beta/deviceManagement/enrolledDevices/{identity.DeviceId}/commands");
        var record = commands["value"]![0]!;
        record["state"]!.GetValue<string>().Should().Be(MdmCommandStates.Succeeded);
        record["statuses"]!.AsArray().Select(s => s!["cmd"]!.GetValue<string>()).Should().Equal("Atomic", "Replace", "Replace");
        var summary = await Get(admin, $"/beta/deviceManagement/enrolledDevices/{identity.DeviceId}");
        summary["summary"]!["sessions"]!.GetValue<long>().Should().Be(1);
        summary["devInfo"]!["Man"]!.GetValue<string>().Should().Be("Contoso Ltd");
        var managed = await Get(admin, $"/beta/deviceManagement/managedDevices/{identity.DeviceId}");
        managed["source"]!.GetValue<string>().Should().Be("enrolled");
        managed["lapsPolicy"]!["state"]!.GetValue<string>().Should().Be(MdmCommandStates.Succeeded);
        (await Get(admin, "/beta/deviceManagement/managedDevices"))["value"]!.AsArray().Select(d => d!["id"]!.GetValue<string>())
            .Should().Contain(identity.DeviceId);
    }

    [Test]
    public async Task A_wrong_Cred_is_answered_401_with_a_new_challenge_and_nothing_is_sent()
    {
        await using var factory = new LapsServerFactory();
        using var admin = await factory.ClientFor(Admin);
        var identity = await Enroll(factory, 2);
        var policyId = await CreatePolicy(admin, """{"backupDirectory":1}""");
        await Post(admin, $"/beta/deviceManagement/lapsPolicies/{policyId}/assign", new { deviceIds = new[] { identity.DeviceId } });
        using var device = factory.CreateClient();

        var reply = await Send(device, Package1(identity, "1", "1", cred: "AAAAAAAAAAAAAAAAAAAAAA=="));

        HeaderStatus(reply).Code.Should().Be("401");
        HeaderStatus(reply).Chal!.Meta.NextNonce.Should().NotBeNullOrEmpty();
        reply.Commands.Should().ContainSingle("only the SyncHdr Status: an unauthenticated device gets no command");
    }

    [Test]
    public async Task A_command_whose_session_ended_without_a_Status_goes_out_again_in_the_next_session()
    {
        await using var factory = new LapsServerFactory();
        using var admin = await factory.ClientFor(Admin);
        var identity = await Enroll(factory, 3);
        var policyId = await CreatePolicy(admin, """{"backupDirectory":1}""");
        await Post(admin, $"/beta/deviceManagement/lapsPolicies/{policyId}/assign", new { deviceIds = new[] { identity.DeviceId } });
        using var device = factory.CreateClient();

        await Authenticated(device, identity, "1");
        // Session 1 ends here: the device never answered. Session 2:
        var again = await Authenticated(device, identity, "2");

        again.Commands.OfType<AtomicCommand>().Should().ContainSingle("the policy had no Status, so it is sent again");
        var commands = await Get(admin, $"/beta/deviceManagement/enrolledDevices/{identity.DeviceId}/commands");
        commands["value"]![0]!["attempts"]!.GetValue<int>().Should().Be(2);
        commands["value"]![0]!["state"]!.GetValue<string>().Should().Be(MdmCommandStates.Sent);
        await Authenticated(device, identity, "3");
        var alerts = (await Get(admin, $"/beta/deviceManagement/enrolledDevices/{identity.DeviceId}"))["alerts"]!.AsArray();
        alerts.Select(a => a!["sessionId"]!.GetValue<string>()).Should().Equal(["2", "2", "3", "3"],
            "the session-start alerts (1201, 1224) of the last two sessions are kept");
    }

    [Test]
    public async Task A_client_message_without_Final_is_answered_with_Alert_1222_and_no_commands()
    {
        await using var factory = new LapsServerFactory();
        using var admin = await factory.ClientFor(Admin);
        var identity = await Enroll(factory, 4);
        var policyId = await CreatePolicy(admin, """{"backupDirectory":1}""");
        await Post(admin, $"/beta/deviceManagement/lapsPolicies/{policyId}/assign", new { deviceIds = new[] { identity.DeviceId } });
        using var device = factory.CreateClient();
        var challenge = await Send(device, Package1(identity, "1", "1", cred: null));

        var partial = Package1(identity, "1", "2", identity.DeviceCredential!.ComputeCred(HeaderStatus(challenge).Chal!.Meta.NextNonce)) with { Final = false };
        var reply = await Send(device, partial);

        reply.Commands.OfType<AlertCommand>().Should().ContainSingle(a => a.Code == "1222");
        reply.Commands.OfType<AtomicCommand>().Should().BeEmpty("the server waits for the rest of the client's package");
        reply.Final.Should().BeFalse();
    }

    [Test]
    public async Task An_unenrollment_alert_ends_management_and_later_messages_are_refused()
    {
        await using var factory = new LapsServerFactory();
        using var admin = await factory.ClientFor(Admin);
        var identity = await Enroll(factory, 5);
        using var device = factory.CreateClient();
        var challenge = await Send(device, Package1(identity, "1", "1", cred: null));
        var unenroll = Package1(identity, "1", "2", identity.DeviceCredential!.ComputeCred(HeaderStatus(challenge).Chal!.Meta.NextNonce));
        unenroll = unenroll with
        {
            Commands = unenroll.Commands.Insert(2, new AlertCommand("9", "1226",
                [new Item(SourceUri: "./Vendor/MSFT/DMClient", Meta: new Meta(Format: "int", Type: UnenrollmentAlert.Type), Data: new ItemData("1"))])),
        };

        var reply = await Send(device, unenroll);
        HeaderStatus(reply).Code.Should().Be("212");

        var summary = await Get(admin, $"/beta/deviceManagement/enrolledDevices/{identity.DeviceId}");
        summary["summary"]!["state"]!.GetValue<string>().Should().Be("unenrolled");
        summary["alerts"]!.AsArray().Select(a => a!["code"]!.GetValue<string>()).Should().Contain("1226");
        using var refused = await device.PostAsync(new Uri("/ManagementServer/MDM.svc", UriKind.Relative),
            SyncMLHttp.Content(SyncMLWriter.WriteToUtf8(Package1(identity, "2", "1", cred: null))));
        refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [TestCase("text/xml", "<SyncML/>", HttpStatusCode.UnsupportedMediaType, TestName = "The_management_endpoint_refuses_a_body_that_is_not_SyncML_with_415")]
    [TestCase("application/vnd.syncml.dm+xml", "<SyncML><SyncHdr>", HttpStatusCode.BadRequest, TestName = "The_management_endpoint_refuses_unreadable_SyncML_with_400")]
    [TestCase("application/vnd.syncml.dm+xml",
        "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>x</LocURI></Target><Source><LocURI>NOT-ENROLLED</LocURI></Source></SyncHdr><SyncBody><Final/></SyncBody></SyncML>",
        HttpStatusCode.Unauthorized, TestName = "The_management_endpoint_refuses_a_device_that_never_enrolled_with_401")]
    public async Task Refusals(string contentType, string body, HttpStatusCode expected)
    {
        await using var factory = new LapsServerFactory();
        using var client = factory.CreateClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);

        using var response = await client.PostAsync(new Uri("/ManagementServer/MDM.svc", UriKind.Relative), content);

        response.StatusCode.Should().Be(expected);
    }

    [Test]
    public async Task Hostile_bodies_on_the_MDM_endpoints_get_clear_refusals_and_the_server_keeps_serving()
    {
        await using var factory = new LapsServerFactory();
        using var client = factory.CreateClient();
        const string entities = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><SyncML>&b;</SyncML>""";

        using (var dtd = await client.PostAsync(new Uri("/ManagementServer/MDM.svc", UriKind.Relative), SyncMLHttp.Content(entities)))
        {
            dtd.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            (await dtd.Content.ReadAsStringAsync()).Should().Contain("unreadable SyncML");
        }

        using (var huge = await client.PostAsync(new Uri("/ManagementServer/MDM.svc", UriKind.Relative), SyncMLHttp.Content(new byte[5 * 1024 * 1024])))
        {
            huge.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        }

        using (var soap = await client.PostAsync(new Uri("/EnrollmentServer/Discovery.svc", UriKind.Relative),
                   new StringContent(entities, Encoding.UTF8, "application/soap+xml")))
        {
            ((int)soap.StatusCode).Should().BeOneOf([400, 500], "a refused discovery message is a SOAP fault");
            (await soap.Content.ReadAsStringAsync()).Should().Contain("Fault");
        }

        using (var big = await client.PostAsync(new Uri("/EnrollmentServer/Enrollment.svc", UriKind.Relative),
                   new ByteArrayContent(new byte[2 * 1024 * 1024])))
        {
            big.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        }

        (await Enroll(factory, 11)).DeviceId.Should().NotBeNullOrEmpty("the server still enrolls devices afterwards");
    }

    [Test]
    public async Task A_policy_assigned_to_all_devices_reaches_a_device_that_enrolls_afterwards()
    {
        await using var factory = new LapsServerFactory();
        using var admin = await factory.ClientFor(Admin);
        var policyId = await CreatePolicy(admin, """{"backupDirectory":1,"passwordAgeDays":14}""");
        var assign = await Post(admin, $"/beta/deviceManagement/lapsPolicies/{policyId}/assign", new { allDevices = true });
        assign["value"]!.AsArray().Should().BeEmpty("no device exists yet");

        var identity = await Enroll(factory, 6);
        using var device = factory.CreateClient();
        var reply = await Authenticated(device, identity, "1");

        var atomic = reply.Commands.OfType<AtomicCommand>().Should().ContainSingle().Subject;
        atomic.Commands.OfType<ItemCommand>().Should().Contain(c => c.Items[0].TargetUri!.EndsWith("/PasswordAgeDays", StringComparison.Ordinal) && c.Items[0].DataText == "14");
        var policy = await Get(admin, $"/beta/deviceManagement/lapsPolicies/{policyId}");
        policy["assignedToAllDevices"]!.GetValue<bool>().Should().BeTrue();
    }

    [Test]
    public async Task Two_all_devices_policies_for_different_accounts_conflict_on_a_device_that_enrolls_and_only_the_older_goes_out()
    {
        await using var factory = new LapsServerFactory();
        using var admin = await factory.ClientFor(Admin);
        var older = await CreatePolicy(admin, """{"backupDirectory":1,"administratorAccountName":"lapsadmin","passwordAgeDays":14}""");
        var newer = await CreatePolicy(admin, """{"backupDirectory":1,"administratorAccountName":"otheradmin","passwordAgeDays":21}""");
        var same = await CreatePolicy(admin, """{"backupDirectory":1,"administratorAccountName":"LAPSADMIN","passwordComplexity":4}""");
        foreach (var id in new[] { older, newer, same })
        {
            await Post(admin, $"/beta/deviceManagement/lapsPolicies/{id}/assign", new { allDevices = true });
        }

        var identity = await Enroll(factory, 12);
        using var device = factory.CreateClient();
        var reply = await Authenticated(device, identity, "1");

        var sent = reply.Commands.OfType<AtomicCommand>().SelectMany(a => a.Commands.OfType<ItemCommand>()).Select(c => c.Items[0]).ToList();
        sent.Should().Contain(i => i.TargetUri!.EndsWith("/PasswordAgeDays", StringComparison.Ordinal) && i.DataText == "14");
        sent.Should().Contain(i => i.TargetUri!.EndsWith("/PasswordComplexity", StringComparison.Ordinal), "a policy for the same account (names compare case-insensitively) is no conflict");
        sent.Should().NotContain(i => i.DataText == "otheradmin" || i.DataText == "21", "the newer policy for another account conflicts and is not sent");
        var commands = (await Get(admin, $"/beta/deviceManagement/enrolledDevices/{identity.DeviceId}/commands"))["value"]!.AsArray();
        var conflict = commands.Should().ContainSingle(c => c!["policyId"]!.GetValue<string>() == newer).Subject!;
        conflict["state"]!.GetValue<string>().Should().Be(MdmCommandStates.Conflict);
        conflict["description"]!.GetValue<string>().Should().Contain("already manages account 'lapsadmin'");
    }

    [Test]
    public async Task A_device_assignment_for_another_account_conflicts_with_a_policy_assigned_to_all_devices()
    {
        await using var factory = new LapsServerFactory();
        using var admin = await factory.ClientFor(Admin);
        var identity = await Enroll(factory, 13);
        var everyone = await CreatePolicy(admin, """{"backupDirectory":1,"administratorAccountName":"lapsadmin"}""");
        var results = await Post(admin, $"/beta/deviceManagement/lapsPolicies/{everyone}/assign", new { allDevices = true });
        results["value"]![0]!["status"]!.GetValue<string>().Should().Be("queued");

        var targeted = await CreatePolicy(admin, """{"backupDirectory":1,"administratorAccountName":"otheradmin"}""");
        var refused = await Post(admin, $"/beta/deviceManagement/lapsPolicies/{targeted}/assign", new { deviceIds = new[] { identity.DeviceId } });

        refused["value"]![0]!["status"]!.GetValue<string>().Should().Be("conflict");
        refused["value"]![0]!["detail"]!.GetValue<string>().Should().Contain("'lapsadmin'");
    }

    [Test]
    public async Task The_rotate_action_on_an_enrolled_device_queues_Exec_ResetPassword_for_its_next_check_in()
    {
        await using var factory = new LapsServerFactory();
        using var admin = await factory.ClientFor(Admin);
        var identity = await Enroll(factory, 7);

        using var response = await admin.PostAsync(new Uri($"/beta/deviceManagement/managedDevices/{identity.DeviceId}/rotateLocalAdminPassword", UriKind.Relative), null);
        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        using var device = factory.CreateClient();
        var reply = await Authenticated(device, identity, "1");

        reply.Commands.OfType<ItemCommand>().Should().ContainSingle(c => c.Kind == ItemCommandKind.Exec
            && c.Items[0].TargetUri == "./Device/Vendor/MSFT/LAPS/Actions/ResetPassword");
    }

    [Test]
    public async Task Raw_SyncML_queued_through_the_API_goes_out_and_its_Results_are_stored()
    {
        await using var factory = new LapsServerFactory();
        using var admin = await factory.ClientFor(Admin);
        var identity = await Enroll(factory, 8);
        const string get = """
            <SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>
            <Target><LocURI>x</LocURI></Target><Source><LocURI>y</LocURI></Source></SyncHdr>
            <SyncBody><Get><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory</LocURI></Target></Item></Get><Final/></SyncBody></SyncML>
            """;
        using (var queued = await admin.PostAsync(new Uri($"/beta/deviceManagement/enrolledDevices/{identity.DeviceId}/commands", UriKind.Relative), SyncMLHttp.Content(get)))
        {
            queued.StatusCode.Should().Be(HttpStatusCode.Accepted);
        }

        using var device = factory.CreateClient();
        var reply = await Authenticated(device, identity, "1");
        var sentGet = reply.Commands.OfType<ItemCommand>().Should().ContainSingle(c => c.Kind == ItemCommandKind.Get).Subject;
        await Send(device, Message(identity, "1", "3",
        [
            new StatusCommand("1", reply.Header.MsgId, "0", "SyncHdr", "200"),
            new StatusCommand("2", reply.Header.MsgId, sentGet.CmdId, "Get", "200"),
            new ResultsCommand("3", reply.Header.MsgId, sentGet.CmdId,
                [new Item(SourceUri: "./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory", Meta: new Meta(Format: "int"), Data: new ItemData("1"))]),
        ]));

        var commands = await Get(admin, $"/beta/deviceManagement/enrolledDevices/{identity.DeviceId}/commands");
        commands["value"]![0]!["state"]!.GetValue<string>().Should().Be(MdmCommandStates.Succeeded);
        commands["value"]![0]!["results"]![0]!["data"]!.GetValue<string>().Should().Be("1");
        var trace = await Get(admin, $"/beta/deviceManagement/enrolledDevices/{identity.DeviceId}/trace");
        trace["value"]!.AsArray().Select(t => t!["direction"]!.GetValue<string>()).Should().Equal("fromDevice", "toDevice", "fromDevice", "toDevice", "fromDevice", "toDevice");
    }

    [Test]
    public async Task Enrolled_devices_and_their_commands_survive_a_restart()
    {
        var folder = Path.Combine(Path.GetTempPath(), "lapscsp-mdm-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new ServerOptions { LogFormat = "simple", DataDirectory = folder };
            DeviceEnrollmentIdentity identity;
            await using (var factory = new LapsServerFactory(options))
            {
                using var admin = await factory.ClientFor(Admin);
                identity = await Enroll(factory, 9);
                var policyId = await CreatePolicy(admin, """{"backupDirectory":1}""");
                await Post(admin, $"/beta/deviceManagement/lapsPolicies/{policyId}/assign", new { deviceIds = new[] { identity.DeviceId } });
            }

            await using (var restarted = new LapsServerFactory(options))
            {
                using var device = restarted.CreateClient();
                var reply = await Authenticated(device, identity, "1");
                reply.Commands.OfType<AtomicCommand>().Should().ContainSingle("the queued policy was stored with the device");
            }
        }
        finally
        {
            if (System.IO.Directory.Exists(folder)) System.IO.Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task When_the_store_refuses_a_write_the_request_fails_and_nothing_of_it_stays_in_memory()
    {
        var folder = Path.Combine(Path.GetTempPath(), "lapscsp-mdm-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var factory = new LapsServerFactory(new ServerOptions { LogFormat = "simple", DataDirectory = folder });
            using var admin = await factory.ClientFor(Admin);
            var identity = await Enroll(factory, 12);
            var policyId = await CreatePolicy(admin, """{"backupDirectory":1}""");
            var database = Path.Combine(folder, "lapscsp.db");

            // A trigger makes SQLite refuse every write of an enrolled device's record, as a full disk would.
            Sql(database, """
                CREATE TRIGGER refuse_insert BEFORE INSERT ON key_value WHEN NEW.key LIKE 'mdm.device.%' BEGIN SELECT RAISE(ABORT, 'disk full'); END;
                CREATE TRIGGER refuse_update BEFORE UPDATE ON key_value WHEN NEW.key LIKE 'mdm.device.%' BEGIN SELECT RAISE(ABORT, 'disk full'); END;
                """);
            using (var refused = await admin.PostAsJsonAsync(new Uri($"/beta/deviceManagement/lapsPolicies/{policyId}/assign", UriKind.Relative),
                       new { deviceIds = new[] { identity.DeviceId } }))
            {
                refused.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
            }

            (await Get(admin, $"/beta/deviceManagement/enrolledDevices/{identity.DeviceId}/commands"))["value"]!.AsArray()
                .Should().BeEmpty("the queued command was not stored, so it is not queued");
            var before = (await Get(admin, "/beta/deviceManagement/enrolledDevices"))["value"]!.AsArray().Count;
            using (var http = factory.CreateClient())
            {
                var client = new EnrollmentClient(request => Transport(http, request), factory.Time,
                    new EnrollmentClientOptions { DiscoveryUrl = "http://localhost/EnrollmentServer/Discovery.svc" });
                var outcome = await client.EnrollAsync(DeviceProfile.Generate(new Random(13), "user13@contoso.com"),
                    EnrollmentCredential.UsernamePassword("user13@contoso.com", "any"), CancellationToken.None);
                outcome.Succeeded.Should().BeFalse("the server could not store the enrollment");
            }

            (await Get(admin, "/beta/deviceManagement/enrolledDevices"))["value"]!.AsArray().Should().HaveCount(before);

            Sql(database, "DROP TRIGGER refuse_insert; DROP TRIGGER refuse_update;");
            var assign = await Post(admin, $"/beta/deviceManagement/lapsPolicies/{policyId}/assign", new { deviceIds = new[] { identity.DeviceId } });
            assign["value"]![0]!["status"]!.GetValue<string>().Should().Be("queued");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (System.IO.Directory.Exists(folder)) System.IO.Directory.Delete(folder, recursive: true);
        }
    }

    private static void Sql(string database, string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
