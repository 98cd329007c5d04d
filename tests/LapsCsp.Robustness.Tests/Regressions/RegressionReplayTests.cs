using System.Diagnostics;
using LapsCsp.Fuzz.Targets;
using LapsCsp.Testing;

namespace LapsCsp.Robustness.Tests.Regressions;

/// <summary>Issue 7 item 1: every crash or hang a fuzz campaign saved (Regressions/TARGET/*) is replayed through the
/// target it was found with, uninstrumented; so are the seeds campaigns start from. A target returns when it handled its
/// input and throws when it did not (an unexpected exception, or one of its invariants broken).</summary>
public sealed class RegressionReplayTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    public static IEnumerable<TestCaseData> SavedFindings() =>
        FuzzTargets.Names.SelectMany(target =>
        {
            var folder = Path.Combine(RepoPaths.Root, "tests", "LapsCsp.Robustness.Tests", "Regressions", target);
            return System.IO.Directory.Exists(folder)
                ? System.IO.Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal)
                    .Select(f => new TestCaseData(target, f).SetName($"Saved_{target}_finding_{Path.GetFileNameWithoutExtension(f)}_is_handled"))
                : [];
        });

    public static IEnumerable<TestCaseData> Seeds()
    {
        var syncml = System.IO.Directory.EnumerateFiles(RepoPaths.Samples, "*.xml")
            .Concat(System.IO.Directory.Exists(Path.Combine(RepoPaths.Shared, "corpus")) ? System.IO.Directory.EnumerateFiles(Path.Combine(RepoPaths.Shared, "corpus"), "*.xml") : [])
            .Concat(System.IO.Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "tools", "fuzz", "seeds", "syncml")))
            .Order(StringComparer.Ordinal)
            .ToList();
        var ddf = System.IO.Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "ddf"), "*.xml")
            .Concat(System.IO.Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "tools", "fuzz", "seeds", "ddf")))
            .Order(StringComparer.Ordinal)
            .ToList();
        yield return new TestCaseData(FuzzTargets.SyncML, syncml).SetName("Every_SyncML_seed_passes_the_syncml_target");
        yield return new TestCaseData(FuzzTargets.Server, syncml).SetName("Every_SyncML_seed_passes_the_server_target");
        yield return new TestCaseData(FuzzTargets.Ddf, ddf).SetName("Every_DDF_seed_passes_the_ddf_target");
    }

    [Test]
    public void There_is_a_saved_finding_for_every_bug_the_fuzzers_found()
    {
        // Guards against an emptied or misplaced Regressions folder: the replay below would then pass vacuously.
        SavedFindings().Should().NotBeEmpty();
    }

    [TestCaseSource(nameof(SavedFindings))]
    public void Saved_finding_is_handled(string target, string file)
    {
        var input = File.ReadAllBytes(file);
        var run = FuzzTargets.Get(target);
        var watch = Stopwatch.StartNew();
        run.Invoking(r => r(input)).Should().NotThrow($"{Path.GetFileName(file)} crashed the {target} target once");
        watch.Elapsed.Should().BeLessThan(s_bound, "a saved hang must now end quickly (generous bound)");
    }

    [TestCaseSource(nameof(Seeds))]
    public void Seeds_pass_their_target(string target, List<string> files)
    {
        files.Should().NotBeEmpty();
        var run = FuzzTargets.Get(target);
        foreach (var file in files)
        {
            var input = File.ReadAllBytes(file);
            run.Invoking(r => r(input)).Should().NotThrow(file);
        }
    }
}
