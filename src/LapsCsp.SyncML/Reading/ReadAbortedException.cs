namespace LapsCsp.SyncML.Reading;

/// <summary>Stops the parser at the first error; <see cref="SyncMLReader"/> turns it into the refused result.</summary>
internal sealed class ReadAbortedException(SyncMLDiagnostic diagnostic) : Exception(diagnostic.ToString())
{
    public SyncMLDiagnostic Diagnostic { get; } = diagnostic;
}
