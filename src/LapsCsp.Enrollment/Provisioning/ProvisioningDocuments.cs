using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using LapsCsp.Enrollment.Soap;

namespace LapsCsp.Enrollment.Provisioning;

/// <summary>Writes and reads wap-provisioningdoc 1.1 (MDE2 §2.2.9; digest 1.7; corpus e08).</summary>
public static class ProvisioningDocuments
{
    private static readonly (string Name, Func<PollSettings, int> Get)[] s_pollIntegers =
    [
        ("IntervalForFirstSetOfRetries", p => p.IntervalForFirstSetOfRetries),
        ("NumberOfFirstRetries", p => p.NumberOfFirstRetries),
        ("IntervalForSecondSetOfRetries", p => p.IntervalForSecondSetOfRetries),
        ("NumberOfSecondRetries", p => p.NumberOfSecondRetries),
        ("IntervalForRemainingScheduledRetries", p => p.IntervalForRemainingScheduledRetries),
        ("NumberOfRemainingScheduledRetries", p => p.NumberOfRemainingScheduledRetries),
    ];

    /// <summary>The document as one line with an XML declaration (like e08), characteristics in MDE2 order:
    /// CertificateStore (Root, My with the empty PrivateKeyContainer, optional WSTEP/Renew), APPLICATION, DMClient.</summary>
    public static string Write(ProvisioningDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var stores = new List<XElement>();
        foreach (var group in document.RootCertificates.Concat(document.ClientCertificates).GroupBy(c => c.Store.Split('/')[0]))
        {
            var locations = group.GroupBy(c => c.Store.Split('/')[1]).Select(location => Characteristic(location.Key,
                location.Select(c => Characteristic(c.Thumbprint, Parm("EncodedCertificate", Convert.ToBase64String(c.EncodedCertificate.AsSpan()))))
                    .Concat(group.Key == "My" ? [Characteristic("PrivateKeyContainer")] : [])));
            stores.Add(Characteristic(group.Key, locations));
        }

        if (document.Renewal is { } renewal)
        {
            var my = stores.FirstOrDefault(s => (string?)s.Attribute("type") == "My") ?? AddTo(stores, Characteristic("My"));
            my.Add(Characteristic("WSTEP", Characteristic("Renew",
                Parm("ROBOSupport", renewal.RoboSupport ? "true" : "false", "boolean"),
                Parm("RenewPeriod", Invariant(renewal.RenewPeriodDays), "integer"),
                Parm("RetryInterval", Invariant(renewal.RetryIntervalDays), "integer"))));
        }

        var app = document.Application;
        var application = Characteristic("APPLICATION",
            Parm("APPID", app.AppId),
            Parm("PROVIDER-ID", app.ProviderId),
            app.Name is null ? null : Parm("NAME", app.Name),
            Parm("ADDR", app.Address),
            app.ServerList is null ? null : Parm("ServerList", app.ServerList),
            app.Role is null ? null : Parm("ROLE", app.Role),
            app.ConnectionRetryFrequency is { } retries ? Parm("CONNRETRYFREQ", Invariant(retries)) : null,
            app.InitialBackoffTimeMilliseconds is { } initial ? Parm("INITIALBACKOFFTIME", Invariant(initial)) : null,
            app.MaxBackoffTimeMilliseconds is { } max ? Parm("MAXBACKOFFTIME", Invariant(max)) : null,
            app.BackCompatRetryDisabled ? new XElement("parm", new XAttribute("name", "BACKCOMPATRETRYDISABLED")) : null,
            Parm("DEFAULTENCODING", app.DefaultEncoding),
            app.SslClientCertSearchCriteria is null ? null : Parm("SSLCLIENTCERTSEARCHCRITERIA", app.SslClientCertSearchCriteria),
            app.Authentication.Select(a => Characteristic("APPAUTH",
                Parm("AAUTHLEVEL", a.Level),
                Parm("AAUTHTYPE", a.Type),
                a.Name is null ? null : Parm("AAUTHNAME", a.Name),
                a.Secret is null ? null : Parm("AAUTHSECRET", a.Secret),
                a.Data is null ? null : Parm("AAUTHDATA", a.Data))));

        var poll = document.DmClient.Poll;
        var dmClient = Characteristic("DMClient", Characteristic("Provider", Characteristic(document.DmClient.ProviderId,
            document.DmClient.Parameters.Select(p => Parm(p.Key, p.Value, "string")),
            Characteristic("Poll",
                s_pollIntegers.Select(p => Parm(p.Name, Invariant(p.Get(poll)), "integer")),
                Parm("PollOnLogin", poll.PollOnLogin ? "true" : "false", "boolean"),
                Parm("AllUsersPollOnFirstLogin", poll.AllUsersPollOnFirstLogin ? "true" : "false", "boolean")))));

        var root = new XElement("wap-provisioningdoc", new XAttribute("version", "1.1"),
            Characteristic("CertificateStore", stores), application, dmClient);
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + root.ToString(SaveOptions.DisableFormatting);
    }

    /// <summary>Reads a provisioning document. Refuses (errors) a certificate whose SHA-1 thumbprint is not the name of
    /// its characteristic, a missing w7 APPLICATION or ADDR; warns when PROVIDER-ID and the DMClient provider differ
    /// (MDE2: they must be equal). Absent Poll nodes take <see cref="PollSettings.Default"/>'s values.</summary>
    public static EnrollmentReadResult<ProvisioningDocument> Read(string? xml, EnrollmentReaderOptions? options = null)
    {
        var diagnostics = new List<EnrollmentDiagnostic>();
        var doc = SafeXml.TryLoad(xml, options ?? EnrollmentReaderOptions.Strict, diagnostics);
        if (doc?.Root is not { } root)
        {
            return EnrollmentReadResult<ProvisioningDocument>.Refused(diagnostics);
        }

        if (root.Name != "wap-provisioningdoc")
        {
            diagnostics.Add(SoapEnvelope.Error(root, "message", $"the root element is {root.Name.LocalName}, expected wap-provisioningdoc"));
            return EnrollmentReadResult<ProvisioningDocument>.Refused(diagnostics);
        }

        var roots = ImmutableArray.CreateBuilder<ProvisionedCertificate>();
        var clients = ImmutableArray.CreateBuilder<ProvisionedCertificate>();
        WstepRenewal? renewal = null;
        foreach (var store in Children(root, "CertificateStore").SelectMany(s => s.Elements("characteristic")))
        {
            string storeName = Type(store);
            foreach (var location in store.Elements("characteristic"))
            {
                string locationName = Type(location);
                if (storeName == "My" && locationName == "WSTEP")
                {
                    renewal = ReadRenewal(location);
                    continue;
                }

                foreach (var entry in location.Elements("characteristic").Where(c => Type(c) != "PrivateKeyContainer"))
                {
                    if (ReadCertificate(storeName + "/" + locationName, entry, diagnostics) is not { } certificate)
                    {
                        continue;
                    }

                    (storeName == "Root" ? roots : clients).Add(certificate);
                }
            }
        }

        var application = Children(root, "APPLICATION").FirstOrDefault(a => string.Equals(Parm(a, "APPID"), "w7", StringComparison.OrdinalIgnoreCase));
        if (application is null)
        {
            diagnostics.Add(SoapEnvelope.Error(root, "value", "the document has no APPLICATION characteristic with APPID w7"));
            return EnrollmentReadResult<ProvisioningDocument>.Refused(diagnostics);
        }

        string? address = Parm(application, "ADDR");
        if (string.IsNullOrWhiteSpace(address))
        {
            diagnostics.Add(SoapEnvelope.Error(application, "value", "the w7 APPLICATION has no ADDR (management URL)"));
        }

        string providerId = Parm(application, "PROVIDER-ID") ?? "";
        var w7 = new W7Application(providerId, Parm(application, "NAME"), address ?? "",
            Parm(application, "DEFAULTENCODING") ?? W7Application.DefaultEncodingXml,
            [.. application.Elements("characteristic").Where(c => Type(c) == "APPAUTH").Select(a => new AppAuth(
                Parm(a, "AAUTHLEVEL") ?? "", Parm(a, "AAUTHTYPE") ?? "", Parm(a, "AAUTHNAME"), Parm(a, "AAUTHSECRET"), Parm(a, "AAUTHDATA")))])
        {
            AppId = Parm(application, "APPID") ?? "w7",
            ServerList = Parm(application, "ServerList"),
            Role = Parm(application, "ROLE"),
            ConnectionRetryFrequency = Int(Parm(application, "CONNRETRYFREQ")),
            InitialBackoffTimeMilliseconds = Int(Parm(application, "INITIALBACKOFFTIME")),
            MaxBackoffTimeMilliseconds = Int(Parm(application, "MAXBACKOFFTIME")),
            BackCompatRetryDisabled = application.Elements("parm").Any(p => string.Equals((string?)p.Attribute("name"), "BACKCOMPATRETRYDISABLED", StringComparison.OrdinalIgnoreCase)),
            SslClientCertSearchCriteria = Parm(application, "SSLCLIENTCERTSEARCHCRITERIA"),
        };

        var providers = Children(root, "DMClient").SelectMany(d => d.Elements("characteristic")).Where(c => Type(c) == "Provider")
            .SelectMany(p => p.Elements("characteristic")).ToList();
        var provider = providers.FirstOrDefault(p => Type(p) == providerId) ?? providers.FirstOrDefault();
        DmClientProvisioning dmClient;
        if (provider is null)
        {
            dmClient = new DmClientProvisioning(providerId, PollSettings.Default);
        }
        else
        {
            if (Type(provider) != providerId)
            {
                diagnostics.Add(SoapEnvelope.Warning(provider, "value",
                    $"the DMClient provider is '{Type(provider)}' but PROVIDER-ID is '{providerId}'; MDE2 §2.2.9.5 says they must be equal"));
            }

            dmClient = new DmClientProvisioning(Type(provider), ReadPoll(provider.Elements("characteristic").FirstOrDefault(c => Type(c) == "Poll"), diagnostics))
            {
                Parameters = [.. provider.Elements("parm").Select(p => new KeyValuePair<string, string>((string?)p.Attribute("name") ?? "", (string?)p.Attribute("value") ?? ""))],
            };
        }

        var document = new ProvisioningDocument(roots.ToImmutable(), clients.ToImmutable(), w7, dmClient) { Renewal = renewal };
        return MessageReading.Finish(document, null, diagnostics);
    }

    private static ProvisionedCertificate? ReadCertificate(string store, XElement entry, List<EnrollmentDiagnostic> diagnostics)
    {
        string thumbprint = Type(entry);
        string? encoded = Parm(entry, "EncodedCertificate");
        if (encoded is null)
        {
            diagnostics.Add(SoapEnvelope.Error(entry, "certificate", $"{store}/{thumbprint} has no EncodedCertificate"));
            return null;
        }

        try
        {
            byte[] der = Convert.FromBase64String(string.Concat(encoded.Where(c => !char.IsWhiteSpace(c))));
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            if (!string.Equals(certificate.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase))
            {
                diagnostics.Add(SoapEnvelope.Error(entry, "thumbprint",
                    $"{store}/{thumbprint} holds a certificate whose SHA-1 thumbprint is {certificate.Thumbprint}"));
                return null;
            }

            return new ProvisionedCertificate(store, thumbprint.ToUpperInvariant(), [.. der]);
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            diagnostics.Add(SoapEnvelope.Error(entry, "certificate", $"{store}/{thumbprint} is not a base64 DER certificate: {e.Message}"));
            return null;
        }
    }

    private static WstepRenewal ReadRenewal(XElement wstep)
    {
        var renew = wstep.Elements("characteristic").FirstOrDefault(c => Type(c) == "Renew");
        var defaults = new WstepRenewal();
        return renew is null ? defaults : new WstepRenewal(
            Bool(Parm(renew, "ROBOSupport")) ?? defaults.RoboSupport,
            Int(Parm(renew, "RenewPeriod")) ?? defaults.RenewPeriodDays,
            Int(Parm(renew, "RetryInterval")) ?? defaults.RetryIntervalDays);
    }

    private static PollSettings ReadPoll(XElement? poll, List<EnrollmentDiagnostic> diagnostics)
    {
        var settings = PollSettings.Default;
        if (poll is null)
        {
            return settings;
        }

        int Value(string name, int fallback)
        {
            string? text = Parm(poll, name);
            if (text is null)
            {
                return fallback;
            }

            if (Int(text) is { } value && value >= 0)
            {
                return value;
            }

            diagnostics.Add(SoapEnvelope.Warning(poll, "value", $"Poll/{name} is '{text}', not a non-negative integer; the default {fallback} applies"));
            return fallback;
        }

        return new PollSettings
        {
            IntervalForFirstSetOfRetries = Value("IntervalForFirstSetOfRetries", settings.IntervalForFirstSetOfRetries),
            NumberOfFirstRetries = Value("NumberOfFirstRetries", settings.NumberOfFirstRetries),
            IntervalForSecondSetOfRetries = Value("IntervalForSecondSetOfRetries", settings.IntervalForSecondSetOfRetries),
            NumberOfSecondRetries = Value("NumberOfSecondRetries", settings.NumberOfSecondRetries),
            IntervalForRemainingScheduledRetries = Value("IntervalForRemainingScheduledRetries", settings.IntervalForRemainingScheduledRetries),
            NumberOfRemainingScheduledRetries = Value("NumberOfRemainingScheduledRetries", settings.NumberOfRemainingScheduledRetries),
            PollOnLogin = Bool(Parm(poll, "PollOnLogin")) ?? settings.PollOnLogin,
            AllUsersPollOnFirstLogin = Bool(Parm(poll, "AllUsersPollOnFirstLogin")) ?? settings.AllUsersPollOnFirstLogin,
        };
    }

    private static IEnumerable<XElement> Children(XElement parent, string type) => parent.Elements("characteristic").Where(c => Type(c) == type);

    private static string Type(XElement characteristic) => (string?)characteristic.Attribute("type") ?? "";

    /// <summary>A parm's value; names compare case-insensitively (MDE2 writes APPLICATION parms upper-case, e08 has <c>ServerList</c>).</summary>
    private static string? Parm(XElement characteristic, string name) =>
        (string?)characteristic.Elements("parm").FirstOrDefault(p => string.Equals((string?)p.Attribute("name"), name, StringComparison.OrdinalIgnoreCase))?.Attribute("value");

    private static XElement Characteristic(string type, params object?[] content) => new("characteristic", new XAttribute("type", type), content);

    private static XElement Parm(string name, string value, string? datatype = null) =>
        new("parm", new XAttribute("name", name), new XAttribute("value", value), datatype is null ? null : new XAttribute("datatype", datatype));

    private static XElement AddTo(List<XElement> list, XElement element)
    {
        list.Add(element);
        return element;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int? Int(string? text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;

    private static bool? Bool(string? text) =>
        text is null ? null : string.Equals(text, "true", StringComparison.OrdinalIgnoreCase) || text == "1" ? true
            : string.Equals(text, "false", StringComparison.OrdinalIgnoreCase) || text == "0" ? false : null;
}
