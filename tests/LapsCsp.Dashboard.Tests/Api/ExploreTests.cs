using LapsCsp.Dashboard.Tests.Support;

namespace LapsCsp.Dashboard.Tests.Api;

[Explicit]
public class ExploreTests
{
    [Test]
    public async Task Dump()
    {
        await using var server = await DashboardServer.Start();
        using var http = server.CreateClient();
        await Seed.Fleet(http, server.Time);
        foreach (var path in new[] { "/dashboard/api/summary", "/dashboard/api/devices", "/dashboard/api/series", "/dashboard/api/devices/hosted/PC-ENTRA-1?trace=50&events=100", "/dashboard/api/devices/hosted/PC-FAIL-1?trace=50&events=100" })
        {
            TestContext.Out.WriteLine(path);
            TestContext.Out.WriteLine(await http.GetStringAsync(new Uri(path, UriKind.Relative)));
        }
    }
}
