namespace LapsCsp.Storage.Directories;

/// <summary>Names of directory rows: <c>entra</c> for the tenant, <c>ad:</c> and the lower-case DNS name for a domain.</summary>
public static class DirectoryNames
{
    public const string Entra = "entra";

    public const string ActiveDirectoryPrefix = "ad:";

    public static string ActiveDirectory(string dnsDomainName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dnsDomainName);
        return ActiveDirectoryPrefix + dnsDomainName.ToLowerInvariant();
    }
}
