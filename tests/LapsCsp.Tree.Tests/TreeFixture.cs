using LapsCsp.Ddf.Loading;
using LapsCsp.Ddf.Model;
using LapsCsp.Testing;
using LapsCsp.Tree.Schema;

namespace LapsCsp.Tree.Tests;

internal static class TreeFixture
{
    private static readonly Lazy<DdfDocument> s_laps = new(() => DdfLoader.LoadOrThrow(RepoPaths.Ddf("LAPS.xml")));
    private static readonly Lazy<DdfDocument> s_accounts = new(() => DdfLoader.LoadOrThrow(RepoPaths.Ddf("Accounts.xml")));

    public static CspSchema Schema { get; } = CspSchema.Build([s_laps.Value, s_accounts.Value]);

    public static DmTree NewTree(TreeOptions? options = null) => new(Schema, options);

    public const string Policies = "./Device/Vendor/MSFT/LAPS/Policies/";
}
