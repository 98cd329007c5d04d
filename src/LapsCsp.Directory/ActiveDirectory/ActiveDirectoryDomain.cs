using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using LapsCsp.Directory.Audit;
using LapsCsp.Directory.Backup;

namespace LapsCsp.Directory.ActiveDirectory;

/// <summary>An emulated AD domain holding computer objects with the Windows LAPS attributes (digest C.12).</summary>
/// <remarks>
/// <para>Backup writes, in one step: <c>msLAPS-PasswordExpirationTime</c>; either <c>msLAPS-Password</c> (clear JSON, when
/// encryption is off; the encrypted attributes are cleared, since history exists only with encryption) or
/// <c>msLAPS-EncryptedPassword</c> (clearing <c>msLAPS-Password</c>; the previous blob moves to the front of
/// <c>msLAPS-EncryptedPasswordHistory</c>, which keeps at most <c>ADEncryptedPasswordHistorySize</c> entries); and a new
/// <c>msLAPS-CurrentPasswordVersion</c> GUID.</para>
/// <para>Encryption needs DFL 2016. The troubleshooting guide's event 10006 says "The password was not updated", while the
/// CSP doc says a domain below the DFL prerequisite gets clear text; we follow the event (backup fails) — digest C.5.</para>
/// <para>Principals: the default <c>Domain Admins</c> (an isolated name is accepted only for it, other isolated names are
/// ambiguous, event 10034), <c>DOMAIN\name</c>, <c>name@domain</c> (NetBIOS or DNS domain) or a SID. A name of this domain
/// seen for the first time is created with the next RID and gets its KDS key; a foreign domain or unknown SID is
/// unresolvable (10035). Administrative calls (<see cref="AddGroupMember"/>, the caller of <see cref="Decrypt"/>) also accept
/// isolated names, meaning this domain. Thread-safe.</para>
/// </remarks>
public sealed class ActiveDirectoryDomain : IBackupDirectory
{
    private const int DomainAdminsRid = 512;
    private const int AdministratorRid = 500;
    private const int FirstUserRid = 1103;

    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<string, AdPrincipal> _principalsBySid = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, AdPrincipal> _principalsByName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, HashSet<string>> _members = new(StringComparer.OrdinalIgnoreCase);
    private readonly KeyDistributionService _kds = new();
    private readonly Dictionary<string, Computer> _computers = new(StringComparer.OrdinalIgnoreCase);
    private readonly AuditTrail _audit = new();
    private DomainFunctionalLevel _functionalLevel;
    private bool _schemaExtended;
    private int _nextRid = FirstUserRid;

    public ActiveDirectoryDomain(TimeProvider timeProvider, ActiveDirectoryOptions? options = null, DirectoryFaults? faults = null)
        : this(timeProvider, options ?? new ActiveDirectoryOptions(), faults, seedWellKnownPrincipals: true)
    {
    }

    private ActiveDirectoryDomain(TimeProvider timeProvider, ActiveDirectoryOptions options, DirectoryFaults? faults, bool seedWellKnownPrincipals)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _timeProvider = timeProvider;
        DnsDomainName = options.DnsDomainName;
        NetBiosName = options.EffectiveNetBiosName;
        DomainSid = options.DomainSid;
        _functionalLevel = options.FunctionalLevel;
        _schemaExtended = options.SchemaExtended;
        Faults = faults ?? new DirectoryFaults();
        if (seedWellKnownPrincipals)
        {
            var admin = AddPrincipalLocked(RidSid(AdministratorRid), "Administrator");
            var domainAdmins = AddPrincipalLocked(RidSid(DomainAdminsRid), "Domain Admins");
            _members[domainAdmins.Sid] = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { admin.Sid };
        }
    }

    public DirectoryKind Kind => DirectoryKind.ActiveDirectory;

    public DirectoryFaults Faults { get; }

    public string DnsDomainName { get; }

    public string NetBiosName { get; }

    public string DomainSid { get; }

    /// <summary>The SID of this domain's Domain Admins group (RID 512), the default encryption principal.</summary>
    public string DomainAdminsSid => RidSid(DomainAdminsRid);

    /// <summary>The domain functional level; may be raised at run time (the fix for event 10006).</summary>
    public DomainFunctionalLevel FunctionalLevel
    {
        get { lock (_lock) return _functionalLevel; }
        set { lock (_lock) _functionalLevel = value; }
    }

    /// <summary>Whether the schema has the Windows LAPS attributes; false makes backups fail with 10012.</summary>
    public bool SchemaExtended
    {
        get { lock (_lock) return _schemaExtended; }
        set { lock (_lock) _schemaExtended = value; }
    }

    /// <summary>Creates the computer object of a device. <paramref name="samName"/> gets a trailing <c>$</c> if it has none.</summary>
    public void AddComputer(string deviceId, string samName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(samName);
        var sam = samName.EndsWith('$') ? samName : samName + "$";
        lock (_lock)
        {
            if (_computers.ContainsKey(deviceId)) throw new InvalidOperationException($"A computer for device {deviceId} already exists.");
            _computers.Add(deviceId, new Computer(deviceId, sam));
        }
    }

    public bool RemoveComputer(string deviceId)
    {
        lock (_lock)
        {
            return _computers.Remove(deviceId);
        }
    }

    /// <summary>Renames the computer object of a device: its <c>sAMAccountName</c> becomes <paramref name="samAccountName"/>
    /// (a trailing <c>$</c> is added if it has none) and, with it, its CN and <c>distinguishedName</c>. Every <c>msLAPS-*</c>
    /// attribute stays as it is: the clear or encrypted password, the encrypted history, the expiry and the password version
    /// (the encrypted blobs are bound to their encryption principal, not to the computer's name, MS-ADA2 §2.66). Returns
    /// false when the domain has no computer for <paramref name="deviceId"/>, or when another computer already has that
    /// name (a sAMAccountName is unique in its domain); then nothing changes.</summary>
    /// <remarks>
    /// <para>A domain-joined computer that is renamed has its account in the domain renamed with it (NetRenameMachineInDomain:
    /// "Changes the name of a computer in a domain"): the sAMAccountName becomes the new NetBIOS name plus <c>$</c>, and the
    /// object's CN follows it. The emulated CN is the sAMAccountName without <c>$</c>, so the CN and the distinguishedName
    /// follow by construction. <c>dNSHostName</c> is not modelled by this domain, so there is none to change.</para>
    /// <para>Audit: the domain audits the changes it makes to a computer object (as it does for an administrator's move of
    /// the expiry), so a rename adds one entry, <see cref="LapsAuditActivities.RenameComputer"/>, naming the renamed object
    /// and the old and new sAMAccountName. Earlier entries keep the name the object had then. A rename to the name the
    /// object already has (same case) changes nothing and records nothing.</para>
    /// </remarks>
    /// <param name="actor">Who renamed it (<c>DOMAIN\name</c>); null: the computer itself, as when a device renames itself
    /// at its reboot.</param>
    public bool RenameComputer(string deviceId, string samAccountName, string? actor = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(samAccountName);
        var sam = samAccountName.EndsWith('$') ? samAccountName : samAccountName + "$";
        lock (_lock)
        {
            if (!_computers.TryGetValue(deviceId, out var computer)) return false;
            if (string.Equals(computer.SamAccountName, sam, StringComparison.Ordinal)) return true;
            if (_computers.Values.Any(c => !ReferenceEquals(c, computer) && string.Equals(c.SamAccountName, sam, StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }

            var oldSam = computer.SamAccountName;
            var oldDistinguishedName = computer.DistinguishedName(this);
            computer.SamAccountName = sam;
            _audit.Add(NewAudit(
                LapsAuditActivities.RenameComputer,
                DirectoryAuditRecord.Success,
                actor is null ? AuditInitiator.ForDevice(computer.DeviceId, sam) : AuditInitiator.ForUser(actor),
                computer,
                [
                    new AuditKeyValue("Attribute", LapsAttributeNames.SamAccountName),
                    new AuditKeyValue("OldValue", oldSam),
                    new AuditKeyValue("NewValue", sam),
                    new AuditKeyValue("OldDistinguishedName", oldDistinguishedName),
                ]));
            return true;
        }
    }

    /// <summary>The computer whose sAMAccountName is <paramref name="samAccountName"/> (with or without the trailing <c>$</c>,
    /// ignoring case as AD compares it), or <c>null</c>. Should several computers share a name (<see cref="AddComputer"/> does
    /// not check), the one with the lowest device id is returned.</summary>
    public AdComputerAttributes? FindComputer(string samAccountName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(samAccountName);
        var sam = samAccountName.EndsWith('$') ? samAccountName : samAccountName + "$";
        lock (_lock)
        {
            return _computers.Values
                .Where(c => string.Equals(c.SamAccountName, sam, StringComparison.OrdinalIgnoreCase))
                .OrderBy(c => c.DeviceId, StringComparer.Ordinal)
                .Select(ToAttributes)
                .FirstOrDefault();
        }
    }

    public async Task<BackupOutcome> BackupAsync(PasswordBackup backup, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(backup);
        if (await Faults.InjectAsync(_timeProvider, ct).ConfigureAwait(false) is { } injected)
        {
            return BackupOutcome.Failed(Kind, injected, $"Injected fault: {injected}.");
        }

        ct.ThrowIfCancellationRequested();
        var ad = backup.Ad ?? new AdBackupOptions();
        lock (_lock)
        {
            if (!_schemaExtended)
            {
                return BackupOutcome.Failed(
                    Kind, BackupFailureKind.SchemaMissing, "The Active Directory schema has not been updated with the necessary LAPS attributes.");
            }

            if (!_computers.TryGetValue(backup.DeviceId, out var computer))
            {
                return BackupOutcome.Failed(Kind, BackupFailureKind.DeviceNotFound, $"No computer object for device {backup.DeviceId} in {DnsDomainName}.");
            }

            var payload = new LapsPasswordPayload(backup.AccountName, backup.UpdateTime, backup.Password);
            if (ad.EncryptionEnabled)
            {
                if (_functionalLevel < DomainFunctionalLevel.Windows2016)
                {
                    return BackupOutcome.Failed(
                        Kind,
                        BackupFailureKind.EncryptionRequiresDomainFunctionalLevel2016,
                        "LAPS password encryption is required but the Active Directory domain is not yet at 2016 domain functional level.");
                }

                var (resolution, principal) = Resolve(ad.EncryptionPrincipal, create: true, allowIsolated: false);
                if (resolution == Resolution.Ambiguous)
                {
                    return BackupOutcome.Failed(
                        Kind, BackupFailureKind.EncryptionPrincipalAmbiguous, $"The configured encryption principal '{ad.EncryptionPrincipal}' is an isolated (ambiguous) name.");
                }

                if (principal is null)
                {
                    return BackupOutcome.Failed(
                        Kind,
                        BackupFailureKind.EncryptionPrincipalUnresolvable,
                        $"The configured encryption principal name '{ad.EncryptionPrincipal}' could not be mapped to a known account.");
                }

                // Plaintext: UTF-16LE JSON plus a terminating NUL (digest C.12).
                var plaintext = Encoding.Unicode.GetBytes(payload.ToJson() + "\0");
                var blob = EncryptedPasswordBlob.Protect(backup.UpdateTime, principal.Sid, _kds.GetOrCreate(principal.Sid), plaintext);
                var historySize = Math.Clamp(ad.EncryptedHistorySize, 0, AdBackupOptions.MaxEncryptedHistorySize);
                if (computer.EncryptedPassword is not null) computer.History.Insert(0, computer.EncryptedPassword);
                if (computer.History.Count > historySize) computer.History.RemoveRange(historySize, computer.History.Count - historySize);
                computer.EncryptedPassword = blob;
                computer.Password = null;
            }
            else
            {
                computer.Password = payload.ToJson();
                computer.EncryptedPassword = null;
                computer.History.Clear();
            }

            computer.PasswordExpirationTime = FileTime.FromDateTimeOffset(backup.ExpirationTime);
            var version = Guid.NewGuid();
            computer.CurrentPasswordVersion = version;
            _audit.Add(NewAudit(
                LapsAuditActivities.UpdatePassword,
                DirectoryAuditRecord.Success,
                AuditInitiator.ForDevice(computer.DeviceId, computer.SamAccountName),
                computer,
                [new AuditKeyValue("Attribute", ad.EncryptionEnabled ? LapsAttributeNames.EncryptedPassword : LapsAttributeNames.Password)]));
            return BackupOutcome.Success(Kind, $"Password of {backup.AccountName} written to {computer.DistinguishedName(this)}.", version);
        }
    }

    /// <summary>The computer's attributes as an LDAP reader sees them, or <c>null</c> when there is no such computer.</summary>
    public AdComputerAttributes? GetAttributes(string deviceId)
    {
        lock (_lock)
        {
            return _computers.TryGetValue(deviceId, out var c) ? ToAttributes(c) : null;
        }
    }

    /// <summary>All computers, ordered by sAMAccountName.</summary>
    public IReadOnlyList<AdComputerAttributes> ListComputers()
    {
        lock (_lock)
        {
            return _computers.Values.OrderBy(c => c.SamAccountName, StringComparer.OrdinalIgnoreCase).Select(ToAttributes).ToList();
        }
    }

    /// <summary>The expiry the device reads each AD-mode cycle (digest C.2), or <c>null</c> if no computer or none set.</summary>
    public DateTimeOffset? GetPasswordExpirationTime(string deviceId)
    {
        lock (_lock)
        {
            return _computers.TryGetValue(deviceId, out var c) && c.PasswordExpirationTime is { } ft ? FileTime.ToDateTimeOffset(ft) : null;
        }
    }

    /// <summary>An administrator moves <c>msLAPS-PasswordExpirationTime</c> (e.g. to now, forcing rotation at the device's
    /// next cycle). Returns false when the computer does not exist.</summary>
    public bool SetPasswordExpirationTime(string deviceId, DateTimeOffset expiration, string? actor = null)
    {
        lock (_lock)
        {
            if (!_computers.TryGetValue(deviceId, out var c)) return false;
            c.PasswordExpirationTime = FileTime.FromDateTimeOffset(expiration);
            _audit.Add(NewAudit(
                LapsAuditActivities.UpdateExpirationTime,
                DirectoryAuditRecord.Success,
                AuditInitiator.ForUser(actor ?? $"{NetBiosName}\\Administrator"),
                c,
                [new AuditKeyValue(LapsAttributeNames.PasswordExpirationTime, c.PasswordExpirationTime.Value.ToString(CultureInfo.InvariantCulture))]));
            return true;
        }
    }

    /// <summary>Decrypts the current encrypted password (<paramref name="historyIndex"/> -1) or a history entry (0 = newest).</summary>
    /// <returns><c>null</c> when the computer does not exist or has no encrypted password at that index.</returns>
    /// <exception cref="LapsDecryptionDeniedException">The caller is neither the blob's principal nor a (nested) member of it.</exception>
    /// <exception cref="InvalidLapsBlobException">The stored blob is malformed or fails authentication.</exception>
    public DecryptedLapsPassword? Decrypt(string deviceId, string callerPrincipal, int historyIndex = -1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(callerPrincipal);
        lock (_lock)
        {
            if (!_computers.TryGetValue(deviceId, out var computer)) return null;
            var blob = historyIndex < 0
                ? computer.EncryptedPassword
                : historyIndex < computer.History.Count ? computer.History[historyIndex] : null;
            if (blob is null) return null;

            var initiator = AuditInitiator.ForUser(callerPrincipal);
            ImmutableArray<AuditKeyValue> details = [new AuditKeyValue("HistoryIndex", historyIndex.ToString(CultureInfo.InvariantCulture))];
            try
            {
                var info = EncryptedPasswordBlob.Inspect(blob);
                var (_, caller) = Resolve(callerPrincipal, create: false, allowIsolated: true);
                if (caller is null || !IsSameOrMember(caller.Sid, info.EncryptionPrincipalSid))
                {
                    _audit.Add(NewAudit(LapsAuditActivities.RecoverPassword, DirectoryAuditRecord.Failure, initiator, computer, details, "Access denied"));
                    throw new LapsDecryptionDeniedException(callerPrincipal, info.EncryptionPrincipalSid);
                }

                if (!_kds.TryGet(info.EncryptionPrincipalSid, out var key))
                {
                    throw new InvalidLapsBlobException($"The key distribution service has no key for {info.EncryptionPrincipalSid}.");
                }

                var plaintext = Encoding.Unicode.GetString(EncryptedPasswordBlob.Unprotect(blob, key));
                if (!plaintext.EndsWith('\0')) throw new InvalidLapsBlobException("Decrypted password is not NUL-terminated.");
                var payload = LapsPasswordPayload.TryParse(plaintext[..^1])
                    ?? throw new InvalidLapsBlobException("Decrypted password is not the LAPS n/t/p JSON.");
                _audit.Add(NewAudit(LapsAuditActivities.RecoverPassword, DirectoryAuditRecord.Success, initiator, computer, details));
                return new DecryptedLapsPassword(payload.AccountName, payload.Password, payload.UpdateTime, info.EncryptionPrincipalSid, historyIndex);
            }
            catch (InvalidLapsBlobException ex)
            {
                _audit.Add(NewAudit(LapsAuditActivities.RecoverPassword, DirectoryAuditRecord.Failure, initiator, computer, details, ex.Message));
                throw;
            }
        }
    }

    /// <summary>Appends a "Recover" audit entry for a read of the clear <c>msLAPS-Password</c> through an LDAP view.
    /// Returns <c>null</c> when the computer has no clear password.</summary>
    public DirectoryAuditRecord? RecordPasswordRead(string deviceId, string actor)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        lock (_lock)
        {
            if (!_computers.TryGetValue(deviceId, out var c) || c.Password is null) return null;
            var record = NewAudit(
                LapsAuditActivities.RecoverPassword,
                DirectoryAuditRecord.Success,
                AuditInitiator.ForUser(actor),
                c,
                [new AuditKeyValue("Attribute", LapsAttributeNames.Password)]);
            _audit.Add(record);
            return record;
        }
    }

    /// <summary>Finds a principal without creating it (isolated names mean this domain); <c>null</c> when unknown.</summary>
    public AdPrincipal? ResolvePrincipal(string name)
    {
        lock (_lock)
        {
            return Resolve(name, create: false, allowIsolated: true).Principal;
        }
    }

    /// <summary>Creates (or returns) a user or group of this domain.</summary>
    public AdPrincipal AddPrincipal(string name)
    {
        lock (_lock)
        {
            return Resolve(name, create: true, allowIsolated: true).Principal
                ?? throw new ArgumentException($"'{name}' does not name a principal of {DnsDomainName}.", nameof(name));
        }
    }

    /// <summary>Adds <paramref name="member"/> to <paramref name="group"/>, creating either if new. Returns false if already a
    /// direct member. Membership is evaluated at decryption time, and nests.</summary>
    public bool AddGroupMember(string group, string member)
    {
        lock (_lock)
        {
            var g = Resolve(group, create: true, allowIsolated: true).Principal
                ?? throw new ArgumentException($"'{group}' does not name a principal of {DnsDomainName}.", nameof(group));
            var m = Resolve(member, create: true, allowIsolated: true).Principal
                ?? throw new ArgumentException($"'{member}' does not name a principal of {DnsDomainName}.", nameof(member));
            if (!_members.TryGetValue(g.Sid, out var set))
            {
                set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                _members.Add(g.Sid, set);
            }

            return set.Add(m.Sid);
        }
    }

    /// <summary>Whether <paramref name="member"/> is <paramref name="group"/> or a direct or nested member of it.</summary>
    public bool IsMemberOf(string member, string group)
    {
        lock (_lock)
        {
            var m = Resolve(member, create: false, allowIsolated: true).Principal;
            var g = Resolve(group, create: false, allowIsolated: true).Principal;
            return m is not null && g is not null && IsSameOrMember(m.Sid, g.Sid);
        }
    }

    /// <summary>The audit trail, oldest first.</summary>
    public IReadOnlyList<DirectoryAuditRecord> AuditLog
    {
        get
        {
            lock (_lock) return _audit.All();
        }
    }

    /// <summary>How many entries the audit trail holds: entries are only ever appended (the log is never trimmed), so this is
    /// also the position the next entry will take, for <see cref="AuditLogSince"/>.</summary>
    public int AuditCount
    {
        get
        {
            lock (_lock) return _audit.Count;
        }
    }

    /// <summary>The entries from position <paramref name="start"/> (0 for the first) on, oldest first: a reader that keeps
    /// <see cref="AuditCount"/> reads only what was appended since, instead of copying the whole <see cref="AuditLog"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> is negative or beyond <see cref="AuditCount"/>.</exception>
    public IReadOnlyList<DirectoryAuditRecord> AuditLogSince(int start)
    {
        lock (_lock) return _audit.Since(start);
    }

    public ActiveDirectorySnapshot Snapshot()
    {
        lock (_lock)
        {
            return new ActiveDirectorySnapshot(
                DnsDomainName,
                NetBiosName,
                DomainSid,
                _functionalLevel,
                _schemaExtended,
                _nextRid,
                [
                    .. _principalsBySid.Values.OrderBy(p => p.Sid, StringComparer.Ordinal).Select(p => new AdPrincipalSnapshot(
                        p.Sid,
                        p.SamAccountName,
                        _members.TryGetValue(p.Sid, out var set) ? [.. set.Order(StringComparer.Ordinal)] : [])),
                ],
                [.. _kds.Export().Select(k => new KdsKeySnapshot(k.Sid, k.Key))],
                [
                    .. _computers.Values.OrderBy(c => c.DeviceId, StringComparer.Ordinal).Select(c => new AdComputerSnapshot(
                        c.DeviceId,
                        c.SamAccountName,
                        c.PasswordExpirationTime,
                        c.Password,
                        c.EncryptedPassword is null ? null : (byte[])c.EncryptedPassword.Clone(),
                        [.. c.History.Select(h => (byte[])h.Clone())],
                        c.CurrentPasswordVersion)),
                ],
                [.. _audit.All()]);
        }
    }

    public static ActiveDirectoryDomain FromSnapshot(ActiveDirectorySnapshot snapshot, TimeProvider timeProvider, DirectoryFaults? faults = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var options = new ActiveDirectoryOptions(
            snapshot.DnsDomainName, snapshot.NetBiosName, snapshot.DomainSid, snapshot.FunctionalLevel, snapshot.SchemaExtended);
        var domain = new ActiveDirectoryDomain(timeProvider, options, faults, seedWellKnownPrincipals: false);
        domain._nextRid = snapshot.NextRid;
        foreach (var p in OrEmpty(snapshot.Principals))
        {
            var principal = new AdPrincipal(p.Sid, p.SamAccountName);
            domain._principalsBySid.Add(p.Sid, principal);
            domain._principalsByName.Add(p.SamAccountName, principal);
            if (!p.MemberSids.IsDefaultOrEmpty)
            {
                domain._members[p.Sid] = new HashSet<string>(p.MemberSids, StringComparer.OrdinalIgnoreCase);
            }
        }

        foreach (var k in OrEmpty(snapshot.KdsKeys)) domain._kds.Import(k.PrincipalSid, k.Key);
        foreach (var c in OrEmpty(snapshot.Computers))
        {
            var computer = new Computer(c.DeviceId, c.SamAccountName)
            {
                PasswordExpirationTime = c.PasswordExpirationTime,
                Password = c.Password,
                EncryptedPassword = c.EncryptedPassword is null ? null : (byte[])c.EncryptedPassword.Clone(),
                CurrentPasswordVersion = c.CurrentPasswordVersion,
            };
            computer.History.AddRange(OrEmpty(c.EncryptedPasswordHistory).Select(h => (byte[])h.Clone()));
            domain._computers.Add(c.DeviceId, computer);
        }

        domain._audit.AddRange(OrEmpty(snapshot.Audit));
        return domain;
    }

    private static ImmutableArray<T> OrEmpty<T>(ImmutableArray<T> array) => array.IsDefault ? [] : array;

    private string RidSid(int rid) => string.Create(CultureInfo.InvariantCulture, $"{DomainSid}-{rid}");

    private AdPrincipal AddPrincipalLocked(string sid, string samName)
    {
        var principal = new AdPrincipal(sid, samName);
        _principalsBySid.Add(sid, principal);
        _principalsByName.Add(samName, principal);
        _kds.GetOrCreate(sid);
        return principal;
    }

    private (Resolution Resolution, AdPrincipal? Principal) Resolve(string name, bool create, bool allowIsolated)
    {
        if (name.StartsWith("S-1-", StringComparison.OrdinalIgnoreCase))
        {
            return _principalsBySid.TryGetValue(name, out var bySid) ? (Resolution.Resolved, bySid) : (Resolution.Unresolvable, null);
        }

        string sam;
        var backslash = name.IndexOf('\\', StringComparison.Ordinal);
        var at = name.LastIndexOf('@');
        if (backslash >= 0)
        {
            if (!IsThisDomain(name[..backslash])) return (Resolution.Unresolvable, null);
            sam = name[(backslash + 1)..];
        }
        else if (at >= 0)
        {
            if (!IsThisDomain(name[(at + 1)..])) return (Resolution.Unresolvable, null);
            sam = name[..at];
        }
        else
        {
            // ADPasswordEncryptionPrincipal accepts "a SID or dom\name or name@dom"; the default decryptor is Domain
            // Admins of the device's domain. Any other isolated name is ambiguous (event 10034).
            var isDefault = string.Equals(name, AdBackupOptions.DefaultEncryptionPrincipal, StringComparison.OrdinalIgnoreCase);
            if (!allowIsolated && !isDefault) return (Resolution.Ambiguous, null);
            sam = name;
        }

        if (sam.Length == 0 || sam.Contains('\\', StringComparison.Ordinal) || sam.Contains('@', StringComparison.Ordinal))
        {
            return (Resolution.Unresolvable, null);
        }

        if (_principalsByName.TryGetValue(sam, out var byName)) return (Resolution.Resolved, byName);
        if (!create) return (Resolution.Unresolvable, null);
        return (Resolution.Resolved, AddPrincipalLocked(RidSid(_nextRid++), sam));
    }

    private bool IsThisDomain(string domain) =>
        string.Equals(domain, NetBiosName, StringComparison.OrdinalIgnoreCase)
        || string.Equals(domain, DnsDomainName, StringComparison.OrdinalIgnoreCase);

    private bool IsSameOrMember(string memberSid, string groupSid)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>();
        pending.Push(groupSid);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            if (string.Equals(current, memberSid, StringComparison.OrdinalIgnoreCase)) return true;
            if (!seen.Add(current) || !_members.TryGetValue(current, out var direct)) continue;
            foreach (var m in direct) pending.Push(m);
        }

        return false;
    }

    private AdComputerAttributes ToAttributes(Computer c) => new(
        c.DeviceId,
        c.DistinguishedName(this),
        c.SamAccountName,
        c.PasswordExpirationTime,
        c.Password,
        c.EncryptedPassword is null ? null : (byte[])c.EncryptedPassword.Clone(),
        [.. c.History.Select(h => (byte[])h.Clone())],
        c.CurrentPasswordVersion);

    private DirectoryAuditRecord NewAudit(
        string activity,
        string result,
        AuditInitiator initiator,
        Computer computer,
        ImmutableArray<AuditKeyValue> details,
        string? resultReason = null) =>
        new(
            Guid.NewGuid().ToString("D", CultureInfo.InvariantCulture),
            _timeProvider.GetUtcNow(),
            activity,
            LapsAuditActivities.DeviceCategory,
            LapsAuditActivities.ActiveDirectoryService,
            result,
            initiator,
            [new AuditTargetResource(computer.DeviceId, computer.DistinguishedName(this), "Computer")],
            details,
            resultReason);

    private enum Resolution
    {
        Resolved,
        Ambiguous,
        Unresolvable,
    }

    private sealed class Computer(string deviceId, string samAccountName)
    {
        public string DeviceId { get; } = deviceId;

        public string SamAccountName { get; set; } = samAccountName;

        public long? PasswordExpirationTime { get; set; }

        public string? Password { get; set; }

        public byte[]? EncryptedPassword { get; set; }

        public List<byte[]> History { get; } = [];

        public Guid? CurrentPasswordVersion { get; set; }

        public string DistinguishedName(ActiveDirectoryDomain domain) =>
            $"CN={SamAccountName.TrimEnd('$')},CN=Computers,{string.Join(',', domain.DnsDomainName.Split('.').Select(l => "DC=" + l))}";
    }
}
