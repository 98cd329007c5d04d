using System.Globalization;
using System.Text.Json.Serialization;
using LapsCsp.Device.Identity;
using LapsCsp.Server.Identity;
using LapsCsp.Tree;

namespace LapsCsp.Server.Devices;

/// <summary>How a device is joined, which decides the directories it can back up to.</summary>
/// <remarks>Entra LAPS supports Entra-joined and hybrid-joined devices only (001: "Microsoft Entra registered devices aren't
/// supported"); AD backup needs a domain-joined device (000: "if you set the directory to an on-premises Active Directory and
/// the device is not domain joined, it will accept the policy settings from Intune, but LAPS cannot successfully use that
/// configuration").</remarks>
[JsonConverter(typeof(JoinKindConverter))]
internal enum JoinKind
{
    EntraJoined,
    HybridJoined,
    WorkplaceJoined,
}

/// <summary>What the server knows about a device besides its simulated state: names, join type, OS and locale.</summary>
/// <param name="DeviceId">The DM device id (the SyncML Target the harness addresses).</param>
/// <param name="DeviceName">The computer name: the NetBIOS name given at registration, then, once a DNSComputerName rename
/// took effect at a reboot, the device's new DNS host name (what DevDetail DeviceName and the Entra device answer).</param>
/// <param name="EntraDeviceId">The Entra deviceId: the <c>id</c> of its Graph deviceLocalCredentialInfo (digest C.13).</param>
/// <param name="Edition">The Windows product type number (0x4 Enterprise, 0x30 Pro ...).</param>
internal sealed record DeviceRegistration(
    string DeviceId,
    string DeviceName,
    string EntraDeviceId,
    JoinKind JoinType,
    string OsBuild,
    int Edition,
    string Locale,
    DateTimeOffset CreatedDateTime)
{
    public const string DefaultOsBuild = "10.0.26100.2314";

    public const int DefaultEdition = 0x4;

    [JsonIgnore]
    public DeviceScope Scope => new(DeviceId, EntraDeviceId);

    [JsonIgnore]
    public bool InEntra => JoinType is JoinKind.EntraJoined or JoinKind.HybridJoined;

    [JsonIgnore]
    public bool InActiveDirectory => JoinType == JoinKind.HybridJoined;

    [JsonIgnore]
    public DeviceContext Context => new(Ddf.Model.OsBuild.TryParse(OsBuild, out var build) ? build : DeviceContext.Windows11Enterprise24H2.OsBuild, Edition);

}

/// <summary>The body of <c>POST /devices</c>; every field but the id is optional.</summary>
internal sealed record DeviceCreateRequest(
    string? DeviceId,
    string? DeviceName = null,
    string? EntraDeviceId = null,
    JoinKind? JoinType = null,
    string? OsBuild = null,
    [property: JsonConverter(typeof(NumberOrStringConverter))] string? Edition = null,
    string? Locale = null)
{
    /// <summary>Why a device id is not usable, or null.</summary>
    public static string? DeviceIdProblem(string? deviceId)
    {
        if (string.IsNullOrWhiteSpace(deviceId)) return "deviceId is required";
        if (deviceId.Length > 128 || deviceId.Any(c => char.IsControl(c) || c is '/' or '\\' or '?' or '#'))
        {
            return "deviceId must be at most 128 characters without control characters, '/', '\\', '?' or '#'";
        }

        return null;
    }

    /// <summary>Every problem of the request, or the registration it describes.</summary>
    public DeviceRegistration? ToRegistration(DateTimeOffset now, List<string> problems)
    {
        if (DeviceIdProblem(DeviceId) is { } idProblem) problems.Add(idProblem);

        // A NetBIOS computer name: 1-15 characters (digest: AD sAMAccountName is the name plus $).
        if (DeviceName is { } name && (name.Length is 0 or > 15 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-'))))
        {
            problems.Add("deviceName must be 1-15 letters, digits or '-' (a NetBIOS computer name)");
        }

        if (EntraDeviceId is { } entra && !Guid.TryParse(entra, out _)) problems.Add("entraDeviceId must be a GUID");
        if (OsBuild is { } build && !Ddf.Model.OsBuild.TryParse(build, out _)) problems.Add($"osBuild '{build}' is not a Windows build such as 10.0.26100.2314");
        var edition = DeviceRegistration.DefaultEdition;
        if (Edition is { } text)
        {
            var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
            if (!int.TryParse(hex ? text[2..] : text, hex ? NumberStyles.HexNumber : NumberStyles.None, CultureInfo.InvariantCulture, out edition))
            {
                problems.Add($"edition '{text}' is not a product type number such as 0x4");
            }
        }

        // A BCP 47 language tag such as en-US or fr-FR (the server runs with invariant globalisation, so no culture lookup).
        if (Locale is { } locale && !System.Text.RegularExpressions.Regex.IsMatch(locale, "^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$"))
        {
            problems.Add($"locale '{locale}' is not a language tag such as en-US");
        }

        if (problems.Count > 0) return null;
        return new DeviceRegistration(
            DeviceId!,
            DeviceName ?? DeviceIdentity.DefaultDeviceName(DeviceId!),
            EntraDeviceId is { } id ? Guid.Parse(id).ToString("D", CultureInfo.InvariantCulture) : DeviceIdentity.DefaultEntraDeviceId(DeviceId!),
            JoinType ?? JoinKind.EntraJoined,
            OsBuild ?? DeviceRegistration.DefaultOsBuild,
            edition,
            Locale ?? "en-US",
            now);
    }
}

/// <summary>Join types in JSON as entraJoined, hybridJoined, workplaceJoined (read in any case).</summary>
internal sealed class JoinKindConverter() : JsonStringEnumConverter<JoinKind>(System.Text.Json.JsonNamingPolicy.CamelCase);

/// <summary>Reads a JSON number or string as text: an edition may be given as 4 or as "0x4".</summary>
internal sealed class NumberOrStringConverter : JsonConverter<string?>
{
    public override string? Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            System.Text.Json.JsonTokenType.Number => reader.GetInt64().ToString(CultureInfo.InvariantCulture),
            System.Text.Json.JsonTokenType.String => reader.GetString(),
            System.Text.Json.JsonTokenType.Null => null,
            _ => throw new System.Text.Json.JsonException("expected a number or a string"),
        };

    public override void Write(System.Text.Json.Utf8JsonWriter writer, string? value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(value);
}
