using LapsCsp.Ddf.Loading;
using LapsCsp.Ddf.Model;
using LapsCsp.Testing;

namespace LapsCsp.Ddf.Tests;

/// <summary>The Accounts CSP DDF (Windows 10 1803 zip copy, digest §0.2): a second, unrelated tree loads with the same code.</summary>
public class AccountsDdfTests
{
    private const string Root = "./Device/Vendor/MSFT/Accounts";

    [Test]
    public void Accounts_xml_loads_with_no_diagnostics()
    {
        var result = DdfLoader.LoadFile(RepoPaths.Ddf("Accounts.xml"));

        result.Diagnostics.Should().BeEmpty();
        result.Document!.Roots.Should().ContainSingle().Which.Uri.Should().Be(Root);
    }

    [Test]
    public void Walk_lists_the_dynamic_user_node_by_its_title()
    {
        TestDdf.Accounts.Walk().Select(n => n.Path).Should().Equal(
            Root,
            Root + "/Domain",
            Root + "/Domain/ComputerName",
            Root + "/Users",
            Root + "/Users/<UserName>",
            Root + "/Users/<UserName>/Password",
            Root + "/Users/<UserName>/LocalUserGroup");
    }

    [Test]
    public void Users_has_one_dynamic_interior_child_with_no_access_types()
    {
        var users = TestDdf.Accounts.Find(Root + "/Users")!;

        var user = users.Children.Should().ContainSingle().Subject;
        user.IsDynamic.Should().BeTrue();
        user.Name.Should().BeEmpty();
        user.Title.Should().Be("UserName");
        user.DisplayName.Should().Be("<UserName>");
        user.Format.Should().Be(DdfFormat.Node);
        user.Access.Should().Be(AccessTypes.None);
        user.Scope.Should().Be(NodeScope.Dynamic);
        users.Access.Should().Be(AccessTypes.None, "an empty <AccessType> means no operation is listed");
    }

    [Test]
    public void Password_is_an_add_only_chr()
    {
        var password = TestDdf.Accounts.Find(Root + "/Users/alice/Password")!;

        password.Name.Should().Be("Password");
        password.Access.Should().Be(AccessTypes.Add);
        password.Format.Should().Be(DdfFormat.Chr);
        password.MimeType.Should().Be("text/plain");
        password.DefaultValue.Should().BeNull();
    }

    [Test]
    public void LocalUserGroup_is_an_int_defaulting_to_1()
    {
        var group = TestDdf.Accounts.Find(Root + "/Users/alice/LocalUserGroup")!;

        group.Format.Should().Be(DdfFormat.Int);
        group.DefaultValue.Should().Be("1");
        group.Access.Should().Be(AccessTypes.Add);
        group.Occurrence.Should().Be(Occurrence.One);
    }

    [Test]
    public void ComputerName_is_case_insensitive_and_its_description_decodes_entities()
    {
        var computerName = TestDdf.Accounts.Find(Root + "/Domain/ComputerName")!;

        computerName.CaseSense.Should().Be(CaseSense.Insensitive);
        computerName.Access.Should().Be(AccessTypes.Add);
        computerName.Format.Should().Be(DdfFormat.Chr);
        computerName.Description.Should().Contain("%RAND:<# of digits>%");
    }

    [Test]
    public void Root_keeps_the_MIME_type_written_beside_DDFName()
    {
        TestDdf.Accounts.Roots[0].Node.MimeType.Should().Be("com.microsoft/1.0/MDM/Accounts");
    }
}
