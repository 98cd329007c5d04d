using System.Collections.Immutable;

namespace LapsCsp.SyncML.Messages;

/// <summary>A command under SyncBody, Atomic or Sequence. CmdID is kept verbatim: Windows echoes non-numeric ids.</summary>
public abstract record SyncCommand(string? CmdId)
{
    /// <summary>The element name, as it goes into a Status's Cmd.</summary>
    public abstract string ElementName { get; }
}

/// <summary>The kinds of item commands a server sends to a device.</summary>
public enum ItemCommandKind
{
    Add,
    Replace,
    Delete,
    Get,
    Exec,
    Copy,
}

/// <summary>Add, Replace, Delete, Get, Exec or Copy: a command that acts on the URIs of its Items.</summary>
/// <remarks>OMA-DM RepPro §4.1.6. Command-level Meta applies to every Item that has none of its own.</remarks>
public sealed record ItemCommand(
    ItemCommandKind Kind,
    string? CmdId,
    ImmutableArray<Item> Items,
    Meta? Meta = null,
    bool NoResp = false,
    string? Correlator = null) : SyncCommand(CmdId)
{
    public override string ElementName => Kind.ToString();

    /// <summary>The Meta that governs an item: its own, else the command's.</summary>
    public Meta? EffectiveMeta(Item item) => item.Meta ?? Meta;
}

/// <summary>The Alert command: an alert code in Data and optional Items (e.g. 1224 LoginStatus, 1226 generic alert).</summary>
public sealed record AlertCommand(string? CmdId, string? Code, ImmutableArray<Item> Items, Meta? Meta = null)
    : SyncCommand(CmdId)
{
    public override string ElementName => "Alert";
}

/// <summary>Atomic: its children succeed or fail as one.</summary>
public sealed record AtomicCommand(string? CmdId, ImmutableArray<SyncCommand> Commands, Meta? Meta = null, bool NoResp = false)
    : SyncCommand(CmdId)
{
    public override string ElementName => "Atomic";
}

/// <summary>Sequence: its children run in order.</summary>
public sealed record SequenceCommand(string? CmdId, ImmutableArray<SyncCommand> Commands, Meta? Meta = null, bool NoResp = false)
    : SyncCommand(CmdId)
{
    public override string ElementName => "Sequence";
}

/// <summary>A Status: the outcome of one command of the other side.</summary>
/// <remarks>MS-MDM 2.2.6.1: (CmdID, MsgRef, CmdRef, Cmd, TargetRef*, SourceRef*, Cred?, Chal?, Data, Item*).</remarks>
public sealed record StatusCommand(
    string? CmdId,
    string? MsgRef,
    string? CmdRef,
    string Cmd,
    string Code,
    ImmutableArray<string> TargetRefs = default,
    ImmutableArray<string> SourceRefs = default,
    ImmutableArray<Item> Items = default,
    Challenge? Chal = null) : SyncCommand(CmdId)
{
    /// <summary>The TargetRefs; an omitted (default) array reads as empty.</summary>
    public ImmutableArray<string> TargetRefs { get; init; } = TargetRefs.IsDefault ? [] : TargetRefs;

    /// <summary>The SourceRefs; an omitted (default) array reads as empty.</summary>
    public ImmutableArray<string> SourceRefs { get; init; } = SourceRefs.IsDefault ? [] : SourceRefs;

    /// <summary>The Items; an omitted (default) array reads as empty.</summary>
    public ImmutableArray<Item> Items { get; init; } = Items.IsDefault ? [] : Items;

    public override string ElementName => "Status";
}

/// <summary>The Chal element of a Status: a Meta with Type, Format and NextNonce.</summary>
public sealed record Challenge(Meta Meta);

/// <summary>Results: the data answering a Get.</summary>
public sealed record ResultsCommand(
    string? CmdId,
    string? MsgRef,
    string? CmdRef,
    ImmutableArray<Item> Items,
    Meta? Meta = null,
    string? TargetRef = null,
    string? SourceRef = null) : SyncCommand(CmdId)
{
    public override string ElementName => "Results";
}

/// <summary>An element under SyncBody, Atomic or Sequence that is not a SyncML DM command the device runs.</summary>
/// <remarks>Windows answers such an element with 400 (OMA DM protocol support: "invalid element under SyncBody").</remarks>
public sealed record UnknownCommand(string Name, string? CmdId) : SyncCommand(CmdId)
{
    public override string ElementName => Name;
}
