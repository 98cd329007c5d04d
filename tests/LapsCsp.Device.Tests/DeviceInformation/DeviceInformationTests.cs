using LapsCsp.Device.DeviceInformation;
using LapsCsp.Device.Session;
using LapsCsp.SyncML.Messages;
using LapsCsp.Tree;
using Microsoft.Extensions.Time.Testing;
using LapsCsp.Device.Tests.Session;
using static LapsCsp.Device.Tests.Session.SessionHarness;

namespace LapsCsp.Device.Tests.DeviceInformation;

/// <summary>The simulated device answers ./DevInfo and ./DevDetail as the DevDetail CSP page and OMA-DM DevInfo describe.</summary>
public class DeviceInformationTests
{
    private static readonly DateTimeOffset s_start = new(2025, 3, 14, 9, 26, 53, TimeSpan.Zero);

    private static SimulatedDevice NewDevice(DeviceOptions? options = null) =>
        new(options ?? new DeviceOptions { DeviceId = "4A1C0E7A0B3F4B1F9E5D2C6B8A7F0E11", Locale = "fr-FR" }, new FakeTimeProvider(s_start));

    private static ItemCommand Replace(string id, string uri, string data) =>
        new(ItemCommandKind.Replace, id, [new Item(TargetUri: uri, Meta: new Meta(Format: "chr"), Data: new ItemData(data))]);

    private static List<string> CodesOf(DmReply reply) => [.. SessionHarness.Statuses(reply).Select(s => s.Code)];

    private static List<Item> ResultItems(DmReply reply) =>
        [.. reply.Message.Commands.OfType<ResultsCommand>().SelectMany(r => r.Items)];

    private static Item SingleResult(SimulatedDevice device, string uri)
    {
        var reply = device.Apply(Package(Get("2", uri)));
        CodesOf(reply).Should().Equal("200", "200");
        return ResultItems(reply).Single();
    }

    [Test]
    public void MS_MDM_example_Gets_of_SwV_and_HwV_are_200_with_the_devices_OS_build_and_BIOS_version()
    {
        using var device = NewDevice();

        var reply = device.Apply(Corpus("r11-msmdm-ex-server-get-devdetail.xml", lenient: false));

        // r12, the documented answer: SyncHdr 200, Get 200, Get 200, then a Results per Get (the second asks for
        // "./ DevDetail/HwV" with a blank, and still gets the value).
        reply.Statuses().Select(s => (s.Cmd, s.CmdRef, s.Code)).Should().Equal(("SyncHdr", "0", "200"), ("Get", "4", "200"), ("Get", "5", "200"));
        var hardware = DeviceHardware.For(device.Options.DeviceId);
        reply.Message.Commands.OfType<ResultsCommand>().Select(r => (r.CmdRef, r.Items.Single().Meta?.Format, r.Items.Single().DataText))
            .Should().Equal(("4", "chr", "10.0.26100.2314"), ("5", "chr", hardware.BiosVersion));
    }

    [TestCase("./DevInfo/DevId", "4A1C0E7A0B3F4B1F9E5D2C6B8A7F0E11", TestName = "DevInfo_DevId_is_the_device_id")]
    [TestCase("./DevInfo/DmV", "1.3", TestName = "DevInfo_DmV_is_1_3_as_real_Windows_sends_it")]
    [TestCase("./DevInfo/Lang", "fr-FR", TestName = "DevInfo_Lang_is_the_locale")]
    [TestCase("./Device/DevInfo/Lang", "fr-FR", TestName = "DevInfo_with_a_Device_prefix_is_the_same_node")]
    [TestCase("./DevDetail/Ext/Microsoft/OSPlatform", "Windows 10 Enterprise", TestName = "OSPlatform_is_the_registry_ProductName_of_the_edition")]
    [TestCase("./DevDetail/Ext/Microsoft/LocalTime", "2025-03-14T09:26:53Z", TestName = "LocalTime_is_the_device_clock_in_ISO_8601")]
    [TestCase("./DevDetail/LrgObj", "false", TestName = "LrgObj_is_false")]
    [TestCase("./DevDetail/URI/MaxDepth", "0", TestName = "URI_MaxDepth_is_0_unlimited")]
    public void A_Get_of_a_leaf_returns_its_value(string uri, string expected)
    {
        using var device = NewDevice();

        var item = SingleResult(device, uri);

        item.SourceUri.Should().Be(uri);
        item.DataText.Should().Be(expected);
    }

    [Test]
    public void DevInfo_Man_and_Mod_and_DevDetail_hardware_nodes_report_the_devices_hardware()
    {
        var hardware = new DeviceHardware
        {
            Manufacturer = "Contoso Ltd", Model = "Contoso Book 3", BiosVersion = "C3.01.07", SerialNumber = "CB3-000042", TotalRamMb = 32768,
        };
        using var device = NewDevice(new DeviceOptions { DeviceId = "D1", Hardware = hardware, Context = DeviceContext.Windows11Enterprise24H2 with { Edition = 0x30 } });

        var uris = new[]
        {
            "./DevInfo/Man", "./DevInfo/Mod", "./DevDetail/OEM", "./DevDetail/DevTyp", "./DevDetail/FwV", "./DevDetail/HwV",
            "./DevDetail/Ext/Microsoft/SMBIOSSerialNumber", "./DevDetail/Ext/Microsoft/TotalRAM", "./DevDetail/Ext/Microsoft/ProcessorArchitecture",
            "./DevDetail/Ext/Microsoft/OSPlatform",
        };
        var reply = device.Apply(Package(Get("2", uris)));

        CodesOf(reply).Should().Equal("200", "200");
        ResultItems(reply).Select(i => (i.DataText, i.Meta?.Format)).Should().Equal(
            ("Contoso Ltd", "chr"), ("Contoso Book 3", "chr"), ("Contoso Ltd", "chr"), ("Contoso Book 3", "chr"), ("C3.01.07", "chr"),
            ("C3.01.07", "chr"), ("CB3-000042", "chr"), ("32768", "int"), ("9", "int"), ("Windows 10 Pro", "chr"));
    }

    [Test]
    public void DeviceName_is_the_computer_name_of_the_identity()
    {
        using var device = NewDevice(new DeviceOptions { DeviceId = "D2", DeviceName = "LAB-PC-07" });

        SingleResult(device, "./DevDetail/Ext/Microsoft/DeviceName").DataText.Should().Be("LAB-PC-07");
        SingleResult(device, "./DevDetail/Ext/Microsoft/DNSComputerName").DataText.Should().Be("LAB-PC-07");
    }

    [Test]
    public void Default_hardware_follows_from_the_device_id_so_a_recreated_device_reports_the_same_machine()
    {
        DeviceHardware.For("A").Should().Be(DeviceHardware.For("A"));
        Enumerable.Range(0, 20).Select(i => DeviceHardware.For("device-" + i).SerialNumber).Distinct().Should().HaveCount(20);
        DeviceHardware.For("A").SerialNumber.Should().MatchRegex("^[0-9A-Z]{10}$");
    }

    [TestCase("./DevInfo", "DevId/Man/Mod/DmV/Lang", TestName = "Get_DevInfo_lists_its_five_leaves")]
    [TestCase("./DevDetail", "DevTyp/OEM/FwV/SwV/HwV/LrgObj/URI/Ext", TestName = "Get_DevDetail_lists_its_children")]
    [TestCase("./DevDetail/URI", "MaxDepth/MaxTotLen/MaxSegLen", TestName = "Get_DevDetail_URI_lists_the_limits")]
    [TestCase("./DevDetail/Ext/Microsoft",
        "DeviceName/DNSComputerName/LocalTime/OSPlatform/ProcessorArchitecture/ProcessorType/SMBIOSSerialNumber/TotalRAM",
        TestName = "Get_Ext_Microsoft_lists_the_nodes_this_desktop_has_without_the_mobile_only_TotalStorage")]
    public void A_Get_of_an_interior_node_returns_its_child_list_with_Format_node(string uri, string children)
    {
        using var device = NewDevice();

        var item = SingleResult(device, uri);

        item.Meta!.Format.Should().Be("node");
        item.DataText.Should().Be(children);
    }

    [TestCase("Replace", "./DevInfo/Man", TestName = "Replace_of_DevInfo_Man_is_405")]
    [TestCase("Replace", "./DevDetail/Ext/Microsoft/DeviceName", TestName = "Replace_of_DeviceName_is_405_on_desktop")]
    [TestCase("Add", "./DevDetail/Ext/Microsoft/Anything", TestName = "Add_under_DevDetail_is_405")]
    [TestCase("Delete", "./DevInfo/DevId", TestName = "Delete_of_DevInfo_DevId_is_405")]
    [TestCase("Exec", "./DevDetail/SwV", TestName = "Exec_of_DevDetail_SwV_is_405")]
    public void Writes_and_Exec_are_405_and_change_nothing(string verb, string uri)
    {
        using var device = NewDevice();
        var kind = Enum.Parse<ItemCommandKind>(verb);
        var command = new ItemCommand(kind, "2", [new Item(TargetUri: uri, Meta: new Meta(Format: "chr"), Data: new ItemData("x"))]);
        var before = device.Session.DeviceInformation!.Read(uri);

        var reply = device.Apply(Package(command));

        CodesOf(reply).Should().Equal("200", "405");
        device.Session.DeviceInformation.Read(uri).Should().Be(before);
        device.Tree.State.Count.Should().Be(0);
    }

    [TestCase("./DevInfo/Nope", TestName = "Get_of_an_unknown_DevInfo_leaf_is_404")]
    [TestCase("./DevDetail/Ext/Microsoft/MobileID", TestName = "Get_of_MobileID_is_404_on_a_PC_without_cellular")]
    [TestCase("./DevDetail/Ext/Microsoft/TotalStorage", TestName = "Get_of_TotalStorage_is_404_on_desktop")]
    [TestCase("./User/DevDetail/SwV", TestName = "Get_of_DevDetail_in_user_scope_is_404")]
    public void A_Get_of_a_node_the_device_does_not_have_is_404_without_Results(string uri)
    {
        using var device = NewDevice();

        var reply = device.Apply(Package(Get("2", uri)));

        CodesOf(reply).Should().Equal("200", "404");
        reply.Message.Commands.OfType<ResultsCommand>().Should().BeEmpty();
    }

    [Test]
    public void A_Get_mixing_DevDetail_and_LAPS_nodes_answers_each_item_from_its_owner()
    {
        using var device = NewDevice();

        var reply = device.Apply(Package(Get("2", "./DevDetail/SwV", "./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus")));

        CodesOf(reply).Should().Equal("200", "200");
        ResultItems(reply).Select(i => i.DataText).Should().Equal("10.0.26100.2314", "0");
    }

    [Test]
    public void TotalStorage_is_served_when_the_hardware_says_so()
    {
        using var device = NewDevice(new DeviceOptions { DeviceId = "D3", Hardware = DeviceHardware.For("D3") with { TotalStorageMb = 512000 } });

        SingleResult(device, "./DevDetail/Ext/Microsoft/TotalStorage").DataText.Should().Be("512000");
    }

    [Test]
    public void An_Atomic_with_a_Replace_of_DevInfo_fails_and_rolls_back_its_LAPS_Add()
    {
        using var device = NewDevice();
        var atomic = new AtomicCommand("2", [Add("3", Policies + "BackupDirectory", "int", "1"), Replace("4", "./DevInfo/Lang", "de-DE")]);

        var reply = device.Apply(Package(atomic));

        reply.Statuses().Select(s => (s.Cmd, s.Code)).Should().Equal(("SyncHdr", "200"), ("Atomic", "507"), ("Add", "216"), ("Replace", "405"));
        device.Tree.State.Count.Should().Be(0);
        SingleResult(device, "./DevInfo/Lang").DataText.Should().Be("fr-FR");
    }

    [Test]
    public void A_Get_of_DevDetail_inside_an_Atomic_is_500_like_any_Get_there()
    {
        using var device = NewDevice();
        var atomic = new AtomicCommand("2", [Add("3", Policies + "BackupDirectory", "int", "1"), Get("4", "./DevDetail/SwV")]);

        var reply = device.Apply(Package(atomic));

        reply.Statuses().Select(s => (s.Cmd, s.Code)).Should().Equal(("SyncHdr", "200"), ("Atomic", "507"), ("Add", "216"), ("Get", "500"));
        reply.Message.Commands.OfType<ResultsCommand>().Should().BeEmpty();
    }

    [Test]
    public void A_session_built_without_device_information_leaves_DevDetail_to_the_tree()
    {
        var reply = NewSession().Process(Package(Get("2", "./DevDetail/SwV")));

        CodesOf(reply).Should().Equal("200", "404");
    }

    [TestCase("./DevDetail/SwV?prop=Format", "200", "chr", TestName = "DevDetail leaf Format is chr")]
    [TestCase("./DevDetail/Ext/Microsoft/TotalRAM?prop=Format", "200", "int", TestName = "DevDetail int leaf Format is int")]
    [TestCase("./DevDetail/Ext?prop=Format", "200", "node", TestName = "DevDetail interior node Format is node")]
    [TestCase("./DevInfo/Lang?prop=Name", "200", "Lang", TestName = "DevInfo leaf Name is its node name")]
    [TestCase("./DevInfo/Lang?prop=Size", "200", "5", TestName = "DevInfo leaf Size is the bytes of its value (fr-FR)")]
    [TestCase("./DevInfo/Lang?prop=ACL", "200", "", TestName = "DevInfo leaf ACL is empty (inherited)")]
    [TestCase("./DevInfo?prop=Size", "406", null, TestName = "Size of DevInfo itself is 406 (interior)")]
    [TestCase("./DevInfo/Lang?prop=TStamp", "406", null, TestName = "DevInfo TStamp is 406")]
    [TestCase("./DevInfo/Lang?prop=Colour", "406", null, TestName = "An unknown DevInfo property is 406")]
    [TestCase("./DevDetail?list=Struct", "406", null, TestName = "A subtree Get of DevDetail is 406")]
    [TestCase("./DevDetail/Nothing?prop=Format", "404", null, TestName = "A property of a node that does not exist is 404")]
    [TestCase("./DevDetail/SwV?prop", "400", null, TestName = "A query without a property name is 400")]
    [TestCase("./DevDetail/SwV?sort=up", "400", null, TestName = "A query key OMA-DM does not define is 400")]
    public void Node_properties_of_DevInfo_and_DevDetail_answer_as_those_of_CSP_nodes(string uri, string code, string? value)
    {
        var reply = NewDevice().Apply(Package(Get("2", uri)));

        CodesOf(reply).Should().Equal("200", code);
        if (value is not null) ResultItems(reply).Single().DataText.Should().Be(value);
        else ResultItems(reply).Should().BeEmpty();
    }

    [Test]
    public void A_Replace_of_a_DevDetail_property_is_405()
    {
        var reply = NewDevice().Apply(Package(Replace("2", "./DevDetail/SwV?prop=Format", "int")));

        CodesOf(reply).Should().Equal("200", "405");
        DeviceInformationNodes.Owns("./DevDetailX/SwV").Should().BeFalse();
    }
}
