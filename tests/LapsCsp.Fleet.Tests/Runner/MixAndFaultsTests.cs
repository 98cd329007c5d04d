using System.Text.Json;
using LapsCsp.Device.Identity;
using LapsCsp.Fleet.Runner;

namespace LapsCsp.Fleet.Tests.Runner;

public class MixAndFaultsTests
{
    private static readonly DateTimeOffset Start = FleetOptions.DefaultStart;

    [Test]
    public void A_mix_of_join_types_and_OS_families_parses_into_weights()
    {
        var mix = FleetMix.Parse("entra=70, hybrid=30 ,win11=9,win10=1");

        mix.JoinTypes.Should().Equal((JoinType.EntraJoined, 70), (JoinType.HybridJoined, 30));
        mix.OsFamilies.Should().Equal(("win11", 9), ("win10", 1));
        mix.ToString().Should().Be("entra=70,hybrid=30,win11=9,win10=1");
    }

    [TestCase("entra=70,cloud=30", "unknown mix key 'cloud'", TestName = "An_unknown_mix_key_is_refused")]
    [TestCase("entra=seventy", "is not key=weight", TestName = "A_weight_that_is_not_a_number_is_refused")]
    [TestCase("entra=0,hybrid=0", "add up to 0", TestName = "Join_type_weights_that_add_up_to_0_are_refused")]
    [TestCase("entra=-1", "is not key=weight", TestName = "A_negative_weight_is_refused")]
    public void Bad_mixes_are_refused_with_a_reason(string text, string reason) =>
        FluentActions.Invoking(() => FleetMix.Parse(text)).Should().Throw<FormatException>().WithMessage($"*{reason}*");

    [Test]
    public void The_mix_decides_the_share_of_each_join_type_and_blueprints_are_a_function_of_seed_and_index()
    {
        var mix = FleetMix.Parse("entra=70,hybrid=30");
        var blueprints = Enumerable.Range(0, 2000).Select(i => mix.Blueprint(5, i, Start, TimeSpan.FromDays(30), TimeSpan.FromHours(1), FaultPlan.Default)).ToList();

        blueprints.Count(b => b.JoinType == JoinType.EntraJoined).Should().BeInRange(1300, 1500);
        blueprints.Should().OnlyContain(b => b.JoinType != JoinType.WorkplaceJoined);
        blueprints.Select(b => b.DeviceId).Should().OnlyHaveUniqueItems().And.OnlyContain(id => id.Length == 32);
        blueprints.Should().OnlyContain(b => b.DeviceName.Length == 15 && b.HwDevId.Length == 64);
        blueprints.Should().OnlyContain(b => b.EnrollAt >= Start && b.EnrollAt <= Start.AddHours(1));
        blueprints.Select(b => b.Locale).Distinct().Should().HaveCountGreaterThan(3);
        blueprints.Select(b => b.Edition).Distinct().Should().BeEquivalentTo([4, 48, 121]);
        mix.Blueprint(5, 17, Start, TimeSpan.FromDays(30), TimeSpan.FromHours(1), FaultPlan.Default)
            .Should().BeEquivalentTo(blueprints[17]);
        mix.Blueprint(6, 17, Start, TimeSpan.FromDays(30), TimeSpan.FromHours(1), FaultPlan.Default).DeviceId.Should().NotBe(blueprints[17].DeviceId);
    }

    /// <summary>A Random has 2^31 seeds, so 100,000 devices drawing their identity from one would hold two clones (found in
    /// the 100,000-device run: the server refused the sessions of a device whose twin enrolled after it).</summary>
    [Test]
    public void Every_device_of_a_large_fleet_has_its_own_identity()
    {
        var mix = FleetMix.Default;
        var blueprints = Enumerable.Range(0, 150_000).Select(i => mix.Blueprint(1, i, Start, TimeSpan.FromDays(1), TimeSpan.FromHours(1), FaultPlan.Default)).ToList();

        blueprints.Select(b => b.DeviceId).Should().OnlyHaveUniqueItems();
        blueprints.Select(b => b.HwDevId).Should().OnlyHaveUniqueItems();
        blueprints.Select(b => b.DeviceName).Should().OnlyHaveUniqueItems();
        blueprints[0].DeviceId.Should().MatchRegex("^[0-9A-F]{32}$");
        blueprints[0].HwDevId.Should().MatchRegex("^[0-9A-F]{64}$");
        blueprints[0].DeviceName.Should().MatchRegex("^DESKTOP-[A-Z0-9]{7}$");
    }

    [Test]
    public void Quirk_percentages_of_the_fault_plan_decide_how_many_devices_have_each_quirk()
    {
        var plan = FaultPlan.None with { SlowDevicePercent = 10, ClockSkewPercent = 20, MaxClockSkewMinutes = 30, SilentPercent = 5 };
        var blueprints = Enumerable.Range(0, 4000).Select(i => FleetMix.Default.Blueprint(1, i, Start, TimeSpan.FromDays(10), TimeSpan.Zero, plan)).ToList();

        blueprints.Count(b => b.Network == NetworkKind.Slow).Should().BeInRange(300, 500);
        blueprints.Count(b => b.Network == NetworkKind.Flaky).Should().Be(0);
        blueprints.Count(b => b.ClockSkew != TimeSpan.Zero).Should().BeInRange(680, 920);
        blueprints.Should().OnlyContain(b => b.ClockSkew.Duration() <= TimeSpan.FromMinutes(30));
        blueprints.Count(b => b.SilentFrom is not null).Should().BeInRange(140, 260);
        blueprints.Where(b => b.SilentFrom is not null).Should().OnlyContain(b => b.SilentFrom >= b.EnrollAt && b.SilentFrom <= Start.AddDays(10));
        blueprints.Should().OnlyContain(b => b.UnenrollAt == null);
    }

    [Test]
    public void A_faults_file_sets_what_it_names_and_keeps_the_defaults_for_the_rest()
    {
        var plan = FaultPlan.Parse("""
            // comments are allowed
            { "dropRate": 0.05, "slowDevicePercent": 12.5, "silentPercent": 0, }
            """);

        plan.Should().Be(FaultPlan.Default with { DropRate = 0.05, SlowDevicePercent = 12.5, SilentPercent = 0 });
        FaultPlan.Parse(plan.ToJson()).Should().Be(plan);
    }

    [Test]
    public void A_faults_file_with_an_unknown_name_or_bad_values_is_refused_with_every_problem()
    {
        FluentActions.Invoking(() => FaultPlan.Parse("""{ "dropRates": 0.1 }""")).Should().Throw<JsonException>();
        FluentActions.Invoking(() => FaultPlan.Parse("""{ "dropRate": 1.5, "silentPercent": 101, "minLatencyMs": 10, "maxLatencyMs": 5 }"""))
            .Should().Throw<JsonException>()
            .Which.Message.Should().Contain("DropRate").And.Contain("SilentPercent").And.Contain("latency");
    }
}
