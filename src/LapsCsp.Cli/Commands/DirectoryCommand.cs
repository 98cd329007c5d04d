using System.CommandLine;
using System.Text.Json;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Entra;

namespace LapsCsp.Cli.Commands;

/// <summary><c>lapscsp directory show DEVICE</c>: what Entra ID and Active Directory hold for a stored device.</summary>
internal static class DirectoryCommand
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var id = DeviceCommand.DeviceArgument();
        var state = DeviceCommand.StateOption();
        var caller = new Option<string?>("--as")
        {
            Description = "decrypt the AD password as this principal (e.g. LAPSAdmins@contoso.com); refused unless it may",
        };
        var show = new Command("show", "Show the device's Graph deviceLocalCredentialInfo and its msLAPS-* attributes") { id, state, caller };
        show.SetAction(result => DeviceCommand.WithDevice(result, state, id, save: false, (stored, output) =>
        {
            var device = stored.Device;
            output.WriteLine("== Entra ID: GET /directory/deviceLocalCredentials/{id}?$select=credentials");
            var info = device.EntraId?.Get(device.Identity.EntraDeviceId);
            output.WriteLine(info is null ? "(no credential backed up)" : Indent(GraphJson.Serialize(info)));
            if (info is not null)
            {
                foreach (var credential in info.Credentials)
                {
                    output.WriteLine($"  {DeviceCommand.Time(credential.BackupDateTime)}  {credential.AccountName}  {credential.DecodePassword()}");
                }
            }

            output.WriteLine();
            output.WriteLine("== Active Directory: computer object attributes");
            var attributes = device.ActiveDirectory?.GetAttributes(device.Identity.DeviceId);
            output.WriteLine(attributes is null ? "(no computer object)" : JsonSerializer.Serialize(attributes, s_indented));
            if (result.GetValue(caller) is { } principal && device.ActiveDirectory is { } domain)
            {
                try
                {
                    var decrypted = domain.Decrypt(device.Identity.DeviceId, principal);
                    output.WriteLine(decrypted is null ? "(nothing to decrypt)" : $"decrypted as {principal}: {decrypted.AccountName} {decrypted.Password}");
                }
                catch (LapsDecryptionDeniedException e)
                {
                    Console.Error.WriteLine($"lapscsp: {e.Message}");
                    return ExitCodes.Mismatch;
                }
            }

            return ExitCodes.Ok;
        }));
        return new Command("directory", "Inspect the emulated Entra ID and Active Directory") { show };
    }

    private static string Indent(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, s_indented);
}
