using System.Formats.Asn1;
using System.Xml.Linq;
using LapsCsp.Enrollment.Client;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Server;
using LapsCsp.Testing;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Enrollment.Tests;

/// <summary>Corpus access, the Windows VM of the corpus as a profile, a shared CA and an in-memory transport.</summary>
internal static class EnrollmentTestKit
{
    public static readonly DateTimeOffset Start = new(2025, 6, 2, 9, 0, 0, TimeSpan.Zero);

    public const string BaseUrl = "https://mdm.example.test";

    private static readonly Lazy<EnrollmentCertificateAuthority> s_authority = new(() => EnrollmentCertificateAuthority.Create(new FakeTimeProvider(Start.AddDays(-30))));

    /// <summary>One CA for the whole run: RSA key generation is the slow part of these tests.</summary>
    public static EnrollmentCertificateAuthority Authority => s_authority.Value;

    /// <summary>The text of corpus/enrollment/&lt;prefix&gt;-….</summary>
    public static string Corpus(string prefix)
    {
        var directory = RepoPaths.Corpus("enrollment");
        var file = System.IO.Directory.EnumerateFiles(directory, prefix + "-*").Single();
        return File.ReadAllText(file);
    }

    /// <summary>The real Windows 10 19043 VM of e02/e06.</summary>
    public static DeviceProfile WindowsVm => new()
    {
        DeviceId = "B5B954E81FBCB94EB79BD08BE625F4EE",
        HwDevId = "3B3ED6D0EA88CBFCF37D36F90F22FE61172348C0162FC3840D6703149870CE76",
        DeviceName = "DESKTOP-28FGAI6",
        EmailAddress = "demo@fleetdm.ngrok.io",
        MacAddresses = ["00-0C-29-51-60-9D", "1A-77-20-52-41-53", "1A-77-20-52-41-53", "00-0C-29-51-60-A7", "18-14-20-52-41-53", "00-0C-29-51-60-93"],
    };

    public static EnrollmentServerOptions ServerOptions => EnrollmentServerOptions.ForBaseUrl(new Uri(BaseUrl));

    public static EnrollmentServer NewServer(EnrollmentServerOptions? options = null, EnrollmentAuthenticator? authenticator = null, TimeProvider? time = null) =>
        new(options ?? ServerOptions, Authority,
            authenticator ?? EnrollmentAuthenticators.UsernamePassword((user, password) => user == "demo@example.test" && password == "s3cret"),
            time ?? new FakeTimeProvider(Start));

    /// <summary>Routes the client's requests to the server's handlers by path, as the HTTP host will, and keeps every
    /// <see cref="EnrolledDevice"/> the server returns in <paramref name="recorded"/> (the host's store).</summary>
    public static Func<EnrollmentHttpRequest, Task<EnrollmentHttpResponse>> Transport(EnrollmentServer server,
        Func<EnrollmentHttpRequest, EnrollmentHttpResponse?>? @override = null, List<EnrolledDevice>? recorded = null) =>
        request =>
        {
            if (@override?.Invoke(request) is { } replaced)
            {
                return Task.FromResult(replaced);
            }

            if (request.Method == "GET")
            {
                return Task.FromResult(new EnrollmentHttpResponse(200, EnrollmentServer.ProbeContentType, ""));
            }

            var response = request.Url.AbsolutePath switch
            {
                "/EnrollmentServer/Discovery.svc" => server.Discover(request.Body),
                EnrollmentServerOptions.PolicyPath => server.GetPolicies(request.Body),
                EnrollmentServerOptions.EnrollmentPath => server.RequestSecurityToken(request.Body),
                _ => null,
            };
            if (response?.Device is { } device)
            {
                recorded?.Add(device);
            }

            return Task.FromResult(response is null
                ? new EnrollmentHttpResponse(404, "text/plain", "not found")
                : new EnrollmentHttpResponse(response.StatusCode, response.ContentType, response.Body));
        };

    public static EnrollmentClientOptions ClientOptions => new() { DiscoveryUrl = BaseUrl + "/EnrollmentServer/Discovery.svc" };

    /// <summary>One line per element, in document order: depth, expanded name, attributes (not namespace declarations)
    /// sorted by expanded name, and the trimmed text of leaf elements. Two messages with equal shapes have the same
    /// elements, namespaces, attributes, order and values.</summary>
    public static List<string> Shape(string xml, Func<XElement, string?>? replaceText = null)
    {
        var lines = new List<string>();
        Walk(XDocument.Parse(xml).Root!, 0, lines, replaceText);
        return lines;
    }

    /// <summary>prefix=namespace of the root's declarations, in order.</summary>
    public static List<string> RootDeclarations(string xml) =>
        [.. XDocument.Parse(xml).Root!.Attributes().Where(a => a.IsNamespaceDeclaration).Select(a => a.Name.LocalName + "=" + a.Value)];

    /// <summary>The tag skeleton of a DER value (tags and nesting, no contents): equal skeletons are the same ASN.1 structure.</summary>
    public static List<string> AsnSkeleton(byte[] der)
    {
        var lines = new List<string>();
        Skeleton(new AsnReader(der, AsnEncodingRules.DER), 0, lines);
        return lines;
    }

    private static void Skeleton(AsnReader reader, int depth, List<string> lines)
    {
        while (reader.HasData)
        {
            var tag = reader.PeekTag();
            lines.Add(new string(' ', depth * 2) + tag);
            if (tag.IsConstructed)
            {
                var content = reader.ReadEncodedValue();
                AsnDecoder.ReadEncodedValue(content.Span, AsnEncodingRules.DER, out int offset, out int length, out _);
                Skeleton(new AsnReader(content.Slice(offset, length), AsnEncodingRules.DER), depth + 1, lines);
            }
            else
            {
                reader.ReadEncodedValue();
            }
        }
    }

    private static void Walk(XElement element, int depth, List<string> lines, Func<XElement, string?>? replaceText)
    {
        var attributes = element.Attributes().Where(a => !a.IsNamespaceDeclaration)
            .OrderBy(a => a.Name.NamespaceName, StringComparer.Ordinal).ThenBy(a => a.Name.LocalName, StringComparer.Ordinal)
            .Select(a => $" @{{{a.Name.NamespaceName}}}{a.Name.LocalName}={a.Value.Trim()}");
        string text = element.HasElements ? "" : " = " + (replaceText?.Invoke(element) ?? element.Value.Trim());
        lines.Add($"{new string(' ', depth * 2)}{{{element.Name.NamespaceName}}}{element.Name.LocalName}{string.Concat(attributes)}{text}");
        foreach (var child in element.Elements())
        {
            Walk(child, depth + 1, lines, replaceText);
        }
    }
}
