using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Ddf.Model;
using LapsCsp.Device.Identity;

namespace LapsCsp.Fleet.Runner;

/// <summary>A device's network on a given day, drawn from the fault plan.</summary>
public enum NetworkKind
{
    Normal,
    Slow,
    Flaky,
}

/// <summary>Everything that makes one simulated device different from another, drawn from the seed and its index.</summary>
public sealed record DeviceBlueprint
{
    public required int Index { get; init; }

    /// <summary>32 upper-case hex characters (the enrollment DeviceID, SyncML Source).</summary>
    public required string DeviceId { get; init; }

    /// <summary>64 upper-case hex characters.</summary>
    public required string HwDevId { get; init; }

    /// <summary>DESKTOP- and 7 characters (NetBIOS, at most 15).</summary>
    public required string DeviceName { get; init; }

    public required JoinType JoinType { get; init; }

    public required OsBuild OsBuild { get; init; }

    /// <summary>The SKU number (4 Enterprise, 48 Pro, 121 Education).</summary>
    public required int Edition { get; init; }

    public required string Locale { get; init; }

    public required string Manufacturer { get; init; }

    public required string Model { get; init; }

    public required ImmutableArray<string> MacAddresses { get; init; }

    /// <summary>Standard local users who log on each working day.</summary>
    public required int LocalUsers { get; init; }

    /// <summary>The built-in Administrator (RID 500) is enabled, as IT departments that let LAPS manage it do; Windows
    /// installs it disabled.</summary>
    public required bool AdministratorEnabled { get; init; }

    /// <summary>The name of an extra local administrator account created by IT (null: none), which a LAPS policy may name
    /// in AdministratorAccountName.</summary>
    public string? ExtraAdministrator { get; init; }

    /// <summary>When in the working day (device-local) the first user logs on.</summary>
    public required TimeSpan LogonTimeOfDay { get; init; }

    public required DateTimeOffset EnrollAt { get; init; }

    public required NetworkKind Network { get; init; }

    public required TimeSpan ClockSkew { get; init; }

    /// <summary>When the device is switched off for good, if it is.</summary>
    public DateTimeOffset? SilentFrom { get; init; }

    /// <summary>When its user unenrolls, if they do.</summary>
    public DateTimeOffset? UnenrollAt { get; init; }

    /// <summary>The base of the device's Ms-Cv correlation vector.</summary>
    public required string CorrelationVectorBase { get; init; }

    public string OsVersion => string.Create(CultureInfo.InvariantCulture, $"{OsBuild.Major}.{OsBuild.Minor}.{OsBuild.Build}.{OsBuild.Revision}");
}

/// <summary>The make-up of a fleet: join types (<c>--mix entra=70,hybrid=30</c>, also <c>registered</c>) and optionally
/// OS families (<c>win11=80,win10=20</c>), as relative weights; editions, locales, hardware and users follow fixed
/// realistic tables.</summary>
public sealed record FleetMix
{
    /// <summary>Builds with the Windows LAPS CSP (the April 2023 updates and later; spec-digest C.1 applicability).</summary>
    private static readonly (string Family, OsBuild Build, int Weight)[] s_builds =
    [
        ("win11", new OsBuild(10, 0, 26100, 2314), 40),
        ("win11", new OsBuild(10, 0, 22631, 4460), 25),
        ("win11", new OsBuild(10, 0, 22621, 4317), 10),
        ("win10", new OsBuild(10, 0, 19045, 5131), 20),
        ("win10", new OsBuild(10, 0, 19044, 5131), 5),
    ];

    private static readonly (int Edition, int Weight)[] s_editions = [(4, 50), (48, 35), (121, 15)];

    private static readonly (string Locale, int Weight)[] s_locales =
        [("en-US", 55), ("en-GB", 10), ("de-DE", 10), ("fr-FR", 10), ("es-ES", 5), ("ja-JP", 5), ("nl-NL", 5)];

    private static readonly (string Manufacturer, string Model, int Weight)[] s_hardware =
    [
        ("Dell Inc.", "Latitude 7440", 30), ("LENOVO", "21HD", 25), ("HP", "HP EliteBook 840 G10", 25),
        ("Microsoft Corporation", "Surface Laptop 5", 10), ("VMware, Inc.", "VMware7,1", 10),
    ];

    public ImmutableArray<(JoinType JoinType, int Weight)> JoinTypes { get; init; } = [(JoinType.EntraJoined, 70), (JoinType.HybridJoined, 30)];

    public ImmutableArray<(string Family, int Weight)> OsFamilies { get; init; } = [("win11", 75), ("win10", 25)];

    public static FleetMix Default { get; } = new();

    /// <summary>Parses <c>entra=70,hybrid=30</c> (keys: entra, hybrid, registered, win10, win11). Unnamed join types or
    /// families get weight 0 when any of their group is named.</summary>
    /// <exception cref="FormatException">An unknown key, a bad weight, or a group whose weights are all 0.</exception>
    public static FleetMix Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var joins = new List<(JoinType, int)>();
        var families = new List<(string, int)>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pieces.Length != 2 || !int.TryParse(pieces[1], NumberStyles.None, CultureInfo.InvariantCulture, out var weight))
            {
                throw new FormatException($"'{part}' is not key=weight (a whole number)");
            }

            switch (pieces[0].ToUpperInvariant())
            {
                case "ENTRA":
                    joins.Add((JoinType.EntraJoined, weight));
                    break;
                case "HYBRID":
                    joins.Add((JoinType.HybridJoined, weight));
                    break;
                case "REGISTERED":
                case "WORKPLACE":
                    joins.Add((JoinType.WorkplaceJoined, weight));
                    break;
                case "WIN10":
                case "WIN11":
                    families.Add((pieces[0].ToLowerInvariant(), weight));
                    break;
                default:
                    throw new FormatException($"unknown mix key '{pieces[0]}' (use entra, hybrid, registered, win10, win11)");
            }
        }

        if (joins.Count > 0 && joins.Sum(j => j.Item2) == 0) throw new FormatException("the join-type weights add up to 0");
        if (families.Count > 0 && families.Sum(f => f.Item2) == 0) throw new FormatException("the OS family weights add up to 0");
        return new FleetMix
        {
            JoinTypes = joins.Count > 0 ? [.. joins] : Default.JoinTypes,
            OsFamilies = families.Count > 0 ? [.. families] : Default.OsFamilies,
        };
    }

    public override string ToString() =>
        string.Join(',', JoinTypes.Select(j => (j.JoinType switch
        {
            JoinType.EntraJoined => "entra",
            JoinType.HybridJoined => "hybrid",
            _ => "registered",
        }) + "=" + j.Weight.ToString(CultureInfo.InvariantCulture)).Concat(OsFamilies.Select(f => f.Family + "=" + f.Weight.ToString(CultureInfo.InvariantCulture))));

    /// <summary>The device at <paramref name="index"/> of a fleet with this mix: a pure function of its arguments.</summary>
    public DeviceBlueprint Blueprint(int seed, int index, DateTimeOffset start, TimeSpan runLength, TimeSpan enrollmentSpread, FaultPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var random = SimRandom.For(seed, index, SimRandom.Stream.Blueprint);
        var join = Pick(random, JoinTypes.Select(j => (j.JoinType, j.Weight)));
        var family = Pick(random, OsFamilies.Select(f => (f.Family, f.Weight)));
        var build = Pick(random, s_builds.Where(b => b.Family == family).Select(b => (b.Build, b.Weight)));
        var (manufacturer, model) = Pick(random, s_hardware.Select(h => ((h.Manufacturer, h.Model), h.Weight)));
        const string NameAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        var macs = Enumerable.Range(0, 1 + random.Next(2)).Select(_ =>
        {
            var bytes = new byte[6];
            random.NextBytes(bytes);
            bytes[0] = (byte)(bytes[0] & 0xFC);
            return string.Join('-', bytes.Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));
        }).ToImmutableArray();
        var network = random.NextDouble() * 100 < plan.SlowDevicePercent ? NetworkKind.Slow
            : random.NextDouble() * 100 < plan.FlakyDevicePercent ? NetworkKind.Flaky
            : NetworkKind.Normal;
        var skew = random.NextDouble() * 100 < plan.ClockSkewPercent
            ? TimeSpan.FromMinutes((random.NextDouble() * 2 - 1) * plan.MaxClockSkewMinutes)
            : TimeSpan.Zero;
        var enrollAt = start + enrollmentSpread * random.NextDouble();
        DateTimeOffset? silent = random.NextDouble() * 100 < plan.SilentPercent ? enrollAt + (start + runLength - enrollAt) * random.NextDouble() : null;
        DateTimeOffset? unenroll = random.NextDouble() * 100 < plan.UnenrollPercent ? enrollAt + (start + runLength - enrollAt) * random.NextDouble() : null;
        var correlation = new byte[12];
        random.NextBytes(correlation);
        return new DeviceBlueprint
        {
            Index = index,
            // Identities come straight from the 64-bit hash of (seed, index), which differs for every index of a seed: a
            // Random has only 2^31 seeds, so at 100,000 devices two would draw the same identity (measured: 61 sessions
            // of cloned devices refused by the server).
            DeviceId = UniqueHex(seed, index, 1, 2),
            HwDevId = UniqueHex(seed, index, 3, 4, 5, 6),
            DeviceName = "DESKTOP-" + UniqueName(seed, index, NameAlphabet, 7),
            JoinType = join,
            OsBuild = build,
            Edition = Pick(random, s_editions.Select(e => (e.Edition, e.Weight))),
            Locale = Pick(random, s_locales.Select(l => (l.Locale, l.Weight))),
            Manufacturer = manufacturer,
            Model = model,
            MacAddresses = macs,
            LocalUsers = random.Next(3),
            AdministratorEnabled = random.NextDouble() < 0.7,
            ExtraAdministrator = random.NextDouble() < 0.3 ? "LapsAdmin" : null,
            LogonTimeOfDay = TimeSpan.FromHours(7.5) + TimeSpan.FromMinutes(random.Next(120)),
            EnrollAt = enrollAt,
            Network = network,
            ClockSkew = skew,
            SilentFrom = silent,
            UnenrollAt = unenroll,
            CorrelationVectorBase = Convert.ToBase64String(correlation),
        };
    }

    private static T Pick<T>(Random random, IEnumerable<(T Value, int Weight)> choices)
    {
        var list = choices.Where(c => c.Weight > 0).ToList();
        var total = list.Sum(c => c.Weight);
        var roll = random.Next(total);
        foreach (var (value, weight) in list)
        {
            if (roll < weight) return value;
            roll -= weight;
        }

        return list[^1].Value;
    }

    /// <summary>Upper-case hex of the hashes of (seed, index) under the given counters, 8 bytes each. The first counter's
    /// hash alone is unique per index (SplitMix64 steps and XORs with constants are bijections).</summary>
    private static string UniqueHex(int seed, int index, params int[] counters) =>
        string.Concat(counters.Select(c => SimRandom.Hash(seed, index, SimRandom.Stream.Blueprint, c).ToString("X16", CultureInfo.InvariantCulture)));

    /// <summary><paramref name="length"/> characters of <paramref name="alphabet"/> that differ for every index below
    /// alphabet^length (36^7 is 78 billion): an affine permutation of the index (the multiplier is prime to 2 and 3, so to
    /// 36^7), shifted by a per-seed offset so that fleets of different seeds look different.</summary>
    private static string UniqueName(int seed, int index, string alphabet, int length)
    {
        const ulong Multiplier = 25_214_903_917UL;
        var modulus = (ulong)Math.Pow(alphabet.Length, length);
        var offset = SimRandom.Hash(seed, 0, SimRandom.Stream.Blueprint, 0) % modulus;
        var value = (ulong)(((UInt128)Multiplier * (uint)index + offset) % modulus);
        var name = new char[length];
        for (var i = 0; i < length; i++)
        {
            name[i] = alphabet[(int)(value % (ulong)alphabet.Length)];
            value /= (ulong)alphabet.Length;
        }

        return new string(name);
    }
}
