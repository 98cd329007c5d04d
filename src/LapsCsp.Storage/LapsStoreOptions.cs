using LapsCsp.Storage.Schema;

namespace LapsCsp.Storage;

/// <summary>How a <see cref="LapsStore"/> is opened.</summary>
public sealed record LapsStoreOptions
{
    /// <summary>The clock for <c>updated_at</c> and <c>applied_at</c> columns.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long a write waits for another connection or process holding the write lock (SQLite
    /// <c>busy_timeout</c>) before it fails with SQLITE_BUSY.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The schema steps; tests replace them to exercise migration.</summary>
    internal IReadOnlyList<Migration> Migrations { get; init; } = StoreSchema.Migrations;

    /// <summary>Throws one <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (TimeProvider is null) problems.Add("TimeProvider is required.");
        if (BusyTimeout < TimeSpan.Zero || BusyTimeout > TimeSpan.FromHours(1))
        {
            problems.Add($"BusyTimeout {BusyTimeout} must be between 0 and 1 hour.");
        }

        if (problems.Count > 0) throw new ArgumentException(string.Join(" ", problems));
    }
}
