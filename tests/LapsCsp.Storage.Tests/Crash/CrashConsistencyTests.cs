using System.Diagnostics;
using System.Globalization;
using System.Text;
using LapsCsp.Storage.Audit;

namespace LapsCsp.Storage.Tests.Crash;

/// <summary>Issue 7 item 4 at the store's level: a writer process is killed with SIGKILL at a random moment, and every write
/// it had acknowledged must be there afterwards, whole, in a database that passes <c>PRAGMA integrity_check</c>.</summary>
/// <remarks>The child is tests/LapsCsp.Storage.CrashWriter: each step saves device N, a directory row and audit record N in
/// one transaction, then prints "ack N". Cycles: 5 by default; set LAPSCSP_CRASH_CYCLES for a longer manual run.</remarks>
public sealed class CrashConsistencyTests
{
    private const string Source = "crash";

    [Test]
    public async Task Every_acknowledged_write_survives_SIGKILL_and_the_store_stays_consistent()
    {
        var cycles = int.TryParse(Environment.GetEnvironmentVariable("LAPSCSP_CRASH_CYCLES"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 5;
        var random = new Random(20260131);
        using var folder = new TempFolder();
        var path = folder.File("crash.db");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30 + (20 * cycles)));
        var acknowledged = new List<int>();
        var next = 0;

        for (var cycle = 0; cycle < cycles; cycle++)
        {
            var acks = await RunWriterAndKillAsync(path, next, killAfter: random.Next(200, 401), timeout.Token);
            acknowledged.AddRange(acks);

            using var store = LapsStore.Open(path);
            store.CheckIntegrity().Should().BeEmpty($"cycle {cycle}: the database must be consistent after SIGKILL");
            var stored = AllDeviceIds(store);
            var indexes = stored.Select(Index).ToList();
            indexes.Should().Equal(Enumerable.Range(0, stored.Count), $"cycle {cycle}: devices are written in order without holes");
            indexes.Should().Contain(acknowledged, $"cycle {cycle}: every acknowledged device is stored");
            indexes[^1].Should().BeLessThanOrEqualTo(acks[^1] + 1, "at most the one write in flight when killed is there unacknowledged");

            // A step is all or nothing: the audit records and the directory row match the devices exactly.
            var audit = store.QueryAudit(new AuditQuery(Source: Source, Take: int.MaxValue, NewestFirst: false));
            audit.Select(a => a.Id).Should().Equal(indexes.Select(CrashRecords.AuditId));
            store.LoadDirectory("crash-counter").Should().Be(string.Create(CultureInfo.InvariantCulture, $$"""{"last":{{indexes[^1]}}}"""));
            next = indexes[^1] + 1;
        }

        TestContext.Out.WriteLine($"{cycles} SIGKILL cycles, {acknowledged.Count} acknowledged writes checked, {next} stored.");
    }

    private static async Task<List<int>> RunWriterAndKillAsync(string path, int first, int killAfter, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LapsCsp.Storage.CrashWriter.dll"));
        start.ArgumentList.Add("--crash-test-writer");
        start.ArgumentList.Add(path);
        start.ArgumentList.Add(first.ToString(CultureInfo.InvariantCulture));

        using var process = Process.Start(start)!;
        var errors = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors) errors.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();

        var acks = new List<int>();
        try
        {
            (await process.StandardOutput.ReadLineAsync(ct)).Should().Be("ready", Errors(errors));
            while (acks.Count < killAfter)
            {
                var line = await process.StandardOutput.ReadLineAsync(ct);
                line.Should().NotBeNull($"the writer stopped after {acks.Count} acknowledgements: {Errors(errors)}");
                acks.Add(Ack(line!));
            }
        }
        finally
        {
            // SIGKILL on Unix: no finalisers, no disposal, no flush; the child is stopped wherever it is.
            process.Kill();
        }

        // Lines the child printed before it died are acknowledgements too: read them to the end of the pipe.
        while (await process.StandardOutput.ReadLineAsync(ct) is { } rest) acks.Add(Ack(rest));
        await process.WaitForExitAsync(ct);
        acks.Should().Equal(Enumerable.Range(first, acks.Count));
        return acks;
    }

    private static List<string> AllDeviceIds(LapsStore store)
    {
        var ids = new List<string>();
        string? after = null;
        while (store.ListDeviceIdsAfter(after, 5_000) is { Count: > 0 } page)
        {
            ids.AddRange(page);
            after = page[^1];
        }

        return ids;
    }

    private static int Ack(string line) =>
        line.StartsWith("ack ", StringComparison.Ordinal) ? int.Parse(line.AsSpan(4), CultureInfo.InvariantCulture) : throw new FormatException(line);

    private static int Index(string deviceId) => int.Parse(deviceId.AsSpan("crash-".Length), CultureInfo.InvariantCulture);

    private static string Errors(StringBuilder errors)
    {
        lock (errors) return errors.ToString();
    }
}
