using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace LapsCsp.Robustness.Tests.Crash;

/// <summary><c>lapscsp serve</c> as a child process (the lapscsp.dll built beside the tests) on a free loopback port.</summary>
internal sealed partial class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServeProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts the server on <paramref name="dataDirectory"/> and waits for its "listening on" line.</summary>
    public static async Task<ServeProcess> StartAsync(string dataDirectory, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lapscsp.dll"));
        foreach (var arg in new[] { "serve", "--urls", "http://127.0.0.1:0", "--data", dataDirectory, "--log-format", "simple" }) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = new StringBuilder();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (output) output.AppendLine(line);
            var match = ListeningPattern().Match(line);
            if (match.Success) listening.TrySetResult(new Uri(match.Groups[1].Value));
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("lapscsp serve exited before listening:\n" + Text(output)));
        try
        {
            var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
            var server = new ServeProcess(process, address);
            lock (output) server._output.Append(output);
            process.OutputDataReceived += (_, e) => server.Append(e.Data);
            process.ErrorDataReceived += (_, e) => server.Append(e.Data);
            return server;
        }
        catch
        {
            KillQuietly(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>SIGKILL: no shutdown hook, no flush, no disposal runs in the server.</summary>
    public async Task KillAsync()
    {
        KillQuietly(_process);
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        KillQuietly(_process);
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output) return output.ToString();
    }

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningPattern();
}
