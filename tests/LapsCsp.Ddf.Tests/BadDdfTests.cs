using LapsCsp.Ddf.Loading;
using LapsCsp.Ddf.Model;
using static LapsCsp.Ddf.Tests.TestDdf;

namespace LapsCsp.Ddf.Tests;

/// <summary>A bad DDF reports every problem at once, each with its line and column.</summary>
public class BadDdfTests
{
    [Test]
    public void A_DDF_with_many_problems_reports_all_of_them_with_positions()
    {
        var xml = Tree(
            "<Node id=\"noname\">\n" + Props("int", "<Get />") + "</Node>\n",
            Leaf("BadFormat", "integer"),
            Leaf("NoFormat", string.Empty),
            "<Node>\n<NodeName>Odd</NodeName>\n" + Props("int", "<Get />", occurrence: "Sometimes", scope: "Forever") + "</Node>\n",
            Leaf("Writable", access: "<Get />\n<Write />"),
            Leaf("BadRange", extra: Range("[1..5]")),
            Leaf("BadApplicability", extra:
                "<MSFT:Applicability>\n<MSFT:OsBuildVersion>10.0.26100, 10.0</MSFT:OsBuildVersion>\n" +
                "<MSFT:EditionAllowList>0x4;0xZZ;</MSFT:EditionAllowList>\n</MSFT:Applicability>"),
            Leaf("Twin"),
            Leaf("Twin", nodeAttr: " id=\"twin2\""),
            "<Node id=\"leafkids\">\n<NodeName>Leafy</NodeName>\n" + Props("chr", "<Get />") + Leaf("Kid") + "</Node>\n",
            Leaf("BadInt", extra: "<DefaultValue>ten</DefaultValue>"),
            Leaf("BadBool", "bool", extra: "<DefaultValue>yes</DefaultValue>"),
            Leaf("NotInEnum", extra: "<DefaultValue>7</DefaultValue>\n" + TestDdf.Enum("0", "1")),
            Leaf("NotInRange", extra: "<DefaultValue>400</DefaultValue>\n" + Range("[1-365]")),
            Leaf("Dangling", extra: DependsOn("Vendor/Test/Root/Nope")),
            Leaf("EmptyEnum", extra: "<MSFT:AllowedValues ValueType=\"ENUM\" id=\"empty\">\n</MSFT:AllowedValues>"));

        var result = DdfLoader.Load(xml);

        result.Succeeded.Should().BeFalse();
        result.Document.Should().NotBeNull("a readable MgmtTree still gives a best-effort tree");
        var expected = new (DdfProblem Problem, (int Line, int Column) At)[]
        {
            (DdfProblem.MissingNodeName, PositionOf(xml, "<Node id=\"noname\">")),
            (DdfProblem.UnknownFormat, PositionOf(xml, "<integer />")),
            (DdfProblem.MissingFormat, PositionOf(xml, "<DFProperties>", after: "<NodeName>NoFormat")),
            (DdfProblem.UnknownOccurrence, PositionOf(xml, "<Sometimes />")),
            (DdfProblem.UnknownScope, PositionOf(xml, "<Forever />")),
            (DdfProblem.UnknownAccessType, PositionOf(xml, "<Write />")),
            (DdfProblem.BadRange, PositionOf(xml, "<MSFT:Value>[1..5]")),
            (DdfProblem.BadOsBuild, PositionOf(xml, "<MSFT:OsBuildVersion>")),
            (DdfProblem.BadEdition, PositionOf(xml, "<MSFT:EditionAllowList>")),
            (DdfProblem.DuplicateName, PositionOf(xml, "<Node id=\"twin2\">")),
            (DdfProblem.LeafWithChildren, PositionOf(xml, "<Node id=\"leafkids\">")),
            (DdfProblem.BadDefaultValue, PositionOf(xml, "<DefaultValue>ten")),
            (DdfProblem.BadDefaultValue, PositionOf(xml, "<DefaultValue>yes")),
            (DdfProblem.DefaultNotAllowed, PositionOf(xml, "<DefaultValue>7")),
            (DdfProblem.DefaultNotAllowed, PositionOf(xml, "<DefaultValue>400")),
            (DdfProblem.UnresolvedDependency, PositionOf(xml, "<MSFT:DependencyUri>Vendor/Test/Root/Nope")),
            (DdfProblem.EmptyEnum, PositionOf(xml, "<MSFT:AllowedValues ValueType=\"ENUM\" id=\"empty\">")),
        };
        result.Diagnostics.Select(d => (d.Problem, (d.Line, d.Column))).Should().BeEquivalentTo(expected);
        result.Diagnostics.Should().BeInAscendingOrder(d => d.Line, "diagnostics are listed in document order");
        result.Diagnostics.Should().OnlyContain(d => d.NodePath != null && d.NodePath.StartsWith("./Device/Vendor/Test/Root", StringComparison.Ordinal));
    }

    private static IEnumerable<TestCaseData> SingleProblems()
    {
        static TestCaseData Case(string name, DdfProblem problem, params string[] children) =>
            new TestCaseData(Tree(children), problem).SetName($"Reports_{name}");

        yield return Case("missing_NodeName", DdfProblem.MissingNodeName, "<Node>\n" + Props("int", "<Get />") + "</Node>\n");
        yield return Case("slash_in_NodeName", DdfProblem.BadNodeName, Leaf("A/B"));
        yield return Case("missing_DFProperties", DdfProblem.MissingProperties, "<Node>\n<NodeName>Bare</NodeName>\n</Node>\n");
        yield return Case("unknown_DFFormat", DdfProblem.UnknownFormat, Leaf("X", "string"));
        yield return Case("two_DFFormats", DdfProblem.UnknownFormat, Leaf("X", "int />\n<chr"));
        yield return Case("missing_DFFormat", DdfProblem.MissingFormat, Leaf("X", string.Empty));
        yield return Case("empty_DFFormat", DdfProblem.MissingFormat, Leaf("X", extra: "<DFFormat></DFFormat>").Replace("<DFFormat>\n<int />\n</DFFormat>\n", string.Empty, StringComparison.Ordinal));
        yield return Case("unknown_AccessType", DdfProblem.UnknownAccessType, Leaf("X", access: "<Set />"));
        yield return Case("unknown_CaseSense", DdfProblem.UnknownCaseSense, Leaf("X", extra: "<CaseSense>\n<CI />\n</CaseSense>"));
        yield return Case("bad_ZeroOrN", DdfProblem.UnknownOccurrence,
            "<Node>\n<NodeName>N</NodeName>\n" + Props("int", "<Get />", occurrence: "ZeroOrN").Replace("<ZeroOrN />", "<ZeroOrN>many</ZeroOrN>", StringComparison.Ordinal) + "</Node>\n");
        yield return Case("reversed_range", DdfProblem.BadRange, Leaf("X", extra: Range("[9-1]")));
        yield return Case("range_without_brackets", DdfProblem.BadRange, Leaf("X", extra: Range("1-5")));
        yield return Case("range_without_value", DdfProblem.BadRange, Leaf("X", extra: "<MSFT:AllowedValues ValueType=\"Range\">\n</MSFT:AllowedValues>"));
        yield return Case("regex_without_pattern", DdfProblem.BadAllowedValues, Leaf("X", "chr", extra: "<MSFT:AllowedValues ValueType=\"RegEx\">\n</MSFT:AllowedValues>"));
        yield return Case("AllowedValues_without_ValueType", DdfProblem.BadAllowedValues, Leaf("X", "chr", extra: "<MSFT:AllowedValues>\n</MSFT:AllowedValues>"));
        yield return Case("edition_in_decimal", DdfProblem.BadEdition, Leaf("X", extra: "<MSFT:Applicability>\n<MSFT:EditionAllowList>4;</MSFT:EditionAllowList>\n</MSFT:Applicability>"));
        yield return Case("os_build_with_letters", DdfProblem.BadOsBuild, Leaf("X", extra: "<MSFT:Applicability>\n<MSFT:OsBuildVersion>10.0.x</MSFT:OsBuildVersion>\n</MSFT:Applicability>"));
        yield return Case("two_dynamic_siblings", DdfProblem.DuplicateName, Interior(string.Empty, string.Empty), Interior(string.Empty, string.Empty));
        yield return Case("default_float_not_a_number", DdfProblem.BadDefaultValue, Leaf("X", "float", extra: "<DefaultValue>1,5</DefaultValue>"));
        yield return Case("default_bool_outside_enum", DdfProblem.DefaultNotAllowed, Leaf("X", "bool", extra: "<DefaultValue>true</DefaultValue>\n" + TestDdf.Enum("false")));
        yield return Case("default_chr_outside_enum", DdfProblem.DefaultNotAllowed, Leaf("X", "chr", extra: "<DefaultValue>B</DefaultValue>\n" + TestDdf.Enum("a", "b")));
        yield return Case("dependency_without_uri", DdfProblem.BadDependency, Leaf("X", extra: DependsOn(string.Empty)));
        yield return Case("dependency_of_unknown_type", DdfProblem.BadDependency, Leaf("Y"), Leaf("X", extra: DependsOn("Vendor/Test/Root/Y").Replace("\"DependsOn\"", "\"Requires\"", StringComparison.Ordinal)));
        yield return Case("dependency_on_missing_node", DdfProblem.UnresolvedDependency, Leaf("X", extra: DependsOn("./Device/Vendor/Test/Root/Y")));
        yield return Case("empty_enum", DdfProblem.EmptyEnum, Leaf("X", extra: "<MSFT:AllowedValues ValueType=\"ENUM\">\n</MSFT:AllowedValues>"));
        yield return Case("empty_dependency_enum", DdfProblem.EmptyEnum, Leaf("Y"),
            Leaf("X", extra: DependsOn("Vendor/Test/Root/Y").Replace("<MSFT:Enum>\n<MSFT:Value>1</MSFT:Value>\n</MSFT:Enum>\n", string.Empty, StringComparison.Ordinal)));
    }

    [TestCaseSource(nameof(SingleProblems))]
    public void A_DDF_with_one_problem_reports_exactly_that_problem_with_a_position(string xml, DdfProblem problem)
    {
        var result = DdfLoader.Load(xml);

        var diagnostic = result.Diagnostics.Should().ContainSingle().Subject;
        diagnostic.Problem.Should().Be(problem);
        diagnostic.Line.Should().BeGreaterThan(3);
        diagnostic.Column.Should().BeGreaterThan(0);
        diagnostic.ToString().Should().StartWith($"line {diagnostic.Line}, column {diagnostic.Column}: ./Device/Vendor/Test/Root");
        result.Succeeded.Should().BeFalse();
    }

    [TestCase("this is not xml", TestName = "Plain_text_is_reported_as_not_XML")]
    [TestCase("<MgmtTree>\n<Node>\n</MgmtTree>", TestName = "Unclosed_element_is_reported_as_not_XML")]
    [TestCase("", TestName = "Empty_text_is_reported_as_not_XML")]
    public void Text_that_is_not_XML_gives_one_positioned_diagnostic_and_no_document(string text)
    {
        var result = DdfLoader.Load(text);

        result.Document.Should().BeNull();
        result.Succeeded.Should().BeFalse();
        var diagnostic = result.Diagnostics.Should().ContainSingle().Subject;
        diagnostic.Problem.Should().Be(DdfProblem.NotXml);
        diagnostic.Line.Should().BeGreaterThan(0);
        diagnostic.Column.Should().BeGreaterThan(0);
    }

    [Test]
    public void A_root_other_than_MgmtTree_is_reported()
    {
        var result = DdfLoader.Load("<?xml version=\"1.0\"?>\n  <SyncML><Node/></SyncML>");

        result.Document.Should().BeNull();
        result.Diagnostics.Should().ContainSingle().Which.Should().Be(
            new DdfDiagnostic("the document element is <SyncML>, not <MgmtTree> (DTD-DM-DDF 1.2)", 2, 3, null, DdfProblem.WrongRoot));
    }

    [Test]
    public void Unknown_MSFT_elements_and_Diagnostics_are_ignored()
    {
        var xml = Tree(Leaf("X", extra:
            "<MSFT:Diagnostics>blob</MSFT:Diagnostics>\n<MSFT:RebootBehavior>Automatic</MSFT:RebootBehavior>\n" +
            "<MSFT:Frobnicate Mode=\"1\"><MSFT:Deeper /></MSFT:Frobnicate>\n<MSFT:GpMapping GpEnglishName=\"x\" GpAreaPath=\"y\" />"))
            .Replace("<VerDTD>1.2</VerDTD>", "<VerDTD>1.2</VerDTD>\n<MSFT:Diagnostics></MSFT:Diagnostics>", StringComparison.Ordinal);

        var result = DdfLoader.Load(xml);

        result.Diagnostics.Should().BeEmpty();
        result.Document!.Find("./Vendor/Test/Root/X").Should().NotBeNull();
    }

    [TestCase("Vendor/Test/Root/Target", TestName = "DependencyUri_relative_to_Device_resolves")]
    [TestCase("./Device/Vendor/Test/Root/Target", TestName = "DependencyUri_absolute_under_Device_resolves")]
    [TestCase("./Vendor/Test/Root/Target", TestName = "DependencyUri_absolute_under_Vendor_resolves")]
    public void A_DependencyUri_naming_a_node_of_the_document_is_accepted(string uri)
    {
        var result = DdfLoader.Load(Tree(Leaf("Target"), Leaf("X", extra: DependsOn(uri))));

        result.Diagnostics.Should().BeEmpty();
        result.Document!.Find("./Device/Vendor/Test/Root/X")!.Dependencies.Single().Dependencies.Single().Uri.Should().Be(uri);
    }

    [Test]
    public void A_DependencyUri_into_a_dynamic_node_resolves_for_any_segment()
    {
        var xml = Tree(Interior("Users", Interior(string.Empty, Leaf("Group"))), Leaf("X", extra: DependsOn("Vendor/Test/Root/Users/alice/Group")));

        DdfLoader.Load(xml).Diagnostics.Should().BeEmpty();
    }

    [Test]
    public void LoadOrThrow_lists_every_problem_in_the_exception_message()
    {
        var path = Path.Combine(Path.GetTempPath(), $"lapscsp-bad-{Guid.NewGuid():N}.xml");
        File.WriteAllText(path, Tree(Leaf("X", "integer"), Leaf("Y", extra: "<DefaultValue>ten</DefaultValue>")));
        try
        {
            var act = () => DdfLoader.LoadOrThrow(path);

            var thrown = act.Should().Throw<DdfLoadException>().Which;
            thrown.Diagnostics.Select(d => d.Problem).Should().Equal(DdfProblem.UnknownFormat, DdfProblem.BadDefaultValue);
            thrown.SourceName.Should().Be(path);
            thrown.Message.Should().Contain("2 problems").And.Contain(thrown.Diagnostics[0].ToString()).And.Contain(thrown.Diagnostics[1].ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void A_missing_file_is_a_diagnostic_from_LoadFile_and_an_exception_from_LoadOrThrow()
    {
        var path = Path.Combine(Path.GetTempPath(), $"lapscsp-missing-{Guid.NewGuid():N}.xml");

        DdfLoader.LoadFile(path).Diagnostics.Should().ContainSingle().Which.Problem.Should().Be(DdfProblem.Io);
        var act = () => DdfLoader.LoadOrThrow(path);
        act.Should().Throw<DdfLoadException>().WithMessage($"*{path}*");
    }
}
