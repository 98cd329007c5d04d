using LapsCsp.Device.Catalog;
using LapsCsp.Device.Session;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.Testing;
using LapsCsp.Tree;

namespace LapsCsp.Device.Tests.Session;

/// <summary>Builds server packages and runs them through a DM session over the built-in CSPs.</summary>
internal static class SessionHarness
{
    public const string Policies = "./Device/Vendor/MSFT/LAPS/Policies/";

    public static DmSessionProcessor NewSession(ProtocolProfile profile = ProtocolProfile.Windows) =>
        new(new DmTree(CspCatalog.DefaultSchema, StatusMap.TreeOptionsFor(profile)), new SessionOptions { Profile = profile });

    public static SyncMLMessage Package(params SyncCommand[] commands) =>
        new(new SyncHeader("7", "3", "LAPSCSP-DEVICE-0001", "https://mdm.example/dm"), [.. commands]);

    public static ItemCommand Add(string id, string uri, string format, string data) =>
        new(ItemCommandKind.Add, id, [new Item(TargetUri: uri, Meta: new Meta(Format: format), Data: new ItemData(data))]);

    public static ItemCommand Get(string id, params string[] uris) =>
        new(ItemCommandKind.Get, id, [.. uris.Select(u => new Item(TargetUri: u))]);

    public static SyncMLMessage Corpus(string name, bool lenient)
    {
        var read = SyncMLReader.Read(RepoPaths.CorpusBytes(name), lenient ? SyncMLReaderOptions.Lenient : SyncMLReaderOptions.Strict);
        read.Succeeded.Should().BeTrue(string.Join("; ", read.Diagnostics));
        return read.Message!;
    }

    public static List<StatusCommand> Statuses(this DmReply reply) => [.. reply.Message.Commands.OfType<StatusCommand>()];

    public static List<string> Codes(this DmReply reply) => [.. reply.Statuses().Select(s => s.Code)];
}
