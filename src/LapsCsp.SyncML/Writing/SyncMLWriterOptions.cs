namespace LapsCsp.SyncML.Writing;

/// <summary>Layout of <see cref="SyncMLWriter"/> output. No option changes what a reader gets back.</summary>
public sealed record SyncMLWriterOptions
{
    /// <summary>Indented output (two spaces, LF), for people and logs; false gives one line, as Windows sends.</summary>
    public bool Indent { get; init; } = true;

    /// <summary>Start with <c>&lt;?xml version="1.0" encoding="utf-8"?&gt;</c>.</summary>
    public bool XmlDeclaration { get; init; }

    /// <summary>Inside an Alert (its Meta and its Items' Meta), write Type before Format, as the Windows DM client does in
    /// its generic alerts (corpus e10); everywhere else the MetInf DTD order, Format first.</summary>
    public bool AlertMetaTypeFirst { get; init; }
}
