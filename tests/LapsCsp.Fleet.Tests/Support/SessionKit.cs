using System.Collections.Immutable;
using System.Text;
using LapsCsp.Device;
using LapsCsp.Device.Session;
using LapsCsp.Enrollment.Client;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Security;
using LapsCsp.Fleet.Session;
using LapsCsp.Fleet.Transport;
using LapsCsp.SyncML;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.Fleet.Tests.Support;

/// <summary>A channel that answers from a script and records what the client sent.</summary>
internal sealed class RecordingChannel(Func<ManagementRequest, int, ManagementResponse> respond) : IManagementChannel
{
    public List<ManagementRequest> Requests { get; } = [];

    public static RecordingChannel Answering(params string[] bodies) =>
        new((_, i) => Ok(i < bodies.Length ? bodies[i] : ""));

    public static ManagementResponse Ok(string body) => new(200, SyncMLMessage.MediaType, Encoding.UTF8.GetBytes(body));

    public string BodyText(int index) => Encoding.UTF8.GetString(Requests[index].Body);

    public Task<ManagementResponse> SendAsync(ManagementRequest request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        return Task.FromResult(respond(request, Requests.Count - 1));
    }
}

/// <summary>A device side that answers every command with one code (the Personalization CSP's 202 of r22, a Fleet
/// profile's 200 of r24) without a CSP tree.</summary>
internal sealed class FixedCodeDevice(string code) : IDmCommandHandler
{
    public List<SyncMLMessage> Seen { get; } = [];

    public DmReply Process(SyncMLMessage serverMessage)
    {
        Seen.Add(serverMessage);
        var id = 1;
        var msgRef = serverMessage.Header.MsgId;
        var replies = ImmutableArray.CreateBuilder<SyncCommand>();
        replies.Add(new StatusCommand((id++).ToString(System.Globalization.CultureInfo.InvariantCulture), msgRef, "0", "SyncHdr", "200"));
        void Add(SyncCommand c)
        {
            replies.Add(new StatusCommand((id++).ToString(System.Globalization.CultureInfo.InvariantCulture), msgRef, c.CmdId, c.ElementName, code));
            if (c is AtomicCommand a) foreach (var child in a.Commands) Add(child);
        }

        foreach (var command in serverMessage.Commands) Add(command);
        var header = new SyncHeader(serverMessage.Header.SessionId, "2", serverMessage.Header.SourceUri, serverMessage.Header.TargetUri);
        return new DmReply(new SyncMLMessage(header, replies.ToImmutable()), []);
    }
}

internal static class SessionKit
{
    /// <summary>The real Windows 10 19043 VM of r20/r22 (PoC Source B).</summary>
    public static DmClientState R20Device => new()
    {
        ManagementUrl = "https://pocmdmserver.com/ManagementServer/MDM.svc",
        ProviderId = "DEMO MDM",
        Device = new DmDeviceInfo { DeviceId = "1E08C6E95D8BB843B1278FF45BC60CC6" },
        CredentialScheme = CredentialScheme.None,
        CorrelationVectorBase = "OTrP9+n7GU+OcSEg",
    };

    /// <summary>The VM of e09/e10 (Fleet's PoC capture, Source A), before its second session.</summary>
    public static DmClientState E10Device => new()
    {
        ManagementUrl = "https://windows.fleetdm.ngrok.io/ManagementServer/MDM.svc",
        ProviderId = "DEMO MDM",
        Device = new DmDeviceInfo { DeviceId = "B5B954E81FBCB94EB79BD08BE625F4EE" },
        CredentialScheme = CredentialScheme.None,
        CorrelationVectorBase = "OTrP9+n7GU+OcSEg",
        LastSessionId = 1,
        SessionsRun = 1,
    };

    public static DmClientAuthentication NoAuth => new(CredentialScheme.None, null, null);

    public static DmClientAuthentication AuthFor(DmClientState state) =>
        new(state.CredentialScheme, state.Credential, null, state.ChallengeNonceKnown);

    public static DmClient Client(IManagementChannel channel, IDmCommandHandler device, TimeProvider? clock = null, DmClientOptions? options = null) =>
        new(channel, device, clock ?? new LapsCsp.Fleet.Scheduling.SessionClock(FleetTestKit.Start), options ?? new DmClientOptions { KeepTrace = true });

    /// <summary>Enrolls a generated device with the test server through the real enrollment client.</summary>
    public static async Task<DeviceEnrollmentIdentity> EnrollAsync(ScriptedMdmServer server, TimeProvider time, int seed = 1)
    {
        var profile = DeviceProfile.Generate(new Random(seed), "user@example.test");
        var client = new EnrollmentClient(r => server.SendEnrollmentAsync(r, CancellationToken.None), time, new EnrollmentClientOptions
        {
            DiscoveryUrl = server.DiscoveryUrl.ToString(),
            KeyFactory = FleetTestKit.Keys.Create,
        });
        var outcome = await client.EnrollAsync(profile, EnrollmentCredential.UsernamePassword("user@example.test", "pw"));
        outcome.Succeeded.Should().BeTrue(outcome.ToString());
        return outcome.Identity!;
    }

    public static DmClientState StateFor(DeviceEnrollmentIdentity identity) =>
        DmClientState.FromEnrollment(identity, new DmDeviceInfo { DeviceId = identity.DeviceId, HwDevId = identity.HwDevId }, "AAAAAAAAAAAAAAAA");

    public static SimulatedDevice DeviceFor(DeviceEnrollmentIdentity identity, TimeProvider time) =>
        new(new DeviceOptions { DeviceId = identity.DeviceId, PasswordSeed = 7, JoinType = LapsCsp.Device.Identity.JoinType.EntraJoined }, time);

    public static ItemCommand Get(string uri) => new(ItemCommandKind.Get, "1", [new Item(TargetUri: uri)]);

    public static ItemCommand Replace(string uri, string data, string format = "int") =>
        new(ItemCommandKind.Replace, "1", [new Item(TargetUri: uri, Meta: new Meta(Format: format), Data: new ItemData(data))]);

    public static ItemCommand Exec(string uri) => new(ItemCommandKind.Exec, "1", [new Item(TargetUri: uri)]);

    /// <summary>The Entra LAPS policy of the CSP docs (r01) as an Atomic of Adds.</summary>
    public static AtomicCommand EntraLapsPolicy(int passwordAgeDays = 7) => new("1",
    [
        Add("BackupDirectory", "1"), Add("PasswordAgeDays", passwordAgeDays.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Add("PasswordComplexity", "4"), Add("PasswordLength", "20"),
    ]);

    private static ItemCommand Add(string leaf, string value) =>
        new(ItemCommandKind.Add, "1", [new Item(TargetUri: "./Device/Vendor/MSFT/LAPS/Policies/" + leaf, Meta: new Meta(Format: "int"), Data: new ItemData(value))]);

    public static IEnumerable<StatusCommand> StatusesOf(SyncMLMessage message) => message.Commands.OfType<StatusCommand>();

    public static StatusCode Code(StatusCommand status) => (StatusCode)int.Parse(status.Code, System.Globalization.CultureInfo.InvariantCulture);
}
