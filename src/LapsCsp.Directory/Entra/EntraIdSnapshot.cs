using System.Collections.Immutable;
using LapsCsp.Directory.Audit;

namespace LapsCsp.Directory.Entra;

/// <summary>The whole state of an <see cref="EntraIdDirectory"/>, as plain data for a store (System.Text.Json round-trips it).
/// Fault injection is run-time only and not part of it.</summary>
public sealed record EntraIdSnapshot(
    bool LapsEnabled,
    int HistorySize,
    ImmutableArray<EntraDeviceSnapshot> Devices,
    ImmutableArray<DirectoryAuditRecord> Audit);

/// <summary>A registered (joined) device and, once it has backed up, its credential info.</summary>
public sealed record EntraDeviceSnapshot(string DeviceId, string DeviceName, DeviceLocalCredentialInfo? Credential);

/// <summary>Settings of an emulated tenant.</summary>
/// <param name="HistorySize">How many credentials are kept per device (newest first); at least 1.</param>
/// <param name="LapsEnabled">The tenant-wide "Enable Microsoft Entra Local Administrator Password Solution" device setting.</param>
public sealed record EntraIdOptions(int HistorySize = 10, bool LapsEnabled = true)
{
    public void Validate()
    {
        if (HistorySize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(HistorySize), HistorySize, "History size must be at least 1.");
        }
    }
}
