using System.Globalization;
using LapsCsp.Device.Identity;
using LapsCsp.Tree;

namespace LapsCsp.Device.DeviceInformation;

/// <summary>Every value the <c>./DevInfo</c> and <c>./DevDetail</c> nodes answer. A null value is a node the device does not
/// have (Get 404).</summary>
/// <remarks>OMA-DM 1.2 DevInfo (DevId, Man, Mod, DmV, Lang) and DevDetail (DevTyp, OEM, FwV, SwV, HwV, LrgObj, URI limits),
/// spec-digest A.8; the Windows extensions under <c>./DevDetail/Ext/Microsoft</c> from the DevDetail CSP page.</remarks>
public sealed record DeviceDescription
{
    /// <summary><c>./DevInfo/DevId</c>: the DM client's device id (the SyncML Source LocURI).</summary>
    public required string DeviceId { get; init; }

    /// <summary><c>./DevInfo/Man</c>.</summary>
    public required string Manufacturer { get; init; }

    /// <summary><c>./DevInfo/Mod</c>.</summary>
    public required string Model { get; init; }

    /// <summary><c>./DevInfo/DmV</c>: real Windows sends <c>1.3</c> (corpus r10, r20; spec-digest A.8).</summary>
    public string DmVersion { get; init; } = "1.3";

    /// <summary><c>./DevInfo/Lang</c>: the locale, e.g. <c>en-US</c> (r10, r20).</summary>
    public required string Language { get; init; }

    /// <summary><c>./DevDetail/DevTyp</c>: the model name (SystemProductName).</summary>
    public required string DeviceType { get; init; }

    /// <summary><c>./DevDetail/OEM</c>.</summary>
    public required string Oem { get; init; }

    /// <summary><c>./DevDetail/FwV</c>.</summary>
    public required string FirmwareVersion { get; init; }

    /// <summary><c>./DevDetail/HwV</c>.</summary>
    public required string HardwareVersion { get; init; }

    /// <summary><c>./DevDetail/SwV</c>: <c>Major.Minor.Build.QFE</c>, e.g. <c>10.0.26100.2314</c>.</summary>
    public required string SoftwareVersion { get; init; }

    /// <summary><c>./DevDetail/Ext/Microsoft/DeviceName</c> and <c>DNSComputerName</c>: the computer's DNS host name in effect
    /// (<see cref="DeviceIdentity.HostName"/>; a pending rename shows only after the reboot).</summary>
    public string? DeviceName { get; init; }

    /// <summary><c>./DevDetail/Ext/Microsoft/SMBIOSSerialNumber</c>.</summary>
    public string? SerialNumber { get; init; }

    /// <summary><c>./DevDetail/Ext/Microsoft/OSPlatform</c>: the registry ProductName, e.g. <c>Windows 10 Enterprise</c>.</summary>
    public string? OsPlatform { get; init; }

    /// <summary><c>./DevDetail/Ext/Microsoft/ProcessorArchitecture</c> (SYSTEM_INFO wProcessorArchitecture, 9 = x64).</summary>
    public int? ProcessorArchitecture { get; init; }

    /// <summary><c>./DevDetail/Ext/Microsoft/ProcessorType</c> (SYSTEM_INFO dwProcessorType, 8664 = AMD64).</summary>
    public int? ProcessorType { get; init; }

    /// <summary><c>./DevDetail/Ext/Microsoft/TotalRAM</c> in MB.</summary>
    public int? TotalRamMb { get; init; }

    /// <summary><c>./DevDetail/Ext/Microsoft/TotalStorage</c> in MB (documented for Windows Mobile only).</summary>
    public int? TotalStorageMb { get; init; }

    /// <summary>What a simulated device says about itself: identity (id, name, locale), OS (build, edition) and hardware.</summary>
    public static DeviceDescription For(DeviceIdentity identity, DeviceContext context, DeviceHardware hardware)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(hardware);
        var build = context.OsBuild;
        return new DeviceDescription
        {
            DeviceId = identity.DeviceId,
            Manufacturer = hardware.Manufacturer,
            Model = hardware.Model,
            Language = identity.Locale,
            DeviceType = hardware.Model,
            Oem = hardware.Manufacturer,
            FirmwareVersion = hardware.BiosVersion,
            HardwareVersion = hardware.BiosVersion,
            SoftwareVersion = string.Create(CultureInfo.InvariantCulture, $"{build.Major}.{build.Minor}.{build.Build}.{build.Revision}"),
            DeviceName = identity.HostName,
            SerialNumber = hardware.SerialNumber,
            OsPlatform = ProductName(context.Edition),
            ProcessorArchitecture = hardware.ProcessorArchitecture,
            ProcessorType = hardware.ProcessorType,
            TotalRamMb = hardware.TotalRamMb,
            TotalStorageMb = hardware.TotalStorageMb,
        };
    }

    /// <summary>The ProductName of HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion for a product type, which OSPlatform
    /// returns on desktop editions (DevDetail CSP). Windows 11 did not rename this registry value, so it still reads
    /// "Windows 10 …" there (r20's fleet default is "Windows 10 Enterprise Evaluation").</summary>
    public static string ProductName(int edition) => edition switch
    {
        0x04 => "Windows 10 Enterprise",
        0x30 => "Windows 10 Pro",
        0x48 => "Windows 10 Enterprise Evaluation",
        0x65 => "Windows 10 Home",
        0x79 => "Windows 10 Education",
        0x7D => "Windows 10 Enterprise LTSC",
        _ => "Windows 10",
    };
}
