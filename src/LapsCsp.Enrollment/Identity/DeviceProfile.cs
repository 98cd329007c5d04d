using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Enrollment.Security;
using LapsCsp.Enrollment.Wstep;

namespace LapsCsp.Enrollment.Identity;

/// <summary>MDE2 EnrollmentType: <c>Full</c> (user enrollment, client certificate in My/User) or <c>Device</c>
/// (device-only, My/System).</summary>
public enum EnrollmentType
{
    Full,
    Device,
}

/// <summary>Who a simulated Windows device is, as far as enrollment asks (digest 1.3, 1.6, 1.9). The defaults are the
/// real Windows 10 19043 VM of the corpus (e02, e06).</summary>
public sealed record DeviceProfile
{
    /// <summary>32 upper-case hex characters (Windows); becomes the SyncML Source and DevId.</summary>
    public required string DeviceId { get; init; }

    /// <summary>64 upper-case hex characters: the stable hardware hash.</summary>
    public required string HwDevId { get; init; }

    public required string DeviceName { get; init; }

    /// <summary>The user's email or UPN; its domain names the discovery host. May be empty with an explicit discovery URL.</summary>
    public string EmailAddress { get; init; } = "";

    /// <summary>The OS build as a dotted quad: ApplicationVersion in Discover, OSVersion and ApplicationVersion in the RST.</summary>
    public string OsVersion { get; init; } = "10.0.19043.2364";

    /// <summary>The decimal SKU (72 EnterpriseEval, 4 Enterprise, 48 Professional, 101 Home, 121 Education).</summary>
    public int OsEdition { get; init; } = 72;

    public string Locale { get; init; } = "en-US";

    /// <summary>MAC addresses as the device lists them (<c>XX-XX-XX-XX-XX-XX</c>, duplicates allowed, e06).</summary>
    public ImmutableArray<string> MacAddresses { get; init; } = [];

    public EnrollmentType EnrollmentType { get; init; } = EnrollmentType.Full;

    public string DeviceType { get; init; } = "CIMClient_Windows";

    /// <summary>Win10 19043: <c>4.0</c>; Win11 22621: <c>6.0</c> (digest 1.3).</summary>
    public string RequestVersion { get; init; } = "4.0";

    /// <summary>The policies listed in Discover, in order (real: OnPremise, Federated).</summary>
    public ImmutableArray<AuthPolicy> SupportedAuthPolicies { get; init; } = [AuthPolicy.OnPremise, AuthPolicy.Federated];

    /// <summary><c>true</c> when a user started it from Settings; <c>false</c> for programmatic enrollment (F-test).</summary>
    public bool UxInitiated { get; init; } = true;

    public bool TargetedUserLoggedIn { get; init; } = true;

    public bool NotInOobe { get; init; }

    /// <summary>A plausible device drawn from a seeded <see cref="Random"/>: the same seed gives the same device.</summary>
    public static DeviceProfile Generate(Random random, string emailAddress = "")
    {
        ArgumentNullException.ThrowIfNull(random);
        const string NameAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        string name = "DESKTOP-" + new string(Enumerable.Range(0, 7).Select(_ => NameAlphabet[random.Next(NameAlphabet.Length)]).ToArray());
        var macs = Enumerable.Range(0, 1 + random.Next(2)).Select(_ =>
        {
            var bytes = new byte[6];
            random.NextBytes(bytes);
            bytes[0] = (byte)(bytes[0] & 0xFC); // unicast, globally administered
            return string.Join('-', bytes.Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));
        });
        return new DeviceProfile
        {
            DeviceId = Hex(random, 16),
            HwDevId = Hex(random, 32),
            DeviceName = name,
            EmailAddress = emailAddress,
            MacAddresses = [.. macs],
        };
    }

    /// <summary>The RST ContextItems in the real device's order (e06): UXInitiated, HWDevID, Locale,
    /// TargetedUserLoggedIn, OSEdition, DeviceName, MAC×n, DeviceID, EnrollmentType, DeviceType, OSVersion,
    /// ApplicationVersion, NotInOobe; then RequestVersion for version 5.0 and later (MDE2 §3.4, F-test's position).</summary>
    public ImmutableArray<ContextItem> ContextItems()
    {
        var items = ImmutableArray.CreateBuilder<ContextItem>();
        items.Add(new(ContextItemNames.UXInitiated, Bool(UxInitiated)));
        items.Add(new(ContextItemNames.HWDevID, HwDevId));
        items.Add(new(ContextItemNames.Locale, Locale));
        items.Add(new(ContextItemNames.TargetedUserLoggedIn, Bool(TargetedUserLoggedIn)));
        items.Add(new(ContextItemNames.OSEdition, OsEdition.ToString(CultureInfo.InvariantCulture)));
        items.Add(new(ContextItemNames.DeviceName, DeviceName));
        items.AddRange(MacAddresses.Select(m => new ContextItem(ContextItemNames.MAC, m)));
        items.Add(new(ContextItemNames.DeviceID, DeviceId));
        items.Add(new(ContextItemNames.EnrollmentType, EnrollmentType.ToString()));
        items.Add(new(ContextItemNames.DeviceType, DeviceType));
        items.Add(new(ContextItemNames.OSVersion, OsVersion));
        items.Add(new(ContextItemNames.ApplicationVersion, OsVersion));
        items.Add(new(ContextItemNames.NotInOobe, Bool(NotInOobe)));
        if (decimal.TryParse(RequestVersion, NumberStyles.Number, CultureInfo.InvariantCulture, out var version) && version >= 5.0m)
        {
            items.Add(new(ContextItemNames.RequestVersion, RequestVersion));
        }

        return items.ToImmutable();
    }

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Hex(Random random, int bytes)
    {
        var buffer = new byte[bytes];
        random.NextBytes(buffer);
        return Convert.ToHexString(buffer);
    }
}
