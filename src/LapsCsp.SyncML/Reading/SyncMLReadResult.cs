using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.SyncML.Reading;

/// <summary>What <see cref="SyncMLReader"/> made of its input: the message, or null when it was refused, and the
/// positioned diagnostics (warnings for tolerated quirks, at least one error when refused).</summary>
public sealed record SyncMLReadResult(SyncMLMessage? Message, ImmutableArray<SyncMLDiagnostic> Diagnostics)
{
    [MemberNotNullWhen(true, nameof(Message))]
    public bool Succeeded => Message is not null;

    public IEnumerable<SyncMLDiagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);

    public IEnumerable<SyncMLDiagnostic> Warnings => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning);
}
