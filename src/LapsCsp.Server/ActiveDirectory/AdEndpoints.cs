using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Server.Hosting;
using LapsCsp.Server.Identity;
using LapsCsp.Server.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LapsCsp.Server.ActiveDirectory;

/// <summary>The AD side of hybrid-joined devices: a computer's <c>msLAPS-*</c> attributes as an LDAP reader sees them, and
/// decryption of <c>msLAPS-EncryptedPassword</c> for an authorised principal only (digest C.12).</summary>
/// <remarks>The caller acts as its configured <c>adAccount</c>. Encrypted blobs are readable by any domain account; decryption
/// is granted to the blob's encryption principal and its (nested) members only. The clear <c>msLAPS-Password</c> (encryption
/// off) is a confidential attribute: shown to Domain Admins members only, each read audited; others see it removed.</remarks>
internal static class AdEndpoints
{
    /// <summary>An LDAP reader sees no value for an attribute that is not set, so unset attributes are left out.</summary>
    private static readonly JsonSerializerOptions s_ldap = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/ad").WithTags("Active Directory");
        group.MapGet("/computers", List).WithSummary("Computer objects with their msLAPS-* attributes");
        group.MapGet("/computers/{deviceId}", Get).WithSummary("One computer's msLAPS-* attributes");
        group.MapGet("/audit", Audit).WithSummary("The domain's LAPS audit records (backups, reads, refusals), newest first; Domain Admins only");
        group.MapPost("/computers/{deviceId}/decrypt", Decrypt)
            .WithSummary("Decrypt msLAPS-EncryptedPassword (history=N for msLAPS-EncryptedPasswordHistory[N]) as the caller's AD account");
    }

    private static async Task<IResult> List(HttpContext context, ServerState state, CommitQueue commits)
    {
        if (RequireAdAccount(context, state, out var account) is { } denied) return denied;
        var ad = state.ActiveDirectory;
        var canReadClear = ad.IsMemberOf(account, "Domain Admins");
        var result = new JsonObject
        {
            ["domain"] = ad.DnsDomainName,
            ["value"] = new JsonArray([.. ad.ListComputers().Select(c => (JsonNode)Attributes(c, canReadClear, state, account))]),
        };
        await commits.CommitAsync(null).ConfigureAwait(false);
        return Results.Json(result);
    }

    private static IResult Audit(HttpContext context, int? top, ServerState state)
    {
        if (RequireAdAccount(context, state, out var account) is { } denied) return denied;
        if (!state.ActiveDirectory.IsMemberOf(account, "Domain Admins")) return Problems.Forbidden($"{account} is not a member of Domain Admins");
        var records = state.Store.QueryAudit(new Storage.Audit.AuditQuery(
            Source: Storage.Directories.DirectoryNames.ActiveDirectory(state.ActiveDirectory.DnsDomainName), Take: Math.Clamp(top ?? 100, 1, 1000)));
        return Results.Text(JsonSerializer.Serialize(new { value = records }, LapsCsp.Directory.Entra.GraphJson.Options), "application/json");
    }

    private static async Task<IResult> Get(HttpContext context, string deviceId, ServerState state, CommitQueue commits)
    {
        if (RequireAdAccount(context, state, out var account) is { } denied) return denied;
        var computer = state.ActiveDirectory.GetAttributes(deviceId);
        if (computer is null) return Problems.NotFound($"no computer object for device '{deviceId}' in {state.ActiveDirectory.DnsDomainName}");
        var node = Attributes(computer, state.ActiveDirectory.IsMemberOf(account, "Domain Admins"), state, account);
        await commits.CommitAsync(null).ConfigureAwait(false);
        return Results.Json(node);
    }

    private static async Task<IResult> Decrypt(HttpContext context, string deviceId, int? history, ServerState state, CommitQueue commits)
    {
        if (RequireAdAccount(context, state, out var account) is { } denied) return denied;
        var ad = state.ActiveDirectory;
        if (ad.GetAttributes(deviceId) is null) return Problems.NotFound($"no computer object for device '{deviceId}'");
        try
        {
            var password = ad.Decrypt(deviceId, account, history ?? -1);
            if (password is null)
            {
                return Problems.NotFound(history is null
                    ? $"computer '{deviceId}' has no msLAPS-EncryptedPassword"
                    : string.Create(CultureInfo.InvariantCulture, $"computer '{deviceId}' has no msLAPS-EncryptedPasswordHistory entry {history}"));
            }

            return Results.Json(new JsonObject
            {
                ["deviceId"] = deviceId,
                ["accountName"] = password.AccountName,
                ["password"] = password.Password,
                ["updateTime"] = password.UpdateTime,
                ["encryptionPrincipalSid"] = password.EncryptionPrincipalSid,
                ["historyIndex"] = password.HistoryIndex,
            });
        }
        catch (LapsDecryptionDeniedException e)
        {
            return Problems.Forbidden(e.Message);
        }
        catch (InvalidLapsBlobException e)
        {
            return Problems.Result(422, "urn:lapscsp:problem:invalid-blob", "The stored blob cannot be decrypted", e.Message);
        }
        finally
        {
            // Decrypt audits successes and refusals alike; the audit record is stored before the answer leaves.
            state.MarkChanged();
            await commits.CommitAsync(null).ConfigureAwait(false);
        }
    }

    private static JsonObject Attributes(AdComputerAttributes computer, bool canReadClear, ServerState state, string account)
    {
        var node = JsonSerializer.SerializeToNode(computer, s_ldap)!.AsObject();
        if (computer.Password is not null)
        {
            if (canReadClear)
            {
                state.ActiveDirectory.RecordPasswordRead(computer.DeviceId, account);
                state.MarkChanged();
            }
            else
            {
                node.Remove(LapsAttributeNames.Password);
                node.Remove(LapsAttributeNames.LegacyPassword);
            }
        }

        if (computer.PasswordExpiration is { } expiry) node["passwordExpiration"] = expiry;
        return node;
    }

    private static IResult? RequireAdAccount(HttpContext context, ServerState state, out string account)
    {
        account = "";
        if (Authentication.Require(context, out var caller) is { } unauthenticated) return unauthenticated;
        if (caller.Principal.AdAccount is not { } ad)
        {
            return Problems.Forbidden($"{Authentication.Describe(caller)} has no account in the {state.ActiveDirectory.DnsDomainName} domain (adAccount)");
        }

        account = ad;
        return null;
    }
}
