using System.Globalization;
using System.Text.Json.Nodes;
using LapsCsp.Server.Graph;
using LapsCsp.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LapsCsp.Server.Identity;

/// <summary>The token endpoint, shaped like Entra's v2.0 one: <c>client_credentials</c> for applications, <c>password</c>
/// (resource owner password) for users. Answers per RFC 6749 §5.</summary>
internal static class TokenEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/oauth2/v2.0/token", (Delegate)Issue).DisableAntiforgery().WithTags("Identity").WithSummary("Issue a bearer token");
        endpoints.MapPost("/{tenant}/oauth2/v2.0/token", (HttpContext context, string tenant) => Issue(context))
            .DisableAntiforgery().WithTags("Identity").WithSummary("Issue a bearer token (tenant in the path, as Entra's endpoint)");
    }

    private static async Task<IResult> Issue(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return OAuthError(400, "invalid_request", "The body must be application/x-www-form-urlencoded (RFC 6749 §4).");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var tenant = context.RequestServices.GetRequiredService<TenantDirectory>();
        var tokens = context.RequestServices.GetRequiredService<TokenService>();
        var grant = form["grant_type"].ToString();
        Caller? caller;
        switch (grant)
        {
            case "client_credentials":
                caller = tenant.Authenticate(form["client_id"].ToString(), form["client_secret"].ToString(), PrincipalKind.Application);
                if (caller is null) return OAuthError(401, "invalid_client", "Unknown client_id or wrong client_secret.");
                break;
            case "password":
                caller = tenant.Authenticate(form["username"].ToString(), form["password"].ToString(), PrincipalKind.User);
                if (caller is null) return OAuthError(400, "invalid_grant", "Unknown username or wrong password.");
                break;
            case "":
                return OAuthError(400, "invalid_request", "grant_type is required.");
            default:
                return OAuthError(400, "unsupported_grant_type", $"grant_type '{grant}' is not supported; use client_credentials or password.");
        }

        context.Response.Headers.CacheControl = "no-store";
        var lifetime = (long)tokens.Lifetime.TotalSeconds;
        return Results.Json(new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = lifetime,
            ["ext_expires_in"] = lifetime,
            ["access_token"] = tokens.Issue(caller),
        });
    }

    private static IResult OAuthError(int status, string error, string description) =>
        Results.Json(new JsonObject { ["error"] = error, ["error_description"] = description }, statusCode: status);
}

/// <summary>Reads the bearer token of a request.</summary>
internal static class Authentication
{
    /// <summary>The caller, or a 401 in Graph's shape (Graph and management endpoints) or as a problem document.</summary>
    public static IResult? Require(HttpContext context, out Caller caller)
    {
        caller = null!;
        var header = context.Request.Headers.Authorization.ToString();
        string? problem;
        if (string.IsNullOrEmpty(header))
        {
            problem = "Access token is empty.";
        }
        else if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            problem = "The Authorization header is not a Bearer token.";
        }
        else
        {
            var found = context.RequestServices.GetRequiredService<TokenService>().Validate(header[7..].Trim(), out problem);
            if (found is not null)
            {
                caller = found;
                return null;
            }
        }

        return GraphErrors.IsGraphPath(context.Request.Path)
            ? GraphErrors.Unauthenticated(context, problem ?? "Invalid token.")
            : UnauthenticatedProblem(context, problem ?? "Invalid token.");
    }

    /// <summary>403 in the endpoint's own shape.</summary>
    public static IResult Forbidden(HttpContext context, string message) =>
        GraphErrors.IsGraphPath(context.Request.Path) ? GraphErrors.Forbidden(context, message) : Problems.Forbidden(message);

    private static IResult UnauthenticatedProblem(HttpContext context, string detail)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"lapscsp\", error=\"invalid_token\"";
        return Problems.Unauthorized(detail);
    }

    internal static string Describe(Caller caller) =>
        string.Create(CultureInfo.InvariantCulture, $"{(caller.IsApplication ? "application" : "user")} '{caller.Name}'");
}
