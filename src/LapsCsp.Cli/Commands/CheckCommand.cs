using System.CommandLine;
using LapsCsp.Cli.Conformance;

namespace LapsCsp.Cli.Commands;

/// <summary><c>lapscsp check PATH...</c>: the conformance runner over sample folders.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "sample files or folders", Arity = ArgumentArity.OneOrMore };
        var junit = new Option<string?>("--junit") { Description = "also write the results as JUnit XML to this file" };
        var update = new Option<bool>("--update") { Description = "rewrite each expectation from the device's current reply" };
        var command = new Command("check", "Run SyncML samples and compare each reply with its NAME.expected.xml")
        {
            paths, junit, update,
        };
        command.SetAction(result => Run(result.GetValue(paths)!, result.GetValue(junit), result.GetValue(update), Console.Out, Console.Error));
        return command;
    }

    public static int Run(IReadOnlyList<string> paths, string? junit, bool update, TextWriter stdout, TextWriter stderr)
    {
        IReadOnlyList<string> samples;
        try
        {
            samples = ConformanceRunner.Discover(paths);
        }
        catch (FileNotFoundException e)
        {
            stderr.WriteLine($"lapscsp: {e.Message}");
            return ExitCodes.Refused;
        }

        if (samples.Count == 0)
        {
            stderr.WriteLine("lapscsp: no samples found");
            return ExitCodes.Refused;
        }

        var runner = new ConformanceRunner();
        var results = new List<SampleResult>(samples.Count);
        foreach (var sample in samples)
        {
            SampleResult result;
            try
            {
                result = runner.Run(sample, update);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                result = new SampleResult(sample, sample, false, [], Error: e.Message);
            }

            results.Add(result);
            var mark = result.Updated ? "UPDATED" : result.Passed ? "PASS" : result.Error is not null ? "ERROR" : "FAIL";
            stdout.WriteLine($"{mark,-7} {result.Name}");
            if (result.Error is not null) stdout.WriteLine($"        {result.Error}");
            foreach (var difference in result.Differences) stdout.WriteLine($"        {difference}");
        }

        var passed = results.Count(r => r.Passed);
        var failed = results.Count - passed;
        stdout.WriteLine();
        stdout.WriteLine($"{results.Count} samples: {passed} passed, {failed} failed");
        if (junit is not null) JUnitReport.Write(results, junit);
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Mismatch;
    }
}
