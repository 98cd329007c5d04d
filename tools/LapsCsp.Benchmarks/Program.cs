using BenchmarkDotNet.Running;
using LapsCsp.Benchmarks.ColdStart;

namespace LapsCsp.Benchmarks;

/// <summary>Runs the benchmarks, e.g. <c>dotnet run -c Release --project tools/LapsCsp.Benchmarks -- --filter '*'</c>;
/// with the single argument <c>cold-ddf</c>, times the first DDF load of this process instead.</summary>
internal static class Program
{
    private static void Main(string[] args)
    {
        if (args is ["cold-ddf"])
        {
            ColdDdfLoad.Run(Console.Out);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
