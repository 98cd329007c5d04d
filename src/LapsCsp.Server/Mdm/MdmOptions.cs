namespace LapsCsp.Server.Mdm;

/// <summary>The MDM server face of <c>lapscsp serve</c> (issue 6 item 3): enrollment and management endpoints.</summary>
public sealed record MdmOptions
{
    /// <summary>The base URL devices reach the server at (discovery names the policy and enrollment services under it, the
    /// provisioning document names the management endpoint). Default: the first address the server listens on.</summary>
    public string? PublicUrl { get; init; }

    /// <summary>Who may enroll: <c>any</c> (any user name and password, any token: a lab, the default) or <c>tenant</c> (user
    /// principals of the tenant configuration with their secret, OnPremise authentication).</summary>
    public string EnrollmentAuthentication { get; init; } = "any";

    /// <summary>How a management session authenticates (mdm-client-digest 2.2): <c>certificate-or-digest</c> (the enrolled
    /// client certificate as the TLS peer certificate, else the MD5 digest Cred of the provisioned APPSRV credential, with a
    /// 407 challenge; the default), <c>certificate</c>, or <c>digest</c>.</summary>
    public string SessionAuthentication { get; init; } = "certificate-or-digest";

    /// <summary>SyncML messages kept per device for the session trace (memory only; 0 keeps none).</summary>
    public int TraceCapacity { get; init; } = 40;

    /// <summary>Finished commands kept per device (pending ones are always kept).</summary>
    public int CommandHistory { get; init; } = 100;

    /// <summary>Generic alerts (1226: asynchronous results, unenrollment) kept per device.</summary>
    public int AlertHistory { get; init; } = 50;

    /// <summary>Session-start alerts (1200/1201 and 1224 LoginStatus) kept per device: the last two sessions' by default,
    /// since every check-in sends them (keeping 50 cost about 10 KB per device).</summary>
    public int SessionAlertHistory { get; init; } = 4;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (EnrollmentAuthentication is not ("any" or "tenant")) problems.Add($"mdm enrollment authentication '{EnrollmentAuthentication}' is not any or tenant");
        if (SessionAuthentication is not ("certificate-or-digest" or "certificate" or "digest"))
        {
            problems.Add($"mdm session authentication '{SessionAuthentication}' is not certificate-or-digest, certificate or digest");
        }

        if (PublicUrl is not null && (!Uri.TryCreate(PublicUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            problems.Add($"mdm public URL '{PublicUrl}' is not an absolute http(s) URL");
        }

        if (TraceCapacity < 0) problems.Add("mdm trace capacity must not be negative");
        if (CommandHistory < 1) problems.Add("mdm command history must be at least 1");
        if (AlertHistory < 0) problems.Add("mdm alert history must not be negative");
        if (SessionAlertHistory < 0) problems.Add("mdm session alert history must not be negative");
        return problems;
    }
}
