using Microsoft.Playwright;

namespace LapsCsp.Dashboard.Tests.Support;

/// <summary>Debian's Chromium (<c>.ci/setup-chromium.sh</c>) launched through Playwright: its own browser download does not
/// work here, so the tests set <c>ExecutablePath</c> and the flags that keep Chromium off the network.</summary>
internal static class Chromium
{
    public const string Path = "/usr/bin/chromium";

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        if (!File.Exists(Path)) Assert.Fail($"{Path} is missing: run .ci/setup-chromium.sh (installs Debian's chromium)");
        return playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }
}
