using System.Collections.Immutable;
using LapsCsp.Ddf.Loading;
using LapsCsp.Ddf.Model;
using LapsCsp.Tree.Schema;

namespace LapsCsp.Device.Catalog;

/// <summary>The CSPs a simulated device serves, loaded from DDF files: by default the ones of <c>ddf/</c>, embedded in
/// this assembly (LAPS and Accounts); more can be loaded from files.</summary>
public static class CspCatalog
{
    private static readonly Lazy<ImmutableArray<DdfDocument>> s_builtIn = new(LoadBuiltIn);
    private static readonly Lazy<CspSchema> s_defaultSchema = new(() => CspSchema.Build(s_builtIn.Value));

    /// <summary>The embedded DDF documents (ddf/*.xml at build time).</summary>
    public static ImmutableArray<DdfDocument> BuiltInDocuments => s_builtIn.Value;

    /// <summary>The schema of the embedded DDFs, built once and shared (it is immutable).</summary>
    public static CspSchema DefaultSchema => s_defaultSchema.Value;

    /// <summary>Builds a schema from the embedded DDFs plus extra DDF files.</summary>
    public static CspSchema WithFiles(IEnumerable<string> ddfPaths) =>
        CspSchema.Build(BuiltInDocuments.Concat(ddfPaths.Select(DdfLoader.LoadOrThrow)));

    private static ImmutableArray<DdfDocument> LoadBuiltIn()
    {
        var assembly = typeof(CspCatalog).Assembly;
        var builder = ImmutableArray.CreateBuilder<DdfDocument>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("ddf/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            var result = DdfLoader.Load(stream, name);
            if (result.Document is null)
            {
                throw new DdfLoadException(name, result.Diagnostics);
            }

            builder.Add(result.Document);
        }

        return builder.ToImmutable();
    }
}
