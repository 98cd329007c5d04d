using System.Globalization;
using LapsCsp.Device;
using LapsCsp.Device.Session;
using LapsCsp.SyncML.Messages;
using LapsCsp.Storage.Devices;
using static LapsCsp.Storage.Tests.StoreHarness;

namespace LapsCsp.Storage.Tests.Devices;

public sealed class DeviceStoreTests
{
    private const string Policies = "./Device/Vendor/MSFT/LAPS/Policies/";
    private const string ManagedAccount = "ContosoLocalLapsAdmin";

    private static readonly string[] s_probedUris =
    [
        Policies + "BackupDirectory",
        Policies + "PasswordAgeDays",
        Policies + "PasswordComplexity",
        Policies + "PasswordLength",
        Policies + "AdministratorAccountName",
        Policies + "PostAuthenticationResetDelay",
        Policies + "PostAuthenticationActions",
        "./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus",
    ];

    private TempFolder _folder = null!;

    [SetUp]
    public void SetUp() => _folder = new TempFolder();

    [TearDown]
    public void TearDown() => _folder.Dispose();

    [Test]
    public void A_device_configured_by_the_Entra_sample_answers_Get_the_same_after_a_reopen_and_keeps_its_password()
    {
        var path = _folder.File("laps.db");
        var clock = NewClock();
        SimulatedDevice original;
        (string Uri, string Code, string? Data)[] before;
        using (var store = LapsStore.Open(path, OptionsWith(clock)))
        {
            var repository = new DeviceRepository(store);
            original = repository.LoadOrCreate(DeviceId, () => new DeviceOptions());
            original.Apply(Sample("laps-entra-id-backup.xml")).Codes().Should().AllBe("200");
            // Creates the managed account and rotates its password (Exec ResetPassword runs after the session).
            original.Apply(Sample("accounts-create-managed-account.xml"));
            before = Answers(original.Apply(GetPackage(s_probedUris)));
            repository.Save(original).Should().Be(1);
        }

        using (var store = LapsStore.Open(path))
        {
            var reloaded = new DeviceRepository(store).LoadOrCreate(DeviceId, () => new DeviceOptions());
            var after = Answers(reloaded.Apply(GetPackage(s_probedUris)));

            after.Should().Equal(before);
            after.Select(a => a.Code).Should().AllBe("200");
            after.Select(a => a.Data).Should().Equal("1", "7", "4", "32", ManagedAccount, "8", "3", "0");
            reloaded.Accounts.All.Should().BeEquivalentTo(original.Accounts.All);
            var password = original.Accounts.Find(ManagedAccount)!.Password!;
            password.Should().NotBe("Initial-P@ssw0rd-2026", "the sample's ResetPassword rotated it");
            password.Should().HaveLength(32);
            reloaded.Accounts.CheckPassword(ManagedAccount, password).Should().BeTrue();
            reloaded.Backend.ResetPasswordStatus.Should().Be(0);
        }
    }

    [Test]
    public void A_device_never_saved_is_created_from_the_options_with_the_requested_id()
    {
        using var store = LapsStore.OpenInMemory();
        var device = new DeviceRepository(store).LoadOrCreate("PC-42", () => new DeviceOptions { DeviceId = "ignored", Seed = 7 });

        device.Options.DeviceId.Should().Be("PC-42");
        device.Options.Seed.Should().Be(7);
        store.LoadDevice("PC-42").Should().BeNull("LoadOrCreate does not save");
    }

    [Test]
    public void Saves_count_versions_and_stamp_the_injected_clock()
    {
        var clock = NewClock();
        using var store = LapsStore.OpenInMemory(options: OptionsWith(clock));

        store.SaveDevice(SnapshotOf("PC-1")).Should().Be(1);
        clock.Advance(TimeSpan.FromMinutes(5));
        store.SaveDevice(SnapshotOf("PC-1")).Should().Be(2);

        var record = store.LoadDeviceRecord("PC-1")!;
        record.Version.Should().Be(2);
        record.UpdatedAt.Should().Be(Start.AddMinutes(5));
        record.Snapshot.DeviceId.Should().Be("PC-1");
    }

    [TestCase(0L, TestName = "Saving_as_new_a_device_that_exists_is_a_concurrency_conflict")]
    [TestCase(1L, TestName = "Saving_with_a_version_that_moved_on_is_a_concurrency_conflict")]
    [TestCase(5L, TestName = "Saving_with_a_version_from_the_future_is_a_concurrency_conflict")]
    public void Stale_expected_version_is_refused_and_nothing_is_written(long expected)
    {
        var clock = NewClock();
        using var store = LapsStore.OpenInMemory(options: OptionsWith(clock));
        store.SaveDevice(SnapshotOf("PC-1"));
        store.SaveDevice(SnapshotOf("PC-1"));
        clock.Advance(TimeSpan.FromHours(1));

        var act = () => store.SaveDevice(SnapshotOf("PC-1"), expectedVersion: expected);

        act.Should().Throw<ConcurrencyException>()
            .Which.Should().BeEquivalentTo(new { Table = "devices", Key = "PC-1", ExpectedVersion = expected, ActualVersion = 2L });
        store.LoadDeviceRecord("PC-1")!.Should().BeEquivalentTo(new { Version = 2L, UpdatedAt = Start });
    }

    [Test]
    public void Saving_with_the_version_read_succeeds_and_a_missing_device_conflicts_with_any_positive_version()
    {
        using var store = LapsStore.OpenInMemory();
        store.SaveDevice(SnapshotOf("PC-1"), expectedVersion: 0).Should().Be(1);
        store.SaveDevice(SnapshotOf("PC-1"), expectedVersion: 1).Should().Be(2);

        store.Invoking(s => s.SaveDevice(SnapshotOf("PC-2"), expectedVersion: 1))
            .Should().Throw<ConcurrencyException>().Which.ActualVersion.Should().BeNull();
    }

    [Test]
    public void Two_hosts_that_loaded_the_same_device_cannot_overwrite_each_other()
    {
        using var folder = new TempFolder();
        var path = folder.File("shared.db");
        using var first = LapsStore.Open(path);
        using var second = LapsStore.Open(path);
        var hostA = new DeviceRepository(first);
        var hostB = new DeviceRepository(second);
        hostA.Save(hostA.LoadOrCreate("PC-1", () => new DeviceOptions()));

        var a = hostA.LoadOrCreate("PC-1", () => new DeviceOptions());
        var b = hostB.LoadOrCreate("PC-1", () => new DeviceOptions());
        hostA.Save(a).Should().Be(2);

        hostB.Invoking(h => h.Save(b)).Should().Throw<ConcurrencyException>()
            .Which.Should().BeEquivalentTo(new { ExpectedVersion = 1L, ActualVersion = 2L });
        hostA.Save(a).Should().Be(3, "the winner keeps saving");
    }

    [Test]
    public void A_repository_save_in_a_rolled_back_transaction_does_not_advance_the_known_version()
    {
        using var store = LapsStore.OpenInMemory();
        var repository = new DeviceRepository(store);
        var device = repository.LoadOrCreate("PC-1", () => new DeviceOptions());
        repository.Save(device);

        var act = () => store.InTransaction(tx =>
        {
            repository.Save(device, tx);
            throw new InvalidOperationException("backup failed");
        });

        act.Should().Throw<InvalidOperationException>();
        repository.KnownVersion(device).Should().Be(1);
        repository.Save(device).Should().Be(2);
    }

    [Test]
    public void Deleting_a_device_removes_it_and_its_events_and_honours_the_expected_version()
    {
        using var store = LapsStore.OpenInMemory();
        store.SaveDevice(SnapshotOf("PC-1"));
        store.AppendDeviceEvent("PC-1", Start, 10020, """{"message":"rotated"}""");

        store.Invoking(s => s.DeleteDevice("PC-1", expectedVersion: 7)).Should().Throw<ConcurrencyException>();
        store.DeleteDevice("PC-1", expectedVersion: 1).Should().BeTrue();

        store.LoadDevice("PC-1").Should().BeNull();
        store.QueryDeviceEvents("PC-1").Should().BeEmpty();
        store.DeleteDevice("PC-1").Should().BeFalse();
    }

    [Test]
    public void Device_events_are_queried_by_id_and_time_range_without_loading_the_device()
    {
        using var store = LapsStore.OpenInMemory();
        store.SaveDevice(SnapshotOf("PC-1"));
        store.SaveDevice(SnapshotOf("PC-2"));
        int[] ids = [10003, 10004, 10020, 10029, 10020];
        for (var i = 0; i < ids.Length; i++) store.AppendDeviceEvent("PC-1", Start.AddHours(i), ids[i], $$"""{"n":{{i}}}""");
        store.AppendDeviceEvent("PC-2", Start, 10020, "{}");

        store.QueryDeviceEvents("PC-1").Select(e => e.EventId).Should().Equal(ids);
        store.QueryDeviceEvents("PC-1", eventId: 10020).Select(e => e.Json).Should().Equal("""{"n":2}""", """{"n":4}""");
        store.QueryDeviceEvents("PC-1", from: Start.AddHours(1), to: Start.AddHours(3)).Select(e => e.Time)
            .Should().Equal(Start.AddHours(1), Start.AddHours(2));
        store.QueryDeviceEvents("PC-1", skip: 3, take: 1).Single().EventId.Should().Be(10029);
    }

    [Test]
    public void An_event_of_a_device_that_is_not_stored_is_refused_by_the_foreign_key()
    {
        using var store = LapsStore.OpenInMemory();

        store.Invoking(s => s.AppendDeviceEvent("ghost", Start, 10020, "{}"))
            .Should().Throw<KeyNotFoundException>().WithMessage("*ghost*");
        store.Invoking(s => s.AppendDeviceEvent("ghost", Start, 10020, "not json")).Should().Throw<ArgumentException>();
    }

    [Test]
    public void Ten_thousand_devices_saved_in_one_transaction_are_listed_in_pages_in_order()
    {
        const int count = 10_000;
        using var store = LapsStore.Open(_folder.File("fleet.db"));
        var ids = Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"FLEET-{i:D5}")).ToList();

        store.InTransaction(tx =>
        {
            foreach (var id in ids.AsEnumerable().Reverse()) tx.SaveDevice(SnapshotOf(id), expectedVersion: 0);
        });

        store.CountDevices().Should().Be(count);
        var paged = new List<string>();
        for (var skip = 0; skip < count; skip += 1_000) paged.AddRange(store.ListDeviceIds(skip, 1_000));
        paged.Should().Equal(ids);

        var keyset = new List<string>();
        string? after = null;
        while (store.ListDeviceIdsAfter(after, 2_500) is { Count: > 0 } page)
        {
            keyset.AddRange(page);
            after = page[^1];
        }

        keyset.Should().Equal(ids);
        store.ListDeviceIds(count - 3, 10).Should().Equal(ids[^3..]);
        store.LoadDevice("FLEET-04321")!.DeviceId.Should().Be("FLEET-04321");
    }

    [Test]
    public void Concurrent_writers_on_one_file_all_land()
    {
        var path = _folder.File("busy.db");
        using var first = LapsStore.Open(path);
        using var second = LapsStore.Open(path);

        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var store = i % 2 == 0 ? first : second;
            store.SaveDevice(SnapshotOf(string.Create(CultureInfo.InvariantCulture, $"PC-{i:D3}")));
            store.SaveDevice(SnapshotOf("HOT"));
        });

        first.CountDevices().Should().Be(201);
        second.LoadDeviceRecord("HOT")!.Version.Should().Be(200, "unconditional saves of one device serialise, none is lost");
    }

    private static (string Uri, string Code, string? Data)[] Answers(DmReply reply)
    {
        var statuses = reply.Message.Commands.OfType<StatusCommand>().Where(s => s.Cmd == "Get").ToList();
        var results = reply.Message.Commands.OfType<ResultsCommand>().ToDictionary(r => r.CmdRef!);
        return
        [
            .. statuses.Select(s => (
                s.TargetRefs.SingleOrDefault() ?? results.GetValueOrDefault(s.CmdRef!)?.Items[0].SourceUri ?? "",
                s.Code,
                results.GetValueOrDefault(s.CmdRef!)?.Items[0].Data?.Value)),
        ];
    }
}

internal static class ReplyExtensions
{
    public static IEnumerable<string> Codes(this DmReply reply) => reply.Message.Commands.OfType<StatusCommand>().Select(s => s.Code);
}
