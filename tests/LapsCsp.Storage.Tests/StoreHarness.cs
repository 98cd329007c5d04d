using System.Globalization;
using LapsCsp.Device;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.Testing;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Storage.Tests;

/// <summary>Temporary store files, a fake clock, and SyncML packages from samples/.</summary>
internal static class StoreHarness
{
    public static readonly DateTimeOffset Start = new(2026, 1, 31, 8, 0, 0, TimeSpan.Zero);

    public const string DeviceId = "LAPSCSP-DEVICE-0001";

    public static FakeTimeProvider NewClock() => new(Start);

    public static LapsStoreOptions OptionsWith(TimeProvider time) => new() { TimeProvider = time };

    public static SyncMLMessage Sample(string fileName)
    {
        var read = SyncMLReader.Read(File.ReadAllBytes(Path.Combine(RepoPaths.Samples, fileName)), SyncMLReaderOptions.Strict);
        read.Succeeded.Should().BeTrue(string.Join("; ", read.Diagnostics));
        return read.Message!;
    }

    public static SyncMLMessage GetPackage(params string[] uris) => new(
        new SyncHeader("9", "1", DeviceId, "https://mdm.contoso.com/ManagementServer/MDM.svc"),
        [.. uris.Select((uri, i) => new ItemCommand(
            ItemCommandKind.Get, (i + 1).ToString(CultureInfo.InvariantCulture), [new Item(TargetUri: uri)]))]);

    /// <summary>A device snapshot with another id: cheap to make in bulk.</summary>
    public static DeviceSnapshot SnapshotOf(string deviceId) => s_template.Value with { DeviceId = deviceId };

    private static readonly Lazy<DeviceSnapshot> s_template = new(() => new SimulatedDevice(new DeviceOptions()).Snapshot());
}

/// <summary>A fresh folder under the temporary directory, deleted with everything in it on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lapscsp-storage-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}
