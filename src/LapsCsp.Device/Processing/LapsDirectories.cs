using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Backup;
using LapsCsp.Directory.Entra;

namespace LapsCsp.Device.Processing;

/// <summary>What an AD-mode device reads from its computer object each cycle (digest C.2: "AD mode: polls
/// msLAPS-PasswordExpirationTime each cycle"; the password version for image-rollback detection).</summary>
public interface IAdComputerState
{
    DateTimeOffset? GetPasswordExpirationTime(string deviceId);

    Guid? GetCurrentPasswordVersion(string deviceId);
}

/// <summary>The backup targets a device talks to. In a fleet they are shared by every device; a device built without them
/// gets private ones of its own (<see cref="SimulatedDevice"/>).</summary>
/// <param name="EntraId">The tenant for BackupDirectory=1; null: Entra ID is unreachable from this device.</param>
/// <param name="ActiveDirectory">The domain for BackupDirectory=2; null: no domain controller is reachable.</param>
/// <param name="ActiveDirectoryState">What the device reads from its computer object; null: nothing is read (the device
/// keeps its own expiry, as in Entra mode).</param>
public sealed record LapsDirectories(
    IBackupDirectory? EntraId = null,
    IBackupDirectory? ActiveDirectory = null,
    IAdComputerState? ActiveDirectoryState = null)
{
    /// <summary>The emulated tenant and domain, either of which may be null.</summary>
    public static LapsDirectories Of(EntraIdDirectory? entraId, ActiveDirectoryDomain? activeDirectory) =>
        new(entraId, activeDirectory, activeDirectory is null ? null : new ActiveDirectoryComputerState(activeDirectory));

    /// <summary>The emulated tenant, when <see cref="EntraId"/> is one (for registering devices).</summary>
    public EntraIdDirectory? EntraIdTenant => EntraId as EntraIdDirectory;

    /// <summary>The emulated domain, when <see cref="ActiveDirectory"/> is one (for adding computer objects).</summary>
    public ActiveDirectoryDomain? ActiveDirectoryDomain => ActiveDirectory as ActiveDirectoryDomain;

    public IBackupDirectory? For(DirectoryKind kind) => kind == DirectoryKind.EntraId ? EntraId : ActiveDirectory;
}

/// <summary>Reads an emulated domain's computer object.</summary>
public sealed class ActiveDirectoryComputerState(ActiveDirectoryDomain domain) : IAdComputerState
{
    public DateTimeOffset? GetPasswordExpirationTime(string deviceId) => domain.GetPasswordExpirationTime(deviceId);

    public Guid? GetCurrentPasswordVersion(string deviceId) => domain.GetAttributes(deviceId)?.CurrentPasswordVersion;
}
