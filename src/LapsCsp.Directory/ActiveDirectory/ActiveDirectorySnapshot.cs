using System.Collections.Immutable;
using LapsCsp.Directory.Audit;

namespace LapsCsp.Directory.ActiveDirectory;

/// <summary>The whole state of an <see cref="ActiveDirectoryDomain"/> as plain data, including the key distribution
/// service's keys (without them nothing stored could be decrypted after a reload). Fault injection is not part of it.</summary>
public sealed record ActiveDirectorySnapshot(
    string DnsDomainName,
    string NetBiosName,
    string DomainSid,
    DomainFunctionalLevel FunctionalLevel,
    bool SchemaExtended,
    int NextRid,
    ImmutableArray<AdPrincipalSnapshot> Principals,
    ImmutableArray<KdsKeySnapshot> KdsKeys,
    ImmutableArray<AdComputerSnapshot> Computers,
    ImmutableArray<DirectoryAuditRecord> Audit);

/// <summary>A user or group of the emulated domain and its direct members (SIDs).</summary>
public sealed record AdPrincipalSnapshot(string Sid, string SamAccountName, ImmutableArray<string> MemberSids);

/// <summary>One KDS key: 32 bytes, base64 in JSON.</summary>
public sealed record KdsKeySnapshot(string PrincipalSid, byte[] Key);

/// <summary>A computer object and its LAPS attributes.</summary>
public sealed record AdComputerSnapshot(
    string DeviceId,
    string SamAccountName,
    long? PasswordExpirationTime,
    string? Password,
    byte[]? EncryptedPassword,
    ImmutableArray<byte[]> EncryptedPasswordHistory,
    Guid? CurrentPasswordVersion);

/// <summary>A principal of the emulated domain.</summary>
public sealed record AdPrincipal(string Sid, string SamAccountName);

/// <summary>Settings of an emulated domain.</summary>
/// <param name="NetBiosName">Defaults to the first DNS label in upper case (at most 15 characters).</param>
/// <param name="DomainSid">The domain SID; well-known RIDs hang off it (500 Administrator, 512 Domain Admins).</param>
/// <param name="SchemaExtended">Whether the schema has the Windows LAPS attributes (<c>Update-LapsADSchema</c> ran); when
/// false every backup fails with <see cref="Backup.BackupFailureKind.SchemaMissing"/> (event 10012).</param>
public sealed record ActiveDirectoryOptions(
    string DnsDomainName = "contoso.com",
    string? NetBiosName = null,
    string DomainSid = ActiveDirectoryOptions.DefaultDomainSid,
    DomainFunctionalLevel FunctionalLevel = DomainFunctionalLevel.Windows2016,
    bool SchemaExtended = true)
{
    public const string DefaultDomainSid = "S-1-5-21-3623811015-3361044348-30300820";

    public string EffectiveNetBiosName
    {
        get
        {
            if (NetBiosName is not null) return NetBiosName;
            var label = DnsDomainName.Split('.')[0].ToUpperInvariant();
            return label.Length > 15 ? label[..15] : label;
        }
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(DnsDomainName) || DnsDomainName.StartsWith('.') || DnsDomainName.EndsWith('.'))
        {
            problems.Add($"DnsDomainName '{DnsDomainName}' is not a DNS name.");
        }

        if (NetBiosName is not null && (NetBiosName.Length is 0 or > 15 || NetBiosName.Contains('\\', StringComparison.Ordinal)))
        {
            problems.Add($"NetBiosName '{NetBiosName}' must be 1-15 characters without a backslash.");
        }

        if (!DomainSid.StartsWith("S-1-5-21-", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"DomainSid '{DomainSid}' is not a domain SID (S-1-5-21-...).");
        }

        if (!Enum.IsDefined(FunctionalLevel)) problems.Add($"FunctionalLevel {(int)FunctionalLevel} is not a known level.");
        if (problems.Count > 0) throw new ArgumentException(string.Join(" ", problems));
    }
}
