using System.Globalization;
using LapsCsp.Device;
using LapsCsp.Directory.Audit;
using LapsCsp.Storage;

// The child process of LapsCsp.Storage.Tests' crash-consistency test (issue 7 item 4). Hidden mode:
//   LapsCsp.Storage.CrashWriter --crash-test-writer DBFILE FIRST-INDEX
// writes numbered devices from FIRST-INDEX on, each in one transaction with a directory row and an audit record (a
// rotation's shape), and prints "ack N" only after the transaction committed. It runs until it is killed.
if (args is not ["--crash-test-writer", var path, var first])
{
    Console.Error.WriteLine("usage: LapsCsp.Storage.CrashWriter --crash-test-writer DBFILE FIRST-INDEX");
    return 2;
}

using var store = LapsStore.Open(path);
var template = new SimulatedDevice(new DeviceOptions()).Snapshot();
Console.Out.WriteLine("ready");
for (var i = int.Parse(first, CultureInfo.InvariantCulture); ; i++)
{
    var id = CrashRecords.DeviceId(i);
    store.InTransaction(tx =>
    {
        tx.SaveDevice(template with { DeviceId = id }, expectedVersion: 0);
        tx.SaveDirectory("crash-counter", string.Create(CultureInfo.InvariantCulture, $$"""{"last":{{i}}}"""));
        tx.AppendAudit(CrashRecords.Audit(i), "crash");
    });
    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ack {i}"));
}

/// <summary>What the writer stores for index N; the test checks for the same.</summary>
public static class CrashRecords
{
    public static string DeviceId(int i) => string.Create(CultureInfo.InvariantCulture, $"crash-{i:D7}");

    public static string AuditId(int i) => string.Create(CultureInfo.InvariantCulture, $"audit-{i:D7}");

    public static DirectoryAuditRecord Audit(int i) => new(
        AuditId(i),
        new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(i),
        LapsAuditActivities.UpdatePassword,
        LapsAuditActivities.DeviceCategory,
        LapsAuditActivities.EntraService,
        DirectoryAuditRecord.Success,
        AuditInitiator.ForDevice(DeviceId(i), DeviceId(i)),
        [new AuditTargetResource(DeviceId(i), DeviceId(i), "Device")],
        []);
}
