using LapsCsp.Ddf.Model;
using LapsCsp.Tree.Commands;
using static LapsCsp.Tree.Tests.TreeFixture;

namespace LapsCsp.Tree.Tests;

/// <summary>URI queries: <c>?prop=</c> node properties (OMA-DM TND 1.2 §8.3) and <c>?list=</c> subtree Gets (§8.4).</summary>
public class NodePropertyTests
{
    private const string Laps = "./Device/Vendor/MSFT/LAPS";
    private const string Accounts = "./Device/Vendor/MSFT/Accounts";
    private const string Alice = Accounts + "/Users/alice";
    private const string RootAcl = "Add=*&Delete=*&Exec=*&Get=*&Replace=*";

    /// <summary>BackupDirectory 1 and AdministratorAccountName "Ädmin" (6 UTF-8 bytes) set; a local user alice added
    /// through the Accounts CSP (a dynamic node with a write-only Password leaf).</summary>
    private static DmTree SetUpTree(TreeOptions? options = null)
    {
        var tree = NewTree(options);
        tree.Execute(CspCommand.Add(Policies + "BackupDirectory", "int", "1")).Succeeded.Should().BeTrue();
        tree.Execute(CspCommand.Add(Policies + "AdministratorAccountName", "chr", "Ädmin")).Succeeded.Should().BeTrue();
        tree.Execute(CspCommand.Add(Alice + "/Password", "chr", "correct horse")).Succeeded.Should().BeTrue();
        return tree;
    }

    [TestCase(Policies + "BackupDirectory", "Format", "int", TestName = "Leaf Format is its DFFormat")]
    [TestCase(Policies + "BackupDirectory", "Name", "BackupDirectory", TestName = "Leaf Name is its node name")]
    [TestCase(Policies + "BackupDirectory", "Type", "", TestName = "Leaf Type is empty where the DDF MIME is empty (every LAPS leaf)")]
    [TestCase(Policies + "BackupDirectory", "ACL", "", TestName = "Leaf ACL is empty: it inherits and a Get does not return the ancestor's")]
    [TestCase(Policies + "BackupDirectory", "Size", "1", TestName = "Leaf Size is the byte length of its value")]
    [TestCase(Policies + "AdministratorAccountName", "Size", "6", TestName = "Leaf Size counts UTF-8 bytes, not characters")]
    [TestCase(Laps + "/Actions/ResetPasswordStatus", "Size", "1", TestName = "Size of a leaf that exists without being added is that of its default")]
    [TestCase(Laps + "/Actions/ResetPassword", "Format", "null", TestName = "Format of an Exec-only leaf is readable although the leaf is not")]
    [TestCase(Alice + "/Password", "Type", "text/plain", TestName = "Accounts leaf Type is its DDF MIME text/plain")]
    [TestCase(Alice + "/Password", "Format", "chr", TestName = "Format of a write-only leaf is readable")]
    [TestCase(Laps + "/Policies", "Format", "node", TestName = "Interior node Format is node")]
    [TestCase(Laps + "/Policies", "Name", "Policies", TestName = "Interior node Name is its node name")]
    [TestCase(Laps + "/Policies", "Type", "", TestName = "Interior node Type is empty without an MO identifier")]
    [TestCase(Laps + "/Policies", "ACL", "", TestName = "Interior node ACL is empty")]
    [TestCase(Accounts, "Type", "com.microsoft/1.0/MDM/Accounts", TestName = "CSP root Type is the MO identifier its DDF gives")]
    [TestCase("./Device/Vendor", "Format", "node", TestName = "Implicit node above the CSP roots has Format node")]
    [TestCase("./Vendor/msft", "Name", "MSFT", TestName = "Name is the stored spelling, not the one in the URI")]
    [TestCase(Alice, "Name", "alice", TestName = "Dynamic node Name is the name it was added under")]
    [TestCase(Alice, "Format", "node", TestName = "Dynamic node Format is node")]
    [TestCase(Alice, "ACL", "", TestName = "Dynamic node ACL is empty")]
    [TestCase("./Device", "ACL", RootAcl, TestName = "Root ACL grants every command to every server")]
    [TestCase("./Device", "Name", ".", TestName = "Root Name is the dot")]
    public void Get_of_a_property_answers_its_value_as_chr(string uri, string property, string expected)
    {
        var outcome = SetUpTree().Execute(CspCommand.Get(uri + "?prop=" + property));

        outcome.Fault.Should().Be(CspFault.None, outcome.Reason);
        outcome.Value.Should().Be(new CspValue(expected, DdfFormat.Chr));
    }

    [TestCase(Policies + "PasswordAgeDays", "Format", CspFault.NotFound, "does not exist", TestName = "Property of a leaf never set is NotFound")]
    [TestCase(Accounts + "/Users/bob", "Name", CspFault.NotFound, "Users/bob does not exist", TestName = "Property of a dynamic node never added is NotFound")]
    [TestCase(Accounts + "/Users/bob/Password", "Format", CspFault.NotFound, "Users/bob does not exist", TestName = "Property below a missing dynamic node names the missing node")]
    [TestCase(Laps + "/Policies/NoSuchSetting", "Format", CspFault.NotFound, "no node", TestName = "Property of a node no CSP defines is NotFound")]
    [TestCase(Policies + "BackupDirectory", "Colour", CspFault.OptionalFeatureNotSupported, "TND 8.3.1", TestName = "A name that is no property is 406")]
    [TestCase(Policies + "BackupDirectory", "format", CspFault.OptionalFeatureNotSupported, "case-sensitive: Format", TestName = "Property names are case-sensitive")]
    [TestCase(Policies + "BackupDirectory", "Title", CspFault.OptionalFeatureNotSupported, "no node titles", TestName = "Title is 406")]
    [TestCase(Policies + "BackupDirectory", "TStamp", CspFault.OptionalFeatureNotSupported, "change times", TestName = "TStamp is 406")]
    [TestCase(Policies + "BackupDirectory", "VerNo", CspFault.OptionalFeatureNotSupported, "version numbers", TestName = "VerNo is 406")]
    [TestCase(Laps + "/Policies", "Size", CspFault.OptionalFeatureNotSupported, "interior node", TestName = "Size of an interior node is 406")]
    [TestCase(Alice + "/Password", "Size", CspFault.NotAllowed, "no Get", TestName = "Size of a write-only Password is NotAllowed")]
    public void Get_of_a_property_that_can_not_be_answered_fails(string uri, string property, CspFault fault, string reason)
    {
        var outcome = SetUpTree().Execute(CspCommand.Get(uri + "?prop=" + property));

        outcome.Fault.Should().Be(fault);
        outcome.Reason.Should().Contain(reason);
    }

    [Test]
    public void Property_of_a_node_the_device_build_lacks_is_NotApplicable()
    {
        var older = new DeviceContext(new OsBuild(10, 0, 22631, 4460), 0x4);

        NewTree(TreeOptions.Windows with { Device = older })
            .Execute(CspCommand.Get(Policies + "PassphraseLength?prop=Format")).Fault.Should().Be(CspFault.NotApplicable);
    }

    [TestCase(CspOperation.Replace, Policies + "BackupDirectory", "ACL", CspFault.OptionalFeatureNotSupported, "keeps no ACLs", TestName = "Replace of an ACL is 406")]
    [TestCase(CspOperation.Replace, Alice, "ACL", CspFault.OptionalFeatureNotSupported, "keeps no ACLs", TestName = "Replace of a dynamic node ACL is 406")]
    [TestCase(CspOperation.Replace, Laps + "/Policies", "Name", CspFault.NotAllowed, "TND 8.3.5.1", TestName = "Replace of a permanent node Name is NotAllowed")]
    [TestCase(CspOperation.Replace, Alice, "Name", CspFault.OptionalFeatureNotSupported, "does not rename", TestName = "Replace of a dynamic node Name is 406")]
    [TestCase(CspOperation.Replace, Policies + "BackupDirectory", "Title", CspFault.OptionalFeatureNotSupported, "no node titles", TestName = "Replace of a Title is 406")]
    [TestCase(CspOperation.Replace, Policies + "BackupDirectory", "Format", CspFault.NotAllowed, "takes Get only", TestName = "Replace of Format is NotAllowed")]
    [TestCase(CspOperation.Replace, Policies + "BackupDirectory", "Size", CspFault.NotAllowed, "takes Get only", TestName = "Replace of Size is NotAllowed")]
    [TestCase(CspOperation.Add, Policies + "BackupDirectory", "ACL", CspFault.NotAllowed, "takes Get and Replace only", TestName = "Add of a property is NotAllowed")]
    [TestCase(CspOperation.Delete, Policies + "BackupDirectory", "ACL", CspFault.NotAllowed, "TND 8.3.5", TestName = "Delete of a property is NotAllowed")]
    [TestCase(CspOperation.Exec, Laps + "/Actions/ResetPassword", "Format", CspFault.NotAllowed, "TND 8.3.5", TestName = "Exec of a property is NotAllowed")]
    [TestCase(CspOperation.Replace, Policies + "PasswordAgeDays", "ACL", CspFault.NotFound, "does not exist", TestName = "Replace of a property of a missing node is NotFound")]
    [TestCase(CspOperation.Replace, Policies + "BackupDirectory", "Colour", CspFault.OptionalFeatureNotSupported, "not a node property", TestName = "Replace of an unknown property is 406")]
    public void Commands_other_than_Get_on_a_property_change_nothing(CspOperation operation, string uri, string property, CspFault fault, string reason)
    {
        var tree = SetUpTree();
        var before = tree.State;

        var outcome = tree.Execute(new CspCommand(operation, uri + "?prop=" + property, "chr", "Add=*"));

        outcome.Fault.Should().Be(fault);
        outcome.Reason.Should().Contain(reason);
        tree.State.Should().BeSameAs(before);
    }

    [Test]
    public void A_property_Replace_inside_an_Atomic_fails_the_Atomic()
    {
        var tree = NewTree();

        var result = tree.ExecuteAtomic([
            CspCommand.Add(Policies + "BackupDirectory", "int", "1"),
            CspCommand.Replace(Policies + "BackupDirectory?prop=ACL", "chr", "Get=*"),
        ]);

        result.Outcomes.Select(o => o.Fault).Should().Equal(CspFault.RolledBack, CspFault.OptionalFeatureNotSupported);
        tree.State.Count.Should().Be(0);
    }

    [Test]
    public void A_property_Get_inside_an_Atomic_is_refused_like_any_Get()
    {
        var result = NewTree().ExecuteAtomic([CspCommand.Get(Laps + "?prop=Format")]);

        result.Outcomes.Single().Fault.Should().Be(CspFault.NotAllowedInAtomic);
    }

    [TestCase("?prop", CspFault.BadRequest, "is not ?prop=", TestName = "A query without a value is BadRequest")]
    [TestCase("?prop=", CspFault.BadRequest, "is not ?prop=", TestName = "An empty property name is BadRequest")]
    [TestCase("?name=Format", CspFault.BadRequest, "only ?prop=", TestName = "A query key OMA-DM does not define is BadRequest")]
    [TestCase("?prop=Format&prop=Name", CspFault.BadRequest, "more than one query", TestName = "Two queries in one URI are BadRequest")]
    [TestCase("?list=Struct", CspFault.OptionalFeatureNotSupported, "does not answer subtree Gets", TestName = "list=Struct is 406 without SubtreeGets")]
    [TestCase("?list=StructData", CspFault.OptionalFeatureNotSupported, "does not answer subtree Gets", TestName = "list=StructData is 406 without SubtreeGets")]
    [TestCase("?list=TNDS", CspFault.OptionalFeatureNotSupported, "TNDS", TestName = "list=TNDS is 406")]
    [TestCase("?list=Everything", CspFault.BadRequest, "not a list attribute", TestName = "An unknown list attribute is BadRequest")]
    public void Malformed_and_unsupported_queries_are_refused(string query, CspFault fault, string reason)
    {
        var outcome = NewTree(TreeOptions.Oma).Execute(CspCommand.Get(Laps + query));

        outcome.Fault.Should().Be(fault);
        outcome.Reason.Should().Contain(reason);
    }

    [Test]
    public void A_list_query_on_Replace_is_NotAllowed()
    {
        NewTree(TreeOptions.Windows with { SubtreeGets = true })
            .Execute(CspCommand.Replace(Laps + "?list=Struct", null, null)).Fault.Should().Be(CspFault.NotAllowed);
    }

    [Test]
    public void List_StructData_answers_the_subtree_the_server_may_read_with_leaf_values()
    {
        var tree = SetUpTree(TreeOptions.Windows with { SubtreeGets = true });

        var outcome = tree.Execute(CspCommand.Get(Laps + "?list=StructData"));

        outcome.Fault.Should().Be(CspFault.None, outcome.Reason);
        outcome.Value.Should().BeNull();
        outcome.Listing.Select(n => (n.Path.ToString(), n.Format, n.Data)).Should().Equal(
            (Laps, DdfFormat.Node, null),
            (Laps + "/Policies", DdfFormat.Node, null),
            (Policies + "BackupDirectory", DdfFormat.Int, "1"),
            (Policies + "AdministratorAccountName", DdfFormat.Chr, "Ädmin"),
            (Laps + "/Actions", DdfFormat.Node, null),
            (Laps + "/Actions/ResetPasswordStatus", DdfFormat.Int, "0"));
    }

    [Test]
    public void List_Struct_answers_the_same_nodes_without_values()
    {
        var tree = SetUpTree(TreeOptions.Windows with { SubtreeGets = true });

        var listing = tree.Execute(CspCommand.Get(Laps + "/Policies?list=Struct")).Listing;

        listing.Select(n => n.Path.Name).Should().Equal("Policies", "BackupDirectory", "AdministratorAccountName");
        listing.Should().OnlyContain(n => n.Data == null);
    }

    [Test]
    public void List_leaves_out_nodes_without_Get_and_their_subtrees()
    {
        var tree = SetUpTree(TreeOptions.Windows with { SubtreeGets = true });

        // Accounts answers Get, but Users, each user and the write-only Password have no Get in the DDF.
        tree.Execute(CspCommand.Get(Accounts + "?list=StructData")).Listing.Select(n => n.Path.ToString())
            .Should().Equal(Accounts);
        tree.Execute(CspCommand.Get(Accounts + "/Users?list=Struct")).Fault.Should().Be(CspFault.NotAllowed);
    }

    [Test]
    public void List_of_a_missing_node_is_NotFound()
    {
        NewTree(TreeOptions.Windows with { SubtreeGets = true })
            .Execute(CspCommand.Get(Policies + "PasswordAgeDays?list=StructData")).Fault.Should().Be(CspFault.NotFound);
    }
}
