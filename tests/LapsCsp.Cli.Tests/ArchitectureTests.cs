using System.Xml.Linq;
using LapsCsp.Testing;

namespace LapsCsp.Cli.Tests;

/// <summary>Dependencies point one way, from hosts down to formats (design/STYLE.md).</summary>
public class ArchitectureTests
{
    private static readonly Dictionary<string, string[]> s_allowed = new()
    {
        ["LapsCsp.SyncML"] = [],
        ["LapsCsp.Ddf"] = [],
        ["LapsCsp.Passwords"] = [],
        ["LapsCsp.Directory"] = [],
        ["LapsCsp.Tree"] = ["LapsCsp.Ddf"],
        ["LapsCsp.Device"] = ["LapsCsp.SyncML", "LapsCsp.Tree", "LapsCsp.Passwords", "LapsCsp.Directory", "LapsCsp.Ddf"],
        ["LapsCsp.Storage"] = ["LapsCsp.Device", "LapsCsp.Directory"],
        ["LapsCsp.Enrollment"] = [],
        ["LapsCsp.Server"] = ["LapsCsp.Device", "LapsCsp.Storage", "LapsCsp.Directory", "LapsCsp.SyncML", "LapsCsp.Enrollment"],
        ["LapsCsp.Fleet.Orleans"] = ["LapsCsp.Fleet"],
        ["LapsCsp.Fleet"] = ["LapsCsp.SyncML", "LapsCsp.Ddf", "LapsCsp.Tree", "LapsCsp.Directory", "LapsCsp.Device", "LapsCsp.Enrollment", "LapsCsp.Storage"],
    };

    [Test]
    public void Source_projects_reference_only_the_layers_below_them()
    {
        foreach (var csproj in System.IO.Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src"), "*.csproj", SearchOption.AllDirectories))
        {
            var name = Path.GetFileNameWithoutExtension(csproj);
            if (!s_allowed.TryGetValue(name, out var allowed)) continue;
            var references = XDocument.Load(csproj).Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')));
            references.Should().BeSubsetOf(allowed, $"{name} may only reference {string.Join(", ", allowed)}");
        }
    }

    [Test]
    public void No_project_pins_a_package_version_outside_Directory_Packages_props()
    {
        foreach (var csproj in System.IO.Directory.EnumerateFiles(RepoPaths.Root, "*.csproj", SearchOption.AllDirectories)
                     .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            XDocument.Load(csproj).Descendants("PackageReference").Where(r => r.Attribute("Version") is not null)
                .Should().BeEmpty($"{csproj} must take versions from Directory.Packages.props");
        }
    }
}
