namespace LapsCsp.Storage.Schema;

/// <summary>One step of the schema: the SQL that takes the store from <c>Version - 1</c> to <see cref="Version"/>.</summary>
internal sealed record Migration(int Version, string Description, string Sql);
