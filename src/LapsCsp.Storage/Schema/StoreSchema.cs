using System.Collections.Immutable;

namespace LapsCsp.Storage.Schema;

/// <summary>The store's tables, as an ordered list of migrations applied at open.</summary>
/// <remarks>
/// A migration is never edited once released: a change is a new migration with the next version. Snapshots are stored as
/// JSON documents (the device and directory projects own their shape); only what is queried gets its own column.
/// Times are UTC text of fixed width (<see cref="StoreTime"/>), so text order is time order.
/// </remarks>
internal static class StoreSchema
{
    /// <summary>SQLite <c>PRAGMA application_id</c> marking a LapsCsp store: "LAPS" in ASCII.</summary>
    public const int ApplicationId = 0x4C415053;

    public static readonly ImmutableArray<Migration> Migrations =
    [
        new(1, "devices, device events, directory state, audit records, settings", """
            CREATE TABLE devices (
                device_id  TEXT    NOT NULL PRIMARY KEY,
                snapshot   TEXT    NOT NULL,
                version    INTEGER NOT NULL CHECK (version > 0),
                updated_at TEXT    NOT NULL
            );

            CREATE TABLE device_events (
                seq       INTEGER PRIMARY KEY AUTOINCREMENT,
                device_id TEXT    NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
                time      TEXT    NOT NULL,
                event_id  INTEGER NOT NULL,
                json      TEXT    NOT NULL
            );
            CREATE INDEX ix_device_events_device_time ON device_events (device_id, time);

            CREATE TABLE directory_state (
                name       TEXT    NOT NULL PRIMARY KEY,
                snapshot   TEXT    NOT NULL,
                version    INTEGER NOT NULL CHECK (version > 0),
                updated_at TEXT    NOT NULL
            );

            CREATE TABLE audit_records (
                seq       INTEGER PRIMARY KEY AUTOINCREMENT,
                source    TEXT    NOT NULL,
                id        TEXT    NOT NULL,
                time      TEXT    NOT NULL,
                activity  TEXT    NOT NULL,
                category  TEXT    NOT NULL,
                result    TEXT    NOT NULL,
                device_id TEXT,
                actor     TEXT,
                json      TEXT    NOT NULL,
                UNIQUE (source, id)
            );
            CREATE INDEX ix_audit_records_time ON audit_records (time);
            CREATE INDEX ix_audit_records_activity_time ON audit_records (activity, time);
            CREATE INDEX ix_audit_records_device_time ON audit_records (device_id, time);

            CREATE TABLE key_value (
                key        TEXT NOT NULL PRIMARY KEY,
                value      TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            """),
    ];
}
