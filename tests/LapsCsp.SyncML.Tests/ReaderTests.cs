using System.Text;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;

namespace LapsCsp.SyncML.Tests;

public class ReaderTests
{
    private const string Header =
        "<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>"
        + "<Target><LocURI>./device</LocURI></Target><Source><LocURI>https://server</LocURI></Source></SyncHdr>";

    private static string Envelope(string body, string header = Header) =>
        $"<SyncML xmlns=\"SYNCML:SYNCML1.2\">{header}<SyncBody>{body}<Final/></SyncBody></SyncML>";

    private static SyncMLMessage ReadStrict(string body) => SyncMLReader.Read(Envelope(body)).ShouldSucceed();

    private static ItemData DataOf(string dataElement) =>
        ((ItemCommand)ReadStrict($"<Replace><CmdID>2</CmdID><Item><Target><LocURI>./a</LocURI></Target>{dataElement}</Item></Replace>").Commands[0])
        .Items[0].Data!;

    [TestCase("<Data>&lt;enabled/&gt;&amp;</Data>", "<enabled/>&", false, TestName = "Escaped Data text gives the unescaped value")]
    [TestCase("<Data><![CDATA[<enabled/>&]]></Data>", "<enabled/>&", true, TestName = "CDATA Data gives the same value and records IsCData")]
    [TestCase("<Data>a<!-- note -->b</Data>", "ab", false, TestName = "Comments inside Data are skipped")]
    [TestCase("<Data>  x \n\t</Data>", "  x \n\t", false, TestName = "Whitespace inside Data is kept exactly")]
    [TestCase("<Data>   </Data>", "   ", false, TestName = "Whitespace-only Data is kept")]
    [TestCase("<Data/>", "", false, TestName = "Empty Data element is an empty value")]
    [TestCase("<Data>\n   <![CDATA[ v ]]>\n</Data>", " v ", true, TestName = "Layout whitespace around CDATA is not part of the value")]
    [TestCase("<Data><![CDATA[a]]>&#xD;<![CDATA[b]]></Data>", "a\rb", true, TestName = "Text between CDATA sections is kept")]
    [TestCase("<Data><![CDATA[a]]]]><![CDATA[>b]]></Data>", "a]]>b", true, TestName = "Split CDATA sections join into one value")]
    [TestCase("<Data>a&#xD;&#xA;b</Data>", "a\r\nb", false, TestName = "Character references for CR and LF are kept")]
    [TestCase("<Data><enabled/><data id=\"a\" value=\"1&amp;2\"/></Data>", "<enabled/><data id=\"a\" value=\"1&amp;2\"/>", false,
        TestName = "Unescaped XML in Data keeps its inner XML text without inherited namespaces")]
    [TestCase("<Data> <x a='1'>t &lt; <![CDATA[c]]></x> </Data>", " <x a=\"1\">t &lt; <![CDATA[c]]></x> ", false,
        TestName = "Inner XML of Data keeps text escaped and CDATA as CDATA")]
    public void Item_Data_is_read_as(string dataElement, string value, bool isCData)
    {
        DataOf(dataElement).Should().Be(new ItemData(value, isCData));
    }

    [Test]
    public void Meta_children_read_with_metinf_no_or_a_wrong_namespace_and_are_trimmed()
    {
        var command = (ItemCommand)ReadStrict(
            "<Add><CmdID>2</CmdID><Item><Target><LocURI>./a</LocURI></Target><Meta>"
            + "<Format xmlns=\"syncml:metinf\">int</Format><Type xmlns=\"syncml:metinfo\"> text/plain\n </Type><Size>3</Size>"
            + "<m:MaxObjSize xmlns:m=\"syncml:metinf\">10</m:MaxObjSize><Mark>high</Mark><Version>2</Version><NextNonce>n</NextNonce>"
            + "<MaxMsgSize>99</MaxMsgSize><EMI>ignored</EMI></Meta><Data>1</Data></Item></Add>").Commands[0];

        command.Items[0].Meta.Should().Be(new Meta("int", "text/plain", "3", "99", "10", "n", "high", "2"));
    }

    [Test]
    public void Status_without_CmdRef_gives_null_and_with_an_empty_CmdRef_gives_empty()
    {
        var message = ReadStrict(
            "<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>"
            + "<Status><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef/><Cmd>Replace</Cmd><Data>400</Data></Status>"
            + "<Status><CmdID>3</CmdID><MsgRef>1</MsgRef><CmdRef></CmdRef><Cmd>Replace</Cmd><Data>400</Data></Status>");

        message.Commands.Cast<StatusCommand>().Select(s => s.CmdRef).Should().Equal(null, "", "");
    }

    [Test]
    public void Status_reads_refs_challenge_and_items_in_any_order()
    {
        var status = (StatusCommand)ReadStrict(
            "<Status><Data> 401 </Data><Item><Source><LocURI>./x</LocURI></Source></Item><SourceRef>s</SourceRef>"
            + "<Chal><Meta><Type xmlns=\"syncml:metinf\">syncml:auth-md5</Type><Format xmlns=\"syncml:metinf\">b64</Format>"
            + "<NextNonce xmlns=\"syncml:metinf\">bm9uY2U=</NextNonce></Meta></Chal>"
            + "<TargetRef>t1</TargetRef><TargetRef>t2</TargetRef><Cmd>SyncHdr</Cmd><CmdRef>0</CmdRef><MsgRef>1</MsgRef><CmdID>1</CmdID></Status>")
            .Commands[0];

        status.Should().BeEquivalentTo(new StatusCommand("1", "1", "0", "SyncHdr", "401", ["t1", "t2"], ["s"], [new Item(SourceUri: "./x")],
            new Challenge(new Meta(Format: "b64", Type: "syncml:auth-md5", NextNonce: "bm9uY2U="))), MessageAssertions.ByValue);
    }

    [Test]
    public void Header_children_are_read_in_any_order_with_Cred_Meta_and_LocNames()
    {
        string header = "<SyncHdr><Meta><MaxMsgSize xmlns=\"syncml:metinf\">65536</MaxMsgSize></Meta>"
            + "<Source><LocName>dev</LocName><LocURI> device-7 </LocURI></Source><MsgID>4</MsgID><SessionID>3F</SessionID>"
            + "<Cred><Meta><Type xmlns=\"syncml:metinf\">syncml:auth-md5</Type></Meta><Data>aGFzaA==</Data></Cred>"
            + "<VerProto>DM/1.2</VerProto><VerDTD>1.2</VerDTD><Target><LocURI>https://srv</LocURI><LocName>srv</LocName></Target>"
            + "<RespURI>https://srv/2</RespURI></SyncHdr>";

        var message = SyncMLReader.Read(Envelope("", header)).ShouldSucceed();

        message.Header.Should().Be(new SyncHeader("3F", "4", "https://srv", "device-7", "1.2", "DM/1.2",
            new Credential(new Meta(Type: "syncml:auth-md5"), "aGFzaA=="), new Meta(MaxMsgSize: "65536"), "srv", "dev"));
    }

    [Test]
    public void Every_item_command_kind_is_read_with_NoResp_Meta_and_Correlator()
    {
        var message = ReadStrict(
            "<Add><CmdID>1</CmdID><NoResp/><Item/></Add><Replace><CmdID>2</CmdID><Item/></Replace><Delete><CmdID>3</CmdID><Item/></Delete>"
            + "<Get><CmdID>4</CmdID><Item/></Get><Copy><CmdID>5</CmdID><Item/></Copy>"
            + "<Exec><CmdID>6</CmdID><Meta><Format xmlns=\"syncml:metinf\">chr</Format></Meta><Correlator> c-1 </Correlator><Item/></Exec>");

        var commands = message.Commands.Cast<ItemCommand>().ToList();
        commands.Select(c => c.Kind).Should().Equal(ItemCommandKind.Add, ItemCommandKind.Replace, ItemCommandKind.Delete, ItemCommandKind.Get,
            ItemCommandKind.Copy, ItemCommandKind.Exec);
        commands.Select(c => c.ElementName).Should().Equal("Add", "Replace", "Delete", "Get", "Copy", "Exec");
        commands[0].NoResp.Should().BeTrue();
        commands[1].NoResp.Should().BeFalse();
        commands[5].Correlator.Should().Be("c-1");
        commands[5].Meta.Should().Be(new Meta(Format: "chr"));
    }

    [Test]
    public void CmdID_is_kept_verbatim_apart_from_surrounding_whitespace()
    {
        var message = ReadStrict(
            "<Get><CmdID>90dbfca8-d4ac-40c9-bf57-ba5b8cbf1ce0</CmdID></Get><Get><CmdID>xxcmdidxx</CmdID></Get>"
            + "<Get><CmdID>\n  007\n</CmdID></Get><Get/>");

        message.Commands.Select(c => c.CmdId).Should().Equal("90dbfca8-d4ac-40c9-bf57-ba5b8cbf1ce0", "xxcmdidxx", "007", null);
    }

    [Test]
    public void Element_that_is_not_a_command_is_an_UnknownCommand_not_a_reader_error()
    {
        var message = ReadStrict(
            "<Map><CmdID>1</CmdID><MapItem/></Map><replace><CmdID>2</CmdID></replace>"
            + "<Atomic><CmdID>3</CmdID><Search><CmdID>4</CmdID></Search><Final/></Atomic>");

        message.Commands[0].Should().Be(new UnknownCommand("Map", "1"));
        message.Commands[1].Should().Be(new UnknownCommand("replace", "2"), "command names are case-sensitive");
        var atomic = message.Commands[2].Should().BeOfType<AtomicCommand>().Subject;
        atomic.Commands.Should().Equal(new UnknownCommand("Search", "4"), new UnknownCommand("Final", null));
    }

    [Test]
    public void Atomic_and_Sequence_read_CmdID_NoResp_Meta_and_nested_commands()
    {
        var message = ReadStrict(
            "<Sequence><CmdID>1</CmdID><NoResp/><Meta><Format xmlns=\"syncml:metinf\">chr</Format></Meta>"
            + "<Atomic><CmdID>2</CmdID><Add><CmdID>3</CmdID></Add><Atomic><CmdID>4</CmdID></Atomic></Atomic>"
            + "<Alert><CmdID>5</CmdID><Data>1101</Data></Alert></Sequence>");

        var sequence = message.Commands.Single().Should().BeOfType<SequenceCommand>().Subject;
        sequence.NoResp.Should().BeTrue();
        sequence.Meta.Should().Be(new Meta(Format: "chr"));
        sequence.Commands.Select(c => c.ElementName).Should().Equal("Atomic", "Alert");
        var atomic = (AtomicCommand)sequence.Commands[0];
        atomic.Commands.Select(c => (c.ElementName, c.CmdId)).Should().Equal(("Add", "3"), ("Atomic", "4"));
    }

    [Test]
    public void Message_without_Final_has_Final_false()
    {
        SyncMLReader.Read(Envelope("").Replace("<Final/>", "", StringComparison.Ordinal)).ShouldSucceed().Final.Should().BeFalse();
    }

    [TestCase("<Add><CmdId>1</CmdId></Add>", "element-case", TestName = "CmdId for CmdID is refused in strict mode and read in lenient mode")]
    [TestCase("<Add><CmdID>1</CmdID><Item><Target><locuri>./a</locuri></Target></Item></Add>", "element-case",
        TestName = "locuri for LocURI is refused in strict mode and read in lenient mode")]
    [TestCase("<Add><CmdID>1</CmdID></Add>&lt;Final/&gt;", "escaped-final", TestName = "Escaped Final text is refused in strict mode and read as Final in lenient mode")]
    [TestCase("<Add><CmdID>1</CmdID></Add>stray", "text", TestName = "Stray text in SyncBody is refused in strict mode and ignored in lenient mode")]
    [TestCase("<Add><CmdID>1</CmdID><Item><Target><LocURI>./a<b/></LocURI></Target></Item></Add>", "structure",
        TestName = "Markup inside LocURI is refused in strict mode and ignored in lenient mode")]
    public void Quirk_is_an_error_in_strict_mode_and_a_positioned_warning_in_lenient_mode(string body, string code)
    {
        string xml = Envelope(body);

        var error = SyncMLReader.Read(xml).ShouldBeRefusedWith(code);
        error.Message.Should().Contain("refused in strict mode").And.Contain("AllowQuirks");
        var lenient = SyncMLReader.Read(xml, SyncMLReaderOptions.Lenient);
        var message = lenient.ShouldSucceed();
        var warning = lenient.Warnings.Should().ContainSingle().Subject;
        warning.Code.Should().Be(code);
        (warning.Line, warning.Column).Should().Be((error.Line, error.Column));
        warning.Column.Should().BePositive();
        message.Commands.Should().ContainSingle().Which.CmdId.Should().Be("1");
    }

    [Test]
    public void Escaped_Final_sets_Final_in_lenient_mode()
    {
        string xml = Envelope("<Get><CmdID>1</CmdID></Get>&lt;Final/&gt;").Replace("<Final/></SyncBody>", "</SyncBody>", StringComparison.Ordinal);

        SyncMLReader.Read(xml, SyncMLReaderOptions.Lenient).ShouldSucceed().Final.Should().BeTrue();
    }

    [Test]
    public void Missing_SyncHdr_is_refused_in_strict_mode_and_synthesised_in_lenient_mode()
    {
        string xml = "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncBody><Get><CmdID>1</CmdID></Get></SyncBody></SyncML>";

        SyncMLReader.Read(xml).ShouldBeRefusedWith("no-header");
        var result = SyncMLReader.Read(xml, SyncMLReaderOptions.Lenient);
        result.Outcome().Should().Be("accepted | no-header");
        result.Message!.Header.Should().Be(new SyncHeader("1", "1", null, null));
        result.Message.Final.Should().BeFalse();
    }

    [Test]
    public void Incomplete_SyncHdr_is_refused_in_strict_mode_and_completed_with_defaults_in_lenient_mode()
    {
        string xml = Envelope("", "<SyncHdr><SessionID>9</SessionID></SyncHdr>");

        SyncMLReader.Read(xml).ShouldBeRefusedWith("header").Message.Should().Contain("VerDTD, VerProto, MsgID, Target/LocURI, Source/LocURI");
        var result = SyncMLReader.Read(xml, SyncMLReaderOptions.Lenient);
        result.Outcome().Should().Be("accepted | header");
        result.Message!.Header.Should().Be(new SyncHeader("9", "1", null, null));
    }

    [TestCase("<SyncHdr/>", TestName = "Duplicate SyncHdr is refused in strict mode as structure")]
    [TestCase("<Extra/>", TestName = "Unknown element between SyncHdr and SyncBody is refused in strict mode as structure")]
    public void Unexpected_element_in_SyncML_is_a_structure_quirk(string extra)
    {
        string xml = $"<SyncML xmlns=\"SYNCML:SYNCML1.2\">{Header}{extra}<SyncBody/></SyncML>";

        SyncMLReader.Read(xml).ShouldBeRefusedWith("structure");
        SyncMLReader.Read(xml, SyncMLReaderOptions.Lenient).Outcome().Should().Be("accepted | structure");
    }

    [Test]
    public void Bare_fragment_is_wrapped_with_a_synthesised_header_and_Final()
    {
        string fragment = "<!-- profile -->\n<Replace><CmdID>1</CmdID></Replace>\n<Add><CmdID>2</CmdID></Add>\n<Exec><CmdID>3</CmdID></Exec>";

        SyncMLReader.Read(fragment).ShouldBeRefusedWith("fragment").Line.Should().Be(2);
        var result = SyncMLReader.Read(fragment, SyncMLReaderOptions.Lenient);
        var message = result.ShouldSucceed();
        message.Header.Should().Be(new SyncHeader("1", "1", null, null));
        message.Final.Should().BeTrue();
        message.Commands.Select(c => c.ElementName).Should().Equal("Replace", "Add", "Exec");
        result.Warnings.Should().ContainSingle().Which.Message.Should().Contain("fragment");
    }

    [Test]
    public void Stray_text_between_fragment_commands_is_a_warning_in_lenient_mode()
    {
        var result = SyncMLReader.Read("<Get><CmdID>1</CmdID></Get>\noops\n<Get><CmdID>2</CmdID></Get>", SyncMLReaderOptions.Lenient);

        result.Outcome().Should().Be("accepted | fragment, text");
        result.Message!.Commands.Should().HaveCount(2);
    }

    [Test]
    public void SyncMl_root_with_every_envelope_quirk_names_each_in_lenient_mode()
    {
        string xml = "<SyncMl xmlns=\"syncml:syncml1.2\"><SyncBody><Add><CmdId>1</CmdId></Add>&lt;Final/&gt;</SyncBody></SyncMl>";

        var result = SyncMLReader.Read(xml, SyncMLReaderOptions.Lenient);

        result.Outcome().Should().Be("accepted | element-case, escaped-final, namespace, no-header, root");
        result.Message!.Commands.Should().ContainSingle().Which.CmdId.Should().Be("1");
        SyncMLReader.Read(xml).ShouldBeRefusedWith("root");
    }

    [Test]
    public void Bytes_stream_and_string_inputs_give_the_same_message()
    {
        string xml = Envelope("<Replace><CmdID>2</CmdID><Item><Target><LocURI>./a</LocURI></Target><Data>Passwörd 🔑</Data></Item></Replace>");
        byte[] bytes = Encoding.UTF8.GetBytes(xml);

        var fromBytes = SyncMLReader.Read(bytes).ShouldSucceed();

        SyncMLReader.Read(xml).ShouldSucceed().ShouldBeEquivalentMessage(fromBytes);
        SyncMLReader.Read(new MemoryStream(bytes)).ShouldSucceed().ShouldBeEquivalentMessage(fromBytes);
        ((ItemCommand)fromBytes.Commands[0]).Items[0].DataText.Should().Be("Passwörd 🔑");
    }

    [Test]
    public void Read_result_separates_errors_from_warnings_and_diagnostics_print_their_position()
    {
        var result = SyncMLReader.Read("<Replace><CmdID>1</CmdID></Replace><Replace>", SyncMLReaderOptions.Lenient);

        result.Succeeded.Should().BeFalse();
        result.Warnings.Should().ContainSingle().Which.Code.Should().Be("fragment");
        var error = result.Errors.Should().ContainSingle().Subject;
        error.Code.Should().Be("xml");
        error.ToString().Should().StartWith($"error xml at line 1, column {error.Column}: not well-formed XML");
    }
}
