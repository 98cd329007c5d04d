using System.Text;
using System.Xml.Linq;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Writing;

namespace LapsCsp.SyncML.Tests;

public class WriterTests
{
    private static readonly XNamespace s_syncMl = SyncMLMessage.Namespace;
    private static readonly XNamespace s_metInf = SyncMLMessage.MetInfNamespace;

    private static SyncMLMessage Message(params SyncCommand[] commands) =>
        new(new SyncHeader("1", "2", "https://server/mdm", "device-1"), [.. commands]);

    private static XElement Parse(SyncMLMessage message) => XElement.Parse(SyncMLWriter.WriteToString(message));

    private static IEnumerable<string> ChildNames(XElement element) => element.Elements().Select(e => e.Name.LocalName);

    [Test]
    public void Root_carries_the_exact_SyncML_namespace_and_Meta_children_their_own_metinf_namespace()
    {
        var message = Message(new ItemCommand(ItemCommandKind.Replace, "3",
            [new Item("./Device/Vendor/MSFT/LAPS/Policies/PasswordLength", Meta: new Meta(Format: "int", Type: "text/plain"), Data: new ItemData("14"))]));

        string xml = SyncMLWriter.WriteToString(message);

        xml.Should().StartWith("<SyncML xmlns=\"SYNCML:SYNCML1.2\">");
        xml.Should().Contain("<Format xmlns=\"syncml:metinf\">int</Format>").And.Contain("<Type xmlns=\"syncml:metinf\">text/plain</Type>");
        var root = XElement.Parse(xml);
        root.Name.Should().Be(s_syncMl + "SyncML");
        root.Descendants(s_metInf + "Format").Should().ContainSingle();
        root.Descendants().Where(e => e.Name.Namespace != s_syncMl && e.Name.Namespace != s_metInf).Should().BeEmpty();
    }

    [Test]
    public void SyncHdr_children_follow_DTD_order()
    {
        var header = new SyncHeader("7", "3", "https://server", "device", Cred: new Credential(new Meta(Format: "b64"), "abc"),
            Meta: new Meta(MaxMsgSize: "65536"), TargetName: "server", SourceName: "device name");

        var hdr = Parse(new SyncMLMessage(header, [])).Element(s_syncMl + "SyncHdr")!;

        ChildNames(hdr).Should().Equal("VerDTD", "VerProto", "SessionID", "MsgID", "Target", "Source", "Cred", "Meta");
        ChildNames(hdr.Element(s_syncMl + "Target")!).Should().Equal("LocURI", "LocName");
        hdr.Element(s_syncMl + "VerDTD")!.Value.Should().Be("1.2");
        hdr.Element(s_syncMl + "VerProto")!.Value.Should().Be("DM/1.2");
    }

    [Test]
    public void Status_children_follow_DTD_order()
    {
        var status = new StatusCommand("4", "1", "2", "Replace", "200", ["./a", "./b"], ["./c"],
            [new Item(SourceUri: "./d")], new Challenge(new Meta(Format: "b64", Type: "syncml:auth-md5", NextNonce: "bm9uY2U=")));

        var element = Parse(Message(status)).Descendants(s_syncMl + "Status").Single();

        ChildNames(element).Should().Equal("CmdID", "MsgRef", "CmdRef", "Cmd", "TargetRef", "TargetRef", "SourceRef", "Chal", "Data", "Item");
        ChildNames(element.Element(s_syncMl + "Chal")!.Element(s_syncMl + "Meta")!).Should().Equal("Format", "Type", "NextNonce");
    }

    [Test]
    public void Results_children_follow_DTD_order()
    {
        var results = new ResultsCommand("5", "1", "3", [new Item(SourceUri: "./a"), new Item(SourceUri: "./b")], new Meta(Format: "chr"), "./t", "./s");

        var element = Parse(Message(results)).Descendants(s_syncMl + "Results").Single();

        ChildNames(element).Should().Equal("CmdID", "MsgRef", "CmdRef", "Meta", "TargetRef", "SourceRef", "Item", "Item");
    }

    [Test]
    public void Item_and_command_children_follow_DTD_order()
    {
        var exec = new ItemCommand(ItemCommandKind.Exec, "6",
            [new Item("./t", "./s", new Meta(Format: "chr", Type: "text/plain", Mark: "m", Size: "3", Version: "1", NextNonce: "n", MaxMsgSize: "9",
                MaxObjSize: "8"), new ItemData("abc"))],
            new Meta(Format: "node"), NoResp: true, Correlator: "c-1");

        var element = Parse(Message(exec)).Descendants(s_syncMl + "Exec").Single();

        ChildNames(element).Should().Equal("CmdID", "NoResp", "Meta", "Correlator", "Item");
        var item = element.Element(s_syncMl + "Item")!;
        ChildNames(item).Should().Equal("Target", "Source", "Meta", "Data");
        ChildNames(item.Element(s_syncMl + "Meta")!).Should().Equal("Format", "Type", "Mark", "Size", "Version", "NextNonce", "MaxMsgSize", "MaxObjSize");
    }

    [Test]
    public void Null_optional_properties_are_omitted_and_an_empty_CmdRef_is_an_empty_element()
    {
        var blank = new StatusCommand("2", "1", "", "Replace", "400");
        var absent = new StatusCommand(null, null, null, "SyncHdr", "200");

        var statuses = Parse(Message(blank, absent)).Descendants(s_syncMl + "Status").ToList();

        statuses[0].Element(s_syncMl + "CmdRef")!.Value.Should().BeEmpty();
        ChildNames(statuses[1]).Should().Equal("Cmd", "Data");
        SyncMLWriter.WriteToString(Message(blank), new SyncMLWriterOptions { Indent = false }).Should().Contain("<CmdRef></CmdRef>");
    }

    [Test]
    public void Data_text_is_escaped()
    {
        var message = Message(new ItemCommand(ItemCommandKind.Replace, "2", [new Item("./a", Data: new ItemData("<Final/> & \"Tom's\" > 1\r\n"))]));

        string xml = SyncMLWriter.WriteToString(message);

        xml.Should().Contain("<Data>&lt;Final/&gt; &amp; \"Tom's\" &gt; 1&#xD;\n</Data>");
        xml.Should().NotContain("<Final/> &");
    }

    [Test]
    public void CDATA_data_is_written_in_CDATA_and_a_terminator_inside_it_is_split()
    {
        var message = Message(new ItemCommand(ItemCommandKind.Replace, "2",
            [new Item("./a", Data: new ItemData("<enabled/>]]><data id=\"x\"/>", IsCData: true))]));

        string xml = SyncMLWriter.WriteToString(message);

        xml.Should().Contain("<Data><![CDATA[<enabled/>]]]]><![CDATA[><data id=\"x\"/>]]></Data>");
    }

    [Test]
    public void Final_is_the_last_child_of_SyncBody_only_when_set()
    {
        var message = Message(new AlertCommand("2", "1201", []));

        ChildNames(Parse(message).Element(s_syncMl + "SyncBody")!).Should().Equal("Alert", "Final");
        ChildNames(Parse(message with { Final = false }).Element(s_syncMl + "SyncBody")!).Should().Equal("Alert");
    }

    [Test]
    public void Unknown_command_is_written_under_its_own_name_with_its_CmdID()
    {
        var element = Parse(Message(new UnknownCommand("Map", "9"))).Descendants(s_syncMl + "Map").Single();

        ChildNames(element).Should().Equal("CmdID");
        element.Value.Should().Be("9");
    }

    [Test]
    public void Nested_Atomic_and_Sequence_keep_their_children_in_order()
    {
        var message = Message(new SequenceCommand("1",
        [
            new AlertCommand("2", "1101", [new Item(Data: new ItemData("Proceed?"))]),
            new AtomicCommand("3", [new ItemCommand(ItemCommandKind.Add, "4", []), new ItemCommand(ItemCommandKind.Delete, "5", [])]),
        ]));

        var sequence = Parse(message).Descendants(s_syncMl + "Sequence").Single();

        ChildNames(sequence).Should().Equal("CmdID", "Alert", "Atomic");
        ChildNames(sequence.Element(s_syncMl + "Alert")!).Should().Equal("CmdID", "Data", "Item");
        ChildNames(sequence.Element(s_syncMl + "Atomic")!).Should().Equal("CmdID", "Add", "Delete");
    }

    [Test]
    public void Utf8_output_has_no_byte_order_mark_and_declares_utf8_when_asked()
    {
        var message = Message(new ItemCommand(ItemCommandKind.Replace, "2", [new Item("./a", Data: new ItemData("Passwörd 🔑"))]));

        byte[] bare = SyncMLWriter.WriteToUtf8(message);
        byte[] declared = SyncMLWriter.WriteToUtf8(message, new SyncMLWriterOptions { XmlDeclaration = true });

        bare[0].Should().Be((byte)'<');
        Encoding.UTF8.GetString(bare).Should().Contain("Passwörd 🔑");
        Encoding.UTF8.GetString(declared).Should().StartWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        SyncMLWriter.WriteToString(message, new SyncMLWriterOptions { XmlDeclaration = true })
            .Should().StartWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", "a string is sent as UTF-8 too");
    }

    [Test]
    public void Indent_false_writes_one_line_and_indent_true_uses_two_spaces_and_LF()
    {
        var message = Message(new AlertCommand("2", "1201", []));

        SyncMLWriter.WriteToString(message, new SyncMLWriterOptions { Indent = false }).Should().NotContain("\n");
        string indented = SyncMLWriter.WriteToString(message);
        indented.Should().Contain("\n  <SyncHdr>\n    <VerDTD>1.2</VerDTD>").And.NotContain("\r");
    }

    [Test]
    public void Write_leaves_the_destination_stream_open()
    {
        using var stream = new MemoryStream();

        SyncMLWriter.Write(Message(), stream);

        stream.CanWrite.Should().BeTrue();
        stream.Length.Should().BePositive();
    }

    [Test]
    public void Default_arrays_are_written_as_empty()
    {
        var message = new SyncMLMessage(new SyncHeader("1", "1", "a", "b"), default);

        SyncMLWriter.WriteToString(message, new SyncMLWriterOptions { Indent = false })
            .Should().EndWith("<SyncBody><Final /></SyncBody></SyncML>");
    }
}
