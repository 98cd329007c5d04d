using System.Collections.Immutable;
using LapsCsp.Directory.Audit;
using LapsCsp.Storage.Audit;
using static LapsCsp.Storage.Tests.StoreHarness;

namespace LapsCsp.Storage.Tests.Transactions;

public sealed class TransactionTests
{
    private static readonly DirectoryAuditRecord s_rotationAudit = new(
        "rotation-1",
        Start,
        LapsAuditActivities.UpdatePassword,
        LapsAuditActivities.DeviceCategory,
        LapsAuditActivities.EntraService,
        DirectoryAuditRecord.Success,
        AuditInitiator.ForDevice("PC-1", "PC01"),
        [new AuditTargetResource("PC-1", "PC01", "Device")],
        ImmutableArray<AuditKeyValue>.Empty);

    [Test]
    public void A_rotation_saved_in_one_transaction_is_all_visible_after_commit()
    {
        using var store = LapsStore.OpenInMemory();

        var version = store.InTransaction(tx =>
        {
            var v = tx.SaveDevice(SnapshotOf("PC-1"));
            tx.SaveDirectory("entra", """{"backup":"pw-1"}""");
            tx.AppendAudit(s_rotationAudit, "entra");
            tx.LoadDevice("PC-1").Should().NotBeNull("the transaction sees its own writes");
            return v;
        });

        version.Should().Be(1);
        store.LoadDevice("PC-1").Should().NotBeNull();
        store.LoadDirectory("entra").Should().Be("""{"backup":"pw-1"}""");
        store.QueryAudit().Should().ContainSingle();
    }

    [Test]
    public void A_rotation_that_throws_half_way_leaves_nothing_of_its_work()
    {
        using var store = LapsStore.OpenInMemory();
        store.SaveDevice(SnapshotOf("PC-1"));
        store.SaveDirectory("entra", """{"backup":"pw-0"}""");

        var act = () => store.InTransaction(tx =>
        {
            tx.SaveDevice(SnapshotOf("PC-1"));
            tx.SaveDevice(SnapshotOf("PC-NEW"));
            tx.SaveDirectory("entra", """{"backup":"pw-1"}""");
            tx.AppendAudit(s_rotationAudit, "entra");
            tx.SetSetting("last-rotation", "PC-1");
            throw new InvalidOperationException("directory refused");
        });

        act.Should().Throw<InvalidOperationException>().WithMessage("directory refused");
        store.LoadDeviceRecord("PC-1")!.Version.Should().Be(1);
        store.LoadDevice("PC-NEW").Should().BeNull();
        store.LoadDirectory("entra").Should().Be("""{"backup":"pw-0"}""");
        store.CountAudit(new AuditQuery()).Should().Be(0);
        store.GetSetting("last-rotation").Should().BeNull();
    }

    [Test]
    public void A_concurrency_conflict_inside_a_transaction_rolls_back_the_earlier_writes()
    {
        using var store = LapsStore.OpenInMemory();
        store.SaveDevice(SnapshotOf("PC-1"));

        var act = () => store.InTransaction(tx =>
        {
            tx.SaveDirectory("entra", "{}");
            tx.SaveDevice(SnapshotOf("PC-1"), expectedVersion: 0);
        });

        act.Should().Throw<ConcurrencyException>();
        store.ListDirectoryNames().Should().BeEmpty();
    }

    [Test]
    public void Calling_the_store_from_inside_a_transaction_is_refused_clearly()
    {
        using var store = LapsStore.OpenInMemory();

        var act = () => store.InTransaction(_ => store.CountDevices());

        act.Should().Throw<InvalidOperationException>().WithMessage("*use the transaction passed to the work*");
        store.CountDevices().Should().Be(0, "the store is usable again afterwards");
    }

    [Test]
    public void A_transaction_kept_beyond_its_callback_cannot_be_used()
    {
        using var store = LapsStore.OpenInMemory();
        var escaped = store.InTransaction(tx => tx);

        escaped.Invoking(tx => tx.CountDevices()).Should().Throw<ObjectDisposedException>();
    }

    [Test]
    public void Settings_are_set_replaced_and_removed()
    {
        using var store = LapsStore.OpenInMemory();

        store.SetSetting("tenant", "contoso");
        store.SetSetting("tenant", "fabrikam");
        store.GetSetting("tenant").Should().Be("fabrikam");
        store.SetSetting("tenant", null);
        store.GetSetting("tenant").Should().BeNull();
    }
}
