using System.Net;
using LapsCsp.Server.Mdm;
using LapsCsp.Server.Tests.Support;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Writing;
using Microsoft.Extensions.DependencyInjection;

using static LapsCsp.Server.Tests.Support.MdmClient;

namespace LapsCsp.Server.Tests.Mdm;

/// <summary><see cref="MdmService.Version"/>: it grows with every change of the enrolled devices' records (what the dashboard
/// relies on to skip walking an unchanged fleet) and stays put while nothing changes.</summary>
public class MdmVersionTests
{
    private const string Admin = "globaladmin@contoso.com";

    [Test]
    public async Task Version_grows_when_a_device_enrolls_gets_commands_queued_and_checks_in_and_only_then()
    {
        await using var factory = new LapsServerFactory();
        using var admin = await factory.ClientFor(Admin);
        var mdm = factory.Services.GetRequiredService<MdmService>();
        var seen = new Observed(mdm);
        seen.Unchanged("nothing happened yet");

        var identity = await Enroll(factory, 21);
        seen.Changed("a device enrolled");

        var policyId = await CreatePolicy(admin, """{"backupDirectory":1}""");
        seen.Unchanged("creating a policy assigned to no device changes no record");
        await Post(admin, $"/beta/deviceManagement/lapsPolicies/{policyId}/assign", new { deviceIds = new[] { identity.DeviceId } });
        seen.Changed("the policy was queued for the device");
        using (var rotate = await admin.PostAsync(new Uri($"/beta/deviceManagement/managedDevices/{identity.DeviceId}/rotateLocalAdminPassword", UriKind.Relative), null))
        {
            rotate.StatusCode.Should().Be(HttpStatusCode.Accepted);
        }

        seen.Changed("a rotation was queued");

        using var device = factory.CreateClient();
        var challenge = await Send(device, Package1(identity, "1", "1", cred: null));
        seen.Changed("the check-in without Cred got a challenge: the record keeps the new nonce and the session");
        var reply = await Send(device, Package1(identity, "1", "2", identity.DeviceCredential!.ComputeCred(HeaderStatus(challenge).Chal!.Meta.NextNonce)));
        HeaderStatus(reply).Code.Should().Be("212");
        reply.Commands.OfType<AtomicCommand>().Should().ContainSingle("the policy goes out");
        seen.Changed("the authenticated check-in sent the queued commands");

        var statuses = reply.Commands.Where(c => c is not StatusCommand && c is not AlertCommand)
            .SelectMany(c => c is AtomicCommand a ? new[] { c }.Concat(a.Commands) : [c])
            .Select((c, i) => new StatusCommand((i + 2).ToString(System.Globalization.CultureInfo.InvariantCulture), reply.Header.MsgId, c.CmdId, c.ElementName, "200"))
            .Prepend(new StatusCommand("1", reply.Header.MsgId, "0", "SyncHdr", "200"));
        await Send(device, Message(identity, "1", "3", statuses));
        seen.Changed("the device's Statuses finished the commands");
        mdm.Find(identity.DeviceId)!.Commands.Should().Contain(c => c.Kind == "policy" && c.State == MdmCommandStates.Succeeded);

        await mdm.FlushAsync();
        seen.Unchanged("saving the check-in counters writes the same records");
        using (var unknown = await device.PostAsync(new Uri("/ManagementServer/MDM.svc", UriKind.Relative),
                   SyncMLHttp.Content(SyncMLWriter.WriteToUtf8(new SyncMLMessage(new SyncHeader("1", "1", identity.ManagementUrl, "NOT-ENROLLED"),
                       [new AlertCommand("1", "1201", [])], Final: true)))))
        {
            unknown.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        using (var unreadable = await device.PostAsync(new Uri("/ManagementServer/MDM.svc", UriKind.Relative), SyncMLHttp.Content("<SyncML>")))
        {
            unreadable.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        }

        await Get(admin, "/beta/deviceManagement/enrolledDevices");
        seen.Unchanged("refused messages and reads change no record");

        await Enroll(factory, 22);
        seen.Changed("a second device enrolled");
    }

    /// <summary>What <see cref="MdmService.Version"/> promises, checked at every step: an unchanged version lists the very
    /// same record objects, and a changed record list comes with a grown version.</summary>
    private sealed class Observed(MdmService mdm)
    {
        private long _version = mdm.Version;
        private MdmDeviceRecord[] _records = Records(mdm);

        public void Changed(string because)
        {
            var records = Records(mdm);
            mdm.Version.Should().BeGreaterThan(_version, because);
            records.Should().NotEqual(_records, because);
            (_version, _records) = (mdm.Version, records);
        }

        public void Unchanged(string because)
        {
            var records = Records(mdm);
            mdm.Version.Should().Be(_version, because);
            records.Should().HaveSameCount(_records, because);
            records.Zip(_records).All(p => ReferenceEquals(p.First, p.Second)).Should().BeTrue(because);
        }

        private static MdmDeviceRecord[] Records(MdmService mdm) => [.. mdm.Devices().OrderBy(r => r.DeviceId, StringComparer.Ordinal)];
    }
}
