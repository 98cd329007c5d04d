namespace LapsCsp.Directory.Audit;

/// <summary>A directory's audit entries, oldest first. Entries are only ever appended (never trimmed), so a count is also a
/// position: a reader that keeps <see cref="Count"/> reads only what came since with <see cref="Since"/>. Not thread-safe:
/// the directory that owns it calls it under its own lock.</summary>
internal sealed class AuditTrail
{
    private readonly List<DirectoryAuditRecord> _entries = [];

    public int Count => _entries.Count;

    public void Add(DirectoryAuditRecord record) => _entries.Add(record);

    public void AddRange(IEnumerable<DirectoryAuditRecord> records) => _entries.AddRange(records);

    /// <summary>A copy of every entry.</summary>
    public DirectoryAuditRecord[] All() => [.. _entries];

    /// <summary>The entries from position <paramref name="start"/> on.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> is negative or beyond <see cref="Count"/>.</exception>
    public IReadOnlyList<DirectoryAuditRecord> Since(int start)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, _entries.Count);
        return start == _entries.Count ? [] : _entries.GetRange(start, _entries.Count - start);
    }
}
