using System.Globalization;
using LapsCsp.Enrollment.Security;
using LapsCsp.Fleet.Session;
using LapsCsp.Fleet.Tests.Support;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Fleet.Tests.Session;

/// <summary>Whole sessions between an enrolled simulated device and the scripted test server.</summary>
public class SessionFlowTests
{
    private const string ResetStatus = "./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus";

    private FakeTimeProvider _time = null!;
    private ScriptedMdmServer _server = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(FleetTestKit.Start);
        _server = new ScriptedMdmServer(_time);
    }

    private async Task<(DmClientState State, LapsCsp.Device.SimulatedDevice Device, ScriptedDevice Server)> EnrolledAsync(int seed = 1)
    {
        var identity = await SessionKit.EnrollAsync(_server, _time, seed);
        return (SessionKit.StateFor(identity), SessionKit.DeviceFor(identity, _time), _server.Device(identity.DeviceId));
    }

    [Test]
    public async Task A_session_of_three_server_packages_numbers_messages_and_references_as_Windows()
    {
        var (state, device, server) = await EnrolledAsync();
        server.Enqueue(SessionKit.EntraLapsPolicy());
        server.Enqueue(SessionKit.Get(ResetStatus), SessionKit.Exec("./Device/Vendor/MSFT/LAPS/Actions/ResetPassword"));
        server.Enqueue(SessionKit.Get("./Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays"));
        var client = SessionKit.Client(_server, new SimulatedDeviceHandler(device));

        var result = await client.RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.PostEnrollment);

        result.Outcome.Should().Be(SessionOutcome.Completed);
        result.PackagesAnswered.Should().Be(3);
        result.MessagesSent.Should().Be(4);
        server.Received.Select(m => m.Header.MsgId).Should().Equal("1", "2", "3", "4");
        server.Received.Select(m => m.Header.SessionId).Distinct().Should().Equal("1");
        server.Received.Should().OnlyContain(m => m.Final);
        for (var i = 1; i < server.Received.Count; i++)
        {
            var reply = server.Received[i];
            var answered = server.Sent[i - 1];
            reply.Commands[0].Should().Be(new StatusCommand("1", answered.Header.MsgId, "0", "SyncHdr", "200"));
            reply.Commands.Select(c => c.CmdId).Should().Equal(Enumerable.Range(1, reply.Commands.Length).Select(n => n.ToString(CultureInfo.InvariantCulture)));
            var serverIds = Flatten(answered.Commands.Where(c => c is not StatusCommand)).Select(c => c.CmdId).ToList();
            SessionKit.StatusesOf(reply).Skip(1).Select(s => s.CmdRef).Should().Equal(serverIds);
            SessionKit.StatusesOf(reply).Should().OnlyContain(s => s.MsgRef == answered.Header.MsgId);
        }

        server.Sent.Last().Commands.Should().OnlyContain(c => c is StatusCommand, "the server's last package has no commands");
        server.Results.Select(r => r.Items.Single().DataText).Should().Equal("0", "7");
        device.Policy.PasswordAgeDays.Should().Be(7);
        result.StatusesSent.Should().ContainKey(200);
    }

    [Test]
    public async Task A_reply_larger_than_the_server_MaxMsgSize_goes_out_in_messages_joined_by_Alert_1222()
    {
        _server.Options = new ScriptedServerOptions { MaxMsgSize = 2048 };
        var (state, device, server) = await EnrolledAsync();
        var gets = Enumerable.Range(0, 24).Select(_ => (SyncCommand)SessionKit.Get(ResetStatus)).ToArray();
        server.Enqueue(gets);
        var client = SessionKit.Client(_server, new SimulatedDeviceHandler(device));

        var result = await client.RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.Scheduled);

        result.Outcome.Should().Be(SessionOutcome.Completed);
        result.Warnings.Should().BeEmpty();
        var replies = result.Trace.Skip(1).Select(t => t.Request).ToList();
        replies.Count.Should().BeGreaterThan(2);
        replies.Should().OnlyContain(r => r.Body.Length <= 2048);
        var sent = server.Received.Skip(1).ToList();
        sent.SkipLast(1).Should().OnlyContain(m => !m.Final, "only the last message of the package carries Final");
        sent.Last().Final.Should().BeTrue();
        server.Sent.Skip(1).SkipLast(1).Should().OnlyContain(m => m.Commands.OfType<AlertCommand>().Any(a => a.Code == "1222"),
            "the server asks for each next message with Alert 1222");
        server.Statuses.Count(s => s.Cmd == "Get").Should().Be(24);
        server.Results.Should().HaveCount(24);
        sent.Select(m => m.Header.MsgId).Should().Equal(Enumerable.Range(2, sent.Count).Select(n => n.ToString(CultureInfo.InvariantCulture)));
    }

    [Test]
    public async Task A_server_package_split_over_messages_is_answered_message_by_message_with_Alert_1222()
    {
        _server.Options = new ScriptedServerOptions { MaxCommandsPerMessage = 2 };
        var (state, device, server) = await EnrolledAsync();
        server.Enqueue(Enumerable.Range(0, 5).Select(_ => (SyncCommand)SessionKit.Get(ResetStatus)).ToArray());
        var client = SessionKit.Client(_server, new SimulatedDeviceHandler(device));

        var result = await client.RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.Scheduled);

        result.Outcome.Should().Be(SessionOutcome.Completed);
        server.Sent.Take(3).Select(m => m.Final).Should().Equal(false, false, true);
        var answers = server.Received.Skip(1).Take(3).ToList();
        answers.Select(m => m.Final).Should().Equal(false, false, true);
        answers.Take(2).Should().OnlyContain(m => m.Commands.OfType<AlertCommand>().Single().Code == "1222");
        server.Results.Should().HaveCount(5);
        result.PackagesAnswered.Should().Be(1);
    }

    [Test]
    public async Task Without_Cred_Fleet_answers_407_with_a_Chal_and_the_client_sends_package_1_again_with_an_MD5_Cred()
    {
        _server.Options = new ScriptedServerOptions { RequireDigest = true };
        var (state, device, server) = await EnrolledAsync();
        server.Enqueue(SessionKit.Get(ResetStatus));
        var client = SessionKit.Client(_server, new SimulatedDeviceHandler(device));

        var first = await client.RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.PostEnrollment);

        first.Outcome.Should().Be(SessionOutcome.Completed);
        server.Sent[0].Commands.OfType<StatusCommand>().Single().Code.Should().Be("407");
        server.Received[0].Header.Cred.Should().BeNull("Windows sent no Cred before a challenge (r20, e10)");
        server.Received.Skip(1).Should().OnlyContain(m => m.Header.Cred != null, "Fleet never sends 212, so every message carries a Cred");
        var cred = server.Received[1].Header.Cred!;
        cred.Meta.Should().Be(new Meta(Format: "b64", Type: "syncml:auth-md5"));
        var credential = server.Enrollment.DeviceCredential!;
        cred.Data.Should().Be(OmaDigest.Compute(credential.Name, credential.Secret, OmaDigest.NonceBytes(server.Nonce!)));
        server.Received[1].Commands.Select(c => c.CmdId).Should().Equal("2", "3", "4");
        first.State.ChallengeNonceKnown.Should().BeTrue();

        var second = await client.RunSessionAsync(first.State, SessionKit.AuthFor(first.State), SessionTrigger.Scheduled);
        second.Outcome.Should().Be(SessionOutcome.Completed);
        server.Received.Where(m => m.Header.SessionId == "2").First().Header.Cred.Should().NotBeNull("the nonce of a Chal is used at the start of the next session");
    }

    [Test]
    public async Task After_212_the_client_stops_sending_Cred_for_the_rest_of_the_session()
    {
        _server.Options = new ScriptedServerOptions { RequireDigest = true, AuthenticatedCode = "212" };
        var (state, device, server) = await EnrolledAsync();
        server.Enqueue(SessionKit.Get(ResetStatus));
        server.Enqueue(SessionKit.Get(ResetStatus));
        var client = SessionKit.Client(_server, new SimulatedDeviceHandler(device));

        await client.RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.Scheduled);

        server.Received.Select(m => m.Header.Cred != null).Should().Equal(false, true, false, false);
    }

    [Test]
    public async Task A_wrong_secret_is_refused_after_the_allowed_resends()
    {
        _server.Options = new ScriptedServerOptions { RequireDigest = true };
        var (state, device, server) = await EnrolledAsync();
        var wrong = state with { Credential = state.Credential! with { Secret = "not-the-secret" } };
        var client = SessionKit.Client(_server, new SimulatedDeviceHandler(device));

        var result = await client.RunSessionAsync(wrong, SessionKit.AuthFor(wrong), SessionTrigger.Scheduled);

        result.Outcome.Should().Be(SessionOutcome.Failed);
        result.Failure!.Kind.Should().Be(SessionFailureKind.AuthenticationRejected);
        server.Sent.Select(m => SessionKit.StatusesOf(m).First().Code).Should().Equal("407", "401", "401");
    }

    [Test]
    public async Task Fleet_rekey_Replaces_of_the_DMAcc_client_credential_change_the_credential_the_client_uses()
    {
        var (state, device, server) = await EnrolledAsync();
        var (name, secret) = DmAccount.ClientCredentialPaths(state.ProviderId);
        server.Enqueue(SessionKit.Replace(name, state.Device.DeviceId, "chr"), SessionKit.Replace(secret, "new-secret", "chr"));
        var client = SessionKit.Client(_server, new SimulatedDeviceHandler(device));

        var result = await client.RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.Scheduled);

        result.CredentialsChanged.Should().BeTrue();
        result.State.Credential!.Secret.Should().Be("new-secret");
        result.State.Credential.Name.Should().Be(state.Device.DeviceId);
        server.Statuses.Where(s => s.Cmd == "Replace" && s.CmdRef != "4").Select(s => s.Code).Should().Equal("200", "200");
    }

    [Test]
    public async Task Replacing_a_DMClient_Poll_node_changes_the_schedule_and_Get_reads_it_back()
    {
        var (state, device, server) = await EnrolledAsync();
        var poll = $"./Device/Vendor/MSFT/DMClient/Provider/{state.ProviderId}/Poll/IntervalForFirstSetOfRetries";
        server.Enqueue(SessionKit.Replace(poll, "480"));
        server.Enqueue(SessionKit.Get(poll), SessionKit.Replace(poll, "soon"));
        var client = SessionKit.Client(_server, new SimulatedDeviceHandler(device));

        var result = await client.RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.Scheduled);

        result.PollChanged.Should().BeTrue();
        result.State.Poll.IntervalForFirstSetOfRetries.Should().Be(480);
        server.Results.Single().Items.Single().Should().Be(new Item(SourceUri: poll, Meta: new Meta(Format: "int"), Data: new ItemData("480")));
        server.Statuses.Where(s => s.Cmd == "Replace").Select(s => s.Code).Should().Equal("200", "400");
    }

    [Test]
    public async Task Client_nodes_and_CSP_commands_in_one_package_keep_the_server_order()
    {
        var (state, device, server) = await EnrolledAsync();
        server.Enqueue(
            new ItemCommand(ItemCommandKind.Get, "a", [new Item(TargetUri: "./DevInfo/Mod")]),
            new ItemCommand(ItemCommandKind.Get, "b", [new Item(TargetUri: ResetStatus)]),
            new ItemCommand(ItemCommandKind.Replace, "c", [new Item(TargetUri: "./DevInfo/Man", Data: new ItemData("x"))]),
            new ItemCommand(ItemCommandKind.Get, "d", [new Item(TargetUri: "./Vendor/MSFT/DMClient/Provider/Nope/Poll/PollOnLogin")]));
        var client = SessionKit.Client(_server, new SimulatedDeviceHandler(device));

        await client.RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.Scheduled);

        server.Received[1].Commands.Select(c => (c.ElementName, (c as StatusCommand)?.CmdRef ?? (c as ResultsCommand)?.CmdRef, (c as StatusCommand)?.Code))
            .Should().Equal(("Status", "0", "200"), ("Status", "a", "200"), ("Results", "a", null), ("Status", "b", "200"), ("Results", "b", null),
                ("Status", "c", "405"), ("Status", "d", "404"));
    }

    [Test]
    public async Task Exec_of_DMClient_Unenroll_aborts_the_session_and_reports_the_unenrollment_in_a_new_session()
    {
        var (state, device, server) = await EnrolledAsync();
        server.Enqueue(SessionKit.Get(ResetStatus), SessionKit.Exec($"./Vendor/MSFT/DMClient/Provider/{state.ProviderId}/Unenroll"));
        var client = SessionKit.Client(_server, new SimulatedDeviceHandler(device));

        var result = await client.RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.Scheduled);

        result.Outcome.Should().Be(SessionOutcome.Unenrolled);
        result.ServerInitiatedUnenroll.Should().BeTrue();
        server.Received.Should().HaveCount(2, "no Status answers the package that held the Exec");
        var last = server.Received.Last();
        (last.Header.SessionId, last.Header.MsgId).Should().Be(("2", "1"));
        last.Commands.OfType<AlertCommand>().Select(a => a.Code).Should().Equal("1201", "1224", "1226");
        server.Unenrolled.Should().BeTrue();
        result.State.LastSessionId.Should().Be(2);
    }

    [Test]
    public async Task A_user_unenrollment_is_best_effort_the_answer_is_ignored()
    {
        var (state, device, _) = await EnrolledAsync();
        var channel = RecordingChannel.Answering("this is not SyncML");

        var result = await SessionKit.Client(channel, new SimulatedDeviceHandler(device)).RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.Unenroll);

        result.Outcome.Should().Be(SessionOutcome.Unenrolled);
        channel.Requests.Should().HaveCount(1);
    }

    [Test]
    public async Task A_server_that_never_stops_sending_commands_is_cut_off()
    {
        var state = SessionKit.R20Device;
        var endless = $"""
            <SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>
            <Target><LocURI>{state.Device.DeviceId}</LocURI></Target><Source><LocURI>{state.ManagementUrl}</LocURI></Source></SyncHdr>
            <SyncBody><Get><CmdID>2</CmdID><Item><Target><LocURI>./DevInfo/DevId</LocURI></Target></Item></Get><Final/></SyncBody></SyncML>
            """;
        var channel = new RecordingChannel((_, _) => RecordingChannel.Ok(endless));
        var client = SessionKit.Client(channel, new FixedCodeDevice("200"), options: new DmClientOptions { MaxMessagesPerSession = 5 });

        var result = await client.RunSessionAsync(state, SessionKit.NoAuth, SessionTrigger.Scheduled);

        result.Outcome.Should().Be(SessionOutcome.Failed);
        result.Failure!.Kind.Should().Be(SessionFailureKind.TooManyMessages);
        result.MessagesSent.Should().Be(5);
        channel.Requests.Should().HaveCount(5);
    }

    [Test]
    public async Task A_server_that_ends_with_an_empty_body_ends_the_session()
    {
        _server.Options = new ScriptedServerOptions { EndWithEmptyBody = true };
        var (state, device, server) = await EnrolledAsync();
        server.Enqueue(SessionKit.EntraLapsPolicy());

        var result = await SessionKit.Client(_server, new SimulatedDeviceHandler(device)).RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.Scheduled);

        result.Outcome.Should().Be(SessionOutcome.Completed);
        result.MessagesSent.Should().Be(2);
    }

    [Test]
    public async Task A_client_that_advertises_MaxMsgSize_says_so_in_its_SyncHdr_Meta()
    {
        var channel = RecordingChannel.Answering("");
        var client = SessionKit.Client(channel, new FixedCodeDevice("200"), options: new DmClientOptions { AdvertisedMaxMsgSize = 8192 });
        await client.RunSessionAsync(SessionKit.R20Device, SessionKit.NoAuth, SessionTrigger.Scheduled);

        SyncMLReader.Read(channel.Requests[0].Body).Message!.Header.Meta.Should().Be(new Meta(MaxMsgSize: "8192"));
    }

    [Test]
    public void Basic_Cred_is_b64_of_name_and_secret_as_the_Windows_Phone_package_r31()
    {
        var auth = new DmClientAuthentication(CredentialScheme.Basic, new Enrollment.Identity.DigestCredential("dummy", "dummy", ""), null);
        var expected = SyncMLReader.Read(FleetTestKit.Corpus("r31-wp81-client-init-basic-cred.xml")).Message!.Header.Cred;

        auth.NextCredential().Should().Be(expected);
    }

    private static IEnumerable<SyncCommand> Flatten(IEnumerable<SyncCommand> commands) =>
        commands.SelectMany(c => c is AtomicCommand a ? new[] { c }.Concat(Flatten(a.Commands)) : [c]);
}
