using System.Collections.Immutable;
using LapsCsp.Ddf.Model;

namespace LapsCsp.Tree.Commands;

/// <summary>The tree operations of OMA-DM (Copy is not in Windows' supported list).</summary>
public enum CspOperation
{
    Add,
    Replace,
    Delete,
    Get,
    Exec,

    /// <summary>A command the session already judged (unknown element, missing CmdID, nested Atomic ...): it carries its fault.</summary>
    Rejected,
}

/// <summary>One operation on one node, free of any wire format.</summary>
/// <param name="Format">The DDF format the sender declared (Meta Format), or null when it declared none.</param>
/// <param name="Data">The value sent, or null when the command had no Data.</param>
public sealed record CspCommand(CspOperation Operation, string Uri, string? Format = null, string? Data = null)
{
    /// <summary>For <see cref="CspOperation.Rejected"/>: the fault and why.</summary>
    public CspFault PresetFault { get; init; }

    public string? PresetReason { get; init; }

    public static CspCommand Add(string uri, string? format, string? data) => new(CspOperation.Add, uri, format, data);

    public static CspCommand Replace(string uri, string? format, string? data) => new(CspOperation.Replace, uri, format, data);

    public static CspCommand Delete(string uri) => new(CspOperation.Delete, uri);

    public static CspCommand Get(string uri) => new(CspOperation.Get, uri);

    public static CspCommand Exec(string uri, string? data = null) => new(CspOperation.Exec, uri, null, data);

    public static CspCommand Rejected(CspFault fault, string reason, string uri = "") =>
        new(CspOperation.Rejected, uri) { PresetFault = fault, PresetReason = reason };
}

/// <summary>Why a command failed, independent of how a protocol profile numbers it.</summary>
/// <remarks>The one table that turns these into OMA-DM status codes is the session's status map.</remarks>
public enum CspFault
{
    None,

    /// <summary>The command is malformed (missing CmdID, unknown element, no Item, bad URI syntax).</summary>
    BadRequest,

    /// <summary>The URI is longer than the tree accepts.</summary>
    UriTooLong,

    /// <summary>No node at the URI (no DDF node, or a dynamic node or leaf that does not exist).</summary>
    NotFound,

    /// <summary>Add on a node that exists.</summary>
    AlreadyExists,

    /// <summary>The operation is outside the node's AccessType.</summary>
    NotAllowed,

    /// <summary>Delete of a permanent node.</summary>
    PermanentNode,

    /// <summary>The node's MSFT:Applicability excludes the device's OS build or edition.</summary>
    NotApplicable,

    /// <summary>The Meta Format is not the node's DFFormat.</summary>
    FormatMismatch,

    /// <summary>The data does not parse for the node's format (e.g. "abc" for int, "yes" for bool).</summary>
    InvalidValue,

    /// <summary>The value is outside the node's MSFT:AllowedValues (range, enum, regex).</summary>
    ValueNotAllowed,

    /// <summary>A DependsOn/NotDependsOn group of the node is not satisfied.</summary>
    DependencyNotMet,

    /// <summary>The value is outside the allowed values a satisfied dependency changes the node to.</summary>
    DependencyValueNotAllowed,

    /// <summary>A write under an MSFT:AtomicRequired node outside an Atomic, when the tree is told to refuse those.</summary>
    AtomicRequired,

    /// <summary>The command is not allowed inside an Atomic (Get, nested Atomic, Exec).</summary>
    NotAllowedInAtomic,

    /// <summary>The command was not executed (after a failure in a Sequence or Atomic).</summary>
    NotExecuted,

    /// <summary>The command succeeded but was rolled back because its Atomic failed.</summary>
    RolledBack,

    /// <summary>The device backend failed to carry out the command.</summary>
    BackendFailure,

    /// <summary>The command is valid OMA-DM but this device does not implement it (Copy).</summary>
    NotImplemented,

    /// <summary>A request for an optional OMA-DM feature the device does not have: a node property it does not keep or an
    /// unknown one, a <c>?list=</c> form it does not serve (TND 8.3.3 and 8.4.1: 406 Optional feature not supported).</summary>
    OptionalFeatureNotSupported,
}

/// <summary>The result of one command: success (possibly asynchronous) or a fault with a human reason.</summary>
public sealed record CspOutcome(CspFault Fault, string? Reason = null)
{
    public static CspOutcome Ok { get; } = new(CspFault.None);

    public bool Succeeded => Fault == CspFault.None;

    /// <summary>True when the backend accepted the command and finishes it later (OMA-DM 202).</summary>
    public bool Asynchronous { get; init; }

    /// <summary>For a successful Get: the value and its format.</summary>
    public CspValue? Value { get; init; }

    /// <summary>For a successful Get with <c>?list=Struct</c> or <c>?list=StructData</c> (OMA-DM TND 1.2 §8.4): the
    /// subtree, one entry per node the server may read, each node before its children. Empty otherwise.</summary>
    public ImmutableArray<CspListedNode> Listing { get; init; } = [];

    /// <summary>Things the tree accepted but a user should know (dependency in warn mode, AtomicRequired outside Atomic).</summary>
    public ImmutableArray<string> Warnings { get; init; } = [];

    public static CspOutcome Fail(CspFault fault, string reason) => new(fault, reason);

    public CspOutcome WithWarning(string warning) => this with { Warnings = Warnings.Add(warning) };
}

/// <summary>A value read from the tree: its text as it goes on the wire and its DDF format (interior nodes: child list, format node).</summary>
public sealed record CspValue(string Data, DdfFormat Format, string? MimeType = null);

/// <summary>One node of a subtree Get (OMA-DM TND 1.2 §8.4.2): one Results Item with Source LocURI <see cref="Path"/>,
/// Meta Format and Type, and for <c>?list=StructData</c> the leaf's value.</summary>
/// <param name="Data">The leaf value (StructData); null for interior nodes and for <c>?list=Struct</c>.</param>
public sealed record CspListedNode(Paths.CspPath Path, DdfFormat Format, string? MimeType, string? Data);
