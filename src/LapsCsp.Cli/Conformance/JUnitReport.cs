using System.Xml;

namespace LapsCsp.Cli.Conformance;

/// <summary>Writes conformance results as JUnit XML, the format CI servers read.</summary>
internal static class JUnitReport
{
    public static void Write(IReadOnlyList<SampleResult> results, string path)
    {
        var settings = new XmlWriterSettings { Indent = true };
        using var writer = XmlWriter.Create(path, settings);
        var failures = results.Count(r => !r.Passed && r.Error is null);
        var errors = results.Count(r => r.Error is not null);
        writer.WriteStartElement("testsuites");
        writer.WriteStartElement("testsuite");
        writer.WriteAttributeString("name", "lapscsp check");
        writer.WriteAttributeString("tests", Text(results.Count));
        writer.WriteAttributeString("failures", Text(failures));
        writer.WriteAttributeString("errors", Text(errors));
        foreach (var result in results)
        {
            writer.WriteStartElement("testcase");
            writer.WriteAttributeString("classname", "samples");
            writer.WriteAttributeString("name", result.Name);
            if (result.Error is not null)
            {
                writer.WriteStartElement("error");
                writer.WriteAttributeString("message", result.Error);
                writer.WriteEndElement();
            }
            else if (!result.Passed)
            {
                writer.WriteStartElement("failure");
                writer.WriteAttributeString("message", result.Differences.FirstOrDefault() ?? "mismatch");
                writer.WriteString(string.Join("\n", result.Differences));
                writer.WriteEndElement();
            }

            writer.WriteEndElement();
        }

        writer.WriteEndElement();
        writer.WriteEndElement();
    }

    private static string Text(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
