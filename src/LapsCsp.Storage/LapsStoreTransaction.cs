using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LapsCsp.Device;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Audit;
using LapsCsp.Directory.Entra;
using LapsCsp.Storage.Audit;
using LapsCsp.Storage.Devices;
using LapsCsp.Storage.Directories;
using Microsoft.Data.Sqlite;

namespace LapsCsp.Storage;

/// <summary>The work of one <see cref="LapsStore.InTransaction(Action{LapsStoreTransaction})"/>: everything done through it
/// commits together or not at all. Valid only inside that callback and on its thread.</summary>
/// <remarks>
/// Devices and directory rows carry a version for optimistic concurrency: <c>expectedVersion</c> <c>null</c> saves
/// unconditionally, <c>0</c> only if the row does not exist yet, <c>n</c> only if the stored version is still <c>n</c>;
/// otherwise <see cref="ConcurrencyException"/> and nothing is written. A document that no longer parses is reported as
/// <see cref="StoreCorruptException"/> naming its row, and left as it is.
/// </remarks>
public sealed class LapsStoreTransaction
{
    private const int SqliteConstraintForeignKey = 787;
    private static readonly JsonSerializerOptions s_json = JsonSerializerOptions.Default;

    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly TimeProvider _time;
    private readonly string _location;
    private readonly bool _writable;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private List<Action>? _afterCommit;
    private bool _closed;

    internal LapsStoreTransaction(SqliteConnection connection, SqliteTransaction transaction, TimeProvider time, string location, bool writable)
    {
        _connection = connection;
        _transaction = transaction;
        _time = time;
        _location = location;
        _writable = writable;
    }

    // ---- Devices ----

    /// <summary>Saves a device's snapshot under its <see cref="DeviceSnapshot.DeviceId"/> and returns the new version.</summary>
    /// <exception cref="ConcurrencyException"><paramref name="expectedVersion"/> does not match the stored row.</exception>
    public long SaveDevice(DeviceSnapshot snapshot, long? expectedVersion = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentException.ThrowIfNullOrWhiteSpace(snapshot.DeviceId);
        return SaveDocument(Tables.Devices, snapshot.DeviceId, snapshot.ToJson(), expectedVersion);
    }

    public DeviceSnapshot? LoadDevice(string deviceId) => LoadDeviceRecord(deviceId)?.Snapshot;

    /// <summary>The device with its version and last save time, or <c>null</c>.</summary>
    public StoredDevice? LoadDeviceRecord(string deviceId)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        var row = LoadDocument(Tables.Devices, deviceId);
        if (row is null) return null;
        DeviceSnapshot snapshot;
        try
        {
            snapshot = DeviceSnapshot.FromJson(row.Value.Json);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            throw Corrupt(Tables.Devices.Name, deviceId, "its snapshot JSON does not parse: " + ex.Message, ex);
        }

        if (!string.Equals(snapshot.DeviceId, deviceId, StringComparison.Ordinal))
        {
            throw Corrupt(Tables.Devices.Name, deviceId, $"its snapshot belongs to device '{snapshot.DeviceId}'", null);
        }

        return new StoredDevice(snapshot, row.Value.Version, row.Value.UpdatedAt);
    }

    /// <summary>Deletes a device and its events; false when there was none.</summary>
    public bool DeleteDevice(string deviceId, long? expectedVersion = null) => DeleteDocument(Tables.Devices, deviceId, expectedVersion);

    /// <summary>Device ids in ordinal order, for paging with skip/take.</summary>
    public IReadOnlyList<string> ListDeviceIds(int skip, int take)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        var command = Command("SELECT device_id FROM devices ORDER BY device_id LIMIT $take OFFSET $skip");
        command.Parameters.AddWithValue("$take", take);
        command.Parameters.AddWithValue("$skip", skip);
        return ReadStrings(command);
    }

    /// <summary>Keyset paging: up to <paramref name="take"/> device ids after <paramref name="afterDeviceId"/> (null: from the
    /// start) in ordinal order. Unlike skip/take, its cost does not grow with the page number.</summary>
    public IReadOnlyList<string> ListDeviceIdsAfter(string? afterDeviceId, int take)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        var command = Command("SELECT device_id FROM devices WHERE $after IS NULL OR device_id > $after ORDER BY device_id LIMIT $take");
        command.Parameters.AddWithValue("$after", (object?)afterDeviceId ?? DBNull.Value);
        command.Parameters.AddWithValue("$take", take);
        return ReadStrings(command);
    }

    public int CountDevices() => (int)ScalarLong(Command("SELECT count(*) FROM devices"));

    // ---- Device events ----

    /// <summary>Appends an event of a stored device and returns its sequence number.</summary>
    /// <exception cref="KeyNotFoundException">No device with that id is stored.</exception>
    public long AppendDeviceEvent(string deviceId, DateTimeOffset time, int eventId, string json)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        EnsureWritable();
        RequireJson(json, nameof(json));
        var command = Command("""
            INSERT INTO device_events (device_id, time, event_id, json) VALUES ($device, $time, $event, $json) RETURNING seq
            """);
        command.Parameters.AddWithValue("$device", deviceId);
        command.Parameters.AddWithValue("$time", StoreTime.Format(time));
        command.Parameters.AddWithValue("$event", eventId);
        command.Parameters.AddWithValue("$json", json);
        try
        {
            return ScalarLong(command);
        }
        catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == SqliteConstraintForeignKey)
        {
            throw new KeyNotFoundException($"No device '{deviceId}' is stored; save it before its events.", ex);
        }
    }

    /// <summary>A device's events in time order, optionally one event id and a time range [from, to).</summary>
    public IReadOnlyList<StoredDeviceEvent> QueryDeviceEvents(
        string deviceId, int? eventId = null, DateTimeOffset? from = null, DateTimeOffset? to = null, int skip = 0, int take = 100)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        var command = Command("""
            SELECT seq, time, event_id, json FROM device_events
            WHERE device_id = $device
              AND ($event IS NULL OR event_id = $event)
              AND ($from IS NULL OR time >= $from)
              AND ($to IS NULL OR time < $to)
            ORDER BY time, seq LIMIT $take OFFSET $skip
            """);
        command.Parameters.AddWithValue("$device", deviceId);
        command.Parameters.AddWithValue("$event", (object?)eventId ?? DBNull.Value);
        command.Parameters.AddWithValue("$from", from is { } f ? StoreTime.Format(f) : DBNull.Value);
        command.Parameters.AddWithValue("$to", to is { } t ? StoreTime.Format(t) : DBNull.Value);
        command.Parameters.AddWithValue("$take", take);
        command.Parameters.AddWithValue("$skip", skip);
        using var reader = command.ExecuteReader();
        var events = new List<StoredDeviceEvent>();
        while (reader.Read())
        {
            var seq = reader.GetInt64(0);
            events.Add(new StoredDeviceEvent(seq, deviceId, ParseTime(reader.GetString(1), "device_events", seq), reader.GetInt32(2), reader.GetString(3)));
        }

        return events;
    }

    // ---- Directories ----

    /// <summary>Saves a directory's snapshot JSON under <paramref name="name"/> (see <see cref="DirectoryNames"/>).</summary>
    public long SaveDirectory(string name, string json, long? expectedVersion = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        RequireJson(json, nameof(json));
        return SaveDocument(Tables.Directories, name, json, expectedVersion);
    }

    /// <summary>The directory's snapshot JSON, or <c>null</c>.</summary>
    public string? LoadDirectory(string name) => LoadDirectoryRecord(name)?.Json;

    public StoredDirectory? LoadDirectoryRecord(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var row = LoadDocument(Tables.Directories, name);
        if (row is null) return null;
        if (!IsJson(row.Value.Json, out var problem)) throw Corrupt(Tables.Directories.Name, name, "its snapshot is not JSON: " + problem, null);
        return new StoredDirectory(name, row.Value.Json, row.Value.Version, row.Value.UpdatedAt);
    }

    public IReadOnlyList<string> ListDirectoryNames() => ReadStrings(Command("SELECT name FROM directory_state ORDER BY name"));

    /// <summary>Saves an Entra ID tenant: its snapshot without the audit log under <see cref="DirectoryNames.Entra"/>, and
    /// each audit record as a queryable row (records already stored are skipped, so saving the whole snapshot every time
    /// stores each record once).</summary>
    public long SaveEntra(EntraIdSnapshot snapshot, long? expectedVersion = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var version = SaveDirectory(DirectoryNames.Entra, JsonSerializer.Serialize(snapshot with { Audit = [] }, s_json), expectedVersion);
        AppendAudit(snapshot.Audit, DirectoryNames.Entra);
        return version;
    }

    /// <summary>The Entra ID tenant saved by <see cref="SaveEntra"/>, with its audit log back in order; <c>null</c> if none.</summary>
    public EntraIdSnapshot? LoadEntra()
    {
        var snapshot = LoadTyped<EntraIdSnapshot>(DirectoryNames.Entra);
        return snapshot is null ? null : snapshot with { Audit = SourceAudit(DirectoryNames.Entra) };
    }

    /// <summary>Saves an Active Directory domain under <see cref="DirectoryNames.ActiveDirectory"/> of its DNS name, its audit
    /// log as rows (as <see cref="SaveEntra"/>). The snapshot holds the KDS keys, so the stored passwords stay decryptable.</summary>
    public long SaveActiveDirectory(ActiveDirectorySnapshot snapshot, long? expectedVersion = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var name = DirectoryNames.ActiveDirectory(snapshot.DnsDomainName);
        var version = SaveDirectory(name, JsonSerializer.Serialize(snapshot with { Audit = [] }, s_json), expectedVersion);
        AppendAudit(snapshot.Audit, name);
        return version;
    }

    public ActiveDirectorySnapshot? LoadActiveDirectory(string dnsDomainName)
    {
        var name = DirectoryNames.ActiveDirectory(dnsDomainName);
        var snapshot = LoadTyped<ActiveDirectorySnapshot>(name);
        return snapshot is null ? null : snapshot with { Audit = SourceAudit(name) };
    }

    // ---- Audit ----

    /// <summary>Stores an audit record; false when a record with the same id is already stored for that source.</summary>
    /// <param name="source">The directory row it belongs to (<see cref="DirectoryNames"/>), or <c>null</c>.</param>
    public bool AppendAudit(DirectoryAuditRecord record, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrWhiteSpace(record.Id);
        EnsureWritable();
        var command = Command("""
            INSERT INTO audit_records (source, id, time, activity, category, result, device_id, actor, json)
            VALUES ($source, $id, $time, $activity, $category, $result, $device, $actor, $json)
            ON CONFLICT (source, id) DO NOTHING
            """);
        var target = record.TargetResources.IsDefaultOrEmpty ? null : record.TargetResources[0].Id;
        var actor = record.InitiatedBy?.User?.UserPrincipalName ?? record.InitiatedBy?.User?.DisplayName ?? record.InitiatedBy?.App?.DisplayName;
        command.Parameters.AddWithValue("$source", source ?? "");
        command.Parameters.AddWithValue("$id", record.Id);
        command.Parameters.AddWithValue("$time", StoreTime.Format(record.ActivityDateTime));
        command.Parameters.AddWithValue("$activity", record.ActivityDisplayName ?? "");
        command.Parameters.AddWithValue("$category", record.Category ?? "");
        command.Parameters.AddWithValue("$result", record.Result ?? "");
        command.Parameters.AddWithValue("$device", (object?)target ?? DBNull.Value);
        command.Parameters.AddWithValue("$actor", (object?)actor ?? DBNull.Value);
        command.Parameters.AddWithValue("$json", JsonSerializer.Serialize(record, s_json));
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>Stores several audit records in order; returns how many were new.</summary>
    public int AppendAudit(IEnumerable<DirectoryAuditRecord> records, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records is ImmutableArray<DirectoryAuditRecord> { IsDefault: true }) return 0;
        var added = 0;
        foreach (var record in records)
        {
            if (AppendAudit(record, source)) added++;
        }

        return added;
    }

    /// <summary>Audit records of an activity (e.g. <see cref="LapsAuditActivities.RecoverPassword"/>) in [from, to), newest first.</summary>
    public IReadOnlyList<DirectoryAuditRecord> QueryAudit(
        string? activity = null, DateTimeOffset? from = null, DateTimeOffset? to = null, int skip = 0, int take = 100) =>
        QueryAudit(new AuditQuery(activity, from, to, Skip: skip, Take: take));

    public IReadOnlyList<DirectoryAuditRecord> QueryAudit(AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Skip);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Take);
        var order = query.NewestFirst ? "time DESC, seq DESC" : "time, seq";
        var command = AuditCommand($"SELECT seq, json FROM audit_records WHERE {AuditFilter} ORDER BY {order} LIMIT $take OFFSET $skip", query);
        command.Parameters.AddWithValue("$take", query.Take);
        command.Parameters.AddWithValue("$skip", query.Skip);
        return ReadAudit(command);
    }

    /// <summary>How many audit records match (Skip and Take are ignored).</summary>
    public int CountAudit(AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return (int)ScalarLong(AuditCommand($"SELECT count(*) FROM audit_records WHERE {AuditFilter}", query));
    }

    // ---- Settings ----

    public string? GetSetting(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var command = Command("SELECT value FROM key_value WHERE key = $key");
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() as string;
    }

    /// <summary>Every setting whose key starts with <paramref name="prefix"/>, in key order (a range scan of the key index).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ListSettings(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var command = Command("SELECT key, value FROM key_value WHERE key >= $low AND key < $high ORDER BY key");
        command.Parameters.AddWithValue("$low", prefix);
        command.Parameters.AddWithValue("$high", prefix + "\uFFFF");
        var list = new List<KeyValuePair<string, string>>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) list.Add(new(reader.GetString(0), reader.GetString(1)));
        return list;
    }

    /// <summary>Sets a small setting; <c>null</c> removes it.</summary>
    public void SetSetting(string key, string? value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        EnsureWritable();
        SqliteCommand command;
        if (value is null)
        {
            command = Command("DELETE FROM key_value WHERE key = $key");
        }
        else
        {
            command = Command("""
                INSERT INTO key_value (key, value, updated_at) VALUES ($key, $value, $at)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """);
            command.Parameters.AddWithValue("$value", value);
            command.Parameters.AddWithValue("$at", StoreTime.Format(_time.GetUtcNow()));
        }

        command.Parameters.AddWithValue("$key", key);
        command.ExecuteNonQuery();
    }

    // ---- Plumbing ----

    /// <summary>Runs <paramref name="action"/> once the transaction has committed (never if it rolls back).</summary>
    internal void AfterCommit(Action action) => (_afterCommit ??= []).Add(action);

    internal void Close()
    {
        _closed = true;
        foreach (var command in _commands.Values) command.Dispose();
        _commands.Clear();
    }

    internal void RunAfterCommit()
    {
        if (_afterCommit is null) return;
        foreach (var action in _afterCommit) action();
    }

    private const string AuditFilter = """
        ($activity IS NULL OR activity = $activity)
        AND ($from IS NULL OR time >= $from)
        AND ($to IS NULL OR time < $to)
        AND ($device IS NULL OR device_id = $device)
        AND ($source IS NULL OR source = $source)
        """;

    private SqliteCommand AuditCommand(string sql, AuditQuery query)
    {
        var command = Command(sql);
        command.Parameters.AddWithValue("$activity", (object?)query.Activity ?? DBNull.Value);
        command.Parameters.AddWithValue("$from", query.From is { } f ? StoreTime.Format(f) : DBNull.Value);
        command.Parameters.AddWithValue("$to", query.To is { } t ? StoreTime.Format(t) : DBNull.Value);
        command.Parameters.AddWithValue("$device", (object?)query.DeviceId ?? DBNull.Value);
        command.Parameters.AddWithValue("$source", (object?)query.Source ?? DBNull.Value);
        return command;
    }

    /// <summary>Every record of one source, in the order it was stored.</summary>
    private ImmutableArray<DirectoryAuditRecord> SourceAudit(string source)
    {
        var command = Command("SELECT seq, json FROM audit_records WHERE source = $source ORDER BY seq");
        command.Parameters.AddWithValue("$source", source);
        return [.. ReadAudit(command)];
    }

    private List<DirectoryAuditRecord> ReadAudit(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var records = new List<DirectoryAuditRecord>();
        while (reader.Read())
        {
            var seq = reader.GetInt64(0);
            try
            {
                records.Add(JsonSerializer.Deserialize<DirectoryAuditRecord>(reader.GetString(1), s_json)
                    ?? throw new JsonException("the document is null"));
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException)
            {
                throw Corrupt("audit_records", seq.ToString(CultureInfo.InvariantCulture), "its JSON does not parse: " + ex.Message, ex);
            }
        }

        return records;
    }

    private T? LoadTyped<T>(string name)
        where T : class
    {
        var json = LoadDirectory(name);
        if (json is null) return null;
        try
        {
            return JsonSerializer.Deserialize<T>(json, s_json) ?? throw new JsonException("the document is null");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            throw Corrupt(Tables.Directories.Name, name, $"it is not a {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    private long SaveDocument(Tables.DocumentTable table, string key, string json, long? expectedVersion)
    {
        EnsureWritable();
        if (expectedVersion is < 0) throw new ArgumentOutOfRangeException(nameof(expectedVersion), expectedVersion, "A version is 0 (new) or more.");
        var current = CurrentVersion(table, key);
        CheckVersion(table, key, expectedVersion, current);
        var next = (current ?? 0) + 1;
        var command = Command(current is null
            ? $"INSERT INTO {table.Name} ({table.Key}, snapshot, version, updated_at) VALUES ($key, $json, $version, $at)"
            : $"UPDATE {table.Name} SET snapshot = $json, version = $version, updated_at = $at WHERE {table.Key} = $key");
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$json", json);
        command.Parameters.AddWithValue("$version", next);
        command.Parameters.AddWithValue("$at", StoreTime.Format(_time.GetUtcNow()));
        command.ExecuteNonQuery();
        return next;
    }

    private (string Json, long Version, DateTimeOffset UpdatedAt)? LoadDocument(Tables.DocumentTable table, string key)
    {
        var command = Command($"SELECT snapshot, version, updated_at FROM {table.Name} WHERE {table.Key} = $key");
        command.Parameters.AddWithValue("$key", key);
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        if (reader.IsDBNull(0) || reader.GetFieldType(0) != typeof(string)) throw Corrupt(table.Name, key, "its snapshot is not text", null);
        return (reader.GetString(0), reader.GetInt64(1), ParseTime(reader.GetString(2), table.Name, key));
    }

    private bool DeleteDocument(Tables.DocumentTable table, string key, long? expectedVersion)
    {
        ArgumentNullException.ThrowIfNull(key);
        EnsureWritable();
        var current = CurrentVersion(table, key);
        CheckVersion(table, key, expectedVersion, current);
        if (current is null) return false;
        var command = Command($"DELETE FROM {table.Name} WHERE {table.Key} = $key");
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteNonQuery() == 1;
    }

    private long? CurrentVersion(Tables.DocumentTable table, string key)
    {
        var command = Command($"SELECT version FROM {table.Name} WHERE {table.Key} = $key");
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() is long version ? version : null;
    }

    private static void CheckVersion(Tables.DocumentTable table, string key, long? expected, long? current)
    {
        if (expected is not { } e) return;
        var matches = e == 0 ? current is null : current == e;
        if (!matches) throw new ConcurrencyException(table.Name, key, e, current);
    }

    private SqliteCommand Command(string sql)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.Transaction = _transaction;
            command.CommandText = sql;
            _commands[sql] = command;
        }

        command.Parameters.Clear();
        return command;
    }

    private void EnsureWritable()
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (!_writable) throw new InvalidOperationException("This is a read-only transaction.");
    }

    private static List<string> ReadStrings(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read()) values.Add(reader.GetString(0));
        return values;
    }

    private static long ScalarLong(SqliteCommand command) => Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);

    private DateTimeOffset ParseTime(string text, string table, object key)
    {
        try
        {
            return StoreTime.Parse(text);
        }
        catch (FormatException ex)
        {
            throw Corrupt(table, Convert.ToString(key, CultureInfo.InvariantCulture), $"time '{text}' is not a stored time", ex);
        }
    }

    private StoreCorruptException Corrupt(string table, string? key, string problem, Exception? inner) =>
        new(_location, table, key, problem, inner);

    private static void RequireJson(string json, string parameter)
    {
        ArgumentNullException.ThrowIfNull(json, parameter);
        if (!IsJson(json, out var problem)) throw new ArgumentException("Not a JSON document: " + problem, parameter);
    }

    private static bool IsJson(string json, out string? problem)
    {
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
            if (!reader.Read()) throw new JsonException("empty");
            reader.Skip();
            if (reader.Read()) throw new JsonException("text after the document");
            problem = null;
            return true;
        }
        catch (JsonException ex)
        {
            problem = ex.Message;
            return false;
        }
    }

    private static class Tables
    {
        public static readonly DocumentTable Devices = new("devices", "device_id");
        public static readonly DocumentTable Directories = new("directory_state", "name");

        public sealed record DocumentTable(string Name, string Key);
    }
}
