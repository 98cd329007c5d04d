using BenchmarkDotNet.Running;

namespace LapsCsp.Benchmarks;

/// <summary>Runs the benchmarks, e.g. <c>dotnet run -c Release --project tools/LapsCsp.Benchmarks -- --filter '*'</c>.</summary>
internal static class Program
{
    private static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
