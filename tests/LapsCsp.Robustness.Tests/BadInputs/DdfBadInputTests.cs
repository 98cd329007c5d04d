using System.Text;
using LapsCsp.Ddf.Loading;

namespace LapsCsp.Robustness.Tests.BadInputs;

/// <summary>Hostile DDF files end in positioned diagnostics, never in an exception (fuzz finding ddf/crash-3bbe20a3ea9c).</summary>
public sealed class DdfBadInputTests
{
    private static readonly byte[] s_bomThenInvalidUtf8 = [0xEF, 0xBB, 0xBF, 0xC3, 0x3F, .. Encoding.ASCII.GetBytes("xml version=\"1.0\"?><MgmtTree/>")];

    [Test]
    public void A_byte_order_mark_followed_by_invalid_UTF8_is_refused_as_not_XML_from_a_stream()
    {
        using var stream = new MemoryStream(s_bomThenInvalidUtf8);

        var result = DdfLoader.Load(stream, "bad.xml");

        result.Succeeded.Should().BeFalse();
        var problem = result.Diagnostics.Single();
        problem.Problem.Should().Be(DdfProblem.NotXml);
        (problem.Line, problem.Column).Should().Be((1, 1));
    }

    [Test]
    public void A_byte_order_mark_followed_by_invalid_UTF8_is_refused_as_not_XML_from_a_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"lapscsp-bad-{Guid.NewGuid():N}.xml");
        File.WriteAllBytes(path, s_bomThenInvalidUtf8);
        try
        {
            DdfLoader.LoadFile(path).Diagnostics.Single().Problem.Should().Be(DdfProblem.NotXml);
            FluentActions.Invoking(() => DdfLoader.LoadOrThrow(path)).Should().Throw<DdfLoadException>("the documented exception, not an XmlException");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase("<!DOCTYPE MgmtTree [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><MgmtTree><VerDTD>&b;</VerDTD></MgmtTree>",
        TestName = "Entities_declared_in_a_DDF_DOCTYPE_are_never_expanded")]
    [TestCase("<!DOCTYPE MgmtTree [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><MgmtTree><VerDTD>&x;</VerDTD></MgmtTree>",
        TestName = "External_entities_in_a_DDF_are_never_fetched")]
    [TestCase("<MgmtTree><VerDTD>1.2</VerDTD><Node><NodeName>A</NodeName>", TestName = "A_truncated_DDF_is_refused_as_not_XML")]
    public void Hostile_DDF_is_refused_as_not_XML(string xml)
    {
        var result = DdfLoader.Load(xml, "hostile.xml");

        result.Succeeded.Should().BeFalse();
        result.Diagnostics.Should().ContainSingle(d => d.Problem == DdfProblem.NotXml && d.Line >= 1);
    }
}
