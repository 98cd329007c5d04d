using System.Collections.Immutable;

namespace LapsCsp.Ddf.Loading;

/// <summary>Thrown by <see cref="DdfLoader.LoadOrThrow"/> when a DDF has problems; the message lists all of them.</summary>
public sealed class DdfLoadException : Exception
{
    public DdfLoadException(string? sourceName, ImmutableArray<DdfDiagnostic> diagnostics)
        : base(BuildMessage(sourceName, diagnostics))
    {
        SourceName = sourceName;
        Diagnostics = diagnostics;
    }

    public string? SourceName { get; }

    public ImmutableArray<DdfDiagnostic> Diagnostics { get; }

    private static string BuildMessage(string? sourceName, ImmutableArray<DdfDiagnostic> diagnostics)
    {
        var header = $"DDF {sourceName ?? "(text)"} has {diagnostics.Length} problem{(diagnostics.Length == 1 ? string.Empty : "s")}:";
        return header + Environment.NewLine + string.Join(Environment.NewLine, diagnostics.Select(d => "  " + d));
    }
}
