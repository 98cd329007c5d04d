using LapsCsp.Directory.Backup;

namespace LapsCsp.Directory.Tests;

internal static class TestBackups
{
    /// <summary>2023-04-20T10:30:05Z: FILETIME 133264602050000000 = 0x1d973731252f480 (computed outside .NET).</summary>
    public static readonly DateTimeOffset Start = new(2023, 4, 20, 10, 30, 5, TimeSpan.Zero);

    public const long StartFileTime = 133264602050000000;

    /// <summary>Start + 30 days as FILETIME.</summary>
    public const long StartPlus30DaysFileTime = 133290522050000000;

    public const string DeviceId = "b465e4e8-e4e8-b465-e8e4-65b4e8e465b4";

    public const string AccountSid = "S-1-5-21-2318891144-2006163163-1497587380-500";

    public static PasswordBackup For(
        string password,
        DateTimeOffset? updateTime = null,
        AdBackupOptions? ad = null,
        string deviceId = DeviceId,
        string account = "Administrator")
    {
        var at = updateTime ?? Start;
        return new PasswordBackup(deviceId, "LAPS_TEST", account, AccountSid, password, at, at.AddDays(30), ad);
    }
}
