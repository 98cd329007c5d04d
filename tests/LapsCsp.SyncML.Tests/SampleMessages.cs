using System.Collections.Immutable;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.SyncML.Tests;

/// <summary>Hand-built messages that together set every record type and every property.</summary>
internal static class SampleMessages
{
    private static readonly string[] s_wordChars = ["a", "b", "X", "Z", "0", "9", "&", "<", ">", "\"", "'", ".", ":", "-", "_", "é", "中", "🔑"];
    private static readonly string[] s_rawPieces = ["a", "b", " ", "<", "&", ">", "]", "]]>", "\r", "\n", "\r\n", "\t", "\"", "'", "é", "🔑"];

    public static SyncMLMessage Everything() => new(
        new SyncHeader("4711", "3", "https://mdm.contoso.com/omadm", "urn:uuid:CE9DF168-3B6A-5099-83CB-A49FC6613F9D",
            VerDtd: "1.2", VerProto: "DM/1.2",
            Cred: new Credential(new Meta(Format: "b64", Type: "syncml:auth-md5"), "ZHVtbXk6ZHVtbXk="),
            Meta: new Meta(MaxMsgSize: "65536", MaxObjSize: "1048576"),
            TargetName: "Contoso MDM", SourceName: "DESKTOP-42"),
        [
            new StatusCommand("1", "2", "0", "SyncHdr", "212", ["urn:uuid:device"], ["https://mdm.contoso.com/omadm"], [],
                new Challenge(new Meta(Format: "b64", Type: "syncml:auth-md5", NextNonce: "bm9uY2U="))),
            new StatusCommand("2", "2", "", "Replace", "400"),
            new StatusCommand("3", null, null, "Alert", "200", [], [],
                [new Item(SourceUri: "./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus", Data: new ItemData("0"))]),
            new ResultsCommand("4", "2", "7",
                [new Item(SourceUri: "./DevDetail/SwV", Meta: new Meta(Format: "chr", Type: "text/plain"), Data: new ItemData("10.0.26100.1"))],
                new Meta(Format: "chr"), TargetRef: "./DevDetail/SwV", SourceRef: "./DevDetail/SwV"),
            new AlertCommand("5", "1226",
                [new Item(SourceUri: "./Device/Vendor/MSFT/LAPS/Actions/ResetPassword", Meta: new Meta(Format: "int", Type: "com.microsoft:mdm.async"),
                    Data: new ItemData("0"))],
                new Meta(Mark: "critical")),
            new AtomicCommand("6",
            [
                new ItemCommand(ItemCommandKind.Add, "7",
                    [new Item("./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory", Meta: new Meta(Format: "int", Type: "text/plain"), Data: new ItemData("1"))]),
                new ItemCommand(ItemCommandKind.Replace, "8",
                    [new Item("./Device/Vendor/MSFT/LAPS/Policies/AdministratorAccountName", Data: new ItemData("Contoso & <Admin>"))],
                    new Meta(Format: "chr", Type: "text/plain", Size: "17", Version: "1.0"), NoResp: true),
            ], new Meta(Format: "chr"), NoResp: true),
            new SequenceCommand("9",
            [
                new ItemCommand(ItemCommandKind.Exec, "10", [new Item("./Device/Vendor/MSFT/LAPS/Actions/ResetPassword")], Correlator: "corr-1"),
                new ItemCommand(ItemCommandKind.Get, "11", [new Item("./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus")]),
                new ItemCommand(ItemCommandKind.Delete, "12", [new Item("./Device/Vendor/MSFT/LAPS/Policies/PasswordLength")]),
                new ItemCommand(ItemCommandKind.Copy, "13",
                    [new Item("./Device/Vendor/MSFT/Test/B", "./Device/Vendor/MSFT/Test/A", new Meta(Format: "chr"), new ItemData("<enabled/>]]>x", IsCData: true))]),
            ], new Meta(Type: "text/plain"), NoResp: false),
            new UnknownCommand("Map", "14"),
            new UnknownCommand("Search", null),
            new ItemCommand(ItemCommandKind.Replace, null, [new Item("./Device/Vendor/MSFT/Test/NoCmdId", Data: new ItemData(""))]),
        ],
        Final: true);

    /// <summary>Item data values that are hard to carry through XML: markup, CDATA terminators, CR, whitespace, non-ASCII.</summary>
    public static IEnumerable<ItemData> HardData()
    {
        string[] values =
        [
            "", " ", "   \t  ", "\n", "\r\n", "\r", "a\r\nb\rc\nd", "  padded  ", "<Final/>", "a & b < c > d \" e ' f",
            "]]>", "x]]>y]]>z", "]]]]>>", "<![CDATA[nested]]>", "&amp;", "&lt;Final/&gt;", "Passwörd 🔑 ünïcode 中文",
            "<enabled/><data id=\"ExecutionPolicy\" value=\"AllSigned\"/>", "\ttab\tseparated\t", "line1\n      line2\n",
        ];
        foreach (string value in values)
        {
            yield return new ItemData(value);
            yield return new ItemData(value, IsCData: true);
        }
    }

    public static SyncMLMessage WithData(ItemData data) => new(
        new SyncHeader("1", "1", "./device", "https://server"),
        [new ItemCommand(ItemCommandKind.Replace, "2", [new Item("./Device/Vendor/MSFT/Test/Value", Meta: new Meta(Format: "chr"), Data: data)])]);

    /// <summary>A seeded random message: any shape the records allow, with values the writer can carry (trimmed ids and URIs).</summary>
    public static SyncMLMessage Random(Random random)
    {
        string Token() => random.Next(4) switch
        {
            0 => random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            1 => new Guid(Enumerable.Range(0, 16).Select(_ => (byte)random.Next(256)).ToArray()).ToString(),
            2 => "./Device/Vendor/MSFT/" + Word() + "/" + Word(),
            _ => Word() + " " + Word(),
        };
        string Word() => string.Concat(Enumerable.Range(0, random.Next(1, 9)).Select(_ => s_wordChars[random.Next(s_wordChars.Length)]));
        string? Maybe(Func<string> make) => random.Next(3) == 0 ? null : make();
        string Raw() => string.Concat(Enumerable.Range(0, random.Next(0, 20)).Select(_ => s_rawPieces[random.Next(s_rawPieces.Length)]));
        Meta? MaybeMeta() => random.Next(3) == 0 ? null
            : new Meta(Maybe(Word), Maybe(Token), Maybe(Token), Maybe(Token), Maybe(Token), Maybe(Token), Maybe(Word), Maybe(Token));
        Item MakeItem() => new(Maybe(Token), Maybe(Token), MaybeMeta(), random.Next(4) == 0 ? null : new ItemData(Raw(), random.Next(2) == 0));
        ImmutableArray<Item> Items() => [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => MakeItem())];
        ImmutableArray<string> Refs() => [.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => Token())];

        SyncCommand Command(int depth)
        {
            int kind = random.Next(depth < 2 ? 9 : 7);
            return kind switch
            {
                0 => new ItemCommand((ItemCommandKind)random.Next(6), Maybe(Token), Items(), MaybeMeta(), random.Next(2) == 0,
                    Maybe(Token)),
                1 => new AlertCommand(Maybe(Token), Maybe(Token), Items(), MaybeMeta()),
                2 => new StatusCommand(Maybe(Token), Maybe(Token), random.Next(4) == 0 ? "" : Maybe(Token), Word(), Token(), Refs(), Refs(),
                    Items(), random.Next(3) == 0 ? new Challenge(MaybeMeta() ?? new Meta()) : null),
                3 => new ResultsCommand(Maybe(Token), Maybe(Token), Maybe(Token), Items(), MaybeMeta(), Maybe(Token), Maybe(Token)),
                4 => new UnknownCommand("Map", Maybe(Token)),
                5 or 6 => new ItemCommand(ItemCommandKind.Replace, Token(), [MakeItem()]),
                7 => new AtomicCommand(Maybe(Token), [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => Command(depth + 1))], MaybeMeta(),
                    random.Next(2) == 0),
                _ => new SequenceCommand(Maybe(Token), [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => Command(depth + 1))], MaybeMeta(),
                    random.Next(2) == 0),
            };
        }

        var header = new SyncHeader(Token(), Token(), Token(), Token(), Token(), Token(),
            random.Next(3) == 0 ? new Credential(MaybeMeta(), Maybe(Token)) : null, MaybeMeta(), Maybe(Token), Maybe(Token));
        return new SyncMLMessage(header, [.. Enumerable.Range(0, random.Next(0, 8)).Select(_ => Command(0))], random.Next(2) == 0);
    }
}
