using LapsCsp.Fleet.Runner;
using LapsCsp.Fleet.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Fleet.Tests.Runner;

public class FleetRunTests
{
    /// <summary>The test server hands every device the Entra LAPS policy on its first check-in.</summary>
    private static ScriptedMdmServer PolicyServer(TimeProvider time, int passwordAgeDays = 7) => new(time, new ScriptedServerOptions
    {
        OnCheckIn = d => d.CheckIns == 1 ? [SessionKit.EntraLapsPolicy(passwordAgeDays)] : null,
    });

    [Test]
    public async Task Smoke()
    {
        var options = new FleetOptions { Devices = 20, Days = 15, Seed = 3, Faults = FaultPlan.None };
        var server = PolicyServer(new FakeTimeProvider(options.Start));
        using var runner = new FleetRunner(options, server);

        var report = await runner.RunAsync();

        TestContext.Out.WriteLine(report.ToJson());
        report.Enrollments.Should().Be(20);
    }
}
