using LapsCsp.Device;

namespace LapsCsp.Storage.Devices;

/// <summary>A device row: the snapshot, its version (1 on first save, +1 on every save) and when it was last saved.</summary>
/// <remarks>Pass <see cref="Version"/> back as <c>expectedVersion</c> to save only if nobody saved in between.</remarks>
public sealed record StoredDevice(DeviceSnapshot Snapshot, long Version, DateTimeOffset UpdatedAt);

/// <summary>One stored device event (e.g. a <c>Microsoft-Windows-LAPS/Operational</c> entry), queryable without loading the
/// device. <see cref="Json"/> is the event as its owner serialised it.</summary>
public sealed record StoredDeviceEvent(long Sequence, string DeviceId, DateTimeOffset Time, int EventId, string Json);
