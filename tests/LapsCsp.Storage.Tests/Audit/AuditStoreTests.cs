using System.Collections.Immutable;
using LapsCsp.Directory.Audit;
using LapsCsp.Storage.Audit;
using static LapsCsp.Storage.Tests.StoreHarness;

namespace LapsCsp.Storage.Tests.Audit;

public sealed class AuditStoreTests
{
    private LapsStore _store = null!;

    [SetUp]
    public void SetUp()
    {
        _store = LapsStore.OpenInMemory();
        // Day 0..5: updates by the devices, reads by administrators on odd days.
        for (var day = 0; day < 6; day++)
        {
            _store.AppendAudit(Record($"u{day}", day, LapsAuditActivities.UpdatePassword, "PC-1", AuditInitiator.ForDevice("PC-1", "PC01")), "entra");
            if (day % 2 == 1)
            {
                _store.AppendAudit(Record($"r{day}", day, LapsAuditActivities.RecoverPassword, day == 5 ? "PC-2" : "PC-1", AuditInitiator.ForUser("admin@contoso.com")), "entra");
            }
        }
    }

    [TearDown]
    public void TearDown() => _store.Dispose();

    [Test]
    public void Query_by_activity_lists_newest_first()
    {
        _store.QueryAudit(LapsAuditActivities.RecoverPassword).Select(r => r.Id).Should().Equal("r5", "r3", "r1");
    }

    [Test]
    public void Query_by_time_range_includes_from_and_excludes_to()
    {
        _store.QueryAudit(from: Start.AddDays(1), to: Start.AddDays(3)).Select(r => r.Id).Should().Equal("u2", "r1", "u1");
    }

    [Test]
    public void Query_pages_with_skip_and_take_and_counts_without_them()
    {
        var query = new AuditQuery(Activity: LapsAuditActivities.UpdatePassword, NewestFirst: false);

        _store.QueryAudit(query with { Skip = 2, Take = 3 }).Select(r => r.Id).Should().Equal("u2", "u3", "u4");
        _store.CountAudit(query with { Skip = 2, Take = 3 }).Should().Be(6);
        _store.CountAudit(new AuditQuery()).Should().Be(9);
    }

    [Test]
    public void Query_by_target_device_and_by_source()
    {
        _store.QueryAudit(new AuditQuery(DeviceId: "PC-2")).Select(r => r.Id).Should().Equal("r5");
        _store.CountAudit(new AuditQuery(Source: "ad:contoso.com")).Should().Be(0);
    }

    [Test]
    public void A_stored_record_reads_back_equal_to_what_was_appended()
    {
        var record = Record("full", 9, LapsAuditActivities.RecoverPassword, "PC-9", AuditInitiator.ForUser("alice@contoso.com")) with
        {
            AdditionalDetails = [new AuditKeyValue(LapsAuditActivities.AdditionalInfoKey, LapsAuditActivities.RecoveredByDeviceId)],
            ResultReason = "because",
        };

        _store.AppendAudit(record).Should().BeTrue();
        _store.AppendAudit(record).Should().BeFalse("the same id is stored once per source");

        _store.QueryAudit(new AuditQuery(DeviceId: "PC-9")).Single().Should().BeEquivalentTo(record);
    }

    private static DirectoryAuditRecord Record(string id, int day, string activity, string device, AuditInitiator initiator) => new(
        id,
        Start.AddDays(day),
        activity,
        LapsAuditActivities.DeviceCategory,
        LapsAuditActivities.EntraService,
        DirectoryAuditRecord.Success,
        initiator,
        [new AuditTargetResource(device, device, "Device")],
        ImmutableArray<AuditKeyValue>.Empty);
}
