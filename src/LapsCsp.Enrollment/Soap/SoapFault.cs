namespace LapsCsp.Enrollment.Soap;

/// <summary>The subcodes of an enrollment SOAP fault (MS-MDE2 §2.2.10; digest 1.8), each with the HRESULT Windows shows.</summary>
public enum EnrollmentFaultCode
{
    /// <summary><c>s:MessageFormat</c>, 0x80180001: the message is malformed.</summary>
    MessageFormat,

    /// <summary><c>s:Authentication</c>, 0x80180002: the user is not recognised (wrong password, bad token).</summary>
    Authentication,

    /// <summary><c>s:Authorization</c>, 0x80180003: the user is not allowed to enroll.</summary>
    Authorization,

    /// <summary><c>s:CertificateRequest</c>, 0x80180004: no certificate could be issued for the request (bad CSR, short key).</summary>
    CertificateRequest,

    /// <summary><c>s:EnrollmentServer</c>, 0x80180005: generic failure of the management server.</summary>
    EnrollmentServer,

    /// <summary><c>a:InternalServiceFault</c>, 0x80180006.</summary>
    InternalServiceFault,

    /// <summary><c>a:InvalidSecurity</c>, 0x80180007: the Security header is missing or cannot be processed.</summary>
    InvalidSecurity,

    /// <summary>A subcode this library does not know; <see cref="SoapFault.RawSubcode"/> has it.</summary>
    Unknown,
}

/// <summary>The <c>errortype</c> values of the <c>deviceenrollmentserviceerror</c> detail (MS-MDE2 §2.2.10).</summary>
public enum EnrollmentErrorType
{
    DeviceCapReached,
    DeviceNotSupported,
    NotSupported,
    NotEligibleToRenew,
    InMaintenance,
    UserLicense,
    InvalidEnrollmentData,
    CustomServerError,
    Unknown,
}

/// <summary>The optional <c>s:Detail/deviceenrollmentserviceerror</c> of a fault.</summary>
public sealed record EnrollmentErrorDetail(EnrollmentErrorType ErrorType, string? Message = null, string? TraceId = null)
{
    /// <summary>The errortype as sent (e13 sends <c>devicecapreached</c>); the enum name when built here.</summary>
    public string RawErrorType { get; init; } = ErrorType.ToString();
}

/// <summary>A SOAP 1.2 fault as enrollment servers send it (MS-MDE2 §2.2.10, corpus e13).</summary>
/// <param name="Code">The top-level code without prefix: <c>Receiver</c> (all MS-MDE2 faults) or <c>Sender</c>.</param>
/// <param name="RelatesTo">The request's MessageID, echoed.</param>
/// <param name="Action">The WS-Addressing Action of the fault message (MS-MDE2 uses the operation's response action).</param>
public sealed record SoapFault(
    string Code,
    EnrollmentFaultCode Subcode,
    string Reason,
    EnrollmentErrorDetail? Detail = null,
    string? RelatesTo = null,
    string? Action = null)
{
    /// <summary>The subcode as sent, with its prefix (<c>s:MessageFormat</c>, or e13's <c>s:authorization</c>).</summary>
    public string RawSubcode { get; init; } = SubcodeName(Subcode);

    /// <summary>Whether the fault was written in the lower-case form of the MS-MDE2 sample (e13) rather than SOAP 1.2's.</summary>
    public bool LowerCase { get; init; }

    /// <summary>The HRESULT Windows would show: the detail's when it has a known errortype, else the subcode's.</summary>
    public uint Hresult => Detail is { ErrorType: not EnrollmentErrorType.Unknown } d ? DetailHresult(d.ErrorType) : SubcodeHresult(Subcode);

    /// <summary>A Receiver fault with a subcode of MS-MDE2 §2.2.10.</summary>
    public static SoapFault Receiver(EnrollmentFaultCode subcode, string reason, EnrollmentErrorDetail? detail = null) =>
        new("Receiver", subcode, reason, detail);

    /// <summary>The prefixed subcode as a proper SOAP 1.2 fault spells it.</summary>
    public static string SubcodeName(EnrollmentFaultCode code) => code switch
    {
        EnrollmentFaultCode.InternalServiceFault => "a:InternalServiceFault",
        EnrollmentFaultCode.InvalidSecurity => "a:InvalidSecurity",
        EnrollmentFaultCode.Unknown => "s:Unknown",
        _ => "s:" + code,
    };

    public static uint SubcodeHresult(EnrollmentFaultCode code) => code switch
    {
        EnrollmentFaultCode.MessageFormat => 0x80180001,
        EnrollmentFaultCode.Authentication => 0x80180002,
        EnrollmentFaultCode.Authorization => 0x80180003,
        EnrollmentFaultCode.CertificateRequest => 0x80180004,
        EnrollmentFaultCode.EnrollmentServer => 0x80180005,
        EnrollmentFaultCode.InternalServiceFault => 0x80180006,
        EnrollmentFaultCode.InvalidSecurity => 0x80180007,
        _ => 0x80180005,
    };

    public static uint DetailHresult(EnrollmentErrorType type) => type switch
    {
        EnrollmentErrorType.DeviceCapReached => 0x80180013,
        EnrollmentErrorType.DeviceNotSupported => 0x80180014,
        EnrollmentErrorType.NotSupported => 0x80180015,
        EnrollmentErrorType.NotEligibleToRenew => 0x80180016,
        EnrollmentErrorType.InMaintenance => 0x80180017,
        EnrollmentErrorType.UserLicense => 0x80180018,
        EnrollmentErrorType.InvalidEnrollmentData => 0x80180019,
        EnrollmentErrorType.CustomServerError => 0x80180032,
        _ => 0x80180005,
    };

    public override string ToString() =>
        FormattableString.Invariant($"SOAP fault {Code}/{RawSubcode} (0x{Hresult:X8}): {Reason}") +
        (Detail is null ? "" : $" [{Detail.RawErrorType}{(Detail.Message is null ? "" : ": " + Detail.Message)}]");
}
