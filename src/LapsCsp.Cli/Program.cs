using System.CommandLine;
using LapsCsp.Cli.Commands;

namespace LapsCsp.Cli;

internal static class Program
{
    public static int Main(string[] args) => BuildRoot().Parse(args).Invoke();

    internal static RootCommand BuildRoot() => new("lapscsp: a Windows LAPS CSP (OMA-DM/SyncML) emulator and device simulator")
    {
        ApplyCommand.Create(),
        CheckCommand.Create(),
        DdfCommand.Create(),
    };
}
