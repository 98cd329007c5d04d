using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.Testing;

namespace LapsCsp.SyncML.Tests;

/// <summary>Every message of the shared corpus (corpus/INDEX.md), read byte for byte in strict and lenient mode.</summary>
public class CorpusReadingTests
{
    internal static readonly string[] CorpusFiles =
    [
        "r01-laps-entra-backup-policy.xml",
        "r02-laps-hybrid-ad-backup-policy.xml",
        "r10-msmdm-ex-client-init.xml",
        "r11-msmdm-ex-server-get-devdetail.xml",
        "r12-msmdm-ex-client-results.xml",
        "r20-realvm-client-init-win10-19043.xml",
        "r21-realvm-server-replace-personalization.xml",
        "r22-realvm-client-status-202.xml",
        "r23-fleet-atomic-bluetooth-payload.xml",
        "r24-fleet-device-response-atomic-200.xml",
        "r30-docs-unenroll-generic-alert-1226.xml",
        "r31-wp81-client-init-basic-cred.xml",
        "r32-syncmlviewer-replace-fragment-ws-locuri.xml",
        "r33-poc-accounts-add-user-atomic-with-get.xml",
        "r34-iotcore-local-replace-405-response.xml",
        "r35-docs-dmclient-requestpending-alert-no-final.xml",
        "r36-docs-dmclient-serverlist-replace-malformed-uri.xml",
        "r37-fleet-pr15277-replace-without-cmdid.xml",
        "r38-fleet-profile-devicelock-password-multiroot.xml",
        "r39-fleet-profile-admx-powershell-cdata.xml",
        "r40-omadm12-spec-server-sequence-confirm-b64.xml",
        "r41-omadm12-spec-client-sequence-status.xml",
        "r42-omadm12-spec-client-results-no-cmdref.xml",
    ];

    /// <summary>Not well-formed, or not UTF-8 as declared: refused in both modes (see the outcome table).</summary>
    internal static readonly string[] RefusedEvenWhenLenient =
    [
        "r30-docs-unenroll-generic-alert-1226.xml",
        "r34-iotcore-local-replace-405-response.xml",
        "r36-docs-dmclient-serverlist-replace-malformed-uri.xml",
    ];

    internal static IEnumerable<string> LenientlyReadableFiles => CorpusFiles.Except(RefusedEvenWhenLenient);

    internal static SyncMLReadResult ReadCorpus(string file, bool lenient) =>
        SyncMLReader.Read(RepoPaths.CorpusBytes(file), lenient ? SyncMLReaderOptions.Lenient : SyncMLReaderOptions.Strict);

    internal static SyncMLMessage Lenient(string file) => ReadCorpus(file, lenient: true).ShouldSucceed();

    internal static SyncMLMessage Strict(string file) => ReadCorpus(file, lenient: false).ShouldSucceed();

    [Test]
    public void The_table_below_covers_every_corpus_file()
    {
        var onDisk = Directory.GetFiles(Path.Combine(RepoPaths.Shared, "corpus"), "r*.xml").Select(Path.GetFileName);
        onDisk.Should().BeEquivalentTo(CorpusFiles);
    }

    [TestCase("r01-laps-entra-backup-policy.xml", false, "refused: root", TestName = "r01 strict is refused: <SyncMl> root")]
    [TestCase("r01-laps-entra-backup-policy.xml", true, "accepted | element-case x7, escaped-final, no-header, root",
        TestName = "r01 lenient is read with SyncMl, CmdId x7, missing SyncHdr and escaped Final as warnings")]
    [TestCase("r02-laps-hybrid-ad-backup-policy.xml", false, "refused: root", TestName = "r02 strict is refused: <SyncMl> root")]
    [TestCase("r02-laps-hybrid-ad-backup-policy.xml", true, "accepted | element-case x11, escaped-final, no-header, root",
        TestName = "r02 lenient is read with SyncMl, CmdId x11, missing SyncHdr and escaped Final as warnings")]
    [TestCase("r10-msmdm-ex-client-init.xml", false, "accepted", TestName = "r10 strict is accepted")]
    [TestCase("r10-msmdm-ex-client-init.xml", true, "accepted", TestName = "r10 lenient is accepted without warnings")]
    [TestCase("r11-msmdm-ex-server-get-devdetail.xml", false, "accepted", TestName = "r11 strict is accepted")]
    [TestCase("r11-msmdm-ex-server-get-devdetail.xml", true, "accepted", TestName = "r11 lenient is accepted without warnings")]
    [TestCase("r12-msmdm-ex-client-results.xml", false, "accepted", TestName = "r12 strict is accepted (stray Cmd in Results ignored)")]
    [TestCase("r12-msmdm-ex-client-results.xml", true, "accepted", TestName = "r12 lenient is accepted without warnings")]
    [TestCase("r20-realvm-client-init-win10-19043.xml", false, "accepted", TestName = "r20 strict is accepted")]
    [TestCase("r20-realvm-client-init-win10-19043.xml", true, "accepted", TestName = "r20 lenient is accepted without warnings")]
    [TestCase("r21-realvm-server-replace-personalization.xml", false, "accepted", TestName = "r21 strict is accepted")]
    [TestCase("r21-realvm-server-replace-personalization.xml", true, "accepted", TestName = "r21 lenient is accepted without warnings")]
    [TestCase("r22-realvm-client-status-202.xml", false, "accepted", TestName = "r22 strict is accepted")]
    [TestCase("r22-realvm-client-status-202.xml", true, "accepted", TestName = "r22 lenient is accepted without warnings")]
    [TestCase("r23-fleet-atomic-bluetooth-payload.xml", false, "refused: fragment", TestName = "r23 strict is refused: bare Atomic fragment")]
    [TestCase("r23-fleet-atomic-bluetooth-payload.xml", true, "accepted | fragment", TestName = "r23 lenient is read as a fragment")]
    [TestCase("r24-fleet-device-response-atomic-200.xml", false, "accepted", TestName = "r24 strict is accepted")]
    [TestCase("r24-fleet-device-response-atomic-200.xml", true, "accepted", TestName = "r24 lenient is accepted without warnings")]
    [TestCase("r30-docs-unenroll-generic-alert-1226.xml", false, "refused: xml", TestName = "r30 strict is refused: not well-formed")]
    [TestCase("r30-docs-unenroll-generic-alert-1226.xml", true, "refused: xml", TestName = "r30 lenient is refused: not well-formed")]
    [TestCase("r31-wp81-client-init-basic-cred.xml", false, "accepted", TestName = "r31 strict is accepted")]
    [TestCase("r31-wp81-client-init-basic-cred.xml", true, "accepted", TestName = "r31 lenient is accepted without warnings")]
    [TestCase("r32-syncmlviewer-replace-fragment-ws-locuri.xml", false, "refused: bare-body", TestName = "r32 strict is refused: bare SyncBody")]
    [TestCase("r32-syncmlviewer-replace-fragment-ws-locuri.xml", true, "accepted | bare-body", TestName = "r32 lenient is read as a bare body")]
    [TestCase("r33-poc-accounts-add-user-atomic-with-get.xml", false, "refused: fragment", TestName = "r33 strict is refused: bare Atomic fragment")]
    [TestCase("r33-poc-accounts-add-user-atomic-with-get.xml", true, "accepted | fragment", TestName = "r33 lenient is read as a fragment")]
    [TestCase("r34-iotcore-local-replace-405-response.xml", false, "refused: encoding", TestName = "r34 strict is refused: utf-16 declared over UTF-8")]
    [TestCase("r34-iotcore-local-replace-405-response.xml", true, "refused: encoding", TestName = "r34 lenient is refused: utf-16 declared over UTF-8")]
    [TestCase("r35-docs-dmclient-requestpending-alert-no-final.xml", false, "accepted", TestName = "r35 strict is accepted")]
    [TestCase("r35-docs-dmclient-requestpending-alert-no-final.xml", true, "accepted", TestName = "r35 lenient is accepted without warnings")]
    [TestCase("r36-docs-dmclient-serverlist-replace-malformed-uri.xml", false, "refused: fragment",
        TestName = "r36 strict is refused at its root: bare Replace fragment")]
    [TestCase("r36-docs-dmclient-serverlist-replace-malformed-uri.xml", true, "refused: xml | fragment, structure",
        TestName = "r36 lenient is refused: raw <ProviderID> in LocURI is not well-formed")]
    [TestCase("r37-fleet-pr15277-replace-without-cmdid.xml", false, "refused: fragment", TestName = "r37 strict is refused: bare Replace fragment")]
    [TestCase("r37-fleet-pr15277-replace-without-cmdid.xml", true, "accepted | fragment", TestName = "r37 lenient is read as a fragment")]
    [TestCase("r38-fleet-profile-devicelock-password-multiroot.xml", false, "refused: fragment",
        TestName = "r38 strict is refused: several top-level Replaces are no document")]
    [TestCase("r38-fleet-profile-devicelock-password-multiroot.xml", true, "accepted | fragment",
        TestName = "r38 lenient is read as a fragment of four Replaces")]
    [TestCase("r39-fleet-profile-admx-powershell-cdata.xml", false, "refused: fragment", TestName = "r39 strict is refused: bare Replace fragment")]
    [TestCase("r39-fleet-profile-admx-powershell-cdata.xml", true, "accepted | fragment", TestName = "r39 lenient is read as a fragment")]
    [TestCase("r40-omadm12-spec-server-sequence-confirm-b64.xml", false, "accepted", TestName = "r40 strict is accepted")]
    [TestCase("r40-omadm12-spec-server-sequence-confirm-b64.xml", true, "accepted", TestName = "r40 lenient is accepted without warnings")]
    [TestCase("r41-omadm12-spec-client-sequence-status.xml", false, "accepted", TestName = "r41 strict is accepted")]
    [TestCase("r41-omadm12-spec-client-sequence-status.xml", true, "accepted", TestName = "r41 lenient is accepted without warnings")]
    [TestCase("r42-omadm12-spec-client-results-no-cmdref.xml", false, "accepted", TestName = "r42 strict is accepted")]
    [TestCase("r42-omadm12-spec-client-results-no-cmdref.xml", true, "accepted", TestName = "r42 lenient is accepted without warnings")]
    public void Corpus_file_has_the_expected_outcome(string file, bool lenient, string expected)
    {
        var result = ReadCorpus(file, lenient);

        result.Outcome().Should().Be(expected, "diagnostics: {0}", string.Join("; ", result.Diagnostics));
        result.Diagnostics.Where(d => d.Line <= 0 || d.Column <= 0).Should().BeEmpty("every finding in a corpus file has a position");
    }

    [TestCase("r30-docs-unenroll-generic-alert-1226.xml", false, 1, TestName = "r30 strict error points at line 1 (xmlns=&#39;)")]
    [TestCase("r30-docs-unenroll-generic-alert-1226.xml", true, 1, TestName = "r30 lenient error points at line 1 (xmlns=&#39;)")]
    [TestCase("r34-iotcore-local-replace-405-response.xml", false, 1, TestName = "r34 strict error points at the declaration on line 1")]
    [TestCase("r34-iotcore-local-replace-405-response.xml", true, 1, TestName = "r34 lenient error points at the declaration on line 1")]
    [TestCase("r36-docs-dmclient-serverlist-replace-malformed-uri.xml", true, 7, TestName = "r36 lenient error points at line 7, where LocURI closes over <ProviderID>")]
    [TestCase("r38-fleet-profile-devicelock-password-multiroot.xml", false, 1, TestName = "r38 strict error points at the first top-level Replace")]
    public void Not_well_formed_corpus_file_is_refused_with_its_line(string file, bool lenient, int line)
    {
        var error = ReadCorpus(file, lenient).Errors.Should().ContainSingle().Subject;

        error.Line.Should().Be(line, "the error was {0}", error);
        error.Column.Should().BePositive();
        error.ToString().Should().Contain($"line {line}, column {error.Column}");
    }

    [Test]
    public void R01_lenient_gives_seven_LAPS_Adds_with_CmdIds_1_to_7_and_Final()
    {
        var result = ReadCorpus("r01-laps-entra-backup-policy.xml", lenient: true);
        var message = result.ShouldSucceed();

        message.Final.Should().BeTrue("the escaped <Final/> text counts as Final");
        message.Header.SessionId.Should().Be("1");
        message.Header.MsgId.Should().Be("1");
        message.Header.TargetUri.Should().BeNull();
        var adds = message.Commands.Should().AllBeOfType<ItemCommand>().Subject.ToList();
        adds.Should().HaveCount(7).And.OnlyContain(a => a.Kind == ItemCommandKind.Add);
        adds.Select(a => a.CmdId).Should().Equal("1", "2", "3", "4", "5", "6", "7");
        adds[0].Items.Should().ContainSingle().Which.Should().BeEquivalentTo(
            new Item("./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory", null, new Meta(Format: "int", Type: "text/plain"), new ItemData("1")));
        adds[4].Items[0].DataText.Should().Be("ContosoLocalLapsAdmin");
        adds[6].Items[0].TargetUri.Should().Be("./Device/Vendor/MSFT/LAPS/Policies/PostAuthenticationActions");
        result.Warnings.Should().HaveCount(10);
        result.Warnings.Single(w => w.Code == "escaped-final").Line.Should().Be(93);
        result.Warnings.Where(w => w.Code == "element-case").Select(w => w.Line).Should().Equal(4, 17, 30, 43, 56, 69, 82);
    }

    [Test]
    public void R02_lenient_keeps_the_capitalised_bool_True()
    {
        var message = Lenient("r02-laps-hybrid-ad-backup-policy.xml");

        message.Commands.Should().HaveCount(11);
        var expiration = message.Commands.Cast<ItemCommand>()
            .Single(c => c.Items[0].TargetUri!.EndsWith("PasswordExpirationProtectionEnabled", StringComparison.Ordinal));
        expiration.Items[0].Meta!.Format.Should().Be("bool");
        expiration.Items[0].DataText.Should().Be("True");
    }

    [Test]
    public void R10_reads_the_header_the_LoginStatus_alert_and_five_DevInfo_items()
    {
        var message = Strict("r10-msmdm-ex-client-init.xml");

        message.Header.Should().BeEquivalentTo(new SyncHeader("1", "1", "https://contoso.com/management-server", "{unique device id}"));
        message.Final.Should().BeTrue();
        var alert = message.Commands[0].Should().BeOfType<AlertCommand>().Subject;
        alert.CmdId.Should().Be("2");
        alert.Code.Should().Be("1224");
        alert.Items.Should().ContainSingle().Which.Should().BeEquivalentTo(
            new Item(Meta: new Meta(Type: "com.microsoft/MDM/LoginStatus"), Data: new ItemData("user")));
        var replace = message.Commands[1].Should().BeOfType<ItemCommand>().Subject;
        replace.Kind.Should().Be(ItemCommandKind.Replace);
        replace.Items.Select(i => i.SourceUri).Should().Equal(
            "./DevInfo/DevId", "./DevInfo/Man", "./DevInfo/Mod", "./DevInfo/DmV", "./DevInfo/Lang");
        replace.Items.Select(i => i.DataText).Should().Equal(
            "{unique device id}", "Microsoft Corporation", "{operating system description}", "1.3", "en-US");
    }

    [Test]
    public void R11_keeps_the_space_inside_a_LocURI_and_reads_the_SyncHdr_status()
    {
        var message = Strict("r11-msmdm-ex-server-get-devdetail.xml");

        message.Commands.Should().HaveCount(3, "the XML comment in SyncBody is no command");
        message.Commands[0].Should().BeEquivalentTo(new StatusCommand("1", "1", "0", "SyncHdr", "200", [], [], []), MessageAssertions.ByValue);
        var gets = message.Commands.Skip(1).Cast<ItemCommand>().ToList();
        gets.Select(g => g.Kind).Should().AllBeEquivalentTo(ItemCommandKind.Get);
        gets.Select(g => g.CmdId).Should().Equal("4", "5");
        gets[1].Items[0].TargetUri.Should().Be("./ DevDetail/HwV");
    }

    [Test]
    public void R12_reads_Results_with_their_Items_and_ignores_the_stray_Cmd()
    {
        var message = Strict("r12-msmdm-ex-client-results.xml");

        message.Commands.OfType<StatusCommand>().Select(s => (s.CmdRef, s.Cmd, s.Code))
            .Should().Equal(("0", "SyncHdr", "200"), ("4", "Get", "200"), ("5", "Get", "200"));
        var results = message.Commands.OfType<ResultsCommand>().ToList();
        results.Should().HaveCount(2);
        results[0].Should().BeEquivalentTo(new ResultsCommand("4", "1", "4",
            [new Item(SourceUri: "./DevDetail/SwV", Meta: new Meta(Format: "chr"), Data: new ItemData("[software version returned here]"))]),
            MessageAssertions.ByValue);
        results[1].Items.Should().ContainSingle().Which.Should().BeEquivalentTo(
            new Item(SourceUri: "./DevDetail/HwV", Data: new ItemData("[hardware version returned here]")));
    }

    [Test]
    public void R20_real_Windows_client_package_reads_alerts_1201_and_1224()
    {
        var message = Strict("r20-realvm-client-init-win10-19043.xml");

        message.Commands.Should().HaveCount(3);
        message.Commands[0].Should().BeOfType<AlertCommand>().Which.Should().BeEquivalentTo(new { CmdId = "2", Code = "1201", Items = Array.Empty<Item>() });
        message.Commands[1].Should().BeOfType<AlertCommand>().Which.Items[0].DataText.Should().Be("user");
        message.Commands[2].Should().BeOfType<ItemCommand>().Which.Items.Select(i => i.DataText)
            .Should().Equal("1E08C6E95D8BB843B1278FF45BC60CC6", "VMware, Inc.", "VMware7,1", "1.3", "en-US");
    }

    [Test]
    public void R21_server_package_reads_four_Status_and_two_Replace_without_Device_prefix()
    {
        var message = Strict("r21-realvm-server-replace-personalization.xml");

        message.Commands.Select(c => c.ElementName).Should().Equal("Status", "Status", "Status", "Status", "Replace", "Replace");
        message.Commands.OfType<ItemCommand>().Select(c => c.Items[0].TargetUri).Should().Equal(
            "./Vendor/MSFT/Personalization/DesktopImageUrl", "./Vendor/MSFT/Personalization/LockScreenImageUrl");
        message.Commands.OfType<ItemCommand>().Should().OnlyContain(c => c.Items[0].Meta!.Format == "chr" && c.Items[0].Meta!.Type == "text/plain");
    }

    [Test]
    public void R22_device_reply_carries_202_for_both_Replaces()
    {
        var message = Strict("r22-realvm-client-status-202.xml");

        message.Header.MsgId.Should().Be("2");
        message.Commands.Cast<StatusCommand>().Select(s => (s.CmdRef, s.Cmd, s.Code))
            .Should().Equal(("0", "SyncHdr", "200"), ("5", "Replace", "202"), ("6", "Replace", "202"));
    }

    [Test]
    public void R23_lenient_keeps_UUID_CmdIds_of_the_Atomic_and_its_Replace()
    {
        var message = Lenient("r23-fleet-atomic-bluetooth-payload.xml");

        message.Final.Should().BeTrue();
        var atomic = message.Commands.Should().ContainSingle().Which.Should().BeOfType<AtomicCommand>().Subject;
        atomic.CmdId.Should().Be("90dbfca8-d4ac-40c9-bf57-ba5b8cbf1ce0");
        var replace = atomic.Commands.Should().ContainSingle().Which.Should().BeOfType<ItemCommand>().Subject;
        replace.CmdId.Should().Be("81a141b2-5064-4dc3-a51a-128b8caa5438");
        replace.Items[0].Should().BeEquivalentTo(new Item("./Device/Vendor/MSFT/Policy/Config/Bluetooth/AllowDiscoverableMode", null,
            new Meta(Format: "int"), new ItemData("1")));
    }

    [Test]
    public void R24_device_echoes_the_UUID_CmdIds_in_CmdRef()
    {
        var message = Strict("r24-fleet-device-response-atomic-200.xml");

        message.Header.SessionId.Should().Be("48");
        message.Commands.Cast<StatusCommand>().Select(s => (s.CmdRef, s.Cmd, s.Code)).Should().Equal(
            ("0", "SyncHdr", "200"),
            ("90dbfca8-d4ac-40c9-bf57-ba5b8cbf1ce0", "Atomic", "200"),
            ("81a141b2-5064-4dc3-a51a-128b8caa5438", "Replace", "200"));
    }

    [Test]
    public void R31_reads_the_basic_Cred_of_the_header()
    {
        var message = Strict("r31-wp81-client-init-basic-cred.xml");

        message.Header.Cred.Should().BeEquivalentTo(new Credential(new Meta(Format: "b64", Type: "syncml:auth-basic"), "ZHVtbXk6ZHVtbXk="));
        message.Header.SourceUri.Should().Be("urn:uuid:CE9DF168-3B6A-5099-83CB-A49FC6613F9D");
        message.Commands.Should().HaveCount(2);
    }

    [Test]
    public void R32_lenient_trims_the_LocURIs_wrapped_in_newlines()
    {
        var message = Lenient("r32-syncmlviewer-replace-fragment-ws-locuri.xml");

        message.Final.Should().BeTrue();
        message.Commands.Cast<ItemCommand>().Select(c => c.Items[0].TargetUri).Should().Equal(
            "./Vendor/MSFT/Personalization/LockScreenImageUrl", "./Vendor/MSFT/Personalization/DesktopImageUrl");
        message.Commands.Cast<ItemCommand>().Should().OnlyContain(c => c.Items[0].Meta == new Meta("chr", "text/plain", null, null, null, null, null, null));
    }

    [Test]
    public void R33_lenient_reads_the_template_CmdIds_and_the_Get_inside_the_Atomic()
    {
        var message = Lenient("r33-poc-accounts-add-user-atomic-with-get.xml");

        var atomic = message.Commands.Should().ContainSingle().Which.Should().BeOfType<AtomicCommand>().Subject;
        atomic.CmdId.Should().Be("xxcmdidxx");
        atomic.Commands.Cast<ItemCommand>().Select(c => (c.Kind, c.CmdId)).Should().Equal(
            (ItemCommandKind.Add, "xxcmdidxx"), (ItemCommandKind.Add, "xxcmdidxx"), (ItemCommandKind.Get, "xxcmdidxx"));
        var interior = (ItemCommand)atomic.Commands[0];
        interior.Items[0].Should().BeEquivalentTo(new Item("./Device/Vendor/MSFT/Accounts/Users/testuser1"));
        ((ItemCommand)atomic.Commands[1]).Items[0].Meta.Should().Be(new Meta(Format: "chr", Type: "text/plain"));
    }

    [Test]
    public void R34_read_as_text_skips_the_declared_encoding_and_shows_the_405()
    {
        // As text the bytes are already decoded, so only the envelope quirks remain: no namespace and an empty SyncHdr.
        string text = File.ReadAllText(RepoPaths.Corpus("r34-iotcore-local-replace-405-response.xml"));

        SyncMLReader.Read(text).ShouldBeRefusedWith("namespace");
        var result = SyncMLReader.Read(text, SyncMLReaderOptions.Lenient);
        result.Outcome().Should().Be("accepted | header, namespace");
        result.Message!.Commands.Cast<StatusCommand>().Select(s => (s.CmdRef, s.Cmd, s.Code))
            .Should().Equal(("0", "SyncHdr", "200"), ("1", "Replace", "405"));
    }

    [Test]
    public void R35_without_Final_gives_Final_false()
    {
        var message = Strict("r35-docs-dmclient-requestpending-alert-no-final.xml");

        message.Final.Should().BeFalse();
        message.Header.SessionId.Should().Be("10");
        var alert = message.Commands.Should().ContainSingle().Which.Should().BeOfType<AlertCommand>().Subject;
        alert.Code.Should().Be("1224");
        alert.Items[0].Meta!.Type.Should().Be("Reversed-Domain-Name:com.microsoft.mdm.requestpending");
        alert.Items[0].DataText.Should().Be("1");
    }

    [Test]
    public void R37_lenient_reads_a_Replace_without_CmdID_as_null_CmdId()
    {
        var message = Lenient("r37-fleet-pr15277-replace-without-cmdid.xml");

        var replace = message.Commands.Should().ContainSingle().Which.Should().BeOfType<ItemCommand>().Subject;
        replace.Kind.Should().Be(ItemCommandKind.Replace);
        replace.CmdId.Should().BeNull("the engine answers a missing CmdID with 400 and a blank CmdRef");
        replace.Items[0].Meta.Should().Be(new Meta(Format: "int", Type: "text/plain"));
        replace.Items[0].DataText.Should().Be("1");
    }

    [Test]
    public void R38_lenient_fragment_reading_gives_the_four_DeviceLock_Replaces()
    {
        var message = Lenient("r38-fleet-profile-devicelock-password-multiroot.xml");

        var replaces = message.Commands.Cast<ItemCommand>().ToList();
        replaces.Select(r => r.CmdId).Should().Equal("1", "2", "3", "4");
        replaces.Select(r => r.Items[0].DataText).Should().Equal("1", "10", "1", "15");
        replaces[0].Items[0].TargetUri.Should().Be("./Device/Vendor/MSFT/Policy/Config/DeviceLock/DevicePasswordEnabled");
    }

    [Test]
    public void R39_lenient_keeps_the_CDATA_value_with_its_newlines()
    {
        var message = Lenient("r39-fleet-profile-admx-powershell-cdata.xml");

        var data = ((ItemCommand)message.Commands.Single()).Items[0].Data!;
        data.IsCData.Should().BeTrue();
        data.Value.Should().Be(
            "<enabled/><data id=\"ExecutionPolicy\" value=\"AllSigned\"/>\n"
            + "      <data id=\"Listbox_ModuleNames\" value=\"*\"/>\n"
            + "      <data id=\"OutputDirectory\" value=\"false\"/>\n"
            + "      <data id=\"EnableScriptBlockInvocationLogging\" value=\"true\"/>\n"
            + "      <data id=\"SourcePathForUpdateHelp\" value=\"false\"/>");
    }

    [Test]
    public void R40_reads_the_Sequence_with_Alert_1101_and_a_Replace_with_command_level_b64_Meta()
    {
        var message = Strict("r40-omadm12-spec-server-sequence-confirm-b64.xml");

        message.Header.Cred.Should().BeEquivalentTo(new Credential(new Meta(Format: "b64", Type: "syncml:auth-basic"), ""),
            "the Cred Data holds only a comment");
        var hdrStatus = message.Commands[0].Should().BeOfType<StatusCommand>().Subject;
        hdrStatus.Should().BeEquivalentTo(new StatusCommand("6", "1", "0", "SyncHdr", "212",
            ["http://www.syncml.org/mgmt-server"], ["IMEI:493005100592800"], []), MessageAssertions.ByValue);
        var sequence = message.Commands[3].Should().BeOfType<SequenceCommand>().Subject;
        sequence.CmdId.Should().Be("1");
        var alert = sequence.Commands[0].Should().BeOfType<AlertCommand>().Subject;
        alert.Code.Should().Be("1101");
        alert.Items.Should().HaveCount(2);
        alert.Items[0].Should().Be(new Item());
        alert.Items[1].DataText.Should().Be("Do you want to add the CNN access point?");
        var replace = sequence.Commands[1].Should().BeOfType<ItemCommand>().Subject;
        replace.Meta.Should().Be(new Meta(Format: "b64", Type: "application/vnd.wap.connectivity-wbxml"));
        replace.Items[0].Meta.Should().BeNull();
        replace.EffectiveMeta(replace.Items[0])!.Format.Should().Be("b64");
        replace.Items[0].TargetUri.Should().Be("./settings/wap_settings/CNN");
        replace.Items[0].Data.Should().Be(new ItemData(""), "the Data holds only a comment");
        message.Final.Should().BeTrue();
    }

    [Test]
    public void R41_reads_the_Sequence_status_and_a_TargetRef()
    {
        var message = Strict("r41-omadm12-spec-client-sequence-status.xml");

        var statuses = message.Commands.Cast<StatusCommand>().ToList();
        statuses.Select(s => (s.CmdId, s.CmdRef, s.Cmd, s.Code)).Should().Equal(
            ("1", "0", "SyncHdr", "212"), ("2", "1", "Sequence", "200"), ("3", "2", "Alert", "200"), ("4", "4", "Replace", "200"));
        statuses[3].TargetRefs.Should().Equal("./settings/wap_settings/CNN");
    }

    [Test]
    public void R42_reads_a_Status_without_CmdRef_and_Results_with_CmdRef_before_CmdID()
    {
        var message = Strict("r42-omadm12-spec-client-results-no-cmdref.xml");

        var hdrStatus = message.Commands[0].Should().BeOfType<StatusCommand>().Subject;
        hdrStatus.CmdRef.Should().BeNull();
        hdrStatus.Cmd.Should().Be("SyncHdr");
        hdrStatus.Code.Should().Be("212");
        var results = message.Commands[3].Should().BeOfType<ResultsCommand>().Subject;
        results.Should().BeEquivalentTo(new ResultsCommand("3", "1", "4",
            [new Item(SourceUri: "./antivirus_data/version", Data: new ItemData("antivirus-inc/20010522b/5"))]), MessageAssertions.ByValue);
    }
}
