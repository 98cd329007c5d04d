using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LapsCsp.Directory.ActiveDirectory;

/// <summary>The LAPS password JSON <c>{"n":"&lt;account&gt;","t":"&lt;hex FILETIME&gt;","p":"&lt;password&gt;"}</c>: the value of
/// <c>msLAPS-Password</c>, and (as UTF-16LE plus a terminating NUL) the plaintext inside <c>msLAPS-EncryptedPassword</c>
/// (digest C.12, [ADA2]).</summary>
public sealed record LapsPasswordPayload(string AccountName, DateTimeOffset UpdateTime, string Password)
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        // Passwords contain + & and other punctuation: write them as they are, like Windows does, not as \u002B.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The "t" field: the update time as lower-case hexadecimal FILETIME, no leading zeros.</summary>
    public string UpdateTimeHex => FileTime.FromDateTimeOffset(UpdateTime).ToString("x", CultureInfo.InvariantCulture);

    public string ToJson() => JsonSerializer.Serialize(new Wire(AccountName, UpdateTimeHex, Password), s_options);

    /// <summary>Parses the JSON; <c>null</c> when it is not a well-formed n/t/p object.</summary>
    public static LapsPasswordPayload? TryParse(string json)
    {
        try
        {
            var wire = JsonSerializer.Deserialize<Wire>(json, s_options);
            if (wire?.N is null || wire.P is null || wire.T is null) return null;
            if (!long.TryParse(wire.T, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var fileTime)) return null;
            return new LapsPasswordPayload(wire.N, FileTime.ToDateTimeOffset(fileTime), wire.P);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("AccountName = ").Append(AccountName)
            .Append(", UpdateTime = ").Append(UpdateTime.ToString("O", CultureInfo.InvariantCulture))
            .Append(", Password = ***");
        return true;
    }

    private sealed record Wire(
        [property: JsonPropertyName("n")] string? N,
        [property: JsonPropertyName("t")] string? T,
        [property: JsonPropertyName("p")] string? P);
}
