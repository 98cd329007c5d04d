using System.Collections.Frozen;
using System.Globalization;
using LapsCsp.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LapsCsp.Server.Dashboard;

/// <summary>The read-only dashboard: a static page at <c>/dashboard</c> and its JSON under <c>/dashboard/api/</c>, over the
/// union of every registered <see cref="IDashboardSource"/>.</summary>
/// <remarks>
/// Access: like the device endpoints (<c>GET /devices</c>, <c>/devices/{id}</c>, <c>/devices/{id}/events</c>), which already
/// show every device, its LAPS state and its event log without a token, the dashboard needs no token; it adds no password
/// and nothing only a token opens (no password, no audit record, no requester of a rotation): trace bodies are redacted
/// (<see cref="TraceRedaction"/>). The server listens on loopback unless <c>--allow-remote</c>; <see cref="ServerOptions.Dashboard"/>
/// turns the dashboard off (its routes then answer 404 and nothing is recorded for it).
/// The page is HTML, CSS and JavaScript embedded in the assembly: no CDN, works offline; its Content-Security-Policy allows
/// only this origin.
/// Cost: the summary, the device list and the series read <see cref="DashboardViews"/>, which walks a source with many
/// devices (the enrolled ones) at most once per <see cref="DashboardOptions.SnapshotInterval"/>, and say how old their data
/// are (<c>asOf</c>, <c>ageSeconds</c>); one device's detail is read from its source for each answer.
/// </remarks>
internal static class DashboardEndpoints
{
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, (string Resource, string ContentType)> s_assets =
        new Dictionary<string, (string, string)>(StringComparer.Ordinal)
        {
            ["dashboard.css"] = ("LapsCsp.Server.Dashboard.Assets.dashboard.css", "text/css; charset=utf-8"),
            ["dashboard.js"] = ("LapsCsp.Server.Dashboard.Assets.dashboard.js", "text/javascript; charset=utf-8"),
        }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly Lazy<FrozenDictionary<string, byte[]>> s_content = new(() =>
        s_assets.Values.Select(a => a.Resource).Append(PageResource)
            .ToFrozenDictionary(r => r, Read, StringComparer.Ordinal));

    private const string PageResource = "LapsCsp.Server.Dashboard.Assets.dashboard.html";

    /// <summary>Registers the hosted devices' dashboard source, the trace log the SyncML endpoint feeds and the views the API
    /// answers from (with <see cref="DashboardOptions"/>, unless one is registered already). Other parts of the server add
    /// their own sources with <c>services.AddSingleton&lt;IDashboardSource, T&gt;()</c>.</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.TryAddSingleton(new DashboardOptions());
        services.AddSingleton<DashboardViews>();
        services.AddSingleton<HostedTraceLog>();
        services.AddSingleton<IDashboardSource, HostedDashboardSource>();
        return services;
    }

    /// <summary>Maps <c>/dashboard</c> and <c>/dashboard/api/*</c> unless <see cref="ServerOptions.Dashboard"/> is off.</summary>
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        if (!endpoints.ServiceProvider.GetRequiredService<ServerOptions>().Dashboard) return endpoints;

        endpoints.MapGet("/dashboard", () => Asset(PageResource, "text/html; charset=utf-8")).ExcludeFromDescription();
        endpoints.MapGet("/dashboard/{file}", (string file) =>
            s_assets.TryGetValue(file, out var asset) ? Asset(asset.Resource, asset.ContentType) : Problems.NotFound($"no dashboard file '{file}'"))
            .ExcludeFromDescription();

        var api = endpoints.MapGroup("/dashboard/api").WithTags("Dashboard");
        api.MapGet("/summary", Summary).WithSummary("Devices by source and LAPS state, sessions, commands by status code, rotations");
        api.MapGet("/devices", Devices).WithSummary("Devices of every source, paged (?q=text&state=managed&source=hosted&skip=0&top=50)");
        api.MapGet("/devices/{source}/{deviceId}", Device)
            .WithSummary("One device: its row, newest events, session trace (secrets redacted), command statuses, rotations (?events=100&trace=50)");
        api.MapGet("/series", Series).WithSummary("Status codes and rotations per time bucket (?from=&to=, ISO 8601; the bucket follows the span)");
        api.AddEndpointFilter(async (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            return await next(context).ConfigureAwait(false);
        });
        return endpoints;
    }

    private static IResult Summary(DashboardViews views) => Results.Json(DashboardQueries.Summary(views.Current()));

    private static IResult Devices(DashboardViews views, string? q, string? state, string? source, int? skip, int? top)
    {
        var problems = new List<string>();
        if (skip < 0) problems.Add("skip must be 0 or more");
        if (top is < 1 or > 1000) problems.Add("top must be between 1 and 1000");
        if (q?.Length > 200) problems.Add("q must be at most 200 characters");
        if (problems.Count > 0) return Problems.Validation(problems);
        return Results.Json(DashboardQueries.Devices(views.Current(), q, state, source, skip ?? 0, top ?? 50));
    }

    private static IResult Device(IEnumerable<IDashboardSource> sources, string source, string deviceId, int? events, int? trace)
    {
        var problems = new List<string>();
        if (events is < 0 or > 1000) problems.Add("events must be between 0 and 1000");
        if (trace is < 0 or > 200) problems.Add("trace must be between 0 and 200");
        if (problems.Count > 0) return Problems.Validation(problems);
        return DashboardQueries.Device(sources, source, deviceId, events ?? 100, trace ?? 50) is { } detail
            ? Results.Json(detail)
            : Problems.NotFound($"no {source} device '{deviceId}'");
    }

    private static IResult Series(DashboardViews views, string? from, string? to)
    {
        var problems = new List<string>();
        var start = Time(from, "from", problems);
        var end = Time(to, "to", problems);
        if (start > end) problems.Add("from must not be after to");
        if (problems.Count > 0) return Problems.Validation(problems);
        return Results.Json(DashboardQueries.Series(views.Current(), start, end));
    }

    private static DateTimeOffset? Time(string? text, string name, List<string> problems)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        problems.Add($"{name}: '{text}' is not an ISO 8601 time");
        return null;
    }

    private static IResult Asset(string resource, string contentType) => new AssetResult(s_content.Value[resource], contentType);

    private static byte[] Read(string resource)
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the dashboard resource '{resource}' is not embedded in the assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>An embedded file with the headers that keep the page to its own origin.</summary>
    private sealed class AssetResult(byte[] content, string contentType) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var headers = httpContext.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-cache";
            httpContext.Response.ContentType = contentType;
            httpContext.Response.ContentLength = content.Length;
            return httpContext.Response.Body.WriteAsync(content).AsTask();
        }
    }
}
