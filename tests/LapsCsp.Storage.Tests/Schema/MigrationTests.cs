using LapsCsp.Storage.Schema;
using static LapsCsp.Storage.Tests.Opening.OpenTests;
using static LapsCsp.Storage.Tests.StoreHarness;

namespace LapsCsp.Storage.Tests.Schema;

public sealed class MigrationTests
{
    private TempFolder _folder = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _folder = new TempFolder();
        _path = _folder.File("laps.db");
    }

    [TearDown]
    public void TearDown() => _folder.Dispose();

    [Test]
    public void A_store_of_an_older_version_is_migrated_at_open_and_keeps_its_data()
    {
        using (var v1 = LapsStore.Open(_path)) v1.SaveDevice(SnapshotOf("PC-1"));
        var v2 = new Migration(2, "rotation report", "CREATE TABLE rotations (device_id TEXT NOT NULL, at TEXT NOT NULL)");

        using var store = LapsStore.Open(_path, new LapsStoreOptions { Migrations = [.. StoreSchema.Migrations, v2] });

        store.SchemaVersion.Should().Be(2);
        store.LoadDevice("PC-1").Should().NotBeNull();
        Rows(_path, "SELECT version FROM schema_version ORDER BY version").Should().Equal("1", "2");
        Rows(_path, "SELECT count(*) FROM rotations").Should().Equal("0");
    }

    [Test]
    public void A_failing_migration_is_rolled_back_and_the_store_stays_at_its_version()
    {
        LapsStore.Open(_path).Dispose();
        var broken = new Migration(2, "broken", "CREATE TABLE half_done (x TEXT); INSERT INTO no_such_table VALUES (1);");

        var act = () => LapsStore.Open(_path, new LapsStoreOptions { Migrations = [.. StoreSchema.Migrations, broken] });

        act.Should().Throw<LapsStoreException>().WithMessage("*schema version 2 (broken)*rolled back*");
        Rows(_path, "SELECT max(version) FROM schema_version").Should().Equal("1");
        Rows(_path, "SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'").Should().Equal("0");
        using var store = LapsStore.Open(_path);
        store.SchemaVersion.Should().Be(1);
    }

    [Test]
    public void A_store_written_by_a_newer_version_is_refused_and_left_untouched()
    {
        using (var store = LapsStore.Open(_path)) store.SaveDevice(SnapshotOf("PC-1"));
        Execute(_path, "INSERT INTO schema_version (version, description, applied_at) VALUES (7, 'from the future', '2030-01-01T00:00:00.0000000Z')");
        var before = File.ReadAllBytes(_path);

        var act = () => LapsStore.Open(_path);

        act.Should().Throw<StoreVersionException>()
            .Which.Should().BeEquivalentTo(new { FoundVersion = 7, SupportedVersion = 1 });
        act.Should().Throw<StoreVersionException>().WithMessage("*schema version 7*newer LapsCsp*up to 1*not changed*");
        File.ReadAllBytes(_path).Should().Equal(before);
    }

    [Test]
    public void Migrations_out_of_order_are_a_programming_error()
    {
        var act = () => LapsStore.Open(_path, new LapsStoreOptions { Migrations = [new Migration(2, "gap", "SELECT 1")] });

        act.Should().Throw<ArgumentException>().WithMessage("*numbered 1, 2, 3*");
    }
}
