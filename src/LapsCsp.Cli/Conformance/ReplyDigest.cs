using System.Collections.Immutable;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.Cli.Conformance;

/// <summary>What a conformance check compares in a reply: each Status (Cmd, MsgRef, CmdRef, code) and each Results
/// (CmdRef and every item's Source, Format and Data), in order. Whitespace, CmdIDs and header details are not compared.</summary>
internal static class ReplyDigest
{
    public static ImmutableArray<string> Of(SyncMLMessage message) =>
        [.. message.Commands.SelectMany(Lines)];

    private static IEnumerable<string> Lines(SyncCommand command)
    {
        switch (command)
        {
            case StatusCommand s:
                yield return $"Status {s.Cmd} CmdRef={s.CmdRef ?? "(none)"} MsgRef={s.MsgRef ?? "(none)"} -> {s.Code.Trim()}";
                break;
            case ResultsCommand r:
                yield return $"Results CmdRef={r.CmdRef ?? "(none)"}";
                foreach (var item in r.Items)
                {
                    var format = (item.Meta ?? r.Meta)?.Format ?? "chr";
                    yield return $"  {item.SourceUri} ({format}) = {item.DataText ?? "(no data)"}";
                }

                break;
            default:
                yield return $"{command.ElementName} CmdID={command.CmdId}";
                break;
        }
    }
}
