using LapsCsp.Dashboard.Tests.Support;
using LapsCsp.Server.Dashboard;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Dashboard.Tests.Views;

/// <summary>A source that says whether it changed (<see cref="IDashboardViewSource.ChangeStamp"/>) is walked again only when
/// it did; otherwise its last view is served as of now.</summary>
public class ChangeStampTests
{
    private static readonly DateTimeOffset s_start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Test]
    public void A_view_whose_source_kept_its_stamp_is_served_as_of_now_without_a_walk()
    {
        var time = new FakeTimeProvider(s_start);
        var source = new StampedSource(TimeSpan.FromSeconds(5));
        source.Fill(new Random(11), "enrolled", 30, s_start - TimeSpan.FromDays(1), TimeSpan.FromDays(1));
        IDashboardSource[] sources = [source];
        var views = new DashboardViews(sources, time);
        DashboardQueries.Summary(views.Current());
        source.Reads.Should().Be(1);

        time.Advance(TimeSpan.FromMinutes(3));
        var summary = DashboardQueries.Summary(views.Current());

        source.Reads.Should().Be(1, "the stamp did not change");
        summary.AsOf.Should().Be(time.GetUtcNow());
        summary.AgeSeconds.Should().Be(0);
        DashboardViewsTests.AnswersMatchTheRecomputation(views, sources, time.GetUtcNow());
        source.Reads.Should().Be(1, "every answer within the interval reads the view");

        time.Advance(TimeSpan.FromSeconds(4));
        DashboardQueries.Summary(views.Current()).AsOf.Should().Be(s_start + TimeSpan.FromMinutes(3), "the view of 4 s ago is still fresh");
    }

    [Test]
    public void A_new_stamp_walks_the_source_again_and_the_view_shows_the_change()
    {
        var time = new FakeTimeProvider(s_start);
        var source = new StampedSource(TimeSpan.FromSeconds(5));
        source.Fill(new Random(12), "enrolled", 30, s_start - TimeSpan.FromDays(1), TimeSpan.FromDays(1));
        IDashboardSource[] sources = [source];
        var views = new DashboardViews(sources, time);
        DashboardQueries.Summary(views.Current());

        source.DeviceList.Add(new DashboardDevice("PC-NEW", "enrolled", "PC-NEW", null, "pending", null, null, s_start, null, 1, 1));
        time.Advance(TimeSpan.FromSeconds(10));
        DashboardQueries.Devices(views.Current(), "PC-NEW", null, null, 0, 50).Total.Should().Be(0, "the data changed but the stamp did not say so");
        source.Reads.Should().Be(1);

        source.Stamp++;
        time.Advance(TimeSpan.FromSeconds(10));

        DashboardQueries.Devices(views.Current(), "PC-NEW", null, null, 0, 50).Total.Should().Be(1);
        source.Reads.Should().Be(2);
        DashboardViewsTests.AnswersMatchTheRecomputation(views, sources, time.GetUtcNow());
    }

    [Test]
    public void A_source_without_a_stamp_is_walked_at_every_interval()
    {
        var time = new FakeTimeProvider(s_start);
        var source = new StampedSource(TimeSpan.FromSeconds(5)) { Stamp = null };
        var views = new DashboardViews([source], time);

        for (var i = 0; i < 3; i++)
        {
            DashboardQueries.Summary(views.Current());
            time.Advance(TimeSpan.FromSeconds(6));
        }

        source.Reads.Should().Be(3);
    }

    /// <summary>A one-walk source whose stamp the test sets; it counts its walks.</summary>
    private sealed class StampedSource(TimeSpan interval) : IDashboardSource, IDashboardViewSource
    {
        private readonly MutableSource _data = new(interval);

        public long? Stamp { get; set; } = 1;

        public int Reads { get; private set; }

        public List<DashboardDevice> DeviceList => _data.DeviceList;

        public TimeSpan? SnapshotInterval => interval;

        public object? ChangeStamp => Stamp;

        public void Fill(Random random, string source, int devices, DateTimeOffset start, TimeSpan span) => _data.Fill(random, source, devices, start, span);

        public void Read(DashboardViewBuilder view)
        {
            Reads++;
            view.ReadAll(_data);
        }

        public IEnumerable<DashboardDevice> Devices() => _data.Devices();

        public IReadOnlyList<DashboardEvent> Events(string deviceId, int max) => [];

        public IReadOnlyList<DashboardTraceMessage> Trace(string deviceId, int max) => [];

        public IEnumerable<DashboardCommandStatus> CommandStatuses() => _data.CommandStatuses();

        public IEnumerable<DashboardRotation> Rotations() => _data.Rotations();
    }
}
