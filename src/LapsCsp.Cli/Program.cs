using System.CommandLine;
using LapsCsp.Cli.Commands;

namespace LapsCsp.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        try
        {
            return BuildRoot().Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            // A bug, not a user error: say so in one line, without a stack trace, and exit with EX_SOFTWARE.
            Console.Error.WriteLine($"lapscsp: internal error: {e.GetType().Name}: {e.Message}");
            return 70;
        }
    }

    internal static RootCommand BuildRoot() => new("lapscsp: a Windows LAPS CSP (OMA-DM/SyncML) emulator and device simulator")
    {
        ApplyCommand.Create(),
        CheckCommand.Create(),
        DdfCommand.Create(),
        FleetCommand.Create(),
        DeviceCommand.Create(),
        DirectoryCommand.Create(),
        ServeCommand.Create(),
    };
}
