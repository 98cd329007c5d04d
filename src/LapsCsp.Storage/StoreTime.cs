using System.Globalization;

namespace LapsCsp.Storage;

/// <summary>Times in the store: UTC, fixed width, 100 ns precision (<c>2026-01-31T08:00:00.0000000Z</c>), so that SQL text
/// comparison and ORDER BY are time order and a DateTimeOffset round-trips exactly (as UTC).</summary>
internal static class StoreTime
{
    private const string Pattern = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(Pattern, CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string text) =>
        new(DateTime.ParseExact(text, Pattern, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), TimeSpan.Zero);
}
