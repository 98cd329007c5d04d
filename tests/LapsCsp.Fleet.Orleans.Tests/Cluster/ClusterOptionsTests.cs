using System.Text.Json;
using LapsCsp.Fleet.Orleans.Cluster;
using LapsCsp.Fleet.Orleans.Grains;
using LapsCsp.Fleet.Orleans.Tests.Support;
using LapsCsp.Fleet.Runner;

namespace LapsCsp.Fleet.Orleans.Tests.Cluster;

public class ClusterOptionsTests
{
    [TestCase("localhost", FleetClusterKind.Localhost, null, TestName = "localhost_is_Orleans_development_clustering")]
    [TestCase(" LocalHost ", FleetClusterKind.Localhost, null, TestName = "localhost_is_read_without_regard_to_case_and_spaces")]
    [TestCase("postgres:Host=db;Database=orleans;Username=u;Password=p", FleetClusterKind.Postgres, "Host=db;Database=orleans;Username=u;Password=p",
        TestName = "postgres_takes_the_Npgsql_connection_string_after_the_first_colon")]
    [TestCase("postgresql:Host=db", FleetClusterKind.Postgres, "Host=db", TestName = "postgresql_is_another_name_for_postgres")]
    [TestCase("redis:redis1:6379,redis2:6379", FleetClusterKind.Redis, "redis1:6379,redis2:6379", TestName = "redis_takes_the_configuration_with_its_own_colons")]
    public void Parse_reads_the_cluster(string text, FleetClusterKind kind, string? connection)
    {
        var options = FleetClusterOptions.Parse(text);

        options.Kind.Should().Be(kind);
        options.ConnectionString.Should().Be(connection);
        options.Validate().Should().BeEmpty();
        options.HostsSilo.Should().Be(kind == FleetClusterKind.Localhost, "only localhost runs a silo in the coordinator's process by default");
    }

    [TestCase("mysql:Server=x", TestName = "Parse_refuses_an_unknown_store")]
    [TestCase("postgres:", TestName = "Parse_refuses_postgres_without_a_connection_string")]
    [TestCase("redis", TestName = "Parse_refuses_redis_without_a_configuration")]
    public void Parse_refuses(string text) => FluentActions.Invoking(() => FleetClusterOptions.Parse(text)).Should().Throw<FormatException>();

    [Test]
    public void Options_are_validated_all_at_once()
    {
        var problems = new FleetClusterOptions { Kind = FleetClusterKind.Postgres, ClusterId = " ", SiloPort = 0, GatewayPort = 70000 }.Validate();

        problems.Should().HaveCount(4);
        problems.Should().Contain(p => p.Contains("connection string", StringComparison.Ordinal));
    }

    [Test]
    public void Device_grains_write_on_change_unless_told_otherwise_and_an_undefined_policy_is_refused()
    {
        FleetClusterOptions.Parse("redis:r:6379").StateWrites.Should().Be(GrainStateWrites.OnChange);
        default(GrainStateWrites).Should().Be(GrainStateWrites.OnChange);

        new FleetClusterOptions { StateWrites = (GrainStateWrites)7 }.Validate().Should().ContainSingle()
            .Which.Should().Contain("StateWrites");
    }

    [Test]
    public void The_run_spec_carries_every_option_that_decides_what_a_device_does_through_JSON()
    {
        var options = OrleansFleetKit.Faulty(devices: 7, days: 2.5, seed: 42) with
        {
            Mix = FleetMix.Parse("entra=1,hybrid=2,win10=3,win11=1"),
            HourlyWakeups = true,
            EventLogCapacity = 9,
            EnrollmentSpread = TimeSpan.FromMinutes(17),
            Client = new LapsCsp.Fleet.Session.DmClientOptions { MaxMsgSize = 4096, LoginStatus = "others" },
        };

        var back = FleetRunSpec.FromJson(FleetRunSpec.Of(options).ToJson()).ToOptions();

        back.Should().BeEquivalentTo(options, o => o.Excluding(x => x.Credential).Excluding(x => x.Mix).Excluding(x => x.Faults));
        back.Mix.ToString().Should().Be(options.Mix.ToString());
        back.Faults.Should().Be(options.Faults);
        back.Mix.Blueprint(back.Seed, 3, back.Start, back.End - back.Start, back.EnrollmentSpread, back.Faults).Should().BeEquivalentTo(options.Mix.Blueprint(42, 3, options.Start, options.End - options.Start, options.EnrollmentSpread, options.Faults));
        JsonDocument.Parse(FleetRunSpec.Of(options).ToJson()).RootElement.GetProperty("faults").GetString().Should().Contain("dropRate");
    }
}
