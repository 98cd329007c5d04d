using LapsCsp.Directory.ActiveDirectory;

namespace LapsCsp.Device.Tests.Support;

/// <summary>What the directories hold for a device, read as an administrator would.</summary>
internal static class DirectoryReads
{
    /// <summary>The newest password Entra ID holds for the device, or null.</summary>
    public static string? EntraPassword(this LapsWorld world, SimulatedDevice device) =>
        world.EntraId.Get(device.Identity.EntraDeviceId) is { Credentials: { IsDefaultOrEmpty: false } credentials } ? credentials[0].DecodePassword() : null;

    /// <summary>The password AD holds for the device (clear msLAPS-Password, else decrypted as a Domain Admin), or null.</summary>
    public static string? AdPassword(this LapsWorld world, SimulatedDevice device)
    {
        var attributes = world.Domain.GetAttributes(device.Identity.DeviceId);
        if (attributes?.Password is { } json) return LapsPasswordPayload.TryParse(json)?.Password;
        return attributes?.EncryptedPassword is null ? null : world.Domain.Decrypt(device.Identity.DeviceId, "CONTOSO\\Administrator")?.Password;
    }

    /// <summary>The managed account's current password on the device.</summary>
    public static string? ManagedPassword(this SimulatedDevice device) => device.ManagedAccount?.Password;

    /// <summary>Entra and AD policy packages used across tests.</summary>
    public static void UseEntra(this SimulatedDevice device, int ageDays = 30, params (string, string)[] more) =>
        device.Apply(Packages.SetPolicies([("BackupDirectory", "1"), ("PasswordAgeDays", ageDays.ToString(System.Globalization.CultureInfo.InvariantCulture)), .. more]))
            .Codes().Should().AllBeEquivalentTo(200);

    public static void UseAd(this SimulatedDevice device, int ageDays = 30, params (string, string)[] more) =>
        device.Apply(Packages.SetPolicies([("BackupDirectory", "2"), ("PasswordAgeDays", ageDays.ToString(System.Globalization.CultureInfo.InvariantCulture)), .. more]))
            .Codes().Should().AllBeEquivalentTo(200);
}
