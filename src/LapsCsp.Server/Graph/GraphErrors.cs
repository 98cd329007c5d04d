using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace LapsCsp.Server.Graph;

/// <summary>Errors in Microsoft Graph's shape, <c>{"error":{"code","message","innerError":{...}}}</c>, which the Graph SDKs
/// turn into <c>ODataError</c>.</summary>
internal static class GraphErrors
{
    public static bool IsGraphPath(PathString path) =>
        path.StartsWithSegments("/v1.0", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/beta", StringComparison.OrdinalIgnoreCase);

    public static IResult Result(HttpContext context, int status, string code, string message) =>
        Results.Text(Document(context, code, message).ToJsonString(LapsCsp.Directory.Entra.GraphJson.Options), "application/json", statusCode: status);

    /// <summary>401 as Graph answers a missing or bad token.</summary>
    public static IResult Unauthenticated(HttpContext context, string message)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"lapscsp\", error=\"invalid_token\"";
        return Result(context, 401, "InvalidAuthenticationToken", message);
    }

    /// <summary>403 as Graph answers a caller without the permission.</summary>
    public static IResult Forbidden(HttpContext context, string message) =>
        Result(context, 403, "Authorization_RequestDenied", message);

    public static IResult NotFound(HttpContext context, string message) =>
        Result(context, 404, "Request_ResourceNotFound", message);

    public static IResult BadRequest(HttpContext context, string message) =>
        Result(context, 400, "Request_BadRequest", message);

    public static async Task Write(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Document(context, code, message).ToJsonString(LapsCsp.Directory.Entra.GraphJson.Options)).ConfigureAwait(false);
    }

    private static JsonObject Document(HttpContext context, string code, string message)
    {
        var time = context.RequestServices.GetService(typeof(TimeProvider)) as TimeProvider ?? TimeProvider.System;
        var inner = new JsonObject
        {
            ["date"] = time.GetUtcNow().UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture),
            ["request-id"] = context.TraceIdentifier,
        };
        if (context.Request.Headers.TryGetValue("client-request-id", out var clientId)) inner["client-request-id"] = clientId.ToString();
        return new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message, ["innerError"] = inner } };
    }
}
