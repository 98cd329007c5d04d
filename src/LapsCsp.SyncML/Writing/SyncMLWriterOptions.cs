namespace LapsCsp.SyncML.Writing;

/// <summary>Layout of <see cref="SyncMLWriter"/> output. Neither option changes what a reader gets back.</summary>
public sealed record SyncMLWriterOptions
{
    /// <summary>Indented output (two spaces, LF), for people and logs; false gives one line, as Windows sends.</summary>
    public bool Indent { get; init; } = true;

    /// <summary>Start with <c>&lt;?xml version="1.0" encoding="utf-8"?&gt;</c>.</summary>
    public bool XmlDeclaration { get; init; }
}
