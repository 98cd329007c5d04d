namespace LapsCsp.Directory.ActiveDirectory;

/// <summary>Windows FILETIME (100 ns ticks since 1601-01-01 UTC), the encoding of AD large-integer times and of the LAPS
/// timestamps.</summary>
public static class FileTime
{
    public static long FromDateTimeOffset(DateTimeOffset value) => value.UtcDateTime.ToFileTimeUtc();

    public static DateTimeOffset ToDateTimeOffset(long fileTime) => new(DateTime.FromFileTimeUtc(fileTime), TimeSpan.Zero);
}
