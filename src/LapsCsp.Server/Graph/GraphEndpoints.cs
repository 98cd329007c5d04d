using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LapsCsp.Directory.Audit;
using LapsCsp.Directory.Entra;
using LapsCsp.Server.Devices;
using LapsCsp.Server.Hosting;
using LapsCsp.Server.Identity;
using LapsCsp.Server.State;
using LapsCsp.Storage.Audit;
using LapsCsp.Storage.Directories;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace LapsCsp.Server.Graph;

/// <summary>The emulated Microsoft Graph LAPS API under <c>/v1.0</c> and <c>/beta</c> (digest C.13): deviceLocalCredentials
/// and the directory audit log, in Graph's JSON shapes so that a Graph SDK works against it unchanged.</summary>
internal static class GraphEndpoints
{
    private static readonly string[] s_credentialProperties = ["id", "deviceName", "lastBackupDateTime", "refreshDateTime", "credentials"];
    private static readonly string[] s_credentialFilterable = ["id", "deviceName", "lastBackupDateTime", "refreshDateTime"];
    private static readonly string[] s_auditFilterable =
        ["activityDisplayName", "activityDateTime", "category", "loggedByService", "result", "id", "targetResources/id", "initiatedBy/user/userPrincipalName"];

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        foreach (var version in new[] { "v1.0", "beta" })
        {
            var group = endpoints.MapGroup("/" + version).WithTags("Graph " + version);
            group.MapGet("/directory/deviceLocalCredentials", ListCredentials)
                .WithSummary("List deviceLocalCredentialInfo (metadata only): $filter, $select, $top, $count, $orderby, $search, $skiptoken");
            group.MapGet("/directory/deviceLocalCredentials/{deviceId}", GetCredential)
                .WithSummary("Get deviceLocalCredentialInfo; $select=credentials returns the passwords (audited)");
            // Older revisions of the Graph docs address the resource without /directory (digest C.13).
            group.MapGet("/deviceLocalCredentials", ListCredentials).ExcludeFromDescription();
            group.MapGet("/deviceLocalCredentials/{deviceId}", GetCredential).ExcludeFromDescription();
            group.MapGet("/auditLogs/directoryAudits", ListAudits)
                .WithSummary("List directoryAudit records, newest first: $filter (e.g. activityDisplayName eq '...'), $top, $count, $skiptoken");
            group.MapGet("/auditLogs/directoryAudits/{id}", GetAudit).WithSummary("One directoryAudit record");
        }
    }

    private static IResult ListCredentials(HttpContext context, DeviceRegistry registry, ServerOptions options)
    {
        if (Authentication.Require(context, out var caller) is { } denied) return denied;
        if (!caller.HasAnywhere(DirectoryActions.StandardRead))
        {
            return GraphErrors.Forbidden(context,
                $"Insufficient privileges to complete the operation: {Authentication.Describe(caller)} lacks {DirectoryActions.StandardRead} "
                + $"({GraphPermissions.ReadBasicAll} or {GraphPermissions.ReadAll} for applications).");
        }

        var query = context.Request.Query;
        var select = ParseSelect(query["$select"].ToString(), s_credentialProperties, out var selectError);
        if (selectError is not null) return GraphErrors.BadRequest(context, selectError);
        if (select?.Contains("credentials") == true)
        {
            return GraphErrors.BadRequest(context, "credentials cannot be selected when listing; get one device's deviceLocalCredentialInfo with $select=credentials.");
        }

        ODataFilter? filter = null;
        if (query["$filter"].ToString() is { Length: > 0 } filterText)
        {
            filter = ODataFilter.Parse(filterText, s_credentialFilterable, out var filterError);
            if (filter is null) return GraphErrors.BadRequest(context, filterError!);
        }

        if (PageArguments(context, options, out var top, out var skip) is { } pageError) return pageError;
        var search = SearchTerm(query["$search"].ToString());
        IEnumerable<DeviceLocalCredentialInfo> items = registry.State.Entra.List()
            .Where(i => caller.Has(DirectoryActions.StandardRead, registry.ScopeForEntraId(i.Id)));
        if (filter is not null) items = items.Where(i => filter.Matches(p => CredentialProperty(i, p)));
        if (search is not null) items = items.Where(i => i.DeviceName.Contains(search, StringComparison.OrdinalIgnoreCase));
        var orderBy = query["$orderby"].ToString();
        if (orderBy.Length > 0)
        {
            var parts = orderBy.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var property = s_credentialFilterable.FirstOrDefault(p => string.Equals(p, parts[0], StringComparison.OrdinalIgnoreCase));
            var descending = parts.Length > 1 && string.Equals(parts[1], "desc", StringComparison.OrdinalIgnoreCase);
            if (property is null || parts.Length > 2 || (parts.Length == 2 && !descending && !string.Equals(parts[1], "asc", StringComparison.OrdinalIgnoreCase)))
            {
                return GraphErrors.BadRequest(context, $"Invalid $orderby '{orderBy}': use one of {string.Join(", ", s_credentialFilterable)} with asc or desc.");
            }

            items = descending
                ? items.OrderByDescending(i => CredentialProperty(i, property), Comparer<object?>.Create(CompareValues))
                : items.OrderBy(i => CredentialProperty(i, property), Comparer<object?>.Create(CompareValues));
        }

        var all = items.ToList();
        var page = all.Skip(skip).Take(top).ToList();
        var result = new JsonObject { ["@odata.context"] = $"{BaseUrl(context)}/$metadata#directory/deviceLocalCredentials" };
        if (IsTrue(query["$count"].ToString())) result["@odata.count"] = all.Count;
        if (skip + top < all.Count) result["@odata.nextLink"] = NextLink(context, skip + top);
        result["value"] = new JsonArray([.. page.Select(i => (JsonNode)Shape(i, select, includeCredentials: false))]);
        return Json(result);
    }

    private static async Task<IResult> GetCredential(HttpContext context, string deviceId, DeviceRegistry registry, CommitQueue commits, ILoggerFactory loggers)
    {
        if (Authentication.Require(context, out var caller) is { } denied) return denied;
        if (!caller.HasAnywhere(DirectoryActions.StandardRead) && !caller.HasAnywhere(DirectoryActions.PasswordRead))
        {
            return GraphErrors.Forbidden(context,
                $"Insufficient privileges to complete the operation: {Authentication.Describe(caller)} lacks {DirectoryActions.StandardRead}.");
        }

        var select = ParseSelect(context.Request.Query["$select"].ToString(), s_credentialProperties, out var selectError);
        if (selectError is not null) return GraphErrors.BadRequest(context, selectError);
        var state = registry.State;
        var info = state.Entra.Get(deviceId);
        if (info is null)
        {
            return GraphErrors.NotFound(context, $"Resource '{deviceId}' does not exist or one of its queried reference-property objects are not present.");
        }

        var scope = registry.ScopeForEntraId(info.Id);
        var wantsPasswords = select?.Contains("credentials") == true;
        if (!caller.Has(DirectoryActions.StandardRead, scope) && !(wantsPasswords && caller.Has(DirectoryActions.PasswordRead, scope)))
        {
            return GraphErrors.Forbidden(context,
                $"Insufficient privileges to complete the operation: {Authentication.Describe(caller)} may not read device {info.Id}.");
        }

        if (wantsPasswords)
        {
            if (!caller.Has(DirectoryActions.PasswordRead, scope))
            {
                return GraphErrors.Forbidden(context,
                    $"Insufficient privileges to complete the operation: reading credentials needs {DirectoryActions.PasswordRead} "
                    + $"({GraphPermissions.ReadAll} for applications); {Authentication.Describe(caller)} may read metadata only.");
            }

            // Every password read is audited, and the record stored, before the password leaves (Entra LAPS doc: "Recover
            // device local administrator password"). Only the record is written: the tenant itself did not change.
            var audit = state.Entra.RecordPasswordRead(info.Id, caller.Name);
            if (audit is not null) await commits.CommitAsync(tx => tx.AppendAudit(audit, DirectoryNames.Entra)).ConfigureAwait(false);
            loggers.CreateLogger("LapsCsp.Server.Graph").LogInformation("Password of device {EntraDeviceId} read by {Caller}", info.Id, caller.Name);
        }

        // $select=credentials returns the metadata as well, as in the Graph get sample (digest C.13 [G-get]).
        var shape = wantsPasswords && select!.Count == 1 ? null : select;
        var node = Shape(info, shape, wantsPasswords);
        node.Insert(0, "@odata.context", $"{BaseUrl(context)}/$metadata#directory/deviceLocalCredentials/$entity");
        return Json(node);
    }

    private static IResult ListAudits(HttpContext context, ServerState state, ServerOptions options)
    {
        if (Authentication.Require(context, out var caller) is { } denied) return denied;
        if (!caller.Has(DirectoryActions.AuditRead))
        {
            return GraphErrors.Forbidden(context,
                $"Insufficient privileges to complete the operation: {Authentication.Describe(caller)} lacks {DirectoryActions.AuditRead} "
                + $"({GraphPermissions.AuditLogReadAll} for applications).");
        }

        var query = context.Request.Query;
        ODataFilter? filter = null;
        if (query["$filter"].ToString() is { Length: > 0 } filterText)
        {
            filter = ODataFilter.Parse(filterText, s_auditFilterable, out var filterError);
            if (filter is null) return GraphErrors.BadRequest(context, filterError!);
        }

        if (PageArguments(context, options, out var top, out var skip) is { } pageError) return pageError;
        var activity = filter?.EqualityOn("activityDisplayName");
        List<DirectoryAuditRecord> page;
        int total;
        if (filter is null || activity is not null)
        {
            // Straight from the store's index when the filter is nothing or just the activity.
            var audit = new AuditQuery(Activity: activity, Source: DirectoryNames.Entra, Skip: skip, Take: top);
            page = [.. state.Store.QueryAudit(audit)];
            total = state.Store.CountAudit(audit);
        }
        else
        {
            var matching = state.Store.QueryAudit(new AuditQuery(Source: DirectoryNames.Entra, Take: 100_000))
                .Where(r => filter.Matches(p => AuditProperty(r, p)))
                .ToList();
            total = matching.Count;
            page = [.. matching.Skip(skip).Take(top)];
        }

        var result = new JsonObject { ["@odata.context"] = $"{BaseUrl(context)}/$metadata#auditLogs/directoryAudits" };
        if (IsTrue(query["$count"].ToString())) result["@odata.count"] = total;
        if (skip + top < total) result["@odata.nextLink"] = NextLink(context, skip + top);
        result["value"] = new JsonArray([.. page.Select(r => JsonSerializer.SerializeToNode(r, GraphJson.Options))]);
        return Json(result);
    }

    private static IResult GetAudit(HttpContext context, string id, ServerState state)
    {
        if (Authentication.Require(context, out var caller) is { } denied) return denied;
        if (!caller.Has(DirectoryActions.AuditRead))
        {
            return GraphErrors.Forbidden(context, $"Insufficient privileges to complete the operation: {Authentication.Describe(caller)} lacks {DirectoryActions.AuditRead}.");
        }

        var record = state.Entra.AuditLog.FirstOrDefault(r => string.Equals(r.Id, id, StringComparison.OrdinalIgnoreCase));
        if (record is null) return GraphErrors.NotFound(context, $"Resource '{id}' does not exist.");
        var node = JsonSerializer.SerializeToNode(record, GraphJson.Options)!.AsObject();
        node.Insert(0, "@odata.context", $"{BaseUrl(context)}/$metadata#auditLogs/directoryAudits/$entity");
        return Json(node);
    }

    private static JsonObject Shape(DeviceLocalCredentialInfo info, HashSet<string>? select, bool includeCredentials)
    {
        var node = JsonSerializer.SerializeToNode(info, GraphJson.Options)!.AsObject();
        if (!includeCredentials) node.Remove("credentials");
        if (select is not null)
        {
            foreach (var key in node.Select(p => p.Key).ToList())
            {
                if (key != "id" && !select.Contains(key)) node.Remove(key);
            }
        }

        return node;
    }

    private static HashSet<string>? ParseSelect(string text, string[] allowed, out string? error)
    {
        error = null;
        if (text.Length == 0) return null;
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var name = allowed.FirstOrDefault(a => string.Equals(a, part, StringComparison.OrdinalIgnoreCase));
            if (name is null)
            {
                error = $"Could not find a property named '{part}' on type 'microsoft.graph.deviceLocalCredentialInfo'.";
                return null;
            }

            result.Add(name);
        }

        return result;
    }

    /// <summary>$top (1 to the maximum page size) and $skiptoken (an opaque offset this server issued).</summary>
    private static IResult? PageArguments(HttpContext context, ServerOptions options, out int top, out int skip)
    {
        top = options.DefaultPageSize;
        skip = 0;
        var query = context.Request.Query;
        if (query["$top"].ToString() is { Length: > 0 } topText
            && (!int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out top) || top < 1 || top > options.MaxPageSize))
        {
            return GraphErrors.BadRequest(context, string.Create(CultureInfo.InvariantCulture, $"Invalid $top '{topText}': use 1 to {options.MaxPageSize}."));
        }

        if (query["$skiptoken"].ToString() is { Length: > 0 } token)
        {
            try
            {
                var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
                if (!text.StartsWith("o:", StringComparison.Ordinal) || !int.TryParse(text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out skip))
                {
                    throw new FormatException();
                }
            }
            catch (FormatException)
            {
                return GraphErrors.BadRequest(context, "Invalid $skiptoken: use the @odata.nextLink the server returned.");
            }
        }

        return null;
    }

    private static string NextLink(HttpContext context, int offset)
    {
        var token = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"o:{offset}")));
        var parts = context.Request.Query
            .Where(q => !string.Equals(q.Key, "$skiptoken", StringComparison.OrdinalIgnoreCase))
            .Select(q => Uri.EscapeDataString(q.Key).Replace("%24", "$", StringComparison.Ordinal) + "=" + Uri.EscapeDataString(q.Value.ToString()))
            .Append("$skiptoken=" + token);
        var request = context.Request;
        return $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}?{string.Join('&', parts)}";
    }

    private static string BaseUrl(HttpContext context)
    {
        var request = context.Request;
        var version = request.Path.StartsWithSegments("/beta", StringComparison.OrdinalIgnoreCase) ? "beta" : "v1.0";
        return $"{request.Scheme}://{request.Host}{request.PathBase}/{version}";
    }

    private static string? SearchTerm(string search)
    {
        // Graph's $search takes "property:term" in double quotes; deviceName is the searchable property here.
        var text = search.Trim().Trim('"');
        if (text.Length == 0) return null;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? text[(colon + 1)..] : text;
    }

    private static object? CredentialProperty(DeviceLocalCredentialInfo info, string property) => property switch
    {
        "id" => info.Id,
        "deviceName" => info.DeviceName,
        "lastBackupDateTime" => info.LastBackupDateTime,
        "refreshDateTime" => info.RefreshDateTime,
        _ => null,
    };

    private static object? AuditProperty(DirectoryAuditRecord record, string property) => property switch
    {
        "activityDisplayName" => record.ActivityDisplayName,
        "activityDateTime" => record.ActivityDateTime,
        "category" => record.Category,
        "loggedByService" => record.LoggedByService,
        "result" => record.Result,
        "id" => record.Id,
        "targetResources/id" => record.TargetResources.IsDefaultOrEmpty ? null : record.TargetResources[0].Id,
        "initiatedBy/user/userPrincipalName" => record.InitiatedBy.User?.UserPrincipalName,
        _ => null,
    };

    private static int CompareValues(object? a, object? b) => (a, b) switch
    {
        (string x, string y) => string.Compare(x, y, StringComparison.OrdinalIgnoreCase),
        (DateTimeOffset x, DateTimeOffset y) => x.CompareTo(y),
        _ => 0,
    };

    private static bool IsTrue(string value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    private static IResult Json(JsonObject node) => Results.Text(node.ToJsonString(GraphJson.Options), "application/json; odata.metadata=minimal");
}
