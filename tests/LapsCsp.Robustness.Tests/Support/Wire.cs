using System.Collections.Immutable;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.SyncML.Writing;

namespace LapsCsp.Robustness.Tests.Support;

/// <summary>Builds server packages and moves them over the wire format (writer, then reader), as a real MDM exchange would.</summary>
internal static class Wire
{
    public const string DeviceId = "LAPSCSP-DEVICE-0001";

    public static SyncMLMessage Package(IEnumerable<SyncCommand> commands, string msgId = "1", string sessionId = "1", string target = DeviceId) =>
        new(new SyncHeader(sessionId, msgId, target, "https://mdm.example/"), [.. commands]);

    public static ItemCommand Command(ItemCommandKind kind, string? cmdId, string uri, string? data = null, string? format = null) =>
        new(kind, cmdId, [new Item(TargetUri: uri, Meta: SyncML.Messages.Meta.FromFormat(format), Data: ItemData.Of(data))]);

    public static byte[] Bytes(SyncMLMessage message) => SyncMLWriter.WriteToUtf8(message);

    /// <summary>Writes the message and reads it back strictly, failing the test if our own writer's output is refused.</summary>
    public static SyncMLMessage RoundTrip(SyncMLMessage message)
    {
        var read = SyncMLReader.Read(Bytes(message));
        read.Succeeded.Should().BeTrue("the writer's output must be readable: " + string.Join("; ", read.Errors));
        return read.Message!;
    }

    public static string Text(SyncMLMessage message) => SyncMLWriter.WriteToString(message);

    public static ImmutableArray<StatusCommand> Statuses(SyncMLMessage reply) => [.. reply.Commands.OfType<StatusCommand>()];
}
