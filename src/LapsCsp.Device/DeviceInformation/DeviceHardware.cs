using System.Security.Cryptography;
using System.Text;

namespace LapsCsp.Device.DeviceInformation;

/// <summary>The hardware facts a simulated device reports through <c>./DevInfo</c> and <c>./DevDetail</c>.</summary>
/// <remarks>
/// DevDetail CSP (MicrosoftDocs devdetail-csp.md): DevTyp is the model (SystemProductName), OEM the manufacturer; on desktop
/// editions FwV and HwV both return the BIOS version (HKLM\HARDWARE\DESCRIPTION\System\BIOS\BIOSVersion);
/// Ext/Microsoft/SMBIOSSerialNumber the SMBIOS serial number; Ext/Microsoft/ProcessorArchitecture and ProcessorType are
/// <c>int</c> values "as documented in SYSTEM_INFO"; Ext/Microsoft/TotalRAM is the available memory in MB;
/// Ext/Microsoft/TotalStorage is documented "for Windows Mobile only", so a desktop leaves it unset (404).
/// </remarks>
public sealed record DeviceHardware
{
    /// <summary>SYSTEM_INFO wProcessorArchitecture PROCESSOR_ARCHITECTURE_AMD64 (x64).</summary>
    public const int ArchitectureAmd64 = 9;

    /// <summary>SYSTEM_INFO dwProcessorType PROCESSOR_AMD_X8664.</summary>
    public const int ProcessorAmdX8664 = 8664;

    // Manufacturer, model (SystemProductName) and a BIOS version string in that vendor's style; the same makes as the fleet mix.
    private static readonly (string Manufacturer, string Model, string Bios)[] s_models =
    [
        ("Dell Inc.", "Latitude 7440", "1.14.0"),
        ("LENOVO", "21HD", "N3XET56W (1.31 )"),
        ("HP", "HP EliteBook 840 G10", "V70 Ver. 01.05.00"),
        ("Microsoft Corporation", "Surface Laptop 5", "21.100.143"),
        ("VMware, Inc.", "VMware7,1", "VMW71.00V.16722896.B64.2008100651"),
    ];

    private static readonly int[] s_ramMb = [8192, 16384, 32768];

    /// <summary><c>./DevInfo/Man</c> and <c>./DevDetail/OEM</c>.</summary>
    public required string Manufacturer { get; init; }

    /// <summary><c>./DevInfo/Mod</c> and <c>./DevDetail/DevTyp</c> (SystemProductName).</summary>
    public required string Model { get; init; }

    /// <summary><c>./DevDetail/FwV</c> and <c>./DevDetail/HwV</c> (BIOSVersion on desktop editions).</summary>
    public required string BiosVersion { get; init; }

    /// <summary><c>./DevDetail/Ext/Microsoft/SMBIOSSerialNumber</c>.</summary>
    public required string SerialNumber { get; init; }

    public int ProcessorArchitecture { get; init; } = ArchitectureAmd64;

    public int ProcessorType { get; init; } = ProcessorAmdX8664;

    /// <summary><c>./DevDetail/Ext/Microsoft/TotalRAM</c> in MB.</summary>
    public int TotalRamMb { get; init; } = 16384;

    /// <summary><c>./DevDetail/Ext/Microsoft/TotalStorage</c> in MB; null (404) by default, as the CSP documents it for
    /// Windows Mobile only.</summary>
    public int? TotalStorageMb { get; init; }

    /// <summary>Stable hardware for a device id: make, model, BIOS, RAM and a 10-character serial number all follow from a
    /// hash of the id, so that a re-created device reports the same machine.</summary>
    public static DeviceHardware For(string deviceId)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("hardware:" + deviceId));
        var (manufacturer, model, bios) = s_models[hash[0] % s_models.Length];
        const string alphabet = "0123456789BCDFGHJKLMNPQRSTVWXYZ";
        var serial = new StringBuilder(10);
        for (var i = 0; i < 10; i++) serial.Append(alphabet[hash[2 + i] % alphabet.Length]);
        return new DeviceHardware
        {
            Manufacturer = manufacturer,
            Model = model,
            BiosVersion = bios,
            SerialNumber = serial.ToString(),
            TotalRamMb = s_ramMb[hash[1] % s_ramMb.Length],
        };
    }
}
