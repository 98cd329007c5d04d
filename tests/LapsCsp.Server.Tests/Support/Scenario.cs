using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace LapsCsp.Server.Tests.Support;

/// <summary>Puts devices into the state the tests start from, through the public endpoints.</summary>
internal static class Scenario
{
    /// <summary>Registers an Entra-joined device, sends it the CSP document's Entra ID policy and the Accounts sample (which
    /// creates the managed account and asks for a reset), so its password is backed up to Entra ID. Returns its Entra id.</summary>
    public static async Task<string> EntraDeviceWithBackup(HttpClient client, string deviceId)
    {
        using (await client.PostAsJsonAsync("/devices", new { deviceId }))
        {
        }

        (await SyncMLHttp.Post(client, deviceId, SyncMLHttp.SampleFor("laps-entra-id-backup.xml", deviceId))).Dispose();
        using var accounts = await SyncMLHttp.Post(client, deviceId, SyncMLHttp.SampleFor("accounts-create-managed-account.xml", deviceId));
        accounts.EnsureSuccessStatusCode();
        var device = await client.GetFromJsonAsync<JsonObject>($"/devices/{deviceId}");
        return device!["entraDeviceId"]!.GetValue<string>();
    }

    /// <summary>The password the device's managed account has now (what the directory should hold).</summary>
    public static string DevicePassword(LapsCsp.Server.Devices.DeviceRegistry registry, string deviceId) =>
        registry.Find(deviceId)!.Device.Accounts.Find("ContosoLocalLapsAdmin")!.Password!;
}
