using LapsCsp.Ddf.Model;

namespace LapsCsp.Tree.Validation;

/// <summary>Judges MSFT:Applicability against the device's OS build and edition.</summary>
internal static class ApplicabilityRules
{
    /// <summary>True when the device meets the block. Each OsBuildVersion entry names the first build of a servicing
    /// branch with the node (e.g. <c>10.0.22621.1480</c>): a device on the same build needs at least that revision; a
    /// device on a later build than an entry (and no entry of its own) has it; a device older than every entry lacks it.</summary>
    public static bool IsApplicable(Applicability applicability, DeviceContext device, out string? reason)
    {
        reason = null;
        if (!applicability.Editions.IsDefaultOrEmpty && !applicability.Editions.Contains(device.Edition))
        {
            reason = $"edition 0x{device.Edition:X} is not in the node's edition allow-list";
            return false;
        }

        if (applicability.OsBuilds.IsDefaultOrEmpty) return true;
        var build = device.OsBuild;
        OsBuild? best = null;
        foreach (var entry in applicability.OsBuilds)
        {
            if (entry.Major == build.Major && entry.Minor == build.Minor && entry.Build <= build.Build &&
                (best is null || entry.Build > best.Value.Build))
            {
                best = entry;
            }
        }

        if (best is { } b && (b.Build < build.Build || b.Revision <= build.Revision)) return true;
        var min = applicability.OsBuilds.Min();
        reason = best is { } same
            ? $"needs OS build {same} or later; the device runs {build}"
            : $"needs OS build {min} or later; the device runs {build}";
        return false;
    }
}
