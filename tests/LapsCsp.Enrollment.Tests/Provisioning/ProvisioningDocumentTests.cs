using System.Collections.Immutable;
using System.Security.Cryptography;
using LapsCsp.Enrollment.Provisioning;
using static LapsCsp.Enrollment.Tests.EnrollmentTestKit;

namespace LapsCsp.Enrollment.Tests.Provisioning;

public class ProvisioningDocumentTests
{
    private const string RootThumbprint = "D9A88E04AF18A4D399CEE62F2C71469C3AE1E675";
    private const string ClientThumbprint = "8F2EBD13F3612D7C48C30E24CC73A88492613849";

    [Test]
    public void Reads_e08_certificates_that_match_their_thumbprints()
    {
        var read = ProvisioningDocuments.Read(Corpus("e08"));

        read.Succeeded.Should().BeTrue();
        read.Diagnostics.Should().BeEmpty();
        var document = read.Value!;
        document.RootCertificates.Should().ContainSingle().Which.Should().Match<ProvisionedCertificate>(c =>
            c.Store == "Root/System" && c.Thumbprint == RootThumbprint);
        document.ClientCertificates.Should().ContainSingle().Which.Should().Match<ProvisionedCertificate>(c =>
            c.Store == "My/User" && c.Thumbprint == ClientThumbprint);
        using var root = document.RootCertificates[0].Load();
        using var client = document.ClientCertificates[0].Load();
        Convert.ToHexString(SHA1.HashData(root.RawData)).Should().Be(RootThumbprint);
        client.Subject.Should().Be("CN=B5B954E81FBCB94EB79BD08BE625F4EE", "the PoC made the DeviceID the CN");
        client.Issuer.Should().Be(root.Subject);
    }

    [Test]
    public void Reads_the_e08_w7_application_with_both_APPAUTH_levels()
    {
        var app = ProvisioningDocuments.Read(Corpus("e08")).Value!.Application;

        app.AppId.Should().Be("w7");
        app.ProviderId.Should().Be("DEMO MDM");
        app.Name.Should().Be("FleetDM Demo Server - Windows");
        app.Address.Should().Be("https://windows.fleetdm.ngrok.io/ManagementServer/MDM.svc");
        app.ServerList.Should().Be("https://windows.fleetdm.ngrok.io/ManagementServer/ServerList.svc");
        app.Role.Should().Be("4294967295");
        app.BackCompatRetryDisabled.Should().BeTrue();
        app.DefaultEncoding.Should().Be("application/vnd.syncml.dm+xml");
        app.ClientAuth.Should().Be(new AppAuth("CLIENT", "DIGEST", null, "dummy", "nonce"));
        app.ServerAuth.Should().Be(new AppAuth("APPSRV", "DIGEST", "dummy", "dummy", "nonce"));
        app.ConnectionRetryFrequency.Should().BeNull();
        app.EffectiveConnectionRetryFrequency.Should().Be(3, "CONNRETRYFREQ defaults to 3 (MDE2 §2.2.9.5)");
        app.EffectiveInitialBackoff.Should().Be(TimeSpan.FromSeconds(16));
        app.EffectiveMaxBackoff.Should().Be(TimeSpan.FromDays(1));
    }

    [Test]
    public void Reads_the_e08_poll_setting_and_takes_the_documented_defaults_for_the_rest()
    {
        var dmClient = ProvisioningDocuments.Read(Corpus("e08")).Value!.DmClient;

        dmClient.ProviderId.Should().Be("DEMO MDM");
        dmClient.Poll.Should().Be(PollSettings.Default with { NumberOfFirstRetries = 8 });
        dmClient.Poll.IntervalForFirstSetOfRetries.Should().Be(15);
        dmClient.Poll.IntervalForRemainingScheduledRetries.Should().Be(0);
    }

    [Test]
    public void A_document_without_DMClient_polls_on_the_defaults_of_digest_section_3()
    {
        const string Xml = """<wap-provisioningdoc version="1.1"><characteristic type="APPLICATION"><parm name="APPID" value="w7"/><parm name="PROVIDER-ID" value="P"/><parm name="ADDR" value="https://m/x"/></characteristic></wap-provisioningdoc>""";
        var document = ProvisioningDocuments.Read(Xml).Value!;

        document.DmClient.Should().Be(new DmClientProvisioning("P", new PollSettings
        {
            IntervalForFirstSetOfRetries = 15, NumberOfFirstRetries = 10, IntervalForSecondSetOfRetries = 0, NumberOfSecondRetries = 0,
            IntervalForRemainingScheduledRetries = 0, NumberOfRemainingScheduledRetries = 0, PollOnLogin = false, AllUsersPollOnFirstLogin = false,
        }) { Parameters = [] });
        document.Application.DefaultEncoding.Should().Be(W7Application.DefaultEncodingXml);
    }

    [Test]
    public void A_certificate_under_another_thumbprint_is_refused()
    {
        string forged = Corpus("e08").Replace(ClientThumbprint, "0000000000000000000000000000000000000000", StringComparison.Ordinal);
        var read = ProvisioningDocuments.Read(forged);

        read.Succeeded.Should().BeFalse();
        read.Errors.Should().ContainSingle(e => e.Code == "thumbprint" && e.Message.Contains(ClientThumbprint, StringComparison.Ordinal));
    }

    [Test]
    public void A_document_without_a_w7_application_is_refused()
    {
        var read = ProvisioningDocuments.Read("""<wap-provisioningdoc version="1.1"><characteristic type="APPLICATION"><parm name="APPID" value="w4"/></characteristic></wap-provisioningdoc>""");
        read.Errors.Should().ContainSingle(e => e.Message.Contains("w7", StringComparison.Ordinal));
    }

    [Test]
    public void A_DMClient_provider_other_than_PROVIDER_ID_is_reported()
    {
        string renamed = Corpus("e08").Replace("<characteristic type=\"DEMO MDM\">", "<characteristic type=\"OTHER\">", StringComparison.Ordinal);
        var read = ProvisioningDocuments.Read(renamed);

        read.Succeeded.Should().BeTrue();
        read.Warnings.Should().ContainSingle(w => w.Message.Contains("OTHER", StringComparison.Ordinal));
    }

    [Test]
    public void A_non_numeric_poll_value_keeps_the_default_and_is_reported()
    {
        string odd = Corpus("e08").Replace("name=\"NumberOfFirstRetries\" value=\"8\"", "name=\"NumberOfFirstRetries\" value=\"eight\"", StringComparison.Ordinal);
        var read = ProvisioningDocuments.Read(odd);

        read.Value!.DmClient.Poll.NumberOfFirstRetries.Should().Be(10);
        read.Warnings.Should().ContainSingle(w => w.Message.Contains("eight", StringComparison.Ordinal));
    }

    [Test]
    public void Written_documents_read_back_to_the_same_settings()
    {
        var e08 = ProvisioningDocuments.Read(Corpus("e08")).Value!;
        var document = e08 with
        {
            Application = e08.Application with
            {
                ConnectionRetryFrequency = 6, InitialBackoffTimeMilliseconds = 30_000, MaxBackoffTimeMilliseconds = 120_000,
                SslClientCertSearchCriteria = "Subject=CN%3DX&Stores=My%5CUser",
            },
            DmClient = new DmClientProvisioning("DEMO MDM", new PollSettings
            {
                IntervalForFirstSetOfRetries = 3, NumberOfFirstRetries = 5, IntervalForSecondSetOfRetries = 15, NumberOfSecondRetries = 8,
                IntervalForRemainingScheduledRetries = 480, NumberOfRemainingScheduledRetries = 0, PollOnLogin = true, AllUsersPollOnFirstLogin = true,
            })
            {
                Parameters = [new("EntDMID", "device-1")],
            },
            Renewal = new WstepRenewal(true, 365, 4),
        };

        string xml = ProvisioningDocuments.Write(document);
        var read = ProvisioningDocuments.Read(xml);

        xml.Should().StartWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?><wap-provisioningdoc version=\"1.1\"><characteristic type=\"CertificateStore\">");
        read.Diagnostics.Should().BeEmpty();
        read.Value.Should().BeEquivalentTo(document);
    }

    [Test]
    public void A_device_enrollment_puts_the_client_certificate_in_My_System()
    {
        var e08 = ProvisioningDocuments.Read(Corpus("e08")).Value!;
        var device = e08 with { ClientCertificates = [e08.ClientCertificates[0] with { Store = "My/System" }] };

        var read = ProvisioningDocuments.Read(ProvisioningDocuments.Write(device)).Value!;
        read.ClientCertificates.Should().ContainSingle().Which.Store.Should().Be("My/System");
        ProvisioningDocuments.Write(device).Should().Contain("<characteristic type=\"My\"><characteristic type=\"System\">");
    }

    [Test]
    public void Parameters_keep_document_order()
    {
        var document = ProvisioningDocuments.Read(Corpus("e08")).Value! with { };
        ImmutableArray<KeyValuePair<string, string>> parameters = [new("B", "2"), new("A", "1")];
        var written = document with { DmClient = document.DmClient with { Parameters = parameters } };

        ProvisioningDocuments.Read(ProvisioningDocuments.Write(written)).Value!.DmClient.Parameters.Should().Equal(parameters);
    }
}
