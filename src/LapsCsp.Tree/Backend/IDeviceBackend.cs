using System.Collections.Immutable;
using LapsCsp.Tree.Commands;
using LapsCsp.Tree.Paths;

namespace LapsCsp.Tree.Backend;

/// <summary>What a device behind the tree does: runs Exec commands, answers computed nodes, and reacts to committed writes.</summary>
/// <remarks>The tree stores policy values itself; a backend is consulted for nodes whose value is the device's live state
/// (e.g. LAPS Actions/ResetPasswordStatus) and told after every commit, so that it can apply policy or create accounts.</remarks>
public interface IDeviceBackend
{
    /// <summary>Runs an Exec on a node whose AccessType has Exec. Returns the outcome (Asynchronous for work that goes on).</summary>
    CspOutcome Execute(CspPath path, string? data);

    /// <summary>The live value of a node the backend owns, or null when the tree's stored value applies.</summary>
    string? ReadLive(CspPath path);

    /// <summary>Vetoes a write before it is staged (e.g. an account that cannot be created). Null when the write may proceed.</summary>
    CspOutcome? Validate(TreeChange change, TreeState staged);

    /// <summary>Called once per committed command or Atomic, with every change it made, in order.</summary>
    void OnCommitted(ImmutableArray<TreeChange> changes, TreeState state);
}

/// <summary>One committed change: the node, what happened, and the new value (null for Delete).</summary>
public sealed record TreeChange(CspPath Path, CspOperation Operation, string? Value);

/// <summary>A backend that does nothing: a bare tree that only stores values.</summary>
public sealed class NullDeviceBackend : IDeviceBackend
{
    public static NullDeviceBackend Instance { get; } = new();

    public CspOutcome Execute(CspPath path, string? data) =>
        CspOutcome.Fail(CspFault.BackendFailure, $"no device backend runs {path}");

    public string? ReadLive(CspPath path) => null;

    public CspOutcome? Validate(TreeChange change, TreeState staged) => null;

    public void OnCommitted(ImmutableArray<TreeChange> changes, TreeState state)
    {
    }
}
