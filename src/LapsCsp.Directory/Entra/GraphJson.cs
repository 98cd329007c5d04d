using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using LapsCsp.Directory.Audit;

namespace LapsCsp.Directory.Entra;

/// <summary>Serialises the Entra records as Microsoft Graph does: camelCase names, ISO-8601 UTC dates
/// (<c>2023-04-20T10:30:05Z</c>, fractional seconds only when present), nulls omitted, collections under <c>value</c>.</summary>
public static class GraphJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>The full resource, as <c>GET /directory/deviceLocalCredentials/{deviceId}?$select=credentials</c> returns it.</summary>
    public static string Serialize(DeviceLocalCredentialInfo info) => JsonSerializer.Serialize(info, Options);

    /// <summary>The resource without <c>credentials</c>: what the list endpoint and a get without <c>$select=credentials</c>
    /// return (digest C.13 [G-list]; reading passwords needs <c>DeviceLocalCredential.Read.All</c>).</summary>
    public static string SerializeMetadata(DeviceLocalCredentialInfo info) => MetadataNode(info).ToJsonString(Options);

    /// <summary>A Graph collection <c>{"value":[...]}</c>, metadata only unless <paramref name="includeCredentials"/>.</summary>
    public static string SerializeCollection(IEnumerable<DeviceLocalCredentialInfo> infos, bool includeCredentials = false)
    {
        ArgumentNullException.ThrowIfNull(infos);
        var array = new JsonArray();
        foreach (var info in infos)
        {
            array.Add(includeCredentials ? JsonSerializer.SerializeToNode(info, Options) : MetadataNode(info));
        }

        return new JsonObject { ["value"] = array }.ToJsonString(Options);
    }

    public static string Serialize(DirectoryAuditRecord record) => JsonSerializer.Serialize(record, Options);

    public static string SerializeAuditCollection(IEnumerable<DirectoryAuditRecord> records) =>
        JsonSerializer.Serialize(new { value = records }, Options);

    /// <summary>Reads a <c>deviceLocalCredentialInfo</c>; a metadata-only document gives an empty credential list.</summary>
    public static DeviceLocalCredentialInfo DeserializeInfo(string json)
    {
        var info = JsonSerializer.Deserialize<DeviceLocalCredentialInfo>(json, Options)
            ?? throw new JsonException("Expected a deviceLocalCredentialInfo object, got null.");
        return info.Credentials.IsDefault ? info with { Credentials = [] } : info;
    }

    private static JsonObject MetadataNode(DeviceLocalCredentialInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var node = JsonSerializer.SerializeToNode(info, Options)!.AsObject();
        node.Remove("credentials");
        return node;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // Graph writes '+' of base64 and the punctuation of passwords as is, not as \u002B.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            Converters = { new GraphDateTimeOffsetConverter() },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private sealed class GraphDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
    {
        private const string Format = "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFF'Z'";

        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(
                reader.GetString() ?? throw new JsonException("Expected a date string."),
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
    }
}
