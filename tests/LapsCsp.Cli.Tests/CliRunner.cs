using System.Diagnostics;

namespace LapsCsp.Cli.Tests;

/// <summary>Runs the real <c>lapscsp</c> program in a child process, to see exit codes and output as a user does.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args) => RunWithInput(null, args);

    public static Result RunWithInput(byte[]? stdin, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "lapscsp.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.BaseStream.Write(stdin);
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"lapscsp {string.Join(' ', args)} did not finish within 60 s");
        }

        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
