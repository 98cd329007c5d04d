namespace LapsCsp.Ddf.Loading;

/// <summary>A problem found in a DDF file, with its 1-based position (0 when unknown).</summary>
public sealed record DdfDiagnostic(string Message, int Line, int Column, string? NodePath = null)
{
    public override string ToString() =>
        (Line > 0 ? $"line {Line}, column {Column}: " : string.Empty) + (NodePath is null ? Message : $"{NodePath}: {Message}");
}
