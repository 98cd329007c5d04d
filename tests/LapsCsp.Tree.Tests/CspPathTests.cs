using LapsCsp.Tree.Paths;

namespace LapsCsp.Tree.Tests;

public class CspPathTests
{
    [TestCase("./Device/Vendor/MSFT/LAPS", "./Device/Vendor/MSFT/LAPS", TestName = "Device prefix is kept")]
    [TestCase("./Vendor/MSFT/LAPS", "./Device/Vendor/MSFT/LAPS", TestName = "Vendor without Device prefix addresses the device")]
    [TestCase("./device/Vendor/MSFT/LAPS", "./Device/Vendor/MSFT/LAPS", TestName = "Device prefix is case insensitive")]
    [TestCase("./Device/Vendor/MSFT/LAPS/", "./Device/Vendor/MSFT/LAPS", TestName = "One trailing slash is tolerated")]
    [TestCase("./Device/Vendor/MSFT/Accounts/Users/J%C3%B6rg", "./Device/Vendor/MSFT/Accounts/Users/J%C3%B6rg", TestName = "Percent encoded UTF-8 round trips")]
    [TestCase("./Device/Vendor/MSFT/Accounts/Users/a%20b/Password", "./Device/Vendor/MSFT/Accounts/Users/a%20b/Password", TestName = "Segments after an encoded one are kept")]
    [TestCase("./User/Vendor/MSFT/Policy", "./User/Vendor/MSFT/Policy", TestName = "User prefix is kept")]
    [TestCase("./Device", "./Device", TestName = "The root alone has no trailing slash")]
    [TestCase("./user", "./User", TestName = "The User root alone is canonical")]
    [TestCase(".", "./Device", TestName = "The dot alone is the device root")]
    [TestCase("Vendor/MSFT/LAPS", "./Device/Vendor/MSFT/LAPS", TestName = "A relative URI addresses the device")]
    [TestCase("./Devices/Vendor", "./Device/Devices/Vendor", TestName = "Only the whole word Device is the scope")]
    public void Parse_gives_canonical_form(string uri, string canonical)
    {
        CspPath.Parse(uri).ToString().Should().Be(canonical);
    }

    [TestCase("/Vendor/MSFT/LAPS", TestName = "A LocURI can't start with a slash")]
    [TestCase("./Device//Vendor", TestName = "Empty segments are refused")]
    [TestCase("./Device/Vendor/%ZZ", TestName = "Bad percent encoding is refused")]
    [TestCase("./Device/Vendor/%FF", TestName = "Percent encoded bytes must be UTF-8")]
    [TestCase("./Device/Vendor/*", TestName = "Star alone is not a node name")]
    [TestCase("", TestName = "Empty URI is refused")]
    [TestCase("./Device/", TestName = "A trailing slash after the scope alone is refused")]
    [TestCase("./Device/Vendor/./MSFT", TestName = "A dot segment is refused")]
    [TestCase("?prop=ACL", TestName = "A query without a path is refused")]
    public void TryParse_refuses_bad_uris(string uri)
    {
        CspPath.TryParse(uri, out _, out var error).Should().BeFalse();
        error.Should().NotBeNullOrEmpty();
    }

    [Test]
    public void TryParse_refuses_uris_over_the_length_limit()
    {
        var uri = "./Device/" + new string('a', CspPath.MaxLength);
        CspPath.TryParse(uri, out _, out var error).Should().BeFalse();
        error.Should().Contain("limit");
    }

    [Test]
    public void Decoded_segment_keeps_the_unicode_name()
    {
        CspPath.Parse("./Device/Vendor/MSFT/Accounts/Users/J%C3%B6rg").Name.Should().Be("Jörg");
    }

    [Test]
    public void Prefix_is_the_ancestor_at_a_depth_without_the_query()
    {
        var path = CspPath.Parse("./Device/Vendor/MSFT/Accounts/Users/alice/Password?prop=Size");
        path.Prefix(5).ToString().Should().Be("./Device/Vendor/MSFT/Accounts/Users/alice");
        path.Prefix(7).Query.Should().BeNull();
    }

    [Test]
    public void Query_is_split_off()
    {
        var path = CspPath.Parse("./Device/Vendor/MSFT/LAPS?prop=Format");
        path.Query.Should().Be("prop=Format");
        path.ToString().Should().Be("./Device/Vendor/MSFT/LAPS");
    }
}
