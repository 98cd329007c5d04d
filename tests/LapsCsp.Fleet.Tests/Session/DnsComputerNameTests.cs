using LapsCsp.Fleet.Session;
using LapsCsp.Fleet.Tests.Support;
using LapsCsp.SyncML.Messages;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Fleet.Tests.Session;

/// <summary>A Replace of <c>./DevDetail/Ext/Microsoft/DNSComputerName</c> reaches the DM client, which answers DevDetail
/// itself: with a simulated device behind it, the new name is the device's pending rename (200), applied at its reboot.</summary>
public class DnsComputerNameTests
{
    private const string DnsComputerName = "./DevDetail/Ext/Microsoft/DNSComputerName";
    private const string DeviceName = "./DevDetail/Ext/Microsoft/DeviceName";

    private FakeTimeProvider _time = null!;
    private ScriptedMdmServer _server = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(FleetTestKit.Start);
        _server = new ScriptedMdmServer(_time);
    }

    /// <summary>An enrolled device whose DM client reports the computer name DESKTOP-OLD, and its simulated device.</summary>
    private async Task<(DmClientState State, LapsCsp.Device.SimulatedDevice Device, ScriptedDevice Server)> EnrolledAsync()
    {
        var identity = await SessionKit.EnrollAsync(_server, _time);
        var state = SessionKit.StateFor(identity);
        state = state with { Device = state.Device with { DeviceName = "DESKTOP-OLD", SerialNumber = "SN-0042" } };
        var device = new LapsCsp.Device.SimulatedDevice(
            new LapsCsp.Device.DeviceOptions { DeviceId = identity.DeviceId, DeviceName = "DESKTOP-OLD", JoinType = LapsCsp.Device.Identity.JoinType.EntraJoined },
            _time);
        return (state, device, _server.Device(identity.DeviceId));
    }

    private static List<string> Codes(ScriptedDevice server) => [.. server.Statuses.Where(s => s.Cmd != "SyncHdr").Select(s => $"{s.Cmd}:{s.Code}")];

    [Test]
    public async Task A_Replace_is_200_and_pending_on_the_device_and_DevDetail_keeps_answering_the_active_name()
    {
        var (state, device, server) = await EnrolledAsync();
        server.Enqueue(SessionKit.Replace(DnsComputerName, "KIOSK-%SERIAL%", "chr"), SessionKit.Get(DnsComputerName), SessionKit.Get(DeviceName));

        var result = await SessionKit.Client(_server, new SimulatedDeviceHandler(device)).RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.Scheduled);

        result.Outcome.Should().Be(SessionOutcome.Completed);
        Codes(server).Should().Equal("Replace:200", "Get:200", "Get:200");
        device.PendingComputerName.Should().Be("KIOSK-SN-0042", "%SERIAL% is the serial number the DM client reports");
        server.Results.Select(r => r.Items.Single().DataText).Should().Equal("DESKTOP-OLD", "DESKTOP-OLD");
        device.Identity.HostName.Should().Be("DESKTOP-OLD", "the rename waits for the reboot");

        device.Reboot();

        device.Identity.HostName.Should().Be("KIOSK-SN-0042");
        device.PendingComputerName.Should().BeNull();
    }

    [Test]
    public async Task A_refused_value_is_400_and_leaves_nothing_pending()
    {
        var (state, device, server) = await EnrolledAsync();
        server.Enqueue(SessionKit.Replace(DnsComputerName, "not a name", "chr"));

        await SessionKit.Client(_server, new SimulatedDeviceHandler(device)).RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.Scheduled);

        Codes(server).Should().Equal("Replace:400");
        device.PendingComputerName.Should().BeNull();
    }

    [Test]
    public async Task Inside_an_Atomic_that_fails_the_Replace_is_216_and_rolled_back_with_its_RAND_draw()
    {
        var (state, device, server) = await EnrolledAsync();
        server.Enqueue(new AtomicCommand("1",
        [
            SessionKit.Replace(DnsComputerName, "LAB-%RAND:4%", "chr"),
            SessionKit.Replace("./Vendor/MSFT/DMClient/HWDevID", "X", "chr"),
        ]));

        await SessionKit.Client(_server, new SimulatedDeviceHandler(device)).RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.Scheduled);

        Codes(server).Should().Equal("Atomic:507", "Replace:216", "Replace:405");
        device.PendingComputerName.Should().BeNull();
        device.ComputerRename.Requests.Should().Be(0, "a rolled-back Replace does not use up the %RAND:x% stream");
    }

    [Test]
    public async Task Inside_an_Atomic_that_succeeds_the_Replace_is_pending()
    {
        var (state, device, server) = await EnrolledAsync();
        server.Enqueue(new AtomicCommand("1", [SessionKit.Replace(DnsComputerName, "LAB-%RAND:4%", "chr")]));

        await SessionKit.Client(_server, new SimulatedDeviceHandler(device)).RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.Scheduled);

        Codes(server).Should().Equal("Atomic:200", "Replace:200");
        device.PendingComputerName.Should().MatchRegex("^LAB-[0-9]{4}$");
    }

    [Test]
    public async Task A_device_side_without_rename_support_still_answers_405()
    {
        var (state, _, server) = await EnrolledAsync();
        server.Enqueue(SessionKit.Replace(DnsComputerName, "KIOSK-9", "chr"));

        await SessionKit.Client(_server, new FixedCodeDevice("200")).RunSessionAsync(state, SessionKit.AuthFor(state), SessionTrigger.Scheduled);

        Codes(server).Should().Equal("Replace:405");
    }
}
