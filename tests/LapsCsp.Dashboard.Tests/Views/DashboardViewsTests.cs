using LapsCsp.Dashboard.Tests.Support;
using LapsCsp.Server.Dashboard;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Dashboard.Tests.Views;

/// <summary>The views the summary, the device list and the series answer from (<see cref="DashboardViews"/>), against the
/// answers recomputed from scratch (<see cref="Reference"/>), on random data and on a fake clock.</summary>
public class DashboardViewsTests
{
    private static readonly DateTimeOffset s_start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static readonly (string? Text, string? State, string? Source)[] s_filters =
    [
        (null, null, null), ("", "", ""), ("  ", null, null), ("pc-00", null, null), (" desktop ", null, null), ("admin", null, null),
        ("name-1", "managed", null), (null, "failed", null), (null, "pending", "enrolled"), (null, null, "hosted"), (null, null, "other"),
        (null, null, "nowhere"), (null, "nothing", null), ("ContosoLocal", "managed", "enrolled"), ("zzz", null, null),
    ];

    private static readonly (int Skip, int Top)[] s_pages = [(0, 50), (0, 1), (3, 7), (40, 1000), (119, 2), (5000, 10)];

    [TestCase(1, TestName = "Views_answer_as_the_recomputation_on_random_sources_seed_1")]
    [TestCase(2, TestName = "Views_answer_as_the_recomputation_on_random_sources_seed_2")]
    [TestCase(3, TestName = "Views_answer_as_the_recomputation_on_random_sources_seed_3")]
    public void Views_answer_as_the_recomputation_on_random_sources(int seed)
    {
        var random = new Random(seed);
        var time = new FakeTimeProvider(s_start + TimeSpan.FromDays(40));
        var hosted = new MutableSource();
        hosted.Fill(random, "hosted", 60, s_start, TimeSpan.FromDays(30));
        var enrolled = new MutableSource(TimeSpan.FromSeconds(5));
        enrolled.Fill(random, "enrolled", 150, s_start, TimeSpan.FromDays(30));
        var empty = new MutableSource(TimeSpan.FromSeconds(5));
        IDashboardSource[] sources = [hosted, enrolled, empty];
        var views = new DashboardViews(sources, time);

        AnswersMatchTheRecomputation(views, sources, time.GetUtcNow());
    }

    [Test]
    public void Views_of_sources_without_devices_answer_as_the_recomputation()
    {
        var time = new FakeTimeProvider(s_start);
        IDashboardSource[] sources = [new MutableSource(), new MutableSource(TimeSpan.FromMinutes(1))];

        AnswersMatchTheRecomputation(new DashboardViews(sources, time), sources, time.GetUtcNow());
    }

    [Test]
    public void A_view_is_reused_until_the_interval_has_passed_on_the_server_clock_and_says_how_old_it_is()
    {
        var time = new FakeTimeProvider(s_start);
        var source = new MutableSource(TimeSpan.FromSeconds(30));
        source.Fill(new Random(7), "enrolled", 40, s_start - TimeSpan.FromDays(2), TimeSpan.FromDays(2));
        IDashboardSource[] sources = [source];
        var views = new DashboardViews(sources, time);
        var before = Reference.Comparable(Reference.Summary(sources, time.GetUtcNow()), dropTime: true);
        DashboardQueries.Summary(views.Current());

        // Changes: a device enrolls, a command finishes, a rotation is recorded.
        source.DeviceList.Add(new DashboardDevice("PC-NEW", "enrolled", "PC-NEW", null, "pending", null, null, s_start, null, 1, 1));
        source.StatusList.Add(new DashboardCommandStatus(s_start, "PC-NEW", "Atomic", null, 200));
        source.RotationList.Add(new DashboardRotation(s_start, "PC-NEW", "succeeded", "azureAD"));
        time.Advance(TimeSpan.FromSeconds(29));
        var stale = DashboardQueries.Summary(views.Current());

        Reference.Comparable(stale, dropTime: true).Should().Be(before, "the view is 29 s old, younger than the interval");
        stale.AsOf.Should().Be(s_start);
        stale.AgeSeconds.Should().Be(29);
        stale.Time.Should().Be(s_start + TimeSpan.FromSeconds(29));
        DashboardQueries.Devices(views.Current(), "PC-NEW", null, null, 0, 50).Total.Should().Be(0);

        time.Advance(TimeSpan.FromSeconds(1));
        var fresh = DashboardQueries.Summary(views.Current());

        Reference.Comparable(fresh).Should().Be(Reference.Comparable(Reference.Summary(sources, time.GetUtcNow())));
        fresh.AsOf.Should().Be(time.GetUtcNow());
        fresh.AgeSeconds.Should().Be(0);
        DashboardQueries.Devices(views.Current(), "PC-NEW", null, null, 0, 50).Value.Should().ContainSingle(d => d.Id == "PC-NEW");
        AnswersMatchTheRecomputation(views, sources, time.GetUtcNow());
    }

    [Test]
    public void A_source_is_walked_once_per_interval_however_many_answers_read_it()
    {
        var time = new FakeTimeProvider(s_start);
        var source = new MutableSource(TimeSpan.FromSeconds(5));
        source.Fill(new Random(3), "enrolled", 20, s_start, TimeSpan.FromHours(1));
        var views = new DashboardViews([source], time);

        for (var poll = 0; poll < 4; poll++)
        {
            DashboardQueries.Summary(views.Current());
            DashboardQueries.Devices(views.Current(), null, null, null, 0, 50);
            DashboardQueries.Devices(views.Current(), "pc", "managed", null, 0, 50);
            DashboardQueries.Series(views.Current(), null, null);
            time.Advance(TimeSpan.FromSeconds(2));
        }

        source.DeviceWalks.Should().Be(2, "the polls at 0, 2 and 4 s read the view of 0 s; the poll at 6 s walks again");
        time.Advance(TimeSpan.FromSeconds(10));
        DashboardQueries.Summary(views.Current());
        source.DeviceWalks.Should().Be(3);
    }

    [Test]
    public void A_source_without_an_interval_is_walked_for_every_answer_and_its_data_are_never_old()
    {
        var time = new FakeTimeProvider(s_start);
        var live = new MutableSource();
        var views = new DashboardViews([live], time);
        DashboardQueries.Summary(views.Current()).Devices.Total.Should().Be(0);

        live.DeviceList.Add(new DashboardDevice("PC-1", "hosted", "PC-1", null, "managed", null, null, null, null, 0, 0));
        var summary = DashboardQueries.Summary(views.Current());

        summary.Devices.Total.Should().Be(1);
        summary.AgeSeconds.Should().Be(0);
        live.DeviceWalks.Should().Be(2);
    }

    [Test]
    public void A_clock_that_went_back_makes_the_view_stale()
    {
        var time = new SettableClock { Now = s_start };
        var source = new MutableSource(TimeSpan.FromMinutes(5));
        var views = new DashboardViews([source], time);
        DashboardQueries.Summary(views.Current());
        source.DeviceList.Add(new DashboardDevice("PC-1", "enrolled", "PC-1", null, "managed", null, null, null, null, 0, 0));

        time.Now = s_start - TimeSpan.FromMinutes(1);
        var summary = DashboardQueries.Summary(views.Current());

        summary.Devices.Total.Should().Be(1);
        summary.AsOf.Should().Be(s_start - TimeSpan.FromMinutes(1));
    }

    [Test]
    public void The_answer_is_as_old_as_its_oldest_view()
    {
        var time = new FakeTimeProvider(s_start);
        var slow = new MutableSource(TimeSpan.FromMinutes(10));
        var fast = new MutableSource(TimeSpan.FromMinutes(1));
        var views = new DashboardViews([slow, fast, new MutableSource()], time);
        DashboardQueries.Summary(views.Current());

        time.Advance(TimeSpan.FromMinutes(3));
        var page = DashboardQueries.Devices(views.Current(), null, null, null, 0, 10);
        var series = DashboardQueries.Series(views.Current(), null, null);

        page.AsOf.Should().Be(s_start);
        page.AgeSeconds.Should().Be(180);
        series.AgeSeconds.Should().Be(180);
    }

    /// <summary>Every answer of <see cref="DashboardQueries"/> over <paramref name="views"/> against the recomputation.</summary>
    internal static void AnswersMatchTheRecomputation(DashboardViews views, IReadOnlyList<IDashboardSource> sources, DateTimeOffset now)
    {
        Reference.Comparable(DashboardQueries.Summary(views.Current())).Should().Be(Reference.Comparable(Reference.Summary(sources, now)), "summary");
        foreach (var (text, state, source) in s_filters)
        {
            foreach (var (skip, top) in s_pages)
            {
                Reference.Comparable(DashboardQueries.Devices(views.Current(), text, state, source, skip, top))
                    .Should().Be(Reference.Comparable(Reference.Devices(sources, text, state, source, skip, top)), $"devices q={text} state={state} source={source} skip={skip} top={top}");
            }
        }

        var times = sources.SelectMany(s => s.CommandStatuses().Select(c => c.Time).Concat(s.Rotations().Select(r => r.Time))).Order().ToList();
        var windows = new List<(DateTimeOffset?, DateTimeOffset?)> { (null, null), (now.AddYears(1), null), (null, now.AddYears(-5)), (now.AddYears(-5), now.AddYears(-4)) };
        if (times.Count > 0)
        {
            var (first, last) = (times[0], times[^1]);
            windows.AddRange([(first, null), (null, last), (first, last), (times[times.Count / 3], times[2 * times.Count / 3]),
                (times[times.Count / 2], times[times.Count / 2]), (first.AddHours(1), first.AddHours(2)), (first.AddSeconds(-1), last.AddDays(300)),
                (times[times.Count / 2].AddTicks(1), null), (null, times[times.Count / 2].AddTicks(-1))]);
        }

        foreach (var (from, to) in windows)
        {
            Reference.Comparable(DashboardQueries.Series(views.Current(), from, to))
                .Should().Be(Reference.Comparable(Reference.Series(sources, from, to)), $"series from={from:O} to={to:O}");
        }
    }

    /// <summary>A clock the test sets anywhere, backwards too (FakeTimeProvider refuses to go back).</summary>
    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
