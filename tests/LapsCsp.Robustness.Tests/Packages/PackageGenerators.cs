using System.Collections.Immutable;
using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using LapsCsp.Ddf.Model;
using LapsCsp.Device.Catalog;
using LapsCsp.Robustness.Tests.Support;
using LapsCsp.SyncML.Messages;
using LapsCsp.Tree.Schema;

namespace LapsCsp.Robustness.Tests.Packages;

/// <summary>A node a command can address: a concrete URI of the LAPS + Accounts schema (dynamic names filled in) or a URI
/// that is wrong on purpose (Node null).</summary>
public sealed record Target(string Uri, SchemaNode? Node)
{
    public bool IsLeaf => Node is { IsInterior: false };

    public bool Allows(AccessTypes access) => Node?.Definition is { } d && d.Access.HasFlag(access);
}

/// <summary>A random starting tree (a setup package, whatever of it the device accepts) and a random package to run on it.</summary>
public sealed record PackageCase(SyncMLMessage Setup, SyncMLMessage Package)
{
    public override string ToString() => $"setup:\n{Wire.Text(Setup)}\npackage:\n{Wire.Text(Package)}";
}

/// <summary>A random starting tree and a package that is one Atomic.</summary>
public sealed record AtomicCase(PackageCase Case)
{
    public override string ToString() => Case.ToString();
}

/// <summary>One write (Add or Replace) of a leaf the tree lets Get read, then a Get of it.</summary>
public sealed record WriteThenGet(SyncMLMessage Setup, ItemCommandKind Kind, Target Target, string? Format, string Value)
{
    public override string ToString() =>
        $"{Kind} {Target.Uri} format={Format ?? "(none)"} value='{Value.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}'\nsetup:\n{Wire.Text(Setup)}";
}

/// <summary>FsCheck generators of server packages over the device's schema (LapsCsp.Device.Catalog.CspCatalog: LAPS and
/// Accounts): Add/Replace/Delete/Get/Exec alone, in Atomic and in Sequence, with values drawn from each node's format and
/// allowed values (inside, on and outside the bounds), wrong formats, bad URIs and a few missing or odd CmdIDs.</summary>
internal static class PackageGenerators
{
    private static readonly string[] s_userNames = ["alice", "Bob", "ContosoLocalLapsAdmin", "Administrator", "WLapsAdmin"];

    /// <summary>Nodes most starting trees have (the setup's prefix and the valid writes set them).</summary>
    private static readonly string[] s_usuallySet = ["/BackupDirectory", "/AutomaticAccountManagementEnabled", "/PasswordAgeDays", "/PasswordComplexity", "/AdministratorAccountName"];

    private static readonly string[] s_badUris =
    [
        "./Device/Vendor/MSFT/LAPS/Nope",
        "./Device/Vendor/MSFT/LAPS//Policies",
        "/Device/Vendor/MSFT/LAPS/Policies/BackupDirectory",
        "./Device/Vendor/MSFT/LAPS/Policies/%ZZ",
        "./Device/Vendor/MSFT/LAPS/Policies/Backup%4",
        "./Device/Vendor/MSFT/laps/Policies/BackupDirectory",
        "./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory/Child",
        "./Device/Vendor/MSFT/LAPS/Policies/*",
        ".",
        "",
        "./User/Vendor/MSFT/LAPS/Policies/BackupDirectory",
        "./Device/" + new string('x', 2100),
    ];

    private static readonly string[] s_chrValues =
    [
        "ContosoLocalLapsAdmin", "Administrator", "WLapsAdmin", "alice", "Bob", "x", "",
        "  padded  ", "a<b>&c\"d'e", "]]>", "tab\there", "line\nbreak", "cr\rlf\r\n", "Ünïcødé-名前", "emoji 🔑",
        "Domain Admins", "CONTOSO\\LAPSAdmins", "S-1-5-21-1-2-3-512", "P@ssw0rd!", new string('w', 300),
    ];

    public static Target[] Targets { get; } = [.. BuildTargets()];

    public static Target[] Leaves { get; } = [.. Targets.Where(t => t.IsLeaf)];

    /// <summary>Leaves that accept a write and answer Get (the ones Get-after-write can check).</summary>
    public static Target[] ReadableWritableLeaves { get; } =
        [.. Leaves.Where(t => t.Allows(AccessTypes.Get) && (t.Allows(AccessTypes.Add) || t.Allows(AccessTypes.Replace)))];

    public static Arbitrary<PackageCase> Cases() => CaseGen(topLevel: Gen.Choose(1, 8)).ToArbitrary();

    /// <summary>A single Atomic as the whole package.</summary>
    public static Arbitrary<AtomicCase> AtomicCases() =>
        (from setup in SetupGen
         from atomic in AtomicGen(Gen.Choose(1, 6))
         select new AtomicCase(new PackageCase(setup, Wire.Package(Number([atomic]))))).ToArbitrary();

    public static Arbitrary<WriteThenGet> WritesThenGets() =>
        (from setup in SetupGen
         from target in Gen.Elements(ReadableWritableLeaves)
         from kind in Gen.Elements(ItemCommandKind.Add, ItemCommandKind.Replace)
         from format in FormatFor(target)
         from value in ValueFor(target)
         select new WriteThenGet(setup, kind, target, format, value ?? string.Empty)).ToArbitrary();

    private static Gen<PackageCase> CaseGen(Gen<int> topLevel) =>
        from setup in SetupGen
        from count in topLevel
        from commands in Gen.ListOf(TopLevelGen, count)
        select new PackageCase(setup, Wire.Package(Number(commands)));

    /// <summary>The starting tree: the settings others depend on (BackupDirectory, automatic account management), then
    /// writes of values drawn as for packages, one command each; whatever the device accepts is the starting tree.</summary>
    private static Gen<SyncMLMessage> SetupGen =>
        from backup in Gen.Frequency((2, Gen.Constant<string?>(null)), (1, Gen.Constant<string?>("0")), (4, Gen.Constant<string?>("1")), (4, Gen.Constant<string?>("2")))
        from automatic in Gen.Elements<string?>(null, "true", "false")
        from count in Gen.Choose(0, 10)
        from writes in Gen.ListOf(
            from target in Gen.Elements(Leaves)
            from kind in Gen.Elements(ItemCommandKind.Add, ItemCommandKind.Replace)
            from value in ValueFor(target)
            select (SyncCommand)Wire.Command(kind, "x", target.Uri, value, FormatName(target)),
            count)
        select Wire.Package(Number(Prefix(backup, automatic).Concat(writes)));

    private static IEnumerable<SyncCommand> Prefix(string? backupDirectory, string? automaticAccountManagement)
    {
        if (backupDirectory is not null)
        {
            yield return Wire.Command(ItemCommandKind.Replace, "x", Policies + "BackupDirectory", backupDirectory, "int");
        }

        if (automaticAccountManagement is not null)
        {
            yield return Wire.Command(ItemCommandKind.Replace, "x", Policies + "AutomaticAccountManagementEnabled", automaticAccountManagement, "bool");
        }
    }

    private const string Policies = "./Device/Vendor/MSFT/LAPS/Policies/";

    private static Gen<SyncCommand> TopLevelGen =>
        Gen.Frequency(
            (4, ValidWriteGen),
            (12, ItemCommandGen),
            (3, AtomicGen(Gen.Choose(1, 5))),
            (3, SequenceGen));

    private static Gen<SyncCommand> AtomicGen(Gen<int> size) =>
        from count in size
        from children in Gen.ListOf(Gen.Frequency(
            (10, ValidWriteGen),
            (8, WriteGen),
            (1, ItemCommandGen),
            (1, Gen.Constant<SyncCommand>(new AtomicCommand("x", []))),
            (1, Gen.Constant<SyncCommand>(new SequenceCommand("x", [])))), count)
        select (SyncCommand)new AtomicCommand("x", [.. children]);

    private static Gen<SyncCommand> SequenceGen =>
        from count in Gen.Choose(1, 5)
        from children in Gen.ListOf(Gen.Frequency((8, ItemCommandGen), (1, AtomicGen(Gen.Choose(1, 3)))), count)
        select (SyncCommand)new SequenceCommand("x", [.. children]);

    /// <summary>A write that the device accepts on most starting trees: settings whose dependencies the setup usually
    /// meets, with allowed values in the node's format; Accounts users with a password and a group.</summary>
    private static Gen<SyncCommand> ValidWriteGen =>
        Gen.OneOf(
            from setting in Gen.Elements(
                ("BackupDirectory", "int", new[] { "1", "2" }),
                ("PasswordAgeDays", "int", new[] { "7", "30", "365" }),
                ("PasswordComplexity", "int", new[] { "1", "2", "3", "4", "5" }),
                ("PasswordLength", "int", new[] { "8", "14", "64" }),
                ("AdministratorAccountName", "chr", new[] { "ContosoLocalLapsAdmin", "alice", "Bob" }),
                ("PostAuthenticationResetDelay", "int", new[] { "0", "12", "24" }),
                ("PostAuthenticationActions", "int", new[] { "1", "3", "5", "11" }),
                ("AutomaticAccountManagementEnabled", "bool", new[] { "true", "false" }))
            from value in Gen.Elements(setting.Item3)
            select (SyncCommand)Wire.Command(ItemCommandKind.Replace, "x", Policies + setting.Item1, value, setting.Item2),
            from user in Gen.Elements(s_userNames)
            from password in Gen.Elements("P@ssw0rd-1", "correct horse battery staple", "x")
            from localGroup in Gen.Elements("1", "2")
            from which in Gen.Elements(true, false)
            select (SyncCommand)(which
                ? Wire.Command(ItemCommandKind.Add, "x", $"./Device/Vendor/MSFT/Accounts/Users/{user}/Password", password, "chr")
                : Wire.Command(ItemCommandKind.Add, "x", $"./Device/Vendor/MSFT/Accounts/Users/{user}/LocalUserGroup", localGroup, "int")));

    private static Gen<SyncCommand> WriteGen =>
        from kind in Gen.Frequency(
            (4, Gen.Constant(ItemCommandKind.Add)),
            (4, Gen.Constant(ItemCommandKind.Replace)),
            (2, Gen.Constant(ItemCommandKind.Delete)))
        from command in ItemCommandOf(kind)
        select command;

    private static Gen<SyncCommand> ItemCommandGen =>
        from kind in Gen.Frequency(
            (4, Gen.Constant(ItemCommandKind.Add)),
            (4, Gen.Constant(ItemCommandKind.Replace)),
            (2, Gen.Constant(ItemCommandKind.Delete)),
            (4, Gen.Constant(ItemCommandKind.Get)),
            (1, Gen.Constant(ItemCommandKind.Exec)))
        from command in ItemCommandOf(kind)
        select command;

    private static Gen<SyncCommand> ItemCommandOf(ItemCommandKind kind) =>
        from target in TargetGen(kind)
        from format in kind is ItemCommandKind.Add or ItemCommandKind.Replace ? FormatFor(target) : Gen.Constant<string?>(null)
        from value in kind is ItemCommandKind.Add or ItemCommandKind.Replace ? ValueFor(target) : Gen.Constant<string?>(null)
        select (SyncCommand)Wire.Command(kind, "x", target.Uri, value, format);

    private static Gen<Target> TargetGen(ItemCommandKind kind) =>
        kind == ItemCommandKind.Exec
            ? Gen.Frequency(
                (6, Gen.Constant(Targets.First(t => t.Uri.EndsWith("/Actions/ResetPassword", StringComparison.Ordinal)))),
                (1, Gen.Elements(Targets)))
            : Gen.Frequency(
                (kind == ItemCommandKind.Get ? 10 : 0, Gen.Elements(Leaves.Where(t => s_usuallySet.Any(n => t.Uri.EndsWith(n, StringComparison.Ordinal))).ToArray())),
                (16, Gen.Elements(Leaves)),
                (3, Gen.Elements(Targets)),
                (1, Gen.Elements(s_badUris).Select(u => new Target(u, null))));

    /// <summary>Mostly the node's own format (or none, which reads as the node's), sometimes another.</summary>
    private static Gen<string?> FormatFor(Target target) =>
        Gen.Frequency(
            (8, Gen.Constant<string?>(FormatName(target))),
            (3, Gen.Constant<string?>(null)),
            (1, Gen.Elements<string?>("chr", "int", "bool", "node", "b64", "Int", "bogus")));

    private static string? FormatName(Target target) => target.Node?.Definition?.Format.ToString().ToLowerInvariant();

    /// <summary>Values by format: mostly allowed ones (enum members, inside the ranges, including those a dependency
    /// changes to), then bounds and just outside them, int overflow, odd spellings and markup.</summary>
    private static Gen<string?> ValueFor(Target target)
    {
        var definition = target.Node?.Definition;
        switch (definition?.Format)
        {
            case DdfFormat.Int:
                var valid = new List<string>();
                var invalid = new List<string> { "2147483648", "-2147483649", "99999999999999999999", "0x10", "1e3", "abc", "", "2147483647", "-2147483648" };
                foreach (var allowed in AllowedSets(definition))
                {
                    valid.AddRange(allowed.Enums.Select(e => e.Value));
                    foreach (var r in allowed.Ranges)
                    {
                        valid.AddRange(new[] { r.Min, r.Max, (r.Min + r.Max) / 2, Math.Min(r.Max, r.Min + 7) }.Select(Text));
                        invalid.AddRange(new[] { r.Min - 1, r.Max + 1 }.Select(Text));
                    }
                }

                if (definition.DefaultValue is { } d) valid.Add(d);
                if (valid.Count == 0) valid.AddRange(["0", "1", "-1", "42"]);
                // The same numbers in other spellings int parsing accepts (README: int is signed 32-bit decimal).
                var spelled = valid.Where(v => v.Length > 0 && v[0] != '-').SelectMany(v => new[] { " " + v + " ", "+" + v, "00" + v });
                return Gen.Frequency<string>(
                    (10, Gen.Elements(valid.Distinct(StringComparer.Ordinal).ToArray())),
                    (2, Gen.Elements(spelled.Distinct(StringComparer.Ordinal).ToArray())),
                    (3, Gen.Elements(invalid.Distinct(StringComparer.Ordinal).ToArray())),
                    (1, Gen.Choose(-50, 400).Select(i => Text(i)))).Select(v => (string?)v);
            case DdfFormat.Bool:
                return Gen.Frequency<string?>(
                    (8, Gen.Elements<string?>("true", "false", "True", "FALSE", " true ", "\tfalse\n")),
                    (1, Gen.Elements<string?>("yes", "1", "", "truee")));
            case DdfFormat.Null or DdfFormat.Node:
                return Gen.Frequency<string?>((6, Gen.Constant<string?>(null)), (1, Gen.Constant<string?>("")), (1, Gen.Constant<string?>("data")));
            default:
                return Gen.Elements<string?>(s_chrValues);
        }

        static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
    }

    private static IEnumerable<AllowedValues> AllowedSets(DdfNode definition)
    {
        if (definition.AllowedValues is { } a) yield return a;
        foreach (var group in definition.Dependencies)
        {
            if (group.ChangedAllowedValues is { } c) yield return c;
        }
    }

    /// <summary>Numbers CmdIDs 1, 2, ... in document order (Atomic and Sequence before their children); a few commands get no
    /// CmdID or a non-numeric one, as Windows echoes both.</summary>
    private static IEnumerable<SyncCommand> Number(IEnumerable<SyncCommand> commands)
    {
        var next = 1;
        return commands.Select(c => Renumber(c, ref next)).ToList();
    }

    private static SyncCommand Renumber(SyncCommand command, ref int next)
    {
        var n = next++;
        // Deterministic per position, so that the same case always numbers the same way.
        var id = n % 23 == 17 ? null : n % 19 == 11 ? $"cmd-{n}" : n.ToString(CultureInfo.InvariantCulture);
        switch (command)
        {
            case AtomicCommand atomic:
                var atomicChildren = new List<SyncCommand>();
                foreach (var child in atomic.Commands) atomicChildren.Add(Renumber(child, ref next));
                return atomic with { CmdId = id, Commands = [.. atomicChildren] };
            case SequenceCommand sequence:
                var sequenceChildren = new List<SyncCommand>();
                foreach (var child in sequence.Commands) sequenceChildren.Add(Renumber(child, ref next));
                return sequence with { CmdId = id, Commands = [.. sequenceChildren] };
            case ItemCommand item:
                return item with { CmdId = id };
            default:
                return command;
        }
    }

    private static List<Target> BuildTargets()
    {
        var targets = new List<Target>();
        void Walk(SchemaNode node, string path)
        {
            foreach (var child in node.Children)
            {
                if (child.IsDynamic)
                {
                    foreach (var name in s_userNames)
                    {
                        targets.Add(new Target(path + "/" + name, child));
                        Walk(child, path + "/" + name);
                    }
                }
                else
                {
                    targets.Add(new Target(path + "/" + child.Name, child));
                    Walk(child, path + "/" + child.Name);
                }
            }
        }

        Walk(CspCatalog.DefaultSchema.Root, "./Device");
        return targets;
    }

    /// <summary>The immutable list of a container's children, or empty.</summary>
    public static ImmutableArray<SyncCommand> Children(SyncCommand command) => command switch
    {
        AtomicCommand a => a.Commands,
        SequenceCommand s => s.Commands,
        _ => [],
    };
}
