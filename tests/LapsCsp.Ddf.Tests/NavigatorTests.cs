using LapsCsp.Ddf.Loading;
using LapsCsp.Ddf.Model;
using static LapsCsp.Ddf.Tests.TestDdf;

namespace LapsCsp.Ddf.Tests;

public class NavigatorTests
{
    private const string Accounts = "./Device/Vendor/MSFT/Accounts";

    [Test]
    public void Walk_yields_every_LAPS_node_in_document_order_with_full_URIs()
    {
        var paths = TestDdf.Laps.Walk().Select(n => n.Path).ToList();

        paths[0].Should().Be(LapsRoot);
        paths[1].Should().Be(LapsRoot + "/Policies");
        paths[2].Should().Be(LapsRoot + "/Policies/BackupDirectory");
        paths[^3].Should().Be(LapsRoot + "/Actions");
        paths[^1].Should().Be(LapsRoot + "/Actions/ResetPasswordStatus");
        paths.Should().OnlyHaveUniqueItems();
    }

    [Test]
    public void Every_walked_path_finds_its_own_node()
    {
        foreach (var doc in new[] { TestDdf.Laps, TestDdf.Accounts })
        {
            foreach (var (path, node) in doc.Walk())
            {
                doc.Find(path).Should().BeSameAs(node, path);
            }
        }
    }

    [TestCase("./Device/Vendor/MSFT/Accounts/Users/alice/Password", "Password", TestName = "Find_matches_a_dynamic_segment_with_any_name")]
    [TestCase("./Device/Vendor/MSFT/Accounts/Users/bob", "", TestName = "Find_returns_the_dynamic_node_itself")]
    [TestCase("./Vendor/MSFT/Accounts/Users/alice/LocalUserGroup", "LocalUserGroup", TestName = "Find_reads_dot_Vendor_as_dot_Device_Vendor")]
    [TestCase("Vendor/MSFT/Accounts/Domain", "Domain", TestName = "Find_reads_a_URI_without_prefix_as_device")]
    [TestCase("./Device/Vendor/MSFT/Accounts/Domain/", "Domain", TestName = "Find_ignores_a_trailing_slash")]
    [TestCase("./Device/Vendor/MSFT/Accounts/Domain/computername", "ComputerName", TestName = "Find_ignores_case_for_a_CIS_node")]
    public void Find_resolves_concrete_URIs(string uri, string expectedName)
    {
        var node = TestDdf.Accounts.Find(uri);

        node.Should().NotBeNull();
        node!.Name.Should().Be(expectedName);
    }

    [TestCase("./Device/Vendor/MSFT/accounts/Domain", TestName = "Find_is_case_sensitive_by_default")]
    [TestCase("./device/Vendor/MSFT/Accounts", TestName = "Find_compares_the_parent_path_exactly")]
    [TestCase("./User/Vendor/MSFT/Accounts", TestName = "Find_keeps_User_scope_apart_from_Device")]
    [TestCase("./Device/Vendor/MSFT/Accounts/Users/alice/Password/extra", TestName = "Find_does_not_descend_below_a_leaf")]
    [TestCase("./Device/Vendor/MSFT/Accounts/Users//Password", TestName = "Find_does_not_match_an_empty_segment_to_a_dynamic_node")]
    [TestCase("./Device/Vendor/MSFT", TestName = "Find_returns_null_for_the_parent_path_itself")]
    [TestCase("./Device/Vendor/MSFT/Accounts/Nope", TestName = "Find_returns_null_for_an_unknown_child")]
    public void Find_rejects_URIs_that_name_no_node(string uri)
    {
        TestDdf.Accounts.Find(uri).Should().BeNull();
    }

    [Test]
    public void Find_prefers_a_static_sibling_over_a_dynamic_one()
    {
        var doc = DdfLoader.Load(Tree(Interior("Items", Interior(string.Empty, Leaf("Value"), "<DFTitle>Item</DFTitle>") + Leaf("Count")))).Document!;

        doc.Find("./Vendor/Test/Root/Items/Count")!.Format.Should().Be(DdfFormat.Int);
        doc.Find("./Vendor/Test/Root/Items/Count")!.Name.Should().Be("Count");
        doc.Find("./Vendor/Test/Root/Items/other")!.Title.Should().Be("Item");
        doc.Find("./Vendor/Test/Root/Items/other/Value").Should().NotBeNull();
    }

    [Test]
    public void A_DDF_whose_Path_is_dot_Vendor_walks_and_finds_under_dot_Device()
    {
        var doc = DdfLoader.Load(Tree(Leaf("X")).Replace("./Device/Vendor/Test", "./Vendor/Test/", StringComparison.Ordinal)).Document!;

        doc.Roots[0].ParentPath.Should().Be("./Vendor/Test", "the Path is kept as written, less a trailing slash");
        doc.Walk().Select(n => n.Path).Should().Equal("./Device/Vendor/Test/Root", "./Device/Vendor/Test/Root/X");
        doc.Find("./Device/Vendor/Test/Root/X").Should().NotBeNull();
        doc.Find("./Vendor/Test/Root/X").Should().NotBeNull();
    }

    [TestCase("Vendor/MSFT/LAPS/Policies/BackupDirectory", "./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory")]
    [TestCase("./Vendor/MSFT/LAPS", "./Device/Vendor/MSFT/LAPS")]
    [TestCase("./Device/Vendor/MSFT/LAPS/", "./Device/Vendor/MSFT/LAPS")]
    [TestCase("./User/Vendor/MSFT/X", "./User/Vendor/MSFT/X")]
    public void ResolveDependencyUri_reads_relative_URIs_from_dot_Device(string uri, string expected)
    {
        DdfNavigator.ResolveDependencyUri(uri).Should().Be(expected);
    }
}
