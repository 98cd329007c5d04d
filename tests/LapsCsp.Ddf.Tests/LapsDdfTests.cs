using LapsCsp.Ddf.Display;
using LapsCsp.Ddf.Loading;
using LapsCsp.Ddf.Model;
using LapsCsp.Testing;

namespace LapsCsp.Ddf.Tests;

/// <summary>The kept LAPS DDF (Feb 2025 zip copy) against the node table of digest §C.1.</summary>
public class LapsDdfTests
{
    private const string Aam = "AutomaticAccountManagement";
    private const string NeedsAd = "needs BackupDirectory=2";
    private const string NeedsAam = "needs AutomaticAccountManagementEnabled=true";
    private const string Build26100 = "10.0.26100; CSP 1.1";

    [Test]
    public void LAPS_xml_loads_with_no_diagnostics()
    {
        var result = DdfLoader.LoadFile(RepoPaths.Ddf("LAPS.xml"));

        result.Diagnostics.Should().BeEmpty();
        result.Succeeded.Should().BeTrue();
        result.Document!.VerDtd.Should().Be("1.2");
        result.Document.SourceName.Should().Be(RepoPaths.Ddf("LAPS.xml"));
        result.Document.Roots.Should().ContainSingle().Which.ParentPath.Should().Be("./Device/Vendor/MSFT");
    }

    [Test]
    public void LAPS_xml_has_the_22_nodes_of_the_digest_table()
    {
        TestDdf.Laps.Walk().Should().HaveCount(22);
    }

    [Test]
    public void Loading_from_stream_text_and_file_gives_the_same_tree()
    {
        var path = RepoPaths.Ddf("LAPS.xml");
        using var stream = File.OpenRead(path);
        var fromStream = DdfLoader.Load(stream);
        var fromText = DdfLoader.Load(File.ReadAllText(path));
        var fromRawText = DdfLoader.Load(new string('\uFEFF', 1) + File.ReadAllText(path));

        foreach (var result in new[] { fromStream, fromText, fromRawText })
        {
            result.Succeeded.Should().BeTrue();
            DdfTable.Render(DdfTable.Rows(result.Document!)).Should().Be(DdfTable.Render(DdfTable.Rows(TestDdf.Laps)));
        }
    }

    [TestCase("", "G", "node", "One", "Permanent", "", "", "", TestName = "C1_row_root")]
    [TestCase("Policies", "G", "node", "One", "Permanent", "", "", "", TestName = "C1_row_Policies")]
    [TestCase("Policies/BackupDirectory", "A D G R", "int", "ZeroOrOne", "Dynamic", "0", "{0,1,2}", "", TestName = "C1_row_BackupDirectory")]
    [TestCase("Policies/PasswordAgeDays", "A D G R", "int", "ZeroOrOne", "Dynamic", "30", "[1-365]",
        "BackupDirectory=1 => [7-365]; BackupDirectory=2 => [1-365]", TestName = "C1_row_PasswordAgeDays")]
    [TestCase("Policies/PasswordComplexity", "A D G R", "int", "ZeroOrOne", "Dynamic", "4", "{1,2,3,4,5,6,7,8}", "",
        TestName = "C1_row_PasswordComplexity")]
    [TestCase("Policies/PasswordLength", "A D G R", "int", "ZeroOrOne", "Dynamic", "14", "[8-64]", "needs PasswordComplexity in [1-5]",
        TestName = "C1_row_PasswordLength")]
    [TestCase("Policies/PassphraseLength", "A D G R", "int", "ZeroOrOne", "Dynamic", "6", "[3-10]", "needs PasswordComplexity in [6-8]",
        TestName = "C1_row_PassphraseLength")]
    [TestCase("Policies/AdministratorAccountName", "A D G R", "chr", "ZeroOrOne", "Dynamic", "", "", "",
        TestName = "C1_row_AdministratorAccountName")]
    [TestCase("Policies/PasswordExpirationProtectionEnabled", "A D G R", "bool", "ZeroOrOne", "Dynamic", "True", "{false,true}", NeedsAd,
        TestName = "C1_row_PasswordExpirationProtectionEnabled")]
    [TestCase("Policies/ADPasswordEncryptionEnabled", "A D G R", "bool", "ZeroOrOne", "Dynamic", "True", "{false,true}", NeedsAd,
        TestName = "C1_row_ADPasswordEncryptionEnabled")]
    [TestCase("Policies/ADPasswordEncryptionPrincipal", "A D G R", "chr", "ZeroOrOne", "Dynamic", "", "", NeedsAd,
        TestName = "C1_row_ADPasswordEncryptionPrincipal")]
    [TestCase("Policies/ADEncryptedPasswordHistorySize", "A D G R", "int", "ZeroOrOne", "Dynamic", "0", "[0-12]", NeedsAd,
        TestName = "C1_row_ADEncryptedPasswordHistorySize")]
    [TestCase("Policies/PostAuthenticationResetDelay", "A D G R", "int", "ZeroOrOne", "Dynamic", "24", "[0-24]", "",
        TestName = "C1_row_PostAuthenticationResetDelay")]
    [TestCase("Policies/PostAuthenticationActions", "A D G R", "int", "ZeroOrOne", "Dynamic", "3", "{1,3,5,11}", "",
        TestName = "C1_row_PostAuthenticationActions")]
    [TestCase("Policies/" + Aam + "Enabled", "A D G R", "bool", "ZeroOrOne", "Dynamic", "False", "{false,true}", "",
        TestName = "C1_row_AutomaticAccountManagementEnabled")]
    [TestCase("Policies/" + Aam + "Target", "A D G R", "int", "ZeroOrOne", "Dynamic", "1", "{0,1}", NeedsAam,
        TestName = "C1_row_AutomaticAccountManagementTarget")]
    [TestCase("Policies/" + Aam + "NameOrPrefix", "A D G R", "chr", "ZeroOrOne", "Dynamic", "", "", NeedsAam,
        TestName = "C1_row_AutomaticAccountManagementNameOrPrefix")]
    [TestCase("Policies/" + Aam + "EnableAccount", "A D G R", "bool", "ZeroOrOne", "Dynamic", "False", "{False,True}", NeedsAam,
        TestName = "C1_row_AutomaticAccountManagementEnableAccount")]
    [TestCase("Policies/" + Aam + "RandomizeName", "A D G R", "bool", "ZeroOrOne", "Dynamic", "False", "{False,True}", NeedsAam,
        TestName = "C1_row_AutomaticAccountManagementRandomizeName")]
    [TestCase("Actions", "G", "node", "One", "Permanent", "", "", "", TestName = "C1_row_Actions")]
    [TestCase("Actions/ResetPassword", "E", "null", "One", "Dynamic", "", "", "", TestName = "C1_row_ResetPassword")]
    [TestCase("Actions/ResetPasswordStatus", "G", "int", "One", "Dynamic", "0", "", "", TestName = "C1_row_ResetPasswordStatus")]
    public void Node_table_row_matches_digest_C1(
        string relativePath, string access, string format, string occurrence, string scope, string defaultValue, string allowed, string dependencies)
    {
        var path = relativePath.Length == 0 ? TestDdf.LapsRoot : TestDdf.LapsRoot + "/" + relativePath;

        var row = DdfTable.Rows(TestDdf.Laps).Should().ContainSingle(r => r.Path == path).Subject;

        row.Access.Should().Be(access);
        row.Format.Should().Be(format);
        row.Occurrence.Should().Be(occurrence);
        row.Scope.Should().Be(scope);
        row.Default.Should().Be(defaultValue);
        row.Allowed.Should().Be(allowed);
        row.Dependencies.Should().Be(dependencies);
        row.AtomicRequired.Should().Be(relativePath == "Policies", "only Policies carries MSFT:AtomicRequired");
    }

    [Test]
    public void Root_applicability_lists_the_six_builds_CSP_1_0_and_32_editions()
    {
        var root = TestDdf.Laps.Find(TestDdf.LapsRoot)!;

        root.Applicability!.OsBuilds.Select(b => b.ToString()).Should().Equal(
            "10.0.25145", "10.0.22621.1480", "10.0.22000.1754", "10.0.20348.1663", "10.0.19041.2784", "10.0.17763.4244");
        root.Applicability.CspVersion.Should().Be("1.0");
        root.Applicability.Editions.Should().HaveCount(32);
        root.Applicability.Editions[0].Should().Be(0x4);
        root.Applicability.Editions.Should().Contain([0x1B, 0x30, 0x88, 0xA1]);
        root.Applicability.Editions[^1].Should().Be(0xCF);
        DdfTable.Rows(TestDdf.Laps, TestDdf.LapsRoot)[0].Applicability.Should().Be(
            "10.0.25145, 10.0.22621.1480, 10.0.22000.1754, 10.0.20348.1663, 10.0.19041.2784, 10.0.17763.4244; CSP 1.0; 32 editions");
    }

    [Test]
    public void Only_PassphraseLength_and_the_AutomaticAccountManagement_nodes_need_build_26100()
    {
        var withApplicability = DdfTable.Rows(TestDdf.Laps)
            .Where(r => r.Path != TestDdf.LapsRoot && r.Applicability.Length > 0)
            .ToDictionary(r => r.Path[(TestDdf.LapsRoot.Length + "/Policies/".Length)..], r => r.Applicability);

        withApplicability.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["PassphraseLength"] = Build26100,
            [Aam + "Enabled"] = Build26100,
            [Aam + "Target"] = Build26100,
            [Aam + "NameOrPrefix"] = Build26100,
            [Aam + "EnableAccount"] = Build26100,
            [Aam + "RandomizeName"] = Build26100,
        });
        TestDdf.Laps.Find(TestDdf.LapsRoot + "/Policies/PassphraseLength")!.Applicability!.OsBuilds
            .Should().Equal(new OsBuild(10, 0, 26100, 0));
    }

    [Test]
    public void PasswordLength_dependency_written_as_Range_inside_Enum_is_normalised_into_Ranges()
    {
        var node = TestDdf.Laps.Find(TestDdf.LapsRoot + "/Policies/PasswordLength")!;

        var group = node.Dependencies.Should().ContainSingle().Subject;
        group.FriendlyId.Should().Be("PasswordComplexity");
        group.ChangedAllowedValues.Should().BeNull();
        var dependency = group.Dependencies.Should().ContainSingle().Subject;
        dependency.Type.Should().Be(DependencyType.DependsOn);
        dependency.Uri.Should().Be("Vendor/MSFT/LAPS/Policies/PasswordComplexity");
        dependency.AllowedValue!.Kind.Should().Be(AllowedValueKind.Range);
        dependency.AllowedValue.RawValueType.Should().Be("Range");
        dependency.AllowedValue.Ranges.Should().Equal(new IntRange(1, 5));
        dependency.AllowedValue.Enums.Should().BeEmpty();
    }

    [Test]
    public void PasswordAgeDays_has_two_groups_that_change_its_range_by_BackupDirectory()
    {
        var node = TestDdf.Laps.Find(TestDdf.LapsRoot + "/Policies/PasswordAgeDays")!;

        node.AllowedValues!.Ranges.Should().Equal(new IntRange(1, 365));
        node.Dependencies.Select(g => g.FriendlyId).Should().Equal("BackupDirectoryAADMode", "BackupDirectoryADMode");
        node.Dependencies.Select(g => g.ChangedAllowedValues!.Ranges.Single()).Should().Equal(new IntRange(7, 365), new IntRange(1, 365));
        node.Dependencies.Select(g => g.Dependencies.Single().AllowedValue!.Enums.Single().Value).Should().Equal("1", "2");
    }

    [Test]
    public void BackupDirectory_enum_keeps_each_value_description()
    {
        var node = TestDdf.Laps.Find(TestDdf.LapsRoot + "/Policies/BackupDirectory")!;

        node.AllowedValues!.Enums.Should().Equal(
            new EnumValue("0", "Disabled (password will not be backed up)"),
            new EnumValue("1", "Backup the password to Microsoft Entra ID only"),
            new EnumValue("2", "Backup the password to Active Directory only"));
        node.Description.Should().StartWith("Use this setting to configure which directory");
    }

    [Test]
    public void AutomaticAccountManagementNameOrPrefix_has_no_default_but_its_description_names_WLapsAdmin()
    {
        var node = TestDdf.Laps.Find(TestDdf.LapsRoot + "/Policies/" + Aam + "NameOrPrefix")!;

        node.DefaultValue.Should().BeNull();
        node.AllowedValues.Should().BeNull();
        node.Description.Should().Contain("\"WLapsAdmin\"");
    }

    [Test]
    public void Interior_nodes_carry_DFTitle_and_no_MIME_type_and_leaves_have_line_numbers()
    {
        var policies = TestDdf.Laps.Find(TestDdf.LapsRoot + "/Policies")!;

        policies.Title.Should().Be("Policies");
        policies.MimeType.Should().BeNull();
        policies.IsInterior.Should().BeTrue();
        policies.Children.Should().HaveCount(17);
        TestDdf.Laps.Walk().Should().OnlyContain(n => n.Node.Line > 0 && n.Node.Column > 0);
        TestDdf.Laps.Roots[0].Node.Line.Should().Be(8, "the LAPS <Node> starts on line 8 of the file");
    }
}
