using System.Collections.Immutable;
using LapsCsp.SyncML;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.Device.Session;

/// <summary>The device's reply package and, for people, why each command got its status.</summary>
public sealed record DmReply(SyncMLMessage Message, ImmutableArray<CommandReport> Reports);

/// <summary>One Status of the reply explained: the command, its target, the code and the reason.</summary>
/// <param name="Depth">0 for a top-level command, 1 inside an Atomic or Sequence.</param>
public sealed record CommandReport(
    string? CmdRef,
    string Cmd,
    string? Target,
    StatusCode Status,
    string? Reason,
    ImmutableArray<string> Warnings,
    int Depth = 0);
