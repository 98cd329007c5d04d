using LapsCsp.Device.DeviceInformation;
using LapsCsp.Device.Identity;
using LapsCsp.Device.Session;
using LapsCsp.SyncML.Messages;
using LapsCsp.Tree.Commands;
using Microsoft.Extensions.Time.Testing;
using SessionHarness = LapsCsp.Device.Tests.Session.SessionHarness;

namespace LapsCsp.Device.Tests.DeviceInformation;

/// <summary>A Replace of ./DevDetail/Ext/Microsoft/DNSComputerName renames the device at its next reboot (DevDetail CSP,
/// Windows 10 2004): value rules, the %RAND:x% and %SERIAL% macros, refusals, and Atomic staging.</summary>
public class DnsComputerNameTests
{
    private const string DnsComputerNameUri = "./DevDetail/Ext/Microsoft/DNSComputerName";
    private const string DeviceNameUri = "./DevDetail/Ext/Microsoft/DeviceName";
    private static readonly DateTimeOffset s_start = new(2025, 3, 14, 9, 26, 53, TimeSpan.Zero);

    private static SimulatedDevice NewDevice(JoinType join = JoinType.EntraJoined, int seed = 1, string deviceId = "PC-RENAME-1", DeviceHardware? hardware = null,
        ProtocolProfile profile = ProtocolProfile.Windows) =>
        new(new DeviceOptions { DeviceId = deviceId, DeviceName = "DESKTOP-OLD", JoinType = join, Seed = seed, Hardware = hardware, Profile = profile },
            new FakeTimeProvider(s_start));

    private static ItemCommand Replace(string id, string uri, string? data, string? format = "chr") =>
        new(ItemCommandKind.Replace, id, [new Item(TargetUri: uri, Meta: format is null ? null : new Meta(Format: format), Data: data is null ? null : new ItemData(data))]);

    private static CommandReport Report(DmReply reply, string cmd) => reply.Reports.Single(r => r.Cmd == cmd);

    private static string Read(SimulatedDevice device, string uri) => device.Session.DeviceInformation!.Read(uri)!.Data;

    [Test]
    public void Replace_is_200_and_Get_answers_the_active_name_until_the_reboot()
    {
        using var device = NewDevice();

        var reply = device.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, "LAB-PC-07"), SessionHarness.Get("3", DnsComputerNameUri, DeviceNameUri)));

        reply.Codes().Should().Equal(200, 200);
        reply.Message.Commands.OfType<ResultsCommand>().Single().Items.Select(i => i.DataText).Should().Equal("DESKTOP-OLD", "DESKTOP-OLD");
        Report(reply, "Replace").Warnings.Should().ContainSingle().Which.Should().Contain("LAB-PC-07 at its next reboot");
        device.PendingComputerName.Should().Be("LAB-PC-07");
        device.Identity.DeviceName.Should().Be("DESKTOP-OLD");
        device.Tree.State.Count.Should().Be(0, "DevDetail is not a CSP of the tree");
    }

    [Test]
    public void After_the_reboot_DeviceName_DNSComputerName_and_the_identity_carry_the_new_name()
    {
        using var device = NewDevice();
        device.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, "Lab-Pc-07"))).Codes().Should().Equal(200);

        device.Reboot();

        var reply = device.Apply(SessionHarness.Package(SessionHarness.Get("2", DnsComputerNameUri, DeviceNameUri)));
        reply.Message.Commands.OfType<ResultsCommand>().Single().Items.Select(i => i.DataText).Should().Equal("Lab-Pc-07", "Lab-Pc-07");
        device.Identity.HostName.Should().Be("Lab-Pc-07");
        device.Identity.DeviceName.Should().Be("LAB-PC-07", "the NetBIOS name is upper case by convention");
        device.PendingComputerName.Should().BeNull();
        device.LogonSessions.RebootCount.Should().Be(1);
    }

    [Test]
    public void A_second_Replace_before_the_reboot_replaces_the_pending_name_and_a_second_reboot_changes_nothing()
    {
        using var device = NewDevice();
        device.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, "FIRST-NAME"), Replace("3", DnsComputerNameUri, "SECOND-NAME")))
            .Codes().Should().Equal(200, 200);

        device.Reboot();
        device.Reboot();

        Read(device, DnsComputerNameUri).Should().Be("SECOND-NAME");
        device.PendingComputerName.Should().BeNull();
    }

    [Test]
    public void A_reboot_without_a_pending_rename_keeps_the_name()
    {
        using var device = NewDevice();

        device.Reboot();

        device.Identity.Should().Be(device.Options.Identity);
        Read(device, DnsComputerNameUri).Should().Be("DESKTOP-OLD");
    }

    [Test]
    public void A_reboot_by_the_post_authentication_action_applies_the_pending_name_too()
    {
        using var device = NewDevice();
        device.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, "KIOSK-12"))).Codes().Should().Equal(200);

        // PostAuthenticationRunner reboots through the logon session table, as here.
        device.LogonSessions.Reboot();

        device.Identity.HostName.Should().Be("KIOSK-12");
        Read(device, DeviceNameUri).Should().Be("KIOSK-12");
    }

    [Test]
    public void RAND_expands_to_that_many_digits_the_same_for_the_same_seed_and_device()
    {
        using var first = NewDevice(seed: 7);
        using var again = NewDevice(seed: 7);
        using var otherSeed = NewDevice(seed: 8);
        using var otherDevice = NewDevice(seed: 7, deviceId: "PC-RENAME-2");

        foreach (var device in new[] { first, again, otherSeed, otherDevice })
        {
            device.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, "LAB-%RAND:8%"))).Codes().Should().Equal(200);
        }

        first.PendingComputerName.Should().MatchRegex("^LAB-[0-9]{8}$");
        again.PendingComputerName.Should().Be(first.PendingComputerName, "a simulation replays: same seed, same device id, same request");
        otherSeed.PendingComputerName.Should().NotBe(first.PendingComputerName);
        otherDevice.PendingComputerName.Should().NotBe(first.PendingComputerName, "devices of a fleet draw different names");
    }

    [Test]
    public void Each_applied_request_draws_new_digits()
    {
        using var device = NewDevice(seed: 3);

        device.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, "PC-%RAND:10%")));
        var first = device.PendingComputerName;
        device.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, "PC-%rand:10%")));

        device.PendingComputerName.Should().MatchRegex("^PC-[0-9]{10}$", "macro names are matched ignoring case")
            .And.NotBe(first);
    }

    [Test]
    public void SERIAL_is_the_serial_number_and_RAND_and_SERIAL_combine()
    {
        using var device = NewDevice(hardware: DeviceHardware.For("PC-RENAME-1") with { SerialNumber = "5CG1234XYZ" });

        device.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, "HP-%SERIAL%-%RAND:2%"))).Codes().Should().Equal(200);

        device.PendingComputerName.Should().MatchRegex("^HP-5CG1234XYZ-[0-9]{2}$");
    }

    [Test]
    public void SERIAL_is_cut_from_the_beginning_when_the_name_would_exceed_63_characters()
    {
        using var device = NewDevice(hardware: DeviceHardware.For("PC-RENAME-1") with { SerialNumber = "SN-0123456789-ABCDEFGHIJ" });
        var prefix = new string('A', 50);

        device.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, prefix + "%SERIAL%"))).Codes().Should().Equal(200);

        device.PendingComputerName.Should().Be(prefix + "89-ABCDEFGHIJ").And.HaveLength(63);
    }

    [Test]
    public void Exactly_63_characters_after_expansion_is_accepted()
    {
        using var device = NewDevice();

        device.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, new string('B', 59) + "%RAND:4%"))).Codes().Should().Equal(200);

        device.PendingComputerName.Should().HaveLength(63);
    }

    [Test]
    public void A_domain_joined_device_accepts_a_name_with_RAND()
    {
        using var device = NewDevice(JoinType.HybridJoined);

        device.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, "CONTOSO-%RAND:5%"))).Codes().Should().Equal(200);

        device.PendingComputerName.Should().MatchRegex("^CONTOSO-[0-9]{5}$");
    }

    [TestCase("", JoinType.EntraJoined, 400, "no value", TestName = "Refuses_an_empty_name_with_400")]
    [TestCase(null, JoinType.EntraJoined, 400, "no value", TestName = "Refuses_a_Replace_without_Data_with_400")]
    [TestCase("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKL", JoinType.EntraJoined, 400, "expands to 64 characters",
        TestName = "Refuses_a_64_character_name_with_400")]
    [TestCase("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGH%RAND:4%", JoinType.EntraJoined, 400, "expands to 64 characters",
        TestName = "Refuses_a_name_that_RAND_takes_past_63_characters_with_400")]
    [TestCase("LAB_PC", JoinType.EntraJoined, 400, "'_' is not allowed", TestName = "Refuses_an_underscore_with_400")]
    [TestCase("LAB PC", JoinType.EntraJoined, 400, "'U+0020' is not allowed", TestName = "Refuses_a_blank_with_400")]
    [TestCase("lab.contoso.com", JoinType.EntraJoined, 400, "'.' is not allowed", TestName = "Refuses_a_dotted_name_with_400_as_a_computer_name_is_one_label")]
    [TestCase("PC-é", JoinType.EntraJoined, 400, "'é' is not allowed", TestName = "Refuses_a_non_ASCII_letter_with_400")]
    [TestCase("-LAB", JoinType.EntraJoined, 400, "begins and ends with a letter or digit", TestName = "Refuses_a_leading_hyphen_with_400")]
    [TestCase("LAB-", JoinType.EntraJoined, 400, "begins and ends with a letter or digit", TestName = "Refuses_a_trailing_hyphen_with_400")]
    [TestCase("12345", JoinType.EntraJoined, 400, "cannot be digits only", TestName = "Refuses_an_all_digit_name_with_400")]
    [TestCase("%RAND:6%", JoinType.EntraJoined, 400, "cannot be digits only", TestName = "Refuses_a_name_of_RAND_alone_with_400_as_it_is_all_digits")]
    [TestCase("PC-%RAND:0%", JoinType.EntraJoined, 400, "from 1 to 62", TestName = "Refuses_RAND_0_with_400")]
    [TestCase("PC-%RAND:63%", JoinType.EntraJoined, 400, "from 1 to 62", TestName = "Refuses_RAND_63_with_400_as_x_must_be_less_than_63")]
    [TestCase("PC-%RAND:four%", JoinType.EntraJoined, 400, "from 1 to 62", TestName = "Refuses_RAND_without_a_number_with_400")]
    [TestCase("PC-%HOSTNAME%", JoinType.EntraJoined, 400, "'%HOSTNAME%' is not a macro", TestName = "Refuses_an_unknown_macro_with_400")]
    [TestCase("PC-%RAND:4", JoinType.EntraJoined, 400, "no closing '%'", TestName = "Refuses_an_unterminated_macro_with_400")]
    [TestCase("LAB-PC-07", JoinType.HybridJoined, 400, "must use %RAND:x%", TestName = "Refuses_a_name_without_RAND_on_a_domain_joined_device_with_400")]
    [TestCase("LAB-%SERIAL%", JoinType.HybridJoined, 400, "must use %RAND:x%", TestName = "Refuses_SERIAL_without_RAND_on_a_domain_joined_device_with_400")]
    public void A_value_the_node_refuses_gets_its_code_and_reason_and_changes_nothing(string? value, JoinType join, int code, string reason)
    {
        using var device = NewDevice(join);

        var reply = device.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, value)));

        reply.Codes().Should().Equal(code);
        Report(reply, "Replace").Reason.Should().Contain(reason);
        device.PendingComputerName.Should().BeNull();
        device.Reboot();
        Read(device, DnsComputerNameUri).Should().Be("DESKTOP-OLD");
    }

    [TestCase("int", ProtocolProfile.Windows, 405, TestName = "A_Meta_Format_int_is_405_as_the_tree_answers_a_format_mismatch")]
    [TestCase("b64", ProtocolProfile.Windows, 405, TestName = "A_Meta_Format_b64_is_405")]
    [TestCase("int", ProtocolProfile.Oma, 415, TestName = "A_Meta_Format_int_is_415_with_the_oma_profile")]
    public void A_wrong_Meta_Format_is_a_format_mismatch(string format, ProtocolProfile profile, int code)
    {
        using var device = NewDevice(profile: profile);

        var reply = device.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, "LAB-PC-07", format)));

        reply.Codes().Should().Equal(code);
        Report(reply, "Replace").Reason.Should().Be($"Meta Format '{format}' is not the node's format chr");
        device.PendingComputerName.Should().BeNull();
    }

    [TestCase(null, TestName = "A_Replace_without_Meta_Format_is_read_as_chr")]
    [TestCase("CHR", TestName = "A_Meta_Format_CHR_in_upper_case_is_chr")]
    public void A_Replace_in_the_nodes_own_format_is_accepted(string? format)
    {
        using var device = NewDevice();

        device.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, "LAB-PC-07", format))).Codes().Should().Equal(200);

        device.PendingComputerName.Should().Be("LAB-PC-07");
    }

    [TestCase("Add", DnsComputerNameUri, TestName = "Add_of_DNSComputerName_is_405_as_the_node_always_exists")]
    [TestCase("Delete", DnsComputerNameUri, TestName = "Delete_of_DNSComputerName_is_405")]
    [TestCase("Replace", DeviceNameUri, TestName = "Replace_of_DeviceName_stays_405_as_it_is_not_supported_on_desktop")]
    public void Other_writes_of_the_name_nodes_are_405(string verb, string uri)
    {
        using var device = NewDevice();
        var command = new ItemCommand(Enum.Parse<ItemCommandKind>(verb), "2", [new Item(TargetUri: uri, Meta: new Meta(Format: "chr"), Data: new ItemData("LAB-PC-07"))]);

        device.Apply(SessionHarness.Package(command)).Codes().Should().Equal(405);

        device.PendingComputerName.Should().BeNull();
    }

    [Test]
    public void Nodes_built_without_a_rename_target_answer_405_as_the_fleets_DM_client_does()
    {
        var nodes = new DeviceInformationNodes(new DeviceOptions().Description);

        var outcome = nodes.Execute(CspCommand.Replace(DnsComputerNameUri, "chr", "LAB-PC-07"));

        outcome.Fault.Should().Be(CspFault.NotAllowed);
        outcome.Reason.Should().Contain("does not simulate a computer rename");
    }

    [Test]
    public void An_Atomic_that_fails_rolls_the_rename_back_with_216()
    {
        using var device = NewDevice();
        var atomic = new AtomicCommand("2", [Replace("3", DnsComputerNameUri, "LAB-PC-07"), SessionHarness.Add("4", SessionHarness.Policies + "BackupDirectory", "int", "9")]);

        var reply = device.Apply(SessionHarness.Package(atomic));

        SessionHarness.Statuses(reply).Select(s => (s.Cmd, s.Code)).Should().Equal(("SyncHdr", "200"), ("Atomic", "507"), ("Replace", "216"), ("Add", "400"));
        Report(reply, "Replace").Reason.Should().Be("rolled back: command 2 of the Atomic failed");
        device.PendingComputerName.Should().BeNull();
        device.Tree.State.Count.Should().Be(0);
        device.Reboot();
        Read(device, DnsComputerNameUri).Should().Be("DESKTOP-OLD");
    }

    [Test]
    public void A_rename_after_the_failing_command_of_an_Atomic_is_not_executed_215()
    {
        using var device = NewDevice();
        var atomic = new AtomicCommand("2", [SessionHarness.Add("3", SessionHarness.Policies + "BackupDirectory", "int", "9"), Replace("4", DnsComputerNameUri, "LAB-PC-07")]);

        var reply = device.Apply(SessionHarness.Package(atomic));

        SessionHarness.Statuses(reply).Select(s => (s.Cmd, s.Code)).Should().Equal(("SyncHdr", "200"), ("Atomic", "507"), ("Add", "400"), ("Replace", "215"));
        Report(reply, "Replace").Reason.Should().Be("not executed: command 1 of the Atomic failed");
        device.PendingComputerName.Should().BeNull();
    }

    [Test]
    public void A_refused_rename_fails_the_Atomic_and_rolls_the_LAPS_Add_back()
    {
        using var device = NewDevice(JoinType.HybridJoined);
        var atomic = new AtomicCommand("2", [SessionHarness.Add("3", SessionHarness.Policies + "BackupDirectory", "int", "1"), Replace("4", DnsComputerNameUri, "LAB-PC-07")]);

        var reply = device.Apply(SessionHarness.Package(atomic));

        SessionHarness.Statuses(reply).Select(s => (s.Cmd, s.Code)).Should().Equal(("SyncHdr", "200"), ("Atomic", "507"), ("Add", "216"), ("Replace", "400"));
        Report(reply, "Atomic").Reason.Should().Contain("must use %RAND:x%");
        device.Tree.State.Count.Should().Be(0);
        device.PendingComputerName.Should().BeNull();
    }

    [Test]
    public void An_Atomic_that_succeeds_applies_the_rename_with_the_LAPS_Add()
    {
        using var device = NewDevice();
        var atomic = new AtomicCommand("2", [Replace("3", DnsComputerNameUri, "LAB-PC-07"), SessionHarness.Add("4", SessionHarness.Policies + "PasswordAgeDays", "int", "20")]);

        var reply = device.Apply(SessionHarness.Package(atomic));

        SessionHarness.Statuses(reply).Select(s => (s.Cmd, s.Code)).Should().Equal(("SyncHdr", "200"), ("Atomic", "200"), ("Replace", "200"), ("Add", "200"));
        device.PendingComputerName.Should().Be("LAB-PC-07");
        device.Tree.EffectiveValue(SessionHarness.Policies + "PasswordAgeDays").Should().Be("20");
    }

    [Test]
    public void A_rolled_back_rename_draws_no_digits_so_the_next_request_gets_the_ones_it_would_have_had()
    {
        using var rolledBack = NewDevice(seed: 5);
        using var fresh = NewDevice(seed: 5);
        rolledBack.Apply(SessionHarness.Package(new AtomicCommand("2", [Replace("3", DnsComputerNameUri, "PC-%RAND:6%"), SessionHarness.Add("4", SessionHarness.Policies + "BackupDirectory", "int", "9")])));

        rolledBack.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, "PC-%RAND:6%")));
        fresh.Apply(SessionHarness.Package(Replace("2", DnsComputerNameUri, "PC-%RAND:6%")));

        rolledBack.PendingComputerName.Should().NotBeNull().And.Be(fresh.PendingComputerName);
    }

    [Test]
    public void The_NetBIOS_name_is_the_first_15_characters_of_the_DNS_name_in_upper_case()
    {
        DeviceIdentity.NetBiosNameOf("corporate-mail-server").Should().Be("CORPORATE-MAIL-", "the COMPUTER_NAME_FORMAT example");
        DeviceIdentity.NetBiosNameOf("lab-7").Should().Be("LAB-7");
        new DeviceIdentity("D", "OLD", "E", JoinType.EntraJoined, "en-US").Renamed(new string('x', 63))
            .Should().Match<DeviceIdentity>(i => i.DeviceName == new string('X', 15) && i.HostName == new string('x', 63));
    }
}
