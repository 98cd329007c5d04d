using LapsCsp.Ddf.Loading;
using LapsCsp.Ddf.Model;
using static LapsCsp.Ddf.Tests.TestDdf;

namespace LapsCsp.Ddf.Tests;

public class DdfValuesTests
{
    [TestCase("[1-365]", "[1-365]")]
    [TestCase("[-10--1]", "[-10--1]")]
    [TestCase("[0-4],[6-8]", "[0-4],[6-8]")]
    [TestCase(" [ 1 - 5 ] ; [7] ", "[1-5],[7-7]")]
    [TestCase("[0-4294967295]", "[0-4294967295]")]
    public void TryParseRanges_reads_one_or_more_ranges(string text, string expected)
    {
        DdfValues.TryParseRanges(text, out var ranges).Should().BeTrue();
        string.Join(",", ranges).Should().Be(expected);
    }

    [TestCase("1-365")]
    [TestCase("[1..5]")]
    [TestCase("[9-1]")]
    [TestCase("[a-b]")]
    [TestCase("[1-]")]
    [TestCase("[1-5")]
    [TestCase("")]
    public void TryParseRanges_rejects_bad_syntax(string text)
    {
        DdfValues.TryParseRanges(text, out _).Should().BeFalse();
    }

    [TestCase("0", true)]
    [TestCase("2", true)]
    [TestCase("3", false)]
    [TestCase("02", true)]
    [TestCase("x", false)]
    public void Enum_of_an_int_node_compares_numbers(string value, bool admitted)
    {
        Laps.Find(LapsRoot + "/Policies/BackupDirectory")!.AllowedValues!.Admits(value, DdfFormat.Int).Should().Be(admitted);
    }

    [TestCase("True", true)]
    [TestCase("false", true)]
    [TestCase("1", false)]
    public void Enum_of_a_bool_node_ignores_case(string value, bool admitted)
    {
        Laps.Find(LapsRoot + "/Policies/ADPasswordEncryptionEnabled")!.AllowedValues!.Admits(value, DdfFormat.Bool).Should().Be(admitted);
    }

    [TestCase("1", true)]
    [TestCase("365", true)]
    [TestCase("0", false)]
    [TestCase("366", false)]
    [TestCase("thirty", false)]
    public void Range_admits_integers_inside_it(string value, bool admitted)
    {
        Laps.Find(LapsRoot + "/Policies/PasswordAgeDays")!.AllowedValues!.Admits(value, DdfFormat.Int).Should().Be(admitted);
    }

    [Test]
    public void RegEx_ListDelimiter_and_other_value_types_are_read_and_applied()
    {
        var xml = Tree(
            Leaf("Pattern", "chr", extra: "<MSFT:AllowedValues ValueType=\"RegEx\">\n<MSFT:Value>^[a-z]+$</MSFT:Value>\n</MSFT:AllowedValues>"),
            Leaf("Listed", extra: "<MSFT:AllowedValues ValueType=\"ENUM\">\n<MSFT:Enum>\n<MSFT:Value>1</MSFT:Value>\n</MSFT:Enum>\n" +
                "<MSFT:Enum>\n<MSFT:Value>2</MSFT:Value>\n</MSFT:Enum>\n<MSFT:List Delimiter=\",\" />\n</MSFT:AllowedValues>"),
            Leaf("Sddl", "chr", extra: "<MSFT:AllowedValues ValueType=\"SDDL\">\n<MSFT:Value>O:BAG:BA</MSFT:Value>\n</MSFT:AllowedValues>"),
            Leaf("Ranges", extra: "<DefaultValue>-5</DefaultValue>\n" + Range("[-10--1],[5-9]")),
            Leaf("Limited", extra: string.Empty).Replace("<ZeroOrOne />", "<ZeroOrN>10</ZeroOrN>", StringComparison.Ordinal));

        var result = DdfLoader.Load(xml);

        result.Diagnostics.Should().BeEmpty();
        var doc = result.Document!;
        var pattern = doc.Find("./Vendor/Test/Root/Pattern")!.AllowedValues!;
        pattern.Kind.Should().Be(AllowedValueKind.RegEx);
        pattern.Pattern.Should().Be("^[a-z]+$");
        pattern.Admits("abc", DdfFormat.Chr).Should().BeTrue();
        pattern.Admits("ab1", DdfFormat.Chr).Should().BeFalse();
        var listed = doc.Find("./Vendor/Test/Root/Listed")!.AllowedValues!;
        listed.ListDelimiter.Should().Be(",");
        listed.Admits("1,2", DdfFormat.Int).Should().BeTrue();
        listed.Admits("1,3", DdfFormat.Int).Should().BeFalse();
        var sddl = doc.Find("./Vendor/Test/Root/Sddl")!.AllowedValues!;
        sddl.Kind.Should().Be(AllowedValueKind.Other);
        sddl.RawValueType.Should().Be("SDDL");
        sddl.Text.Should().Be("O:BAG:BA");
        sddl.Admits("anything", DdfFormat.Chr).Should().BeTrue();
        doc.Find("./Vendor/Test/Root/Ranges")!.AllowedValues!.Ranges.Should().Equal(new IntRange(-10, -1), new IntRange(5, 9));
        var limited = doc.Find("./Vendor/Test/Root/Limited")!;
        limited.Occurrence.Should().Be(Occurrence.ZeroOrN);
        limited.MaxOccurrence.Should().Be(10);
    }

    [Test]
    public void Editions_accept_the_Holographic_star_and_OsBuilds_keep_their_order()
    {
        var xml = Tree(Leaf("X", extra:
            "<MSFT:Applicability>\n<MSFT:OsBuildVersion>10.0.26100, 10.0.22621.1480</MSFT:OsBuildVersion>\n<MSFT:CspVersion>2.0</MSFT:CspVersion>\n" +
            "<MSFT:EditionAllowList>0x4;0x88*;0xcf</MSFT:EditionAllowList>\n</MSFT:Applicability>"));

        var applicability = DdfLoader.Load(xml).Document!.Find("./Vendor/Test/Root/X")!.Applicability!;

        applicability.Editions.Should().Equal(0x4, 0x88, 0xCF);
        applicability.OsBuilds.Should().Equal(new OsBuild(10, 0, 26100, 0), new OsBuild(10, 0, 22621, 1480));
        applicability.CspVersion.Should().Be("2.0");
    }

    [Test]
    public void SameValue_follows_the_format()
    {
        DdfValues.SameValue("007", "7", DdfFormat.Int).Should().BeTrue();
        DdfValues.SameValue("TRUE", "true", DdfFormat.Bool).Should().BeTrue();
        DdfValues.SameValue("Abc", "abc", DdfFormat.Chr).Should().BeFalse();
        DdfValues.SameValue("Abc", "abc", DdfFormat.Chr, CaseSense.Insensitive).Should().BeTrue();
    }
}
