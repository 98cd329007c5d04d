using System.Globalization;
using LapsCsp.Device.Catalog;
using LapsCsp.SyncML;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.Tree.Paths;

namespace LapsCsp.Robustness.Tests.Packages;

/// <summary>Checks a device reply against the request it answers: the wire rules of OMA-DM RepPro 1.2 / MS-MDM 2.2.6.1
/// (SyncHdr Status first, one Status per command in request order with MsgRef and CmdRef echoed, a Results after each
/// successful Get and only then), Atomic and Sequence semantics as seen in the codes, and the schema (every code a known
/// status, every Results item a node of the schema with its DDF format and a value of that format).</summary>
internal sealed class ReplyChecks
{
    private readonly SyncMLMessage _request;
    private readonly List<SyncCommand> _reply;
    private readonly List<int> _owners = [];
    private int _position;
    private int _topLevel;

    private ReplyChecks(SyncMLMessage request, SyncMLMessage reply)
    {
        _request = request;
        _reply = [.. reply.Commands];
    }

    /// <summary>Reads the reply strictly and checks it; returns it parsed.</summary>
    public static SyncMLMessage Check(SyncMLMessage request, byte[] replyBytes) => CheckWithOwners(request, replyBytes).Reply;

    /// <summary>Reads the reply strictly and checks it; also says, for each reply command after the SyncHdr Status, the
    /// index of the request's top-level command it answers.</summary>
    public static (SyncMLMessage Reply, IReadOnlyList<int> Owners) CheckWithOwners(SyncMLMessage request, byte[] replyBytes)
    {
        var read = SyncMLReader.Read(replyBytes, SyncMLReaderOptions.Strict);
        read.Succeeded.Should().BeTrue("the reply must parse with our strict reader: " + string.Join("; ", read.Errors));
        var reply = read.Message!;
        reply.Final.Should().BeTrue("the reply is the last message of its package");
        reply.Header.SessionId.Should().Be(request.Header.SessionId, "the reply stays in the request's session");
        reply.Commands.Select(c => c.CmdId).Should().Equal(
            Enumerable.Range(1, reply.Commands.Length).Select(i => i.ToString(CultureInfo.InvariantCulture)), "the device numbers its commands 1, 2, ...");

        var checks = new ReplyChecks(request, reply) { _topLevel = -1 };
        var header = checks.Next<StatusCommand>("the SyncHdr Status comes first");
        header.Cmd.Should().Be("SyncHdr");
        header.CmdRef.Should().Be("0");
        header.MsgRef.Should().Be(request.Header.MsgId);
        header.Code.Should().Be("200");
        for (checks._topLevel = 0; checks._topLevel < request.Commands.Length; checks._topLevel++)
        {
            checks.Expect(request.Commands[checks._topLevel], parent: null);
        }

        checks._position.Should().Be(checks._reply.Count, "nothing follows the last command's Status (and Results)");
        return (reply, checks._owners);
    }

    private T Next<T>(string because) where T : SyncCommand
    {
        _position.Should().BeLessThan(_reply.Count, because + " (the reply ended early)");
        var command = _reply[_position++];
        _owners.Add(_topLevel);
        command.Should().BeOfType<T>(because);
        return (T)command;
    }

    /// <summary>Consumes the Status (and Results) of <paramref name="command"/> and of the children it answers; returns its code.</summary>
    private int Expect(SyncCommand command, SyncCommand? parent)
    {
        var name = $"{command.ElementName} CmdID '{command.CmdId}'";
        var status = Next<StatusCommand>($"{name} gets a Status in request order");
        status.Cmd.Should().Be(command.ElementName, name);
        status.CmdRef.Should().Be(command.CmdId ?? string.Empty, $"{name}: CmdRef echoes the CmdID verbatim");
        status.MsgRef.Should().Be(_request.Header.MsgId, name);
        int.TryParse(status.Code, NumberStyles.None, CultureInfo.InvariantCulture, out var code).Should().BeTrue($"{name}: the code is a number");
        Enum.IsDefined(typeof(StatusCode), code).Should().BeTrue($"{name}: {code} is a status code of the documented table");
        if (command.CmdId is null)
        {
            // 400 when it is judged; 215/216 when an Atomic or Sequence around it failed first.
            code.Should().BeOneOf([400, 215, 216], $"{name}: a command without CmdID is answered 400");
        }

        switch (command)
        {
            case ItemCommand { Kind: ItemCommandKind.Get } get when code == 200:
                CheckResults(get, Next<ResultsCommand>($"{name}: a successful Get is followed by its Results"));
                break;
            case AtomicCommand atomic when parent is null or SequenceCommand:
                // An Atomic without CmdID, or one a Sequence skipped (215), answers for itself only.
                if (atomic.CmdId is null || code == 215) break;
                CheckAtomic(atomic, code, [.. atomic.Commands.Select(c => Expect(c, atomic))]);
                break;
            case SequenceCommand sequence when parent is null:
                if (sequence.CmdId is null) break;
                code.Should().Be(200, "a Sequence that started is 200 whatever its children do (OMA-DM RepPro 4.1.6.14)");
                CheckSequence([.. sequence.Commands.Select(c => Expect(c, sequence))]);
                break;
            case AtomicCommand or SequenceCommand:
                // Nested inside an Atomic (or a Sequence in a Sequence): refused as a whole.
                code.Should().BeOneOf([500, 400, 215, 216], $"{name}: a container nested where it is not supported is refused");
                break;
        }

        return code;
    }

    /// <summary>OMA-DM RepPro 4.1.6.3 as README states it: all 200, or one child with its own failure, 216 before it,
    /// 215 after it, and the Atomic 507.</summary>
    private static void CheckAtomic(AtomicCommand atomic, int code, List<int> children)
    {
        if (code == 200)
        {
            children.Should().NotContain(c => c != 200, "an Atomic that succeeded succeeded in every child");
            return;
        }

        code.Should().Be(507, "a failed Atomic answers 507");
        var failed = children.FindIndex(c => c is not (215 or 216));
        failed.Should().BeGreaterThanOrEqualTo(0, $"a failed Atomic names the child that failed: {string.Join(",", children)}");
        children[failed].Should().BeGreaterThanOrEqualTo(300, "the failing child has its own failure code");
        children.Take(failed).Should().NotContain(c => c != 216, "children before the failure are rolled back");
        children.Skip(failed + 1).Should().NotContain(c => c != 215, "children after the failure are not executed");
        atomic.Commands.Length.Should().Be(children.Count);
    }

    private static void CheckSequence(List<int> children)
    {
        var failed = children.FindIndex(c => c is < 200 or >= 300);
        if (failed < 0) return;
        children.Skip(failed + 1).Should().NotContain(c => c != 215, "after the first failure of a Sequence nothing runs");
    }

    private void CheckResults(ItemCommand get, ResultsCommand results)
    {
        results.CmdRef.Should().Be(get.CmdId);
        results.MsgRef.Should().Be(_request.Header.MsgId);
        results.Items.Should().ContainSingle("one item was asked for");
        var item = results.Items[0];
        item.SourceUri.Should().Be(get.Items[0].TargetUri, "the Results item names the URI as requested");
        CspPath.TryParse(item.SourceUri, out var path, out _).Should().BeTrue("a node that answered has a valid URI");
        CspCatalog.DefaultSchema.TryResolve(path, out var resolved).Should().BeTrue($"{item.SourceUri} is a node of the schema");
        var format = resolved.Node.Format.ToString().ToLowerInvariant();
        item.Meta?.Format.Should().Be(format, $"{item.SourceUri} answers in its DDF format");
        var data = item.Data?.Value ?? string.Empty;
        switch (format)
        {
            case "int":
                int.TryParse(data, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number).Should().BeTrue($"int data '{data}'");
                number.ToString(CultureInfo.InvariantCulture).Should().Be(data, "int data is canonical decimal");
                break;
            case "bool":
                data.Should().BeOneOf("true", "false");
                break;
            case "node":
                if (data.Length > 0) data.Split('/').Should().NotContain(n => n.Length == 0, "an interior node lists child names joined by '/'");
                break;
        }
    }
}
