using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace LapsCsp.Device.Identity;

/// <summary>How the device is joined, which decides where Windows LAPS can back its password up.</summary>
/// <remarks>Entra LAPS supports Entra-joined and hybrid-joined devices only ("Microsoft Entra registered devices aren't
/// supported", Entra LAPS doc); AD backup needs a domain-joined (here: hybrid-joined) device ("if you set the directory to an
/// on-premises Active Directory and the device is not domain joined, it will accept the policy settings from Intune, but
/// LAPS cannot successfully use that configuration", Intune LAPS doc).</remarks>
public enum JoinType
{
    /// <summary>Microsoft Entra joined: Entra backup only.</summary>
    EntraJoined,

    /// <summary>Microsoft Entra hybrid joined (also joined to an AD domain): Entra or AD backup.</summary>
    HybridJoined,

    /// <summary>Microsoft Entra registered (workplace-joined): no device identity LAPS can use, no domain.</summary>
    WorkplaceJoined,
}

/// <summary>Who the device is: the ids directories know it by, its name, join type and display language.</summary>
/// <param name="DeviceId">The DM client's device id (the SyncML Source LocURI); also the AD computer key in the emulator.</param>
/// <param name="DeviceName">The computer name (NetBIOS, at most 15 characters): AD sAMAccountName without $; also the Entra
/// deviceName and DevDetail DeviceName while <see cref="DnsHostName"/> is not set.</param>
/// <param name="EntraDeviceId">The Entra deviceId (a GUID): the id of the Graph deviceLocalCredentialInfo (digest C.13).</param>
/// <param name="Locale">The system UI language; it names the built-in Administrator (e.g. fr-FR Administrateur).</param>
public sealed record DeviceIdentity(
    string DeviceId,
    string DeviceName,
    string EntraDeviceId,
    JoinType JoinType,
    string Locale)
{
    /// <summary>Windows' MAX_COMPUTERNAME_LENGTH: a NetBIOS computer name has at most 15 characters.</summary>
    public const int NetBiosNameMaxLength = 15;

    /// <summary>The DNS host name (up to 63 characters) a rename through <c>./DevDetail/Ext/Microsoft/DNSComputerName</c>
    /// gave the device; null while the device keeps the name it was built with (then the host name is
    /// <see cref="DeviceName"/>).</summary>
    public string? DnsHostName { get; init; }

    /// <summary>The computer's DNS host name: what DevDetail DeviceName and DNSComputerName answer, the Entra device's
    /// name and the Computer of the device's events.</summary>
    [JsonIgnore]
    public string HostName => DnsHostName ?? DeviceName;

    public bool IsDomainJoined => JoinType == JoinType.HybridJoined;

    public bool HasEntraDeviceIdentity => JoinType is JoinType.EntraJoined or JoinType.HybridJoined;

    /// <summary>This identity after a rename to the DNS host name <paramref name="dnsHostName"/> took effect (at a reboot).</summary>
    /// <remarks>The NetBIOS name follows from the DNS host name as Windows derives it: SetComputerNameEx with
    /// ComputerNamePhysicalDnsHostname sets both, and "if the name exceeds MAX_COMPUTERNAME_LENGTH characters, the NetBIOS
    /// name is truncated to MAX_COMPUTERNAME_LENGTH characters" (15; COMPUTER_NAME_FORMAT: "corporate-mail-server" gives
    /// "corporate-mail-"); NetBIOS names are "by convention represented in uppercase" (Win32 Computer Names), as the
    /// sAMAccountName of a computer object is. So a 63-character DNS name keeps its first 15 characters, upper case, as
    /// <see cref="DeviceName"/>, and two DNS names that share those 15 characters share a NetBIOS name, as on Windows.</remarks>
    public DeviceIdentity Renamed(string dnsHostName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dnsHostName);
        return this with { DeviceName = NetBiosNameOf(dnsHostName), DnsHostName = dnsHostName };
    }

    /// <summary>The NetBIOS computer name Windows derives from a DNS host name: the first 15 characters, upper case.</summary>
    public static string NetBiosNameOf(string dnsHostName)
    {
        ArgumentNullException.ThrowIfNull(dnsHostName);
        var name = dnsHostName.Length > NetBiosNameMaxLength ? dnsHostName[..NetBiosNameMaxLength] : dnsHostName;
        return name.ToUpperInvariant();
    }

    /// <summary>A stable computer name for a device id: DESKTOP- and 7 hex digits of its hash, as Windows setup names PCs.</summary>
    public static string DefaultDeviceName(string deviceId) =>
        "DESKTOP-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(deviceId)))[..7];

    /// <summary>A stable Entra deviceId for a device id (a name-based GUID), so that a re-created device keeps its Entra id.</summary>
    public static string DefaultEntraDeviceId(string deviceId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("entra:" + deviceId));
        hash[7] = (byte)((hash[7] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16)).ToString("D", CultureInfo.InvariantCulture);
    }
}

/// <summary>Localised names of the built-in accounts. Windows names the built-in Administrator (RID 500) in the install
/// language, which is why LAPS finds it by RID and never by name (digest C.11).</summary>
public static class BuiltInAccountNames
{
    private static readonly Dictionary<string, string> s_administrator = new(StringComparer.OrdinalIgnoreCase)
    {
        ["en"] = "Administrator",
        ["de"] = "Administrator",
        ["fr"] = "Administrateur",
        ["es"] = "Administrador",
        ["pt"] = "Administrador",
        ["it"] = "Administrator",
        ["nl"] = "Administrator",
        ["sv"] = "Administratör",
        ["fi"] = "Järjestelmänvalvoja",
        ["hu"] = "Rendszergazda",
        ["ru"] = "Администратор",
    };

    private static readonly Dictionary<string, string> s_guest = new(StringComparer.OrdinalIgnoreCase)
    {
        ["de"] = "Gast",
        ["fr"] = "Invité",
        ["es"] = "Invitado",
        ["pt"] = "Convidado",
        ["it"] = "Guest",
        ["nl"] = "Gast",
    };

    /// <summary>The built-in Administrator's name for a locale such as fr-FR; "Administrator" for unknown languages.</summary>
    public static string Administrator(string locale) => s_administrator.GetValueOrDefault(Language(locale), "Administrator");

    /// <summary>The built-in Guest's name for a locale; "Guest" for unknown languages.</summary>
    public static string Guest(string locale) => s_guest.GetValueOrDefault(Language(locale), "Guest");

    private static string Language(string locale)
    {
        var dash = locale.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? locale : locale[..dash];
    }
}
