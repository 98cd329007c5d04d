using LapsCsp.Server.Dashboard;
using LapsCsp.Server.Hosting;
using LapsCsp.Server.Identity;
using LapsCsp.Server.Mdm;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LapsCsp.Server.Tests.Hosting;

/// <summary><see cref="ServerOptions.DashboardSnapshotInterval"/> (<c>lapscsp serve --dashboard-interval</c>): validated with
/// the other options, and what the enrolled devices' dashboard source is reused for.</summary>
public class DashboardIntervalTests
{
    private const string Problem = "--dashboard-interval";

    [TestCase(0.0, TestName = "A_dashboard_interval_of_zero_is_refused")]
    [TestCase(-5.0, TestName = "A_negative_dashboard_interval_is_refused")]
    [TestCase(3600.001, TestName = "A_dashboard_interval_beyond_an_hour_is_refused")]
    public void A_dashboard_interval_outside_more_than_0_up_to_1_hour_is_a_problem(double seconds)
    {
        var options = new ServerOptions { DashboardSnapshotInterval = TimeSpan.FromSeconds(seconds) };

        options.Validate().Should().ContainSingle(p => p.Contains(Problem, StringComparison.Ordinal));
    }

    [TestCase(0.001, TestName = "A_dashboard_interval_of_a_millisecond_is_accepted")]
    [TestCase(5.0, TestName = "The_default_dashboard_interval_of_5_seconds_is_accepted")]
    [TestCase(3600.0, TestName = "A_dashboard_interval_of_exactly_an_hour_is_accepted")]
    public void A_dashboard_interval_within_the_range_is_no_problem(double seconds)
    {
        var options = new ServerOptions { DashboardSnapshotInterval = TimeSpan.FromSeconds(seconds) };

        options.Validate().Should().BeEmpty();
    }

    [Test]
    public void The_default_is_5_seconds()
    {
        new ServerOptions().DashboardSnapshotInterval.Should().Be(TimeSpan.FromSeconds(5));
        ServerOptions.DefaultDashboardSnapshotInterval.Should().Be(TimeSpan.FromSeconds(5));
    }

    [Test]
    public void The_host_refuses_an_invalid_interval_with_the_other_problems()
    {
        var options = new ServerOptions { Urls = [], DashboardSnapshotInterval = TimeSpan.MaxValue };

        var act = () => LapsServerHost.CreateHostBuilder(options);

        act.Should().Throw<ServerConfigurationException>().Which.Problems.Should().HaveCount(2)
            .And.Contain(p => p.Contains(Problem, StringComparison.Ordinal))
            .And.Contain(p => p.Contains("--urls", StringComparison.Ordinal));
    }

    [Test]
    public void The_host_gives_the_interval_to_the_dashboard_and_its_enrolled_devices_source()
    {
        var options = new ServerOptions { LogFormat = "simple", DashboardSnapshotInterval = TimeSpan.FromSeconds(42) };
        using var host = LapsServerHost.CreateHostBuilder(options, configure: s => s.AddLogging(l => l.ClearProviders())).Build();

        host.Services.GetRequiredService<DashboardOptions>().SnapshotInterval.Should().Be(TimeSpan.FromSeconds(42));
        host.Services.GetServices<IDashboardSource>().OfType<MdmDashboardSource>().Single().SnapshotInterval.Should().Be(TimeSpan.FromSeconds(42));
    }
}
