namespace LapsCsp.Storage.Directories;

/// <summary>A directory row: its name (<see cref="DirectoryNames"/>), the snapshot JSON, version and last save time.</summary>
public sealed record StoredDirectory(string Name, string Json, long Version, DateTimeOffset UpdatedAt);
