using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace LapsCsp.Server.Hosting;

/// <summary>RFC 9457 problem documents (<c>application/problem+json</c>) for the non-Graph endpoints.</summary>
internal static class Problems
{
    public const string MediaType = "application/problem+json";

    public static IResult Result(int status, string type, string title, string? detail, JsonObject? extensions = null) =>
        Results.Text(Document(status, type, title, detail, extensions).ToJsonString(LapsCsp.Directory.Entra.GraphJson.Options), MediaType, statusCode: status);

    public static IResult Validation(IReadOnlyList<string> problems) =>
        Result(400, "urn:lapscsp:problem:invalid-request", "The request is not valid", string.Join("; ", problems),
            new JsonObject { ["errors"] = new JsonArray([.. problems.Select(p => JsonValue.Create(p))]) });

    public static IResult NotFound(string detail) => Result(404, "urn:lapscsp:problem:not-found", "Not found", detail);

    public static IResult Unauthorized(string detail) => Result(401, "urn:lapscsp:problem:unauthenticated", "Authentication required", detail);

    public static IResult Forbidden(string detail) => Result(403, "urn:lapscsp:problem:forbidden", "Permission missing", detail);

    public static async Task Write(HttpContext context, int status, string type, string title, string? detail, JsonObject? extensions = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = MediaType;
        await context.Response.WriteAsync(Document(status, type, title, detail, extensions).ToJsonString(LapsCsp.Directory.Entra.GraphJson.Options)).ConfigureAwait(false);
    }

    private static JsonObject Document(int status, string type, string title, string? detail, JsonObject? extensions)
    {
        var document = new JsonObject { ["type"] = type, ["title"] = title, ["status"] = status };
        if (detail is not null) document["detail"] = detail;
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions.ToList())
            {
                extensions.Remove(key);
                document[key] = value;
            }
        }

        return document;
    }

    internal static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);
}
