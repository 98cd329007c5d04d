namespace LapsCsp.Storage.Audit;

/// <summary>A filter over stored audit records. <see cref="From"/> is inclusive, <see cref="To"/> exclusive; the result is
/// newest first (as Graph lists directoryAudits) unless <see cref="NewestFirst"/> is false.</summary>
/// <param name="Source">The directory row the records came from (<c>entra</c>, <c>ad:contoso.com</c>), or <c>""</c> for
/// records appended without one; <c>null</c> for all.</param>
public sealed record AuditQuery(
    string? Activity = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? DeviceId = null,
    string? Source = null,
    int Skip = 0,
    int Take = 100,
    bool NewestFirst = true);
