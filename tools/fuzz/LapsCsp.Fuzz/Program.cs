using System.Diagnostics;
using System.Globalization;
using LapsCsp.Fuzz.Targets;
using SharpFuzz;

namespace LapsCsp.Fuzz;

/// <summary>Entry point of the fuzz harnesses.</summary>
/// <remarks>
/// <c>LapsCsp.Fuzz TARGET</c>: the AFL++ loop (SharpFuzz out of process: a child process runs the inputs and is restarted
/// after a hang or a crash the runtime cannot catch, so a campaign goes on).
/// <c>LapsCsp.Fuzz TARGET --once</c>: one input from standard input, for afl-tmin.
/// <c>LapsCsp.Fuzz replay TARGET PATH...</c>: runs files or folders of inputs and says which fail (exit 1 if any).
/// </remarks>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "replay") return Replay(args[1], args[2..]);
        if (args.Length is < 1 or > 2 || !FuzzTargets.Names.Contains(args[0]))
        {
            Console.Error.WriteLine($"usage: LapsCsp.Fuzz TARGET [--once] | LapsCsp.Fuzz replay TARGET PATH...   (targets: {string.Join(", ", FuzzTargets.Names)})");
            return 2;
        }

        var target = FuzzTargets.Get(args[0]);
        if (args.Length == 2 && args[1] == "--once")
        {
            Fuzzer.RunOnce(stream => target(ReadAll(stream)));
            return 0;
        }

        Fuzzer.OutOfProcess.Run(stream => target(ReadAll(stream)));
        return 0;
    }

    private static int Replay(string name, string[] paths)
    {
        var target = FuzzTargets.Get(name);
        var files = paths.SelectMany(p => System.IO.Directory.Exists(p) ? System.IO.Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p])
            .Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith(".md", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        // Warm up (JIT, the server's host start) so that the times below are those of the inputs.
        try
        {
            target([]);
        }
        catch (FuzzInvariantException)
        {
        }

        var failed = 0;
        foreach (var file in files)
        {
            var watch = Stopwatch.StartNew();
            try
            {
                target(File.ReadAllBytes(file));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ok    {watch.ElapsedMilliseconds,6} ms  {file}"));
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FAIL  {watch.ElapsedMilliseconds,6} ms  {file}"));
                Console.WriteLine("      " + e.ToString().Replace("\n", "\n      ", StringComparison.Ordinal));
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"replayed {files.Count} inputs: {files.Count - failed} handled, {failed} failing"));
        return failed == 0 ? 0 : 1;
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
