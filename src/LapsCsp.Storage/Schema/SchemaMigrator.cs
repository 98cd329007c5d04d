using System.Globalization;
using Microsoft.Data.Sqlite;

namespace LapsCsp.Storage.Schema;

/// <summary>Recognises a store and brings its schema up to date, all in one write transaction.</summary>
/// <remarks>
/// A file is ours when its <c>application_id</c> is <see cref="StoreSchema.ApplicationId"/>; an empty database (new file) is
/// claimed; anything else (another application's tables) is refused without a write. The current version is the highest row
/// of <c>schema_version</c>; a version above the newest migration this build knows is refused too, because an older build
/// cannot know what a newer one's tables mean. Two processes opening a new file at once are serialised by the transaction
/// (BEGIN IMMEDIATE), and the second finds the work done.
/// </remarks>
internal static class SchemaMigrator
{
    public static int Migrate(SqliteConnection connection, IReadOnlyList<Migration> migrations, TimeProvider time, string location)
    {
        Check(migrations);
        using var transaction = connection.BeginTransaction(deferred: false);
        var applicationId = Scalar(connection, transaction, "PRAGMA application_id");
        var tables = Tables(connection, transaction);
        if (applicationId == 0 && tables.Count == 0)
        {
            Execute(connection, transaction, string.Create(CultureInfo.InvariantCulture, $"PRAGMA application_id = {StoreSchema.ApplicationId}"));
            Execute(connection, transaction, """
                CREATE TABLE schema_version (
                    version     INTEGER NOT NULL PRIMARY KEY,
                    description TEXT    NOT NULL,
                    applied_at  TEXT    NOT NULL
                )
                """);
        }
        else if (applicationId != StoreSchema.ApplicationId)
        {
            var found = tables.Count == 0 ? "no tables" : "tables " + string.Join(", ", tables.Take(8));
            throw new StoreCorruptException(location, null, null, string.Create(CultureInfo.InvariantCulture,
                $"a SQLite database of another application (application_id 0x{applicationId:X8}, {found}), not a LapsCsp store; it was not changed."));
        }
        else if (!tables.Contains("schema_version"))
        {
            throw new StoreCorruptException(location, null, null, "a LapsCsp store without its schema_version table; it was not changed.");
        }

        var current = (int)Scalar(connection, transaction, "SELECT coalesce(max(version), 0) FROM schema_version");
        var latest = migrations[^1].Version;
        if (current > latest) throw new StoreVersionException(location, current, latest);

        foreach (var migration in migrations.Where(m => m.Version > current))
        {
            try
            {
                Execute(connection, transaction, migration.Sql);
            }
            catch (SqliteException ex)
            {
                throw new LapsStoreException(string.Create(CultureInfo.InvariantCulture,
                    $"{location}: migration to schema version {migration.Version} ({migration.Description}) failed and was rolled back: {ex.Message}"), ex);
            }

            using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_version (version, description, applied_at) VALUES ($version, $description, $at)";
            record.Parameters.AddWithValue("$version", migration.Version);
            record.Parameters.AddWithValue("$description", migration.Description);
            record.Parameters.AddWithValue("$at", StoreTime.Format(time.GetUtcNow()));
            record.ExecuteNonQuery();
        }

        transaction.Commit();
        return Math.Max(current, latest);
    }

    private static void Check(IReadOnlyList<Migration> migrations)
    {
        if (migrations.Count == 0) throw new ArgumentException("At least one migration is needed.", nameof(migrations));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Migrations must be numbered 1, 2, 3... in order; position {i} has version {migrations[i].Version}."), nameof(migrations));
            }
        }
    }

    private static List<string> Tables(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }

    private static long Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
