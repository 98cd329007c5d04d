using System.Text;
using LapsCsp.Device;

namespace LapsCsp.Cli.State;

/// <summary>Keeps a device between CLI runs in a JSON file, written atomically (temporary file, then rename), so an
/// interrupted run never leaves a half-written state.</summary>
internal static class DeviceStateFile
{
    public static void LoadInto(SimulatedDevice device, string path)
    {
        if (!File.Exists(path)) return;
        var json = File.ReadAllText(path, Encoding.UTF8);
        if (string.IsNullOrWhiteSpace(json)) return;
        device.Restore(DeviceSnapshot.FromJson(json));
    }

    public static void Save(SimulatedDevice device, string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temp, device.Snapshot().ToJson(), new UTF8Encoding(false));
        File.Move(temp, full, overwrite: true);
    }
}
