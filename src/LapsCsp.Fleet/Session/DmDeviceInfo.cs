using LapsCsp.Device.DeviceInformation;

namespace LapsCsp.Fleet.Session;

/// <summary>What the DM client says about its device: the <c>./DevInfo</c> values it sends in every package 1 and the
/// <c>./DevDetail</c> values it answers Gets with (through the device's <see cref="DeviceInformationNodes"/>, see
/// <see cref="ToDescription"/>).</summary>
/// <remarks>OMA-DM 1.2 DevInfo (DevId, Man, Mod, DmV, Lang) and DevDetail (DevTyp, OEM, FwV, SwV, HwV, LrgObj, URI limits);
/// spec-digest A.8. The defaults are the real Windows 10 19043 VMware VM of corpus r20/e10.</remarks>
public sealed record DmDeviceInfo
{
    /// <summary>The DeviceID of enrollment: SyncML Source LocURI and <c>./DevInfo/DevId</c> (32 upper-case hex on Windows).</summary>
    public required string DeviceId { get; init; }

    public string Manufacturer { get; init; } = "VMware, Inc.";

    public string Model { get; init; } = "VMware7,1";

    /// <summary><c>./DevInfo/DmV</c>: real Windows sends <c>1.3</c> (r20, Fleet's test client).</summary>
    public string DmVersion { get; init; } = "1.3";

    public string Language { get; init; } = "en-US";

    /// <summary>The stable hardware hash (<c>./Vendor/MSFT/DMClient/HWDevID</c>, e12).</summary>
    public string? HwDevId { get; init; }

    /// <summary><c>./DevDetail/SwV</c>: the OS build as a dotted quad.</summary>
    public string SoftwareVersion { get; init; } = "10.0.19043.2364";

    /// <summary><c>./DevDetail/HwV</c>.</summary>
    public string HardwareVersion { get; init; } = "VMW71.00V.16722896.B64.2008100651";

    /// <summary><c>./DevDetail/FwV</c>.</summary>
    public string FirmwareVersion { get; init; } = "VMW71.00V.16722896.B64.2008100651";

    /// <summary><c>./DevDetail/OEM</c>.</summary>
    public string Oem { get; init; } = "VMware, Inc.";

    /// <summary><c>./DevDetail/DevTyp</c>.</summary>
    public string DeviceType { get; init; } = "VMware7,1";

    /// <summary><c>./DevDetail/Ext/Microsoft/DeviceName</c>.</summary>
    public string? DeviceName { get; init; }

    /// <summary><c>./DevDetail/Ext/Microsoft/SMBIOSSerialNumber</c> (Fleet reads it after every 1201, digest 5.4).</summary>
    public string? SerialNumber { get; init; }

    /// <summary><c>./DevDetail/Ext/Microsoft/OSPlatform</c>, e.g. <c>Windows 10 Enterprise Evaluation</c>.</summary>
    public string? OsPlatform { get; init; }

    /// <summary><c>./DevDetail/Ext/Microsoft/ProcessorArchitecture</c> (SYSTEM_INFO; 9 = x64, as the r20 VM).</summary>
    public int? ProcessorArchitecture { get; init; } = DeviceHardware.ArchitectureAmd64;

    /// <summary><c>./DevDetail/Ext/Microsoft/ProcessorType</c> (SYSTEM_INFO; 8664 = AMD64).</summary>
    public int? ProcessorType { get; init; } = DeviceHardware.ProcessorAmdX8664;

    /// <summary><c>./DevDetail/Ext/Microsoft/TotalRAM</c> in MB; null (404) when not set.</summary>
    public int? TotalRamMb { get; init; }

    /// <summary>These values as the device's DevInfo/DevDetail description, which the client's nodes answer from.</summary>
    public DeviceDescription ToDescription() => new()
    {
        DeviceId = DeviceId,
        Manufacturer = Manufacturer,
        Model = Model,
        DmVersion = DmVersion,
        Language = Language,
        DeviceType = DeviceType,
        Oem = Oem,
        FirmwareVersion = FirmwareVersion,
        HardwareVersion = HardwareVersion,
        SoftwareVersion = SoftwareVersion,
        DeviceName = DeviceName,
        SerialNumber = SerialNumber,
        OsPlatform = OsPlatform,
        ProcessorArchitecture = ProcessorArchitecture,
        ProcessorType = ProcessorType,
        TotalRamMb = TotalRamMb,
    };
}
