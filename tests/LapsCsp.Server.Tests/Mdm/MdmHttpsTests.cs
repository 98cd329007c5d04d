using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using LapsCsp.Enrollment.Client;
using LapsCsp.Enrollment.Identity;
using LapsCsp.Enrollment.Security;
using LapsCsp.Server.Hosting;
using LapsCsp.Server.Mdm;
using LapsCsp.Server.Tests.Support;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.SyncML.Writing;
using Microsoft.Extensions.DependencyInjection;

using static LapsCsp.Server.Tests.Support.MdmClient;

namespace LapsCsp.Server.Tests.Mdm;

/// <summary><c>lapscsp serve --urls https://...</c> on a real socket: the certificate its MDM CA issues, the device's TLS
/// client certificate as the session's authentication (Windows' way), and a configured certificate file.</summary>
public class MdmHttpsTests
{
    [Test]
    public async Task Over_https_a_device_enrolls_trusting_only_the_servers_CA_and_its_client_certificate_authenticates_its_session()
    {
        using var host = LapsServerHost.CreateHostBuilder(new ServerOptions { Urls = ["https://127.0.0.1:0"] }).Build();
        await host.StartAsync();
        try
        {
            var url = LapsServerHost.ListeningUrls(host).Single();
            url.Should().StartWith("https://127.0.0.1:");
            var root = host.Services.GetRequiredService<MdmService>().RootCertificate;
            X509Certificate2? presented = null;
            using var anonymous = Client(root, null, c => presented = c);

            var identity = await EnrollAsync(anonymous, url);

            presented.Should().NotBeNull();
            presented!.Issuer.Should().Be(root.Subject, "with no certificate configured, the server's MDM CA issues the TLS certificate");
            identity.ManagementUrl.Should().StartWith(url + "/ManagementServer/MDM.svc");
            identity.RootCertificates.Should().ContainSingle().Which.Should().Equal(root.RawData, "the provisioning document carries the root the device must trust");

            using var device = Client(root, ClientCertificate(identity), null);
            var reply = await SendAsync(device, identity, "1");
            HeaderStatus(reply).Code.Should().Be("200", "the enrolled client certificate authenticates the session: no digest challenge");

            var challenged = await SendAsync(anonymous, identity, "2");
            HeaderStatus(challenged).Code.Should().Be("407", "without its certificate the device must answer a digest challenge");
            HeaderStatus(challenged).Chal.Should().NotBeNull();
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Test]
    public async Task A_configured_PEM_certificate_is_what_https_presents()
    {
        var folder = System.IO.Directory.CreateTempSubdirectory("lapscsp-tls-");
        try
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=lab.example", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            var file = Path.Combine(folder.FullName, "tls.pem");
            await File.WriteAllTextAsync(file, selfSigned.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");

            using var host = LapsServerHost.CreateHostBuilder(new ServerOptions { Urls = ["https://127.0.0.1:0"], HttpsCertificateFile = file }).Build();
            await host.StartAsync();
            try
            {
                X509Certificate2? presented = null;
                using var client = Client(selfSigned, null, c => presented = c);
                using var response = await client.GetAsync(new Uri(LapsServerHost.ListeningUrls(host).Single() + MdmService.DiscoveryPath));

                response.StatusCode.Should().Be(HttpStatusCode.OK);
                presented!.Thumbprint.Should().Be(selfSigned.Thumbprint);
            }
            finally
            {
                await host.StopAsync();
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [TestCase("lab.example", true, TestName = "A host name a client asks for gets a certificate of its own")]
    [TestCase("*", false, TestName = "A wildcard SNI gets the default certificate")]
    [TestCase("bad name", false, TestName = "An SNI name with a blank gets the default certificate")]
    [TestCase("-x-", false, TestName = "An SNI label starting with a hyphen gets the default certificate")]
    public async Task The_server_signs_only_host_names_a_client_asks_for(string sni, bool ownCertificate)
    {
        using var host = LapsServerHost.CreateHostBuilder(new ServerOptions { Urls = ["https://127.0.0.1:0"] }).Build();
        await host.StartAsync();
        try
        {
            var url = new Uri(LapsServerHost.ListeningUrls(host).Single());
            using var tcp = new System.Net.Sockets.TcpClient();
            await tcp.ConnectAsync(url.Host, url.Port);
            await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = sni });
            using var presented = X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());

            var names = presented.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames().ToList();
            if (ownCertificate) names.Should().Contain(sni);
            else names.Should().NotContain(sni).And.Contain("localhost");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [TestCase("missing", "no file", TestName = "A missing certificate file is a configuration problem")]
    [TestCase("garbage", "is not a certificate with its private key", TestName = "A file that is not a certificate is a configuration problem")]
    [TestCase("certificate-only", "is not a certificate with its private key", TestName = "A PEM certificate without its key is a configuration problem")]
    public void Bad_certificate_files_are_refused_before_the_server_starts(string kind, string problem)
    {
        var folder = System.IO.Directory.CreateTempSubdirectory("lapscsp-tls-");
        try
        {
            var file = Path.Combine(folder.FullName, "tls.pem");
            if (kind == "garbage") File.WriteAllText(file, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
            if (kind == "certificate-only")
            {
                using var key = RSA.Create(2048);
                using var selfSigned = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                    .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
                File.WriteAllText(file, selfSigned.ExportCertificatePem());
            }

            var options = new ServerOptions { Urls = ["https://127.0.0.1:0"], HttpsCertificateFile = file };

            options.Validate().Should().ContainSingle().Which.Should().Contain("--https-certificate").And.Contain(problem);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public void A_certificate_file_without_an_https_address_is_refused()
    {
        var file = Path.GetTempFileName();
        try
        {
            new ServerOptions { HttpsCertificateFile = file }.Validate()
                .Should().Contain(p => p.Contains("no https:// address", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static HttpClient Client(X509Certificate2 trusted, X509Certificate2? clientCertificate, Action<X509Certificate2>? seen)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null) return false;
                    var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    seen?.Invoke(leaf);
                    if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    chain.ChainPolicy.CustomTrustStore.Add(trusted);
                    return chain.Build(leaf);
                },
                ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
            },
        };
        return new HttpClient(handler, disposeHandler: true);
    }

    private static X509Certificate2 ClientCertificate(DeviceEnrollmentIdentity identity)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(identity.ClientCertificate);
        using var key = RSA.Create();
        key.ImportPkcs8PrivateKey(identity.PrivateKeyPkcs8, out _);
        using var withKey = certificate.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private static async Task<DeviceEnrollmentIdentity> EnrollAsync(HttpClient http, string url)
    {
        var client = new EnrollmentClient(async request =>
        {
            using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url);
            if (request.Body is not null) message.Content = new StringContent(request.Body, Encoding.UTF8, "application/soap+xml");
            using var response = await http.SendAsync(message);
            return new EnrollmentHttpResponse((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync());
        }, TimeProvider.System, new EnrollmentClientOptions { DiscoveryUrl = url + MdmService.DiscoveryPath });
        var outcome = await client.EnrollAsync(DeviceProfile.Generate(new Random(21), "user21@contoso.com"),
            EnrollmentCredential.UsernamePassword("user21@contoso.com", "any"), CancellationToken.None);
        outcome.Succeeded.Should().BeTrue(outcome.ToString());
        return outcome.Identity!;
    }

    /// <summary>Package 1 as Windows sends it (r20), without Cred.</summary>
    private static async Task<SyncMLMessage> SendAsync(HttpClient http, DeviceEnrollmentIdentity identity, string sessionId)
    {
        var message = new SyncMLMessage(new SyncHeader(sessionId, "1", identity.ManagementUrl, identity.DeviceId),
        [
            new AlertCommand("1", "1201", []),
            new ItemCommand(ItemCommandKind.Replace, "2", [new Item(SourceUri: "./DevInfo/DevId", Data: new ItemData(identity.DeviceId))]),
        ], Final: true);
        using var response = await http.PostAsync(new Uri(identity.ManagementUrl), SyncMLHttp.Content(SyncMLWriter.WriteToUtf8(message)));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var read = SyncMLReader.Read(await response.Content.ReadAsByteArrayAsync());
        read.Succeeded.Should().BeTrue();
        return read.Message!;
    }
}
