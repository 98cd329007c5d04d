using LapsCsp.Server.Devices;
using LapsCsp.Server.State;
using LapsCsp.Server.Tests.Support;
using LapsCsp.Storage;
using Microsoft.Extensions.DependencyInjection;
using static LapsCsp.Server.Tests.Support.SyncMLHttp;

namespace LapsCsp.Server.Tests.Devices;

/// <summary>What is written when: a device is stored when a message changed it and only then; concurrent writes share
/// transactions; one bad write fails alone.</summary>
public class PersistenceTests
{
    [Test]
    public async Task A_read_only_message_writes_nothing_and_a_change_writes_a_new_version()
    {
        using var factory = new LapsServerFactory();
        using var client = factory.CreateClient();
        (await Post(client, "PC-1", Sample("laps-entra-id-backup.xml"))).Dispose();
        var store = factory.Services.GetRequiredService<ServerState>().Store;
        var before = store.LoadDeviceRecord("PC-1")!.Version;

        (await Post(client, "PC-1", Package(Get("1", "./Device/Vendor/MSFT/LAPS/Policies/PasswordLength")))).Dispose();
        var afterGet = store.LoadDeviceRecord("PC-1")!.Version;
        (await Post(client, "PC-1", Package("<Replace><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PasswordLength</LocURI></Target><Meta><Format xmlns=\"syncml:metinf\">int</Format></Meta><Data>20</Data></Item></Replace>"))).Dispose();
        var afterReplace = store.LoadDeviceRecord("PC-1")!;

        afterGet.Should().Be(before);
        afterReplace.Version.Should().Be(before + 1);
        afterReplace.Snapshot.Tree["./Device/Vendor/MSFT/LAPS/Policies/PasswordLength"].Should().Be("20");
    }

    [Test]
    public async Task Concurrent_writes_are_all_stored()
    {
        using var factory = new LapsServerFactory();
        using var client = factory.CreateClient();

        await Task.WhenAll(Enumerable.Range(1, 40).Select(async i => (await Post(client, $"W-{i}", Sample("laps-entra-id-backup.xml"))).Dispose()));

        var store = factory.Services.GetRequiredService<ServerState>().Store;
        Enumerable.Range(1, 40).Select(i => store.LoadDeviceRecord($"W-{i}")).Should().OnlyContain(r => r != null && r.Snapshot.Tree.Count > 0);
    }

    [Test]
    public async Task A_failing_write_fails_alone_when_it_shares_a_batch()
    {
        using var store = LapsStore.OpenInMemory();
        using var state = ServerState.Open(store, TimeProvider.System, new Identity.ActiveDirectoryConfig());
        await using var queue = new CommitQueue(state);
        var gate = new ManualResetEventSlim();

        // The first write holds the writer until the others are queued, so that they share one batch.
        var first = queue.CommitAsync(tx =>
        {
            gate.Wait(TimeSpan.FromSeconds(30));
            tx.SetSetting("a", "1");
        });
        var bad = queue.CommitAsync(_ => throw new InvalidOperationException("bad write"));
        var good = queue.CommitAsync(tx => tx.SetSetting("b", "2"));
        gate.Set();

        await first;
        await good;
        await FluentActions.Awaiting(() => bad).Should().ThrowAsync<InvalidOperationException>();
        store.GetSetting("a").Should().Be("1");
        store.GetSetting("b").Should().Be("2");
    }

    [Test]
    public async Task The_rotation_history_is_stored_with_the_device()
    {
        using var factory = new LapsServerFactory();
        using var client = factory.CreateClient();

        await Scenario.EntraDeviceWithBackup(client, "PC-1");

        var stored = factory.Services.GetRequiredService<ServerState>().GetDocument<List<RotationRecord>>(HostedDevice.RotationKey("PC-1"));
        stored.Should().ContainSingle().Which.Should().Match<RotationRecord>(r => r.Trigger == "syncml" && r.Result == "succeeded" && r.AccountName == "ContosoLocalLapsAdmin");
    }
}
