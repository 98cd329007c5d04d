namespace LapsCsp.Benchmarks;

/// <summary>The measured inputs, embedded in this assembly: the wire-valid Entra ID sample of samples/ (seven Adds of the
/// LAPS CSP document's Entra ID example), ddf/LAPS.xml and ddf/Accounts.xml.</summary>
internal static class Inputs
{
    public static byte[] EntraIdSample() => Resource("laps-entra-id-backup.xml");

    public static byte[] LapsDdf() => Resource("LAPS.xml");

    public static byte[] AccountsDdf() => Resource("Accounts.xml");

    private static byte[] Resource(string name)
    {
        using var stream = typeof(Inputs).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"resource {name} is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
