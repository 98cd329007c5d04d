using LapsCsp.Device.Session;
using LapsCsp.SyncML.Messages;
using static LapsCsp.Device.Tests.Session.SessionHarness;

namespace LapsCsp.Device.Tests.Session;

public class DmSessionProcessorTests
{
    [Test]
    public void Reply_starts_with_the_SyncHdr_status_and_swaps_target_and_source()
    {
        var reply = NewSession().Process(Package(Add("1", Policies + "BackupDirectory", "int", "1")));
        var header = reply.Message.Header;
        header.SessionId.Should().Be("7");
        header.MsgId.Should().Be("4");
        header.TargetUri.Should().Be("https://mdm.example/dm");
        header.SourceUri.Should().Be("LAPSCSP-DEVICE-0001");
        var first = reply.Statuses()[0];
        first.Should().BeEquivalentTo(new { CmdId = "1", MsgRef = "3", CmdRef = "0", Cmd = "SyncHdr", Code = "200" });
        reply.Message.Final.Should().BeTrue();
    }

    [Test]
    public void One_status_per_command_in_request_order_with_CmdIDs_numbered_from_1()
    {
        var reply = NewSession().Process(Package(
            Add("a", Policies + "BackupDirectory", "int", "1"),
            Add("b", Policies + "BackupDirectory", "int", "2"),
            Get("c", Policies + "BackupDirectory")));
        reply.Statuses().Select(s => (s.CmdRef, s.Cmd, s.Code)).Should().Equal(
            ("0", "SyncHdr", "200"), ("a", "Add", "200"), ("b", "Add", "418"), ("c", "Get", "200"));
        reply.Message.Commands.Select(c => c.CmdId).Should().Equal("1", "2", "3", "4", "5");
    }

    [Test]
    public void Results_follow_the_status_of_a_successful_Get_with_source_format_and_data()
    {
        var reply = NewSession().Process(Package(
            Add("1", Policies + "PasswordAgeDays", "int", "30"),
            Get("2", Policies + "PasswordAgeDays"),
            Get("3", Policies + "PasswordLength")));
        var commands = reply.Message.Commands;
        commands[3].Should().BeOfType<ResultsCommand>();
        var results = (ResultsCommand)commands[3];
        results.CmdRef.Should().Be("2");
        results.MsgRef.Should().Be("3");
        results.Items.Should().ContainSingle();
        results.Items[0].SourceUri.Should().Be(Policies + "PasswordAgeDays");
        results.Items[0].Meta!.Format.Should().Be("int");
        results.Items[0].DataText.Should().Be("30");
        commands.OfType<ResultsCommand>().Should().HaveCount(1, "the Get of an unset leaf fails with 404 and has no Results");
    }

    [Test]
    public void A_list_StructData_Get_answers_one_Results_item_per_node_named_as_the_server_spelt_the_URI()
    {
        var reply = NewSession().Process(Package(
            Add("1", Policies + "BackupDirectory", "int", "1"),
            Add("2", Policies + "PasswordAgeDays", "int", "30"),
            Get("3", "./Vendor/MSFT/LAPS/Policies?list=StructData")));

        reply.Codes().Should().Equal("200", "200", "200", "200");
        var items = reply.Message.Commands.OfType<ResultsCommand>().Single().Items;
        items.Select(i => (i.SourceUri, i.Meta!.Format, i.DataText)).Should().Equal(
            ("./Vendor/MSFT/LAPS/Policies", "node", null),
            ("./Vendor/MSFT/LAPS/Policies/BackupDirectory", "int", "1"),
            ("./Vendor/MSFT/LAPS/Policies/PasswordAgeDays", "int", "30"));
    }

    [Test]
    public void A_list_Struct_Get_names_the_nodes_without_their_data()
    {
        var reply = NewSession().Process(Package(
            Add("1", Policies + "BackupDirectory", "int", "1"),
            Get("2", "./Device/Vendor/MSFT/LAPS/Policies?list=Struct")));

        var items = reply.Message.Commands.OfType<ResultsCommand>().Single().Items;
        items.Select(i => i.SourceUri).Should().Equal("./Device/Vendor/MSFT/LAPS/Policies", Policies + "BackupDirectory");
        items.Should().OnlyContain(i => i.Data == null);
    }

    [TestCase(ProtocolProfile.Windows, "406", TestName = "An unsupported node property is 406 in the windows profile")]
    [TestCase(ProtocolProfile.Oma, "406", TestName = "An unsupported node property is 406 in the oma profile too (TND 8.3.3)")]
    public void Unsupported_node_properties_are_406_in_both_profiles(ProtocolProfile profile, string code)
    {
        var reply = NewSession(profile).Process(Package(Add("1", Policies + "BackupDirectory", "int", "1"), Get("2", Policies + "BackupDirectory?prop=TStamp")));

        reply.Codes().Should().Equal("200", "200", code);
    }

    [Test]
    public void The_oma_profile_answers_list_Gets_406()
    {
        var reply = NewSession(ProtocolProfile.Oma).Process(Package(Get("1", "./Device/Vendor/MSFT/LAPS?list=Struct")));

        reply.Codes().Should().Equal("200", "406");
    }

    [Test]
    public void Get_of_an_interior_node_answers_child_names_with_format_node()
    {
        var reply = NewSession().Process(Package(Get("1", "./Device/Vendor/MSFT/LAPS")));
        var results = reply.Message.Commands.OfType<ResultsCommand>().Single();
        results.Items[0].Meta!.Format.Should().Be("node");
        results.Items[0].DataText.Should().Be("Policies/Actions");
    }

    [Test]
    public void Items_of_one_command_with_different_codes_get_one_status_each()
    {
        var get = Get("9", Policies + "BackupDirectory", "./Device/Vendor/MSFT/LAPS");
        var reply = NewSession().Process(Package(get));
        reply.Statuses().Skip(1).Select(s => (s.CmdRef, s.Code)).Should().Equal(("9", "404"), ("9", "200"));
    }

    [Test]
    public void Statuses_and_Results_from_the_server_are_not_answered()
    {
        var reply = NewSession().Process(Package(
            new StatusCommand("1", "1", "0", "SyncHdr", "200"),
            Get("2", "./Device/Vendor/MSFT/LAPS")));
        reply.Statuses().Select(s => s.Cmd).Should().Equal("SyncHdr", "Get");
    }

    [Test]
    public void Windows_profile_omits_TargetRef_and_oma_profile_echoes_it()
    {
        var package = Package(Add("1", Policies + "BackupDirectory", "int", "1"));
        NewSession(ProtocolProfile.Windows).Process(package).Statuses()[1].TargetRefs.Should().BeEmpty();
        NewSession(ProtocolProfile.Oma).Process(package).Statuses()[1].TargetRefs.Should().Equal(Policies + "BackupDirectory");
    }

    [Test]
    public void Wrong_VerDTD_is_505_and_no_command_runs()
    {
        var package = Package(Add("1", Policies + "BackupDirectory", "int", "1"));
        package = package with { Header = package.Header with { VerDtd = "1.1" } };
        var session = NewSession();
        session.Process(package).Codes().Should().Equal("505", "215");
        session.Tree.State.Count.Should().Be(0);
    }

    [Test]
    public void User_interaction_alerts_are_accepted_and_other_alerts_are_not_supported()
    {
        var reply = NewSession().Process(Package(
            new AlertCommand("1", "1101", [new Item(Data: new ItemData("Install?"))]),
            new AlertCommand("2", "1226", [])));
        reply.Codes().Should().Equal("200", "200", "406");
    }

    [Test]
    public void Sequence_stops_after_the_first_failure_and_keeps_what_succeeded()
    {
        var session = NewSession();
        var reply = session.Process(Package(new SequenceCommand("1", [
            Add("2", Policies + "BackupDirectory", "int", "1"),
            Add("3", Policies + "PasswordLength", "int", "99"),
            Add("4", Policies + "PasswordAgeDays", "int", "30"),
        ])));
        reply.Codes().Should().Equal("200", "200", "200", "400", "215");
        session.Tree.EffectiveValue(Policies + "BackupDirectory").Should().Be("1");
        session.Tree.State.Count.Should().Be(1);
    }

    [Test]
    public void Atomic_inside_a_Sequence_that_fails_stops_the_Sequence()
    {
        var reply = NewSession().Process(Package(new SequenceCommand("1", [
            new AtomicCommand("2", [Add("3", Policies + "BackupDirectory", "int", "7")]),
            Add("4", Policies + "PasswordAgeDays", "int", "30"),
        ])));
        reply.Codes().Should().Equal("200", "200", "507", "400", "215");
    }

    [Test]
    public void Atomic_status_comes_before_its_children_and_failure_rolls_back()
    {
        var session = NewSession();
        var reply = session.Process(Package(new AtomicCommand("10", [
            Add("11", Policies + "BackupDirectory", "int", "1"),
            Add("12", Policies + "PasswordAgeDays", "int", "3"),
            Add("13", Policies + "PasswordLength", "int", "20"),
        ])));
        reply.Statuses().Select(s => (s.CmdRef, s.Cmd, s.Code)).Should().Equal(
            ("0", "SyncHdr", "200"), ("10", "Atomic", "507"), ("11", "Add", "216"), ("12", "Add", "400"), ("13", "Add", "215"));
        session.Tree.State.Count.Should().Be(0);
        reply.Reports[1].Reason.Should().Contain("PasswordAgeDays=3 outside [7-365] because BackupDirectory=1");
    }

    [Test]
    public void A_command_without_CmdID_gets_an_empty_CmdRef_and_400()
    {
        var reply = NewSession().Process(Package(
            new ItemCommand(ItemCommandKind.Replace, null, [new Item(TargetUri: Policies + "BackupDirectory", Data: new ItemData("1"))])));
        reply.Statuses()[1].Should().BeEquivalentTo(new { CmdRef = "", Cmd = "Replace", Code = "400" });
    }

    [Test]
    public void A_command_without_Item_is_400()
    {
        NewSession().Process(Package(new ItemCommand(ItemCommandKind.Get, "1", []))).Codes().Should().Equal("200", "400");
    }
}
