namespace LapsCsp.Testing;

/// <summary>Locates the repository root (the folder holding LapsCsp.sln) and the shared ground-truth folder beside it.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    public static string Ddf(string fileName) => Path.Combine(Root, "ddf", fileName);

    public static string Samples => Path.Combine(Root, "samples");

    /// <summary>The shared folder (../shared from the repository), holding spec/, corpus/ and data/.</summary>
    public static string Shared
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("LAPSCSP_SHARED");
            if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
            return Path.GetFullPath(Path.Combine(Root, "..", "shared"));
        }
    }

    public static string Corpus(string fileName) => Path.Combine(Shared, "corpus", fileName);

    public static byte[] CorpusBytes(string fileName) => File.ReadAllBytes(Corpus(fileName));

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LapsCsp.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("LapsCsp.sln not found above " + AppContext.BaseDirectory);
    }
}
