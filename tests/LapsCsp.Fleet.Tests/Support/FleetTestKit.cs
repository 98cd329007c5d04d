using System.Xml.Linq;
using LapsCsp.Enrollment.Server;
using LapsCsp.Fleet.Runner;
using LapsCsp.Testing;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Fleet.Tests.Support;

/// <summary>Corpus access, a shared CA and element-by-element comparison of messages.</summary>
internal static class FleetTestKit
{
    public static readonly DateTimeOffset Start = new(2025, 6, 2, 9, 0, 0, TimeSpan.Zero);

    public const string BaseUrl = "https://mdm.example.test";

    public static readonly KeyPool Keys = new(size: 2);

    private static readonly Lazy<EnrollmentCertificateAuthority> s_authority =
        new(() => EnrollmentCertificateAuthority.Create(new FakeTimeProvider(Start.AddDays(-30))));

    /// <summary>One CA for the whole run: RSA key generation is the slow part.</summary>
    public static EnrollmentCertificateAuthority Authority => s_authority.Value;

    public static string Corpus(string name) => File.ReadAllText(RepoPaths.Corpus(name));

    public static string Enrollment(string prefix)
    {
        var file = System.IO.Directory.EnumerateFiles(RepoPaths.Corpus("enrollment"), prefix + "-*").Single();
        return File.ReadAllText(file);
    }

    /// <summary>One line per element in document order: depth, expanded name and the trimmed text of leaves. Equal shapes
    /// mean the same elements, namespaces, order and values.</summary>
    public static List<string> Shape(string xml)
    {
        var lines = new List<string>();
        Walk(XDocument.Parse(xml.Trim()).Root!, 0, lines);
        return lines;
    }

    private static void Walk(XElement element, int depth, List<string> lines)
    {
        var text = element.HasElements ? "" : " = " + element.Value.Trim();
        lines.Add($"{new string(' ', depth * 2)}{{{element.Name.NamespaceName}}}{element.Name.LocalName}{text}");
        foreach (var child in element.Elements()) Walk(child, depth + 1, lines);
    }
}
