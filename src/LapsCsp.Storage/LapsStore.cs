using System.Globalization;
using LapsCsp.Device;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Audit;
using LapsCsp.Directory.Entra;
using LapsCsp.Storage.Audit;
using LapsCsp.Storage.Devices;
using LapsCsp.Storage.Directories;
using LapsCsp.Storage.Schema;
using Microsoft.Data.Sqlite;

namespace LapsCsp.Storage;

/// <summary>The embedded SQLite store of devices, directories and audit records (issues 4 item 10, 5, 7 item 4).</summary>
/// <remarks>
/// <para>Durability: WAL journal with <c>synchronous=FULL</c>, so a call that returned has its transaction in the WAL and
/// fsynced: it survives SIGKILL and power loss. Every method is one transaction; <see cref="InTransaction(Action{LapsStoreTransaction})"/>
/// groups several (a rotation = device state + directory backup + audit, all or nothing). Foreign keys are on.</para>
/// <para>Concurrency: thread-safe. On a file, each call takes a pooled connection; writers take the write lock at BEGIN
/// (BEGIN IMMEDIATE) and wait up to <see cref="LapsStoreOptions.BusyTimeout"/> for another writer, in this process or another;
/// readers never wait for writers (WAL). In memory, calls are serialised on the one connection that keeps the database alive.</para>
/// <para>Refusals: a file that is not a SQLite database, is damaged, belongs to another application or has a newer schema is
/// refused at open with <see cref="StoreCorruptException"/> or <see cref="StoreVersionException"/>, and never written to.</para>
/// </remarks>
public sealed class LapsStore : IDisposable
{
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    private readonly string _connectionString;
    private readonly SqliteConnection? _memoryConnection;
    private readonly object _memoryGate = new();
    private readonly ThreadLocal<bool> _inTransaction = new();
    private int _disposed;

    private LapsStore(string location, string connectionString, SqliteConnection? memoryConnection, LapsStoreOptions options)
    {
        Location = location;
        _connectionString = connectionString;
        _memoryConnection = memoryConnection;
        Options = options;
    }

    /// <summary>The database file's full path, or <c>memory:NAME</c>.</summary>
    public string Location { get; }

    public LapsStoreOptions Options { get; }

    /// <summary>The schema version after the migrations ran at open.</summary>
    public int SchemaVersion { get; private set; }

    /// <summary>Opens (creating if needed, with its folder) the store at <paramref name="path"/> and brings its schema up to date.</summary>
    /// <exception cref="StoreCorruptException">The file is not a SQLite database, is damaged, or belongs to another application.</exception>
    /// <exception cref="StoreVersionException">The file was written by a newer LapsCsp.</exception>
    public static LapsStore Open(string path, LapsStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new LapsStoreOptions();
        options.Validate();
        var full = Path.GetFullPath(path);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = TimeoutSeconds(options.BusyTimeout),
        };
        var store = new LapsStore(full, builder.ToString(), null, options);
        store.Initialise(wal: true);
        return store;
    }

    /// <summary>Opens an in-memory store (for tests): a shared-cache database named <paramref name="name"/> that lives while
    /// this store (or another opened on the same name) is open. A new unique name when <c>null</c>.</summary>
    public static LapsStore OpenInMemory(string? name = null, LapsStoreOptions? options = null)
    {
        options ??= new LapsStoreOptions();
        options.Validate();
        name ??= "lapscsp-" + Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = name,
            Mode = SqliteOpenMode.Memory,
            Cache = SqliteCacheMode.Shared,
            Pooling = false,
            DefaultTimeout = TimeoutSeconds(options.BusyTimeout),
        };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        var store = new LapsStore("memory:" + name, builder.ToString(), connection, options);
        store.Initialise(wal: false);
        return store;
    }

    // ---- Devices ----

    /// <inheritdoc cref="LapsStoreTransaction.SaveDevice"/>
    public long SaveDevice(DeviceSnapshot snapshot, long? expectedVersion = null) => Write(tx => tx.SaveDevice(snapshot, expectedVersion));

    public DeviceSnapshot? LoadDevice(string deviceId) => Read(tx => tx.LoadDevice(deviceId));

    /// <inheritdoc cref="LapsStoreTransaction.LoadDeviceRecord"/>
    public StoredDevice? LoadDeviceRecord(string deviceId) => Read(tx => tx.LoadDeviceRecord(deviceId));

    /// <inheritdoc cref="LapsStoreTransaction.DeleteDevice"/>
    public bool DeleteDevice(string deviceId, long? expectedVersion = null) => Write(tx => tx.DeleteDevice(deviceId, expectedVersion));

    /// <inheritdoc cref="LapsStoreTransaction.ListDeviceIds"/>
    public IReadOnlyList<string> ListDeviceIds(int skip, int take) => Read(tx => tx.ListDeviceIds(skip, take));

    /// <inheritdoc cref="LapsStoreTransaction.ListDeviceIdsAfter"/>
    public IReadOnlyList<string> ListDeviceIdsAfter(string? afterDeviceId, int take) => Read(tx => tx.ListDeviceIdsAfter(afterDeviceId, take));

    public int CountDevices() => Read(tx => tx.CountDevices());

    /// <inheritdoc cref="LapsStoreTransaction.AppendDeviceEvent"/>
    public long AppendDeviceEvent(string deviceId, DateTimeOffset time, int eventId, string json) =>
        Write(tx => tx.AppendDeviceEvent(deviceId, time, eventId, json));

    /// <inheritdoc cref="LapsStoreTransaction.QueryDeviceEvents"/>
    public IReadOnlyList<StoredDeviceEvent> QueryDeviceEvents(
        string deviceId, int? eventId = null, DateTimeOffset? from = null, DateTimeOffset? to = null, int skip = 0, int take = 100) =>
        Read(tx => tx.QueryDeviceEvents(deviceId, eventId, from, to, skip, take));

    // ---- Directories ----

    /// <inheritdoc cref="LapsStoreTransaction.SaveDirectory"/>
    public long SaveDirectory(string name, string json, long? expectedVersion = null) => Write(tx => tx.SaveDirectory(name, json, expectedVersion));

    /// <inheritdoc cref="LapsStoreTransaction.LoadDirectory"/>
    public string? LoadDirectory(string name) => Read(tx => tx.LoadDirectory(name));

    public StoredDirectory? LoadDirectoryRecord(string name) => Read(tx => tx.LoadDirectoryRecord(name));

    public IReadOnlyList<string> ListDirectoryNames() => Read(tx => tx.ListDirectoryNames());

    /// <inheritdoc cref="LapsStoreTransaction.SaveEntra"/>
    public long SaveEntra(EntraIdSnapshot snapshot, long? expectedVersion = null) => Write(tx => tx.SaveEntra(snapshot, expectedVersion));

    /// <inheritdoc cref="LapsStoreTransaction.LoadEntra"/>
    public EntraIdSnapshot? LoadEntra() => Read(tx => tx.LoadEntra());

    /// <inheritdoc cref="LapsStoreTransaction.SaveActiveDirectory"/>
    public long SaveActiveDirectory(ActiveDirectorySnapshot snapshot, long? expectedVersion = null) =>
        Write(tx => tx.SaveActiveDirectory(snapshot, expectedVersion));

    public ActiveDirectorySnapshot? LoadActiveDirectory(string dnsDomainName) => Read(tx => tx.LoadActiveDirectory(dnsDomainName));

    // ---- Audit ----

    /// <inheritdoc cref="LapsStoreTransaction.AppendAudit(DirectoryAuditRecord, string?)"/>
    public bool AppendAudit(DirectoryAuditRecord record, string? source = null) => Write(tx => tx.AppendAudit(record, source));

    /// <inheritdoc cref="LapsStoreTransaction.QueryAudit(string?, DateTimeOffset?, DateTimeOffset?, int, int)"/>
    public IReadOnlyList<DirectoryAuditRecord> QueryAudit(
        string? activity = null, DateTimeOffset? from = null, DateTimeOffset? to = null, int skip = 0, int take = 100) =>
        Read(tx => tx.QueryAudit(activity, from, to, skip, take));

    public IReadOnlyList<DirectoryAuditRecord> QueryAudit(AuditQuery query) => Read(tx => tx.QueryAudit(query));

    /// <inheritdoc cref="LapsStoreTransaction.CountAudit"/>
    public int CountAudit(AuditQuery query) => Read(tx => tx.CountAudit(query));

    // ---- Settings ----

    public string? GetSetting(string key) => Read(tx => tx.GetSetting(key));

    /// <inheritdoc cref="LapsStoreTransaction.ListSettings"/>
    public IReadOnlyList<KeyValuePair<string, string>> ListSettings(string prefix) => Read(tx => tx.ListSettings(prefix));

    /// <inheritdoc cref="LapsStoreTransaction.SetSetting"/>
    public void SetSetting(string key, string? value) => Write<object?>(tx =>
    {
        tx.SetSetting(key, value);
        return null;
    });

    // ---- Transactions ----

    /// <summary>Runs <paramref name="work"/> in one write transaction: it commits when the work returns and rolls back, with
    /// nothing of it visible, when the work throws (the exception propagates). Do not call the store itself from inside the
    /// work: use the transaction it is given.</summary>
    public void InTransaction(Action<LapsStoreTransaction> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        Write<object?>(tx =>
        {
            work(tx);
            return null;
        });
    }

    /// <inheritdoc cref="InTransaction(Action{LapsStoreTransaction})"/>
    public T InTransaction<T>(Func<LapsStoreTransaction, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Write(work);
    }

    /// <summary>SQLite <c>PRAGMA integrity_check</c>: empty when the database is sound, else the problems it lists.</summary>
    public IReadOnlyList<string> CheckIntegrity() => WithConnection(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read()) lines.Add(reader.GetString(0));
        return lines is ["ok"] ? (IReadOnlyList<string>)[] : lines;
    });

    /// <summary>Reads a PRAGMA on a connection as the store configures it (for tests of the configuration).</summary>
    internal string? Pragma(string name) => WithConnection(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA " + name;
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    });

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (_memoryConnection is not null)
        {
            lock (_memoryGate) _memoryConnection.Dispose();
        }
        else
        {
            // Pooled connections would keep the file open after the store is gone.
            using var connection = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(connection);
        }

        _inTransaction.Dispose();
    }

    private T Write<T>(Func<LapsStoreTransaction, T> work) => Run(work, writable: true);

    private T Read<T>(Func<LapsStoreTransaction, T> work) => Run(work, writable: false);

    private T Run<T>(Func<LapsStoreTransaction, T> work, bool writable)
    {
        if (_inTransaction.Value)
        {
            throw new InvalidOperationException("The store was called from inside InTransaction; use the transaction passed to the work.");
        }

        return WithConnection(connection =>
        {
            _inTransaction.Value = true;
            try
            {
                // BEGIN IMMEDIATE for writers: the write lock is taken (or waited for) up front, so two writers never
                // deadlock upgrading read locks. Readers use a deferred transaction: a consistent snapshot, no lock.
                using var sqlTransaction = connection.BeginTransaction(deferred: !writable);
                var transaction = new LapsStoreTransaction(connection, sqlTransaction, Options.TimeProvider, Location, writable);
                T result;
                try
                {
                    result = work(transaction);
                }
                finally
                {
                    transaction.Close();
                }

                sqlTransaction.Commit();
                transaction.RunAfterCommit();
                return result;
            }
            finally
            {
                _inTransaction.Value = false;
            }
        });
    }

    /// <summary>Runs <paramref name="action"/> on a configured connection; damage reported by SQLite becomes
    /// <see cref="StoreCorruptException"/>.</summary>
    private T WithConnection<T>(Func<SqliteConnection, T> action)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        try
        {
            if (_memoryConnection is not null)
            {
                lock (_memoryGate)
                {
                    ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
                    return action(_memoryConnection);
                }
            }

            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            Configure(connection);
            return action(connection);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase)
        {
            throw new StoreCorruptException(Location, null, null,
                (ex.SqliteErrorCode == SqliteNotADatabase ? "not a SQLite database" : "the database file is damaged")
                + $" (SQLite: {ex.Message}); it was not changed.", ex);
        }
    }

    private void Configure(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture, $"""
            PRAGMA busy_timeout = {(long)Options.BusyTimeout.TotalMilliseconds};
            PRAGMA synchronous = FULL;
            PRAGMA foreign_keys = ON;
            """);
        command.ExecuteNonQuery();
    }

    private void Initialise(bool wal)
    {
        try
        {
            if (_memoryConnection is not null) Configure(_memoryConnection);
            SchemaVersion = WithConnection(connection =>
            {
                // Read the header before anything writes: a foreign or damaged file fails here, untouched.
                using (var probe = connection.CreateCommand())
                {
                    probe.CommandText = "SELECT count(*) FROM sqlite_schema";
                    probe.ExecuteScalar();
                }

                var version = SchemaMigrator.Migrate(connection, Options.Migrations, Options.TimeProvider, Location);
                if (wal)
                {
                    // Persistent in the file; done after the schema check so a refused file is never switched to WAL.
                    using var journal = connection.CreateCommand();
                    journal.CommandText = "PRAGMA journal_mode = WAL";
                    var mode = Convert.ToString(journal.ExecuteScalar(), CultureInfo.InvariantCulture);
                    if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                    {
                        throw new LapsStoreException($"{Location}: the file system did not allow WAL mode (journal_mode is {mode}).");
                    }
                }

                return version;
            });
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private static int TimeoutSeconds(TimeSpan timeout) => (int)Math.Ceiling(timeout.TotalSeconds);
}
