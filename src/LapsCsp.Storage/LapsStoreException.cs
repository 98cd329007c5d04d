namespace LapsCsp.Storage;

/// <summary>Base of the store's own errors. I/O and lock-timeout failures of SQLite itself surface as
/// <see cref="Microsoft.Data.Sqlite.SqliteException"/>.</summary>
public class LapsStoreException : Exception
{
    public LapsStoreException(string message)
        : base(message)
    {
    }

    public LapsStoreException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}

/// <summary>The file is not a LapsCsp store (not SQLite, damaged pages, another application's database), or a stored JSON
/// document no longer parses. The store never repairs or overwrites such data: it refuses and names what it found.</summary>
/// <remarks><see cref="Table"/> and <see cref="Key"/> name the row when one row is at fault (e.g. <c>devices</c> and the
/// device id); both are <c>null</c> when the whole file is refused.</remarks>
public sealed class StoreCorruptException : LapsStoreException
{
    public StoreCorruptException(string location, string? table, string? key, string problem, Exception? inner = null)
        : base(Describe(location, table, key, problem), inner)
    {
        Location = location;
        Table = table;
        Key = key;
        Problem = problem;
    }

    /// <summary>The database file (or <c>memory:NAME</c>).</summary>
    public string Location { get; }

    public string? Table { get; }

    public string? Key { get; }

    public string Problem { get; }

    private static string Describe(string location, string? table, string? key, string problem) =>
        table is null
            ? $"{location}: {problem}"
            : $"{location}: row {table}[{key}] is unreadable: {problem}";
}

/// <summary>Optimistic concurrency: a save said which version it had read, and the stored row has moved on since (or was
/// created or deleted meanwhile). Nothing was written; reload and retry.</summary>
public sealed class ConcurrencyException : LapsStoreException
{
    public ConcurrencyException(string table, string key, long expectedVersion, long? actualVersion)
        : base(Describe(table, key, expectedVersion, actualVersion))
    {
        Table = table;
        Key = key;
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    public string Table { get; }

    public string Key { get; }

    /// <summary>The version the caller had read; 0 means "must not exist yet".</summary>
    public long ExpectedVersion { get; }

    /// <summary>The stored version, or <c>null</c> when the row does not exist.</summary>
    public long? ActualVersion { get; }

    private static string Describe(string table, string key, long expected, long? actual) =>
        $"{table}[{key}] changed since it was read: expected version {expected}, stored {(actual is { } a ? $"version {a}" : "nothing")}.";
}

/// <summary>The store was written by a newer build whose schema this build does not know; it is left untouched.</summary>
public sealed class StoreVersionException : LapsStoreException
{
    public StoreVersionException(string location, int foundVersion, int supportedVersion)
        : base($"{location}: schema version {foundVersion} was written by a newer LapsCsp; this build knows versions up to "
            + $"{supportedVersion}. Upgrade LapsCsp or use another data folder; the file was not changed.")
    {
        Location = location;
        FoundVersion = foundVersion;
        SupportedVersion = supportedVersion;
    }

    public string Location { get; }

    public int FoundVersion { get; }

    public int SupportedVersion { get; }
}
