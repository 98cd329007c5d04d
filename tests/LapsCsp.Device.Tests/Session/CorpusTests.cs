using LapsCsp.SyncML.Messages;
using static LapsCsp.Device.Tests.Session.SessionHarness;

namespace LapsCsp.Device.Tests.Session;

/// <summary>Real SyncML from ../shared/corpus (see its INDEX.md), answered by the device.</summary>
public class CorpusTests
{
    [TestCase("r01-laps-entra-backup-policy.xml", 7)]
    [TestCase("r02-laps-hybrid-ad-backup-policy.xml", 11)]
    public void CSP_document_samples_read_leniently_are_accepted_command_by_command(string file, int adds)
    {
        var session = NewSession();
        var reply = session.Process(Corpus(file, lenient: true));
        reply.Codes().Should().Equal(Enumerable.Repeat("200", adds + 1));
        session.Tree.State.Count.Should().Be(adds);
    }

    [Test]
    public void Hybrid_sample_stores_the_capitalised_bool_in_lower_case()
    {
        var session = NewSession();
        session.Process(Corpus("r02-laps-hybrid-ad-backup-policy.xml", lenient: true));
        session.Tree.EffectiveValue(Policies + "ADPasswordEncryptionEnabled").Should().Be("true");
        session.Tree.EffectiveValue(Policies + "ADEncryptedPasswordHistorySize").Should().Be("6");
    }

    [Test]
    public void Fleet_atomic_with_UUID_CmdIDs_is_echoed_verbatim()
    {
        // r23 targets the Policy CSP, which this device does not carry: the Replace is 404 and the Atomic 507 (a real
        // device with the Policy CSP answered 200/200, r24). What must match r24 is the verbatim echo of UUID CmdRefs.
        var reply = NewSession().Process(Corpus("r23-fleet-atomic-bluetooth-payload.xml", lenient: true));
        reply.Statuses().Skip(1).Select(s => s.CmdRef).Should().Equal(
            "90dbfca8-d4ac-40c9-bf57-ba5b8cbf1ce0", "81a141b2-5064-4dc3-a51a-128b8caa5438");
    }

    [Test]
    public void Accounts_add_with_a_Get_inside_the_Atomic_fails_the_Atomic_as_the_docs_say()
    {
        var session = NewSession();
        var reply = session.Process(Corpus("r33-poc-accounts-add-user-atomic-with-get.xml", lenient: true));
        reply.Statuses().Select(s => (s.Cmd, s.Code)).Should().Equal(
            ("SyncHdr", "200"), ("Atomic", "507"), ("Add", "216"), ("Add", "216"), ("Get", "500"));
        session.Tree.State.Count.Should().Be(0);
    }

    [Test]
    public void Replace_without_CmdID_is_400_with_an_empty_CmdRef_as_Fleet_observed()
    {
        var reply = NewSession().Process(Corpus("r37-fleet-pr15277-replace-without-cmdid.xml", lenient: true));
        reply.Statuses()[1].Should().BeEquivalentTo(new { CmdRef = "", Cmd = "Replace", Code = "400" });
    }

    [Test]
    public void OMA_spec_sequence_with_confirmation_alert_answers_like_the_spec_example()
    {
        // r40/r41: the spec's client answered SyncHdr 212 (authentication), Sequence 200, Alert 200, Replace 200. This
        // device does not authenticate (200) and has no connectivity CSP, so the Replace is 404.
        var reply = NewSession().Process(Corpus("r40-omadm12-spec-server-sequence-confirm-b64.xml", lenient: false));
        reply.Statuses().Select(s => (s.Cmd, s.Code)).Should().Equal(
            ("SyncHdr", "200"), ("Sequence", "200"), ("Alert", "200"), ("Replace", "404"));
    }

    [Test]
    public void MS_MDM_server_example_Gets_devdetail_nodes_a_session_without_device_information_lacks()
    {
        var reply = NewSession().Process(Corpus("r11-msmdm-ex-server-get-devdetail.xml", lenient: false));
        reply.Statuses().Select(s => s.Cmd).Should().Equal("SyncHdr", "Get", "Get");
        reply.Statuses()[0].MsgRef.Should().Be("1");
    }

    [Test]
    public void ADMX_CDATA_payload_for_an_unknown_CSP_is_404_without_crashing()
    {
        var reply = NewSession().Process(Corpus("r39-fleet-profile-admx-powershell-cdata.xml", lenient: true));
        reply.Codes().Should().Equal("200", "404");
    }

    [Test]
    public void Personalization_replaces_without_Device_prefix_address_the_device()
    {
        var reply = NewSession().Process(Corpus("r21-realvm-server-replace-personalization.xml", lenient: false));
        reply.Message.Commands.OfType<StatusCommand>().Where(s => s.Cmd == "Replace").Should().HaveCount(2)
            .And.OnlyContain(s => s.Code == "404", "this device has no Personalization CSP (a real one answered 202, r22)");
    }
}
