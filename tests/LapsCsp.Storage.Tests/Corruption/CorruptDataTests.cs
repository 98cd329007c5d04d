using System.Globalization;
using System.Text;
using LapsCsp.Device;
using LapsCsp.Storage.Devices;
using static LapsCsp.Storage.Tests.Opening.OpenTests;
using static LapsCsp.Storage.Tests.StoreHarness;

namespace LapsCsp.Storage.Tests.Corruption;

public sealed class CorruptDataTests
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

    [TestCase("This is a text file, not a database.\n", TestName = "A_text_file_is_refused_as_not_a_database_and_left_untouched")]
    [TestCase("SQLite format 3\0 but the rest of the header is garbage................................................................................................", TestName = "A_file_with_a_SQLite_magic_but_a_garbage_header_is_refused_and_left_untouched")]
    public void A_file_that_is_not_a_SQLite_database_is_refused(string content)
    {
        var bytes = Encoding.ASCII.GetBytes(content);
        File.WriteAllBytes(_path, bytes);

        var act = () => LapsStore.Open(_path);

        act.Should().Throw<StoreCorruptException>().Which.Should().BeEquivalentTo(new { Location = _path, Table = (string?)null });
        File.ReadAllBytes(_path).Should().Equal(bytes);
        File.Exists(_path + "-wal").Should().BeFalse();
    }

    [Test]
    public void Another_applications_SQLite_database_is_refused_and_left_untouched()
    {
        Execute(_path, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5);");
        var before = File.ReadAllBytes(_path);

        var act = () => LapsStore.Open(_path);

        act.Should().Throw<StoreCorruptException>().WithMessage("*another application*invoices*not changed*");
        File.ReadAllBytes(_path).Should().Equal(before);
        Rows(_path, "PRAGMA journal_mode").Should().Equal("delete");
    }

    [Test]
    public void A_device_row_that_no_longer_parses_is_reported_with_its_row_and_kept()
    {
        using var store = LapsStore.Open(_path);
        store.SaveDevice(SnapshotOf("PC-1"));
        Execute(_path, "UPDATE devices SET snapshot = '{\"deviceId\": \"PC-1\", \"tree\": [oops' WHERE device_id = 'PC-1'");

        store.Invoking(s => s.LoadDevice("PC-1")).Should().Throw<StoreCorruptException>()
            .Which.Should().BeEquivalentTo(new { Table = "devices", Key = "PC-1" });
        var repository = new DeviceRepository(store);
        repository.Invoking(r => r.LoadOrCreate("PC-1", () => new DeviceOptions()))
            .Should().Throw<StoreCorruptException>().WithMessage("*devices[PC-1]*");
        Rows(_path, "SELECT snapshot FROM devices").Single().Should().EndWith("[oops", "a refused row is never replaced");
        store.ListDeviceIds(0, 10).Should().Equal("PC-1");
    }

    [Test]
    public void A_device_row_holding_another_devices_snapshot_is_reported()
    {
        using var store = LapsStore.Open(_path);
        store.SaveDevice(SnapshotOf("PC-1"));
        store.SaveDevice(SnapshotOf("PC-2"));
        Execute(_path, "UPDATE devices SET snapshot = (SELECT snapshot FROM devices WHERE device_id = 'PC-2') WHERE device_id = 'PC-1'");

        store.Invoking(s => s.LoadDevice("PC-1")).Should().Throw<StoreCorruptException>().WithMessage("*belongs to device 'PC-2'*");
    }

    [Test]
    public void Unparseable_audit_and_directory_rows_are_reported_with_their_rows()
    {
        using var store = LapsStore.Open(_path);
        store.SaveDirectory("entra", """{"LapsEnabled":true}""");
        Execute(_path, """
            INSERT INTO audit_records (source, id, time, activity, category, result, json)
            VALUES ('entra', 'x', '2026-01-31T08:00:00.0000000Z', 'a', 'c', 'success', 'not json');
            UPDATE directory_state SET snapshot = '{"LapsEnabled": tru' WHERE name = 'entra';
            """);

        store.Invoking(s => s.QueryAudit()).Should().Throw<StoreCorruptException>()
            .Which.Should().BeEquivalentTo(new { Table = "audit_records", Key = "1" });
        store.Invoking(s => s.LoadDirectory("entra")).Should().Throw<StoreCorruptException>()
            .Which.Should().BeEquivalentTo(new { Table = "directory_state", Key = "entra" });
        store.Invoking(s => s.LoadEntra()).Should().Throw<StoreCorruptException>();
    }

    [Test]
    public void A_directory_row_of_valid_JSON_but_the_wrong_shape_is_reported()
    {
        using var store = LapsStore.Open(_path);
        store.SaveDirectory("entra", """{"LapsEnabled":"maybe"}""");

        store.Invoking(s => s.LoadEntra()).Should().Throw<StoreCorruptException>().WithMessage("*directory_state[entra]*EntraIdSnapshot*");
    }

    [Test]
    public void Damaged_pages_are_reported_as_corrupt_rather_than_crashing()
    {
        using (var store = LapsStore.Open(_path))
        {
            store.InTransaction(tx =>
            {
                for (var i = 0; i < 200; i++) tx.SaveDevice(SnapshotOf(string.Create(CultureInfo.InvariantCulture, $"PC-{i:D3}")));
            });
        }

        // Checkpointed on close: everything is in the main file. Overwrite every page after the first (the schema) with noise.
        File.Exists(_path + "-wal").Should().BeFalse();
        var bytes = File.ReadAllBytes(_path);
        const int pageSize = 4096;
        for (var i = pageSize; i < bytes.Length; i++) bytes[i] = (byte)(i * 31);
        File.WriteAllBytes(_path, bytes);

        var act = () =>
        {
            using var store = LapsStore.Open(_path);
            store.ListDeviceIds(0, 1000);
        };

        act.Should().Throw<StoreCorruptException>().WithMessage("*damaged*");
    }
}
