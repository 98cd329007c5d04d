using LapsCsp.Ddf.Loading;
using LapsCsp.Ddf.Model;
using static LapsCsp.Ddf.Tests.TestDdf;

namespace LapsCsp.Ddf.Tests;

/// <summary>The DOCTYPE of a DDF is skipped, never fetched or expanded (STYLE §4: no resolver, hard limits).</summary>
public class DtdSafetyTests
{
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): nothing answers there, and nothing may try.
    private const string Unreachable = "http://192.0.2.1/DM_DDF-V1_2.dtd";

    [Test]
    public void The_DOCTYPE_of_Microsofts_DDFs_with_its_leading_space_public_id_and_internal_PI_is_tolerated()
    {
        var xml = Tree(Leaf("X")).Replace("<MgmtTree", "<!DOCTYPE MgmtTree PUBLIC \" -//OMA//DTD-DM-DDF 1.2//EN\"\r\n  \"" + Unreachable +
            "\"\r\n  [<?oma-dm-ddf-ver supported-versions=\"1.2\"?>]>\r\n<MgmtTree", StringComparison.Ordinal);

        var result = LoadWithinSeconds(xml);

        result.Diagnostics.Should().BeEmpty();
        result.Document!.Find("./Device/Vendor/Test/Root/X").Should().NotBeNull();
    }

    [Test]
    public void A_DOCTYPE_with_a_URL_system_id_and_an_unused_external_entity_loads_without_fetching()
    {
        var xml = Tree(Leaf("X")).Replace("<MgmtTree", $"<!DOCTYPE MgmtTree SYSTEM \"{Unreachable}\" [<!ENTITY ext SYSTEM \"{Unreachable}\">]>\n<MgmtTree",
            StringComparison.Ordinal);

        var result = LoadWithinSeconds(xml);

        result.Succeeded.Should().BeTrue();
    }

    [Test]
    public void A_referenced_external_entity_is_never_resolved_and_becomes_a_diagnostic()
    {
        var xml = Tree(Leaf("X", extra: "<Description>&ext;</Description>"))
            .Replace("<MgmtTree", "<!DOCTYPE MgmtTree [<!ENTITY ext SYSTEM \"file:///etc/passwd\">]>\n<MgmtTree", StringComparison.Ordinal);

        var result = LoadWithinSeconds(xml);

        result.Succeeded.Should().BeFalse();
        result.Diagnostics.Should().ContainSingle().Which.Problem.Should().Be(DdfProblem.NotXml);
        result.Diagnostics[0].Line.Should().BeGreaterThan(0);
    }

    [Test]
    public void Nested_internal_entities_are_not_expanded()
    {
        var entities = "<!ENTITY a \"aaaaaaaaaa\">" + string.Concat(Enumerable.Range(1, 9).Select(i =>
            $"<!ENTITY {(char)('a' + i)} \"{string.Concat(Enumerable.Repeat($"&{(char)('a' + i - 1)};", 10))}\">"));
        var xml = Tree(Leaf("X", extra: "<Description>&j;</Description>"))
            .Replace("<MgmtTree", $"<!DOCTYPE MgmtTree [{entities}]>\n<MgmtTree", StringComparison.Ordinal);

        var result = LoadWithinSeconds(xml);

        result.Document.Should().BeNull();
        result.Diagnostics.Should().ContainSingle().Which.Problem.Should().Be(DdfProblem.NotXml);
    }

    private static DdfLoadResult LoadWithinSeconds(string xml)
    {
        var load = Task.Run(() => DdfLoader.Load(xml));
        load.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue("loading must not wait on a network fetch");
        return load.Result;
    }
}
