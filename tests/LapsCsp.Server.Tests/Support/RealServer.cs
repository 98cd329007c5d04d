using LapsCsp.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LapsCsp.Server.Tests.Support;

/// <summary>The server on Kestrel over real loopback HTTP (port 0: the system picks a free port).</summary>
internal sealed class RealServer : IAsyncDisposable
{
    private readonly IHost _host;

    private RealServer(IHost host, Uri baseAddress)
    {
        _host = host;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _host.Services;

    public static async Task<RealServer> Start(string? dataDirectory = null, TimeProvider? time = null)
    {
        var options = new ServerOptions { Urls = ["http://127.0.0.1:0"], DataDirectory = dataDirectory, LogFormat = "simple" };
        var host = LapsServerHost.CreateHostBuilder(options, time).Build();
        await host.StartAsync();
        var url = LapsServerHost.ListeningUrls(host).Single();
        return new RealServer(host, new Uri(url));
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    public T Get<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
