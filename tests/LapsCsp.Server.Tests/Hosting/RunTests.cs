using System.Text;
using LapsCsp.Server.Hosting;

namespace LapsCsp.Server.Tests.Hosting;

/// <summary>What <c>lapscsp serve</c> runs: start-up refusals with exit code 2, and a graceful stop.</summary>
public class RunTests
{
    [Test]
    public async Task A_bad_configuration_prints_every_problem_and_exits_2()
    {
        var output = new StringWriter();

        var code = await LapsServerHost.RunAsync(new ServerOptions { Urls = ["http://192.0.2.1:80"], LogFormat = "xml" }, output, CancellationToken.None);

        code.Should().Be(2);
        output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(2)
            .And.OnlyContain(l => l.StartsWith("lapscsp serve: ", StringComparison.Ordinal));
    }

    [Test]
    public async Task The_server_starts_says_where_it_listens_and_its_data_and_stops_gracefully_with_exit_0()
    {
        var data = System.IO.Directory.CreateTempSubdirectory("lapscsp-run-").FullName;
        try
        {
            var output = new SignallingWriter("Ctrl+C stops");
            using var stop = new CancellationTokenSource();
            var run = LapsServerHost.RunAsync(new ServerOptions { Urls = ["http://127.0.0.1:0"], DataDirectory = data, LogFormat = "simple" }, output, stop.Token);

            // Not a sleep: the wait ends when the server has printed its banner; the bound keeps a broken start from hanging.
            await output.Seen.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await stop.CancelAsync();
            var code = await run.WaitAsync(TimeSpan.FromSeconds(60));

            code.Should().Be(0);
            var text = output.ToString();
            text.Should().MatchRegex(@"listening on http://127\.0\.0\.1:\d+").And.Contain($"data in {Path.Combine(data, "lapscsp.db")}")
                .And.Contain("secret 'lapscsp-demo'");
            File.Exists(Path.Combine(data, "lapscsp.db")).Should().BeTrue();
        }
        finally
        {
            System.IO.Directory.Delete(data, recursive: true);
        }
    }

    private sealed class SignallingWriter(string marker) : StringWriter
    {
        public TaskCompletionSource Seen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task WriteLineAsync(string? value)
        {
            var result = base.WriteLineAsync(value);
            if (value?.Contains(marker, StringComparison.Ordinal) == true) Seen.TrySetResult();
            return result;
        }

        public override Encoding Encoding => Encoding.UTF8;
    }
}
