using System.Text;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.Testing;

namespace LapsCsp.SyncML.Tests;

/// <summary>Bad and hostile input ends in a clear, positioned Error diagnostic; no exception escapes the reader.</summary>
public class HostileInputTests
{
    private const string Header =
        "<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>"
        + "<Target><LocURI>./device</LocURI></Target><Source><LocURI>https://server</LocURI></Source></SyncHdr>";

    private static string Envelope(string body) => $"<SyncML xmlns=\"SYNCML:SYNCML1.2\">{Header}<SyncBody>{body}<Final/></SyncBody></SyncML>";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static IEnumerable<SyncMLReaderOptions> BothModes => [SyncMLReaderOptions.Strict, SyncMLReaderOptions.Lenient];

    [TestCase("", TestName = "Empty input is refused as empty")]
    [TestCase("   \r\n\t  ", TestName = "Whitespace-only input is refused as empty")]
    public void Empty_input_is_refused(string input)
    {
        foreach (var options in BothModes)
        {
            SyncMLReader.Read(Utf8(input), options).ShouldBeRefusedWith("empty");
            SyncMLReader.Read(input, options).ShouldBeRefusedWith("empty");
            SyncMLReader.Read(new MemoryStream(Utf8(input)), options).ShouldBeRefusedWith("empty");
        }
    }

    [Test]
    public void Truncated_message_is_refused_as_xml_with_the_position_where_it_ends()
    {
        byte[] whole = RepoPaths.CorpusBytes("r20-realvm-client-init-win10-19043.xml");
        byte[] truncated = whole[..(whole.Length / 2)];

        foreach (var options in BothModes)
        {
            var error = SyncMLReader.Read(truncated, options).ShouldBeRefusedWith("xml");
            error.Line.Should().Be(Encoding.UTF8.GetString(truncated).Count(c => c == '\n') + 1);
            error.Message.Should().Contain("not well-formed");
        }
    }

    [TestCase("<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr></SyncML>", 1, TestName = "Mismatched end tag is refused as xml")]
    [TestCase("<SyncML xmlns=\"SYNCML:SYNCML1.2\">HDR\n<SyncBody>a & b</SyncBody></SyncML>", 2, TestName = "Bare ampersand is refused as xml")]
    [TestCase("<SyncML xmlns=\"SYNCML:SYNCML1.2\">HDR\n\n<SyncBody>&xxe;</SyncBody></SyncML>", 3,
        TestName = "Reference to an undeclared entity is refused as xml")]
    [TestCase("<SyncML xmlns=\"SYNCML:SYNCML1.2\" xmlns=\"x\"/>", 1, TestName = "Duplicate attribute is refused as xml")]
    [TestCase("<SyncML xmlns=\"SYNCML:SYNCML1.2\">HDR<SyncBody>\u0001</SyncBody></SyncML>", 1, TestName = "Control character is refused as xml")]
    public void Malformed_xml_is_refused_with_its_line(string xml, int line)
    {
        xml = xml.Replace("HDR", Header, StringComparison.Ordinal);
        foreach (var options in BothModes)
        {
            var error = SyncMLReader.Read(Utf8(xml), options).ShouldBeRefusedWith("xml");
            error.Line.Should().Be(line);
            error.Column.Should().BePositive();
        }
    }

    [Test]
    public void Billion_laughs_DTD_is_refused_as_dtd_at_the_DOCTYPE()
    {
        var xml = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE SyncML [\n  <!ENTITY lol \"lol\">\n");
        for (int i = 1; i <= 9; i++)
        {
            xml.Append(System.Globalization.CultureInfo.InvariantCulture, $"  <!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{(i == 1 ? "" : i - 1)};", 10))}\">\n");
        }

        xml.Append("]>\n").Append(Envelope("<Replace><CmdID>2</CmdID><Item><Data>&lol9;</Data></Item></Replace>"));

        foreach (var options in BothModes)
        {
            var error = SyncMLReader.Read(Utf8(xml.ToString()), options).ShouldBeRefusedWith("dtd");
            (error.Line, error.Column).Should().Be((2, 1));
            error.Message.Should().Contain("DTD");
        }
    }

    [Test]
    public void External_entity_is_refused_as_dtd_and_never_resolved()
    {
        string xml = "<!DOCTYPE SyncML [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
            + Envelope("<Replace><CmdID>2</CmdID><Item><Data>&xxe;</Data></Item></Replace>");

        foreach (var options in BothModes)
        {
            var result = SyncMLReader.Read(xml, options);
            result.ShouldBeRefusedWith("dtd");
            result.Diagnostics.Should().NotContain(d => d.Message.Contains("root:", StringComparison.Ordinal));
        }
    }

    [Test]
    public void Invalid_UTF8_bytes_are_refused_as_encoding_at_their_line()
    {
        byte[] good = Utf8(Envelope("\n<Replace><CmdID>2</CmdID><Item><Data>XY</Data></Item></Replace>"));
        int at = Array.IndexOf(good, (byte)'X');
        byte[] bad = [.. good[..at], 0xC3, 0x28, .. good[(at + 2)..]];

        foreach (var options in BothModes)
        {
            var error = SyncMLReader.Read(bad, options).ShouldBeRefusedWith("encoding");
            error.Line.Should().Be(2);
            error.Column.Should().Be("<Replace><CmdID>2</CmdID><Item><Data>".Length + 1);
            error.Message.Should().Contain("0xC3");
        }
    }

    [TestCase(new byte[] { 0x80 }, TestName = "Lone continuation byte is refused as encoding")]
    [TestCase(new byte[] { 0xC0, 0xAF }, TestName = "Overlong encoding of slash is refused as encoding")]
    [TestCase(new byte[] { 0xED, 0xA0, 0x80 }, TestName = "Encoded surrogate is refused as encoding")]
    [TestCase(new byte[] { 0xF4, 0x90, 0x80, 0x80 }, TestName = "Code point above U+10FFFF is refused as encoding")]
    public void Invalid_UTF8_sequence_is_refused(byte[] sequence)
    {
        byte[] bytes = [.. Utf8("<SyncML xmlns=\"SYNCML:SYNCML1.2\">"), .. sequence, .. Utf8("</SyncML>")];

        SyncMLReader.Read(bytes).ShouldBeRefusedWith("encoding").Column.Should().Be(34);
    }

    [Test]
    public void UTF16_declared_but_UTF8_sent_is_refused_as_encoding_at_the_declaration()
    {
        byte[] bytes = Utf8("<?xml version=\"1.0\" encoding=\"utf-16\"?>\n" + Envelope(""));

        foreach (var options in BothModes)
        {
            var error = SyncMLReader.Read(bytes, options).ShouldBeRefusedWith("encoding");
            (error.Line, error.Column).Should().Be((1, 31));
            error.Message.Should().Contain("utf-16");
        }
    }

    [Test]
    public void UTF16_bytes_with_a_byte_order_mark_are_refused_as_encoding()
    {
        byte[] bytes = [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Envelope(""))];

        SyncMLReader.Read(bytes).ShouldBeRefusedWith("encoding");
    }

    [Test]
    public void UTF16_bytes_without_a_byte_order_mark_are_refused_as_xml()
    {
        SyncMLReader.Read(Encoding.Unicode.GetBytes(Envelope(""))).ShouldBeRefusedWith("xml");
    }

    [Test]
    public void UTF8_byte_order_mark_and_a_utf8_declaration_are_accepted()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Utf8("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + Envelope(""))];

        SyncMLReader.Read(bytes).ShouldSucceed().Final.Should().BeTrue();
    }

    [TestCase("<Foo xmlns=\"SYNCML:SYNCML1.2\"/>", TestName = "Unknown root element is refused as root in both modes")]
    [TestCase("<SyncHdr/>", TestName = "SyncHdr as root is refused as root in both modes")]
    public void Wrong_root_is_refused_in_both_modes(string xml)
    {
        foreach (var options in BothModes)
        {
            var error = SyncMLReader.Read(xml, options).ShouldBeRefusedWith("root");
            (error.Line, error.Column).Should().Be((1, 2));
        }
    }

    [Test]
    public void Second_root_after_SyncML_is_refused_in_lenient_mode_too()
    {
        string xml = Envelope("") + "\n<Replace><CmdID>9</CmdID></Replace>";

        SyncMLReader.Read(xml).ShouldBeRefusedWith("xml");
        SyncMLReader.Read(xml, SyncMLReaderOptions.Lenient).ShouldBeRefusedWith("root").Line.Should().Be(2);
    }

    [TestCase("syncml:syncml1.2", TestName = "Lower-case namespace is refused in strict mode and a warning in lenient mode")]
    [TestCase("SYNCML:SYNCML1.1", TestName = "SyncML 1.1 namespace is refused in strict mode and a warning in lenient mode")]
    [TestCase("", TestName = "Missing namespace is refused in strict mode and a warning in lenient mode")]
    public void Wrong_namespace_is_refused_in_strict_mode(string ns)
    {
        string xml = Envelope("").Replace("xmlns=\"SYNCML:SYNCML1.2\"", ns.Length == 0 ? "" : $"xmlns=\"{ns}\"", StringComparison.Ordinal);

        var error = SyncMLReader.Read(xml).ShouldBeRefusedWith("namespace");
        error.Message.Should().Contain("SYNCML:SYNCML1.2");
        var lenient = SyncMLReader.Read(xml, SyncMLReaderOptions.Lenient);
        lenient.Outcome().Should().Be("accepted | namespace");
    }

    [Test]
    public void Five_thousand_deep_nesting_is_refused_at_MaxDepth()
    {
        string deep = string.Concat(Enumerable.Repeat("<x>", 5000)) + string.Concat(Enumerable.Repeat("</x>", 5000));
        string inData = Envelope($"<Replace><CmdID>2</CmdID><Item><Data>{deep}</Data></Item></Replace>");
        string inUnknown = Envelope(deep);
        string atomics = Envelope(string.Concat(Enumerable.Repeat("<Atomic>", 5000)) + string.Concat(Enumerable.Repeat("</Atomic>", 5000)));
        string bare = deep;

        foreach (var options in BothModes)
        {
            foreach (string xml in new[] { inData, inUnknown, atomics })
            {
                SyncMLReader.Read(xml, options).ShouldBeRefusedWith("too-deep").Message.Should().Contain("33").And.Contain("32");
            }
        }

        SyncMLReader.Read(bare).ShouldBeRefusedWith("root");
    }

    [Test]
    public void Deep_Atomic_nesting_under_a_raised_MaxDepth_is_refused_without_crashing()
    {
        var options = new SyncMLReaderOptions { MaxDepth = 200_000, MaxCommands = 1_000_000 };
        string xml = Envelope(string.Concat(Enumerable.Repeat("<Atomic>", 100_000)) + string.Concat(Enumerable.Repeat("</Atomic>", 100_000)));

        var result = SyncMLReader.Read(xml, options);

        result.Succeeded.Should().BeFalse();
        result.Errors.Should().ContainSingle().Which.Code.Should().Be("too-deep");
    }

    private static string FortyMegabyteMessage() =>
        Envelope($"<Replace><CmdID>2</CmdID><Item><Target><LocURI>./a</LocURI></Target><Data>{new string('A', 40_000_000)}</Data></Item></Replace>");

    [Test]
    public void Forty_megabyte_Data_is_refused_at_the_default_cap_before_parsing()
    {
        byte[] bytes = Utf8(FortyMegabyteMessage());

        var error = SyncMLReader.Read(bytes).ShouldBeRefusedWith("too-large");
        error.Message.Should().Contain(bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).And.Contain("16777216");
        SyncMLReader.Read(new MemoryStream(bytes)).ShouldBeRefusedWith("too-large");
        SyncMLReader.Read(new NonSeekableStream(bytes)).ShouldBeRefusedWith("too-large");
    }

    [Test]
    public void Forty_megabyte_Data_is_read_when_MaxMessageBytes_is_raised_to_64_MiB()
    {
        var options = new SyncMLReaderOptions { MaxMessageBytes = 64 * 1024 * 1024 };
        byte[] bytes = Utf8(FortyMegabyteMessage());

        var message = SyncMLReader.Read(bytes, options).ShouldSucceed();

        var data = ((ItemCommand)message.Commands.Single()).Items[0].DataText!;
        data.Length.Should().Be(40_000_000);
        data.Should().Match(d => d.All(c => c == 'A'));
        SyncMLReader.Read(new NonSeekableStream(bytes), options).ShouldSucceed();
    }

    [Test]
    public void Endless_stream_is_read_only_to_one_byte_past_the_cap()
    {
        var options = new SyncMLReaderOptions { MaxMessageBytes = 100_000 };
        var endless = new EndlessStream();

        SyncMLReader.Read(endless, options).ShouldBeRefusedWith("too-large");

        endless.BytesRead.Should().Be(100_001);
    }

    [Test]
    public void Two_hundred_thousand_commands_are_refused_at_the_first_command_over_MaxCommands()
    {
        var body = new StringBuilder();
        for (int i = 1; i <= 200_000; i++)
        {
            body.Append("\n<Get><CmdID>").Append(i).Append("</CmdID></Get>");
        }

        foreach (var options in BothModes)
        {
            var error = SyncMLReader.Read(Envelope(body.ToString()), options).ShouldBeRefusedWith("too-many-commands");
            (error.Line, error.Column).Should().Be((50_002, 2), "the 50,001st Get is on line 50,002");
            error.Message.Should().Contain("50000");
        }
    }

    [Test]
    public void Commands_inside_Atomic_and_Sequence_count_towards_MaxCommands()
    {
        var options = new SyncMLReaderOptions { MaxCommands = 4 };
        string four = Envelope("<Atomic><CmdID>1</CmdID><Add><CmdID>2</CmdID></Add><Sequence><CmdID>3</CmdID><Get><CmdID>4</CmdID></Get></Sequence></Atomic>");
        string five = four.Replace("</Sequence>", "<Get><CmdID>5</CmdID></Get></Sequence>", StringComparison.Ordinal);

        SyncMLReader.Read(four, options).ShouldSucceed();
        SyncMLReader.Read(five, options).ShouldBeRefusedWith("too-many-commands");
    }

    [Test]
    public void Message_exactly_at_every_limit_is_accepted_and_one_past_each_is_refused()
    {
        // Depth: SyncML/SyncBody/Replace/Item/Data = 5, then 3 elements inside Data reach 8.
        var options = new SyncMLReaderOptions { MaxDepth = 8, MaxCommands = 3 };
        string atDepth = "<Replace><CmdID>1</CmdID><Item><Data><a><b><c/></b></a></Data></Item></Replace>";
        string pastDepth = "<Replace><CmdID>1</CmdID><Item><Data><a><b><c><d/></c></b></a></Data></Item></Replace>";
        string twoMore = "<Get><CmdID>2</CmdID></Get><Get><CmdID>3</CmdID></Get>";
        string atLimits = Envelope(atDepth + twoMore);
        int size = Encoding.UTF8.GetByteCount(atLimits);
        options = options with { MaxMessageBytes = size };

        SyncMLReader.Read(Utf8(atLimits), options).ShouldSucceed().Commands.Should().HaveCount(3);
        SyncMLReader.Read(new NonSeekableStream(Utf8(atLimits)), options).ShouldSucceed();
        SyncMLReader.Read(atLimits, options).ShouldSucceed();
        SyncMLReader.Read(Utf8(atLimits + " "), options).ShouldBeRefusedWith("too-large");
        SyncMLReader.Read(new NonSeekableStream(Utf8(atLimits + " ")), options).ShouldBeRefusedWith("too-large");
        SyncMLReader.Read(atLimits + "é", options).ShouldBeRefusedWith("too-large");
        SyncMLReader.Read(Envelope(pastDepth + twoMore), options with { MaxMessageBytes = 1 << 20 }).ShouldBeRefusedWith("too-deep");
        SyncMLReader.Read(Envelope(atDepth + twoMore + "<Get/>"), options with { MaxMessageBytes = 1 << 20 }).ShouldBeRefusedWith("too-many-commands");
    }

    [Test]
    public void Lone_surrogate_in_a_string_is_refused_as_xml()
    {
        string xml = Envelope("<Replace><CmdID>2</CmdID><Item><Data>\uD800</Data></Item></Replace>");

        SyncMLReader.Read(xml).ShouldBeRefusedWith("xml");
    }

    [Test]
    public void Message_without_SyncBody_is_refused_as_no_body()
    {
        string xml = $"<SyncML xmlns=\"SYNCML:SYNCML1.2\">{Header}</SyncML>";

        foreach (var options in BothModes)
        {
            SyncMLReader.Read(xml, options).ShouldBeRefusedWith("no-body");
        }
    }

    [Test]
    public void Ten_thousand_random_byte_mutations_of_real_messages_never_throw()
    {
        var random = new Random(1224);
        byte[][] seeds = [.. CorpusReadingTests.CorpusFiles.Select(RepoPaths.CorpusBytes)];
        for (int i = 0; i < 10_000; i++)
        {
            byte[] bytes = (byte[])seeds[random.Next(seeds.Length)].Clone();
            for (int m = random.Next(1, 6); m > 0; m--)
            {
                bytes[random.Next(bytes.Length)] = random.Next(3) == 0 ? (byte)random.Next(256) : (byte)"<>/&;![]\"' \nCDAT"[random.Next(16)];
            }

            var options = i % 2 == 0 ? SyncMLReaderOptions.Strict : SyncMLReaderOptions.Lenient;
            var result = SyncMLReader.Read(bytes, options);

            if (!result.Succeeded)
            {
                result.Errors.Should().ContainSingle();
            }
        }
    }

    [Test]
    public void Options_out_of_range_are_a_programming_error()
    {
        byte[] bytes = Utf8(Envelope(""));

        FluentActions.Invoking(() => SyncMLReader.Read(bytes, new SyncMLReaderOptions { MaxDepth = 0 })).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => SyncMLReader.Read(bytes, new SyncMLReaderOptions { MaxMessageBytes = 0 })).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => SyncMLReader.Read(bytes, new SyncMLReaderOptions { MaxCommands = -1 })).Should().Throw<ArgumentOutOfRangeException>();
    }

    /// <summary>A stream that cannot tell its length, as a network body.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    }

    /// <summary>A stream of spaces that never ends, counting what was read from it.</summary>
    private sealed class EndlessStream : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)' ');
            BytesRead += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
