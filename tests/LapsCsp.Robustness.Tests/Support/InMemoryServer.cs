using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LapsCsp.Server.Hosting;
using LapsCsp.Server.Identity;
using LapsCsp.SyncML.Messages;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LapsCsp.Robustness.Tests.Support;

/// <summary><c>lapscsp serve</c>'s host (LapsServerHost) on ASP.NET Core's TestServer: the real middleware, routing and
/// handlers, an in-memory store, an injectable clock, and every log line captured.</summary>
internal sealed class InMemoryServer : IAsyncDisposable
{
    private readonly IHost _host;

    private InMemoryServer(IHost host, LogCapture logs)
    {
        _host = host;
        Logs = logs;
    }

    public LogCapture Logs { get; }

    public IServiceProvider Services => _host.Services;

    public static InMemoryServer Start(TimeProvider? time = null, ServerOptions? options = null, Action<IServiceCollection>? configure = null)
    {
        var logs = new LogCapture();
        var host = LapsServerHost.CreateHostBuilder(options ?? new ServerOptions { LogFormat = "simple" }, time, configure)
            .ConfigureLogging(logging =>
            {
                // Every line, down to Debug, goes to the capture only (the console would flood the test output).
                logging.ClearProviders();
                logging.AddProvider(logs);
                logging.SetMinimumLevel(LogLevel.Debug);
                logging.AddFilter("Microsoft.AspNetCore", LogLevel.Debug);
            })
            .ConfigureWebHost(web => web.UseTestServer())
            .Build();
        host.Start();
        return new InMemoryServer(host, logs);
    }

    public T Get<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    /// <summary>A client on the in-memory server, optionally through a handler of the caller's (e.g. a chaos handler).</summary>
    public HttpClient CreateClient(DelegatingHandler? handler = null)
    {
        var server = _host.GetTestServer();
        HttpMessageHandler inner = server.CreateHandler();
        if (handler is not null)
        {
            handler.InnerHandler = inner;
            inner = handler;
        }

        return new HttpClient(inner) { BaseAddress = server.BaseAddress };
    }

    /// <summary>A bearer token of a demo principal (demo secret).</summary>
    public static async Task<string> TokenAsync(HttpClient client, string principal)
    {
        var app = TenantConfig.Demo.Principals.FirstOrDefault(p => p.Name == principal)?.Type == PrincipalKind.Application;
        var form = app
            ? new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = principal, ["client_secret"] = TenantConfig.DemoSecret }
            : new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = principal, ["password"] = TenantConfig.DemoSecret };
        using var response = await client.PostAsync(new Uri("/oauth2/v2.0/token", UriKind.Relative), new FormUrlEncodedContent(form));
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonObject>();
        return json!["access_token"]!.GetValue<string>();
    }

    public static ByteArrayContent SyncMLContent(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(SyncMLMessage.MediaType);
        return content;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

/// <summary>Keeps every log line (formatted message and exception text) the host writes.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines) return [.. _lines];
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        lock (_lines) _lines.Add(line);
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? " {" + string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) + "}"
                : string.Empty;
            capture.Add($"{logLevel} {category}: {formatter(state, exception)}{structured}{(exception is null ? "" : " " + exception)}");
        }
    }
}
