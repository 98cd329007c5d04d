namespace LapsCsp.SyncML.Reading;

/// <summary>How serious a reader finding is.</summary>
public enum DiagnosticSeverity
{
    /// <summary>Tolerated (lenient mode), reported so that the user sees the quirk.</summary>
    Warning,

    /// <summary>The message was refused.</summary>
    Error,
}

/// <summary>A positioned finding of the reader. Line and column are 1-based; 0 when unknown.</summary>
public sealed record SyncMLDiagnostic(DiagnosticSeverity Severity, string Code, string Message, int Line, int Column)
{
    public override string ToString() =>
        Line > 0 ? $"{Severity.ToString().ToLowerInvariant()} {Code} at line {Line}, column {Column}: {Message}"
                 : $"{Severity.ToString().ToLowerInvariant()} {Code}: {Message}";
}
