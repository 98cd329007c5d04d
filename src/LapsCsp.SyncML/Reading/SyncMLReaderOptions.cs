namespace LapsCsp.SyncML.Reading;

/// <summary>Limits and leniency of <c>SyncMLReader</c>.</summary>
public sealed record SyncMLReaderOptions
{
    /// <summary>Strict reading (default): MS-MDM envelope rules.</summary>
    public static SyncMLReaderOptions Strict { get; } = new();

    /// <summary>Accepts the known quirks of the LAPS CSP document's samples and reports each as a warning.</summary>
    public static SyncMLReaderOptions Lenient { get; } = new() { AllowQuirks = true };

    /// <summary>Accept <c>&lt;SyncMl&gt;</c>, <c>CmdId</c>, a missing SyncHdr, a bare SyncBody and an escaped <c>&amp;lt;Final/&amp;gt;</c> text node.</summary>
    public bool AllowQuirks { get; init; }

    /// <summary>Largest message accepted, in bytes (default 16 MiB).</summary>
    public long MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Most commands (including those inside Atomic and Sequence) accepted in one message (default 50,000). Status and
    /// Results are not counted: they are answers, bounded by <see cref="MaxMessageBytes"/> like Items, so that the reply to a
    /// package of MaxCommands commands stays readable.</summary>
    public int MaxCommands { get; init; } = 50_000;

    /// <summary>Deepest element nesting accepted (default 32; a DM message needs about 10).</summary>
    public int MaxDepth { get; init; } = 32;
}
