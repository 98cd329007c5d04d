using System.Collections.Immutable;
using LapsCsp.Ddf.Model;

namespace LapsCsp.Ddf.Loading;

/// <summary>The outcome of loading a DDF: the document and every problem found.</summary>
/// <remarks>When the XML was readable and its root is MgmtTree, <see cref="Document"/> holds the best-effort tree even if
/// there are diagnostics (so a tool can still show it); code that needs a valid definition checks <see cref="Succeeded"/>
/// or calls <see cref="DdfLoader.LoadOrThrow"/>.</remarks>
public sealed record DdfLoadResult(DdfDocument? Document, ImmutableArray<DdfDiagnostic> Diagnostics)
{
    /// <summary>True when a document was read and no problem was found.</summary>
    public bool Succeeded => Document is not null && Diagnostics.IsDefaultOrEmpty;
}
