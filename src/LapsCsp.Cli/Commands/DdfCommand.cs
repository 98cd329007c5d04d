using System.CommandLine;
using LapsCsp.Ddf.Display;
using LapsCsp.Ddf.Loading;

namespace LapsCsp.Cli.Commands;

/// <summary><c>lapscsp ddf show FILE [--node PATH]</c>: the node table of a DDF file.</summary>
internal static class DdfCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "a DDF XML file (e.g. ddf/LAPS.xml)" };
        var node = new Option<string?>("--node") { Description = "show only this node or subtree (full path or a suffix such as Policies/PasswordAgeDays)" };
        var show = new Command("show", "Print the node table: access, format, default, allowed values, dependencies") { file, node };
        show.SetAction(result => Show(result.GetValue(file)!, result.GetValue(node), Console.Out, Console.Error));
        return new Command("ddf", "Inspect DDF files") { show };
    }

    public static int Show(FileInfo file, string? node, TextWriter stdout, TextWriter stderr)
    {
        if (!file.Exists)
        {
            stderr.WriteLine($"lapscsp: {file.FullName}: no such file");
            return ExitCodes.Refused;
        }

        var result = DdfLoader.LoadFile(file.FullName);
        foreach (var diagnostic in result.Diagnostics)
        {
            stderr.WriteLine($"{file.Name}: {diagnostic}");
        }

        if (!result.Succeeded || result.Document is null)
        {
            stderr.WriteLine($"lapscsp: {file.Name} is not a valid DDF ({result.Diagnostics.Length} problem(s))");
            return ExitCodes.Refused;
        }

        var rows = DdfTable.Rows(result.Document, node);
        if (rows.Count == 0)
        {
            stderr.WriteLine($"lapscsp: no node matches '{node}'");
            return ExitCodes.Mismatch;
        }

        stdout.Write(DdfTable.Render(rows));
        return ExitCodes.Ok;
    }
}
