using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace LapsCsp.Enrollment.Soap;

/// <summary>How serious a reader finding is.</summary>
public enum EnrollmentDiagnosticSeverity
{
    /// <summary>Tolerated and reported (a lenient repair, a known-harmless deviation such as a lower-case fault).</summary>
    Warning,

    /// <summary>The message was refused.</summary>
    Error,
}

/// <summary>A positioned finding while reading an enrollment message. Line and column are 1-based; 0 when unknown.</summary>
/// <remarks>Codes: empty, too-large, dtd, xml, too-deep, envelope, body, header, message, value, base64, certificate,
/// thumbprint, lenient-repair, lower-case-soap, namespace.</remarks>
public sealed record EnrollmentDiagnostic(EnrollmentDiagnosticSeverity Severity, string Code, string Message, int Line = 0, int Column = 0)
{
    public override string ToString() =>
        Line > 0 ? $"{Severity.ToString().ToLowerInvariant()} {Code} at line {Line}, column {Column}: {Message}"
                 : $"{Severity.ToString().ToLowerInvariant()} {Code}: {Message}";

    internal static EnrollmentDiagnostic Error(string code, string message, int line = 0, int column = 0) =>
        new(EnrollmentDiagnosticSeverity.Error, code, message, line, column);

    internal static EnrollmentDiagnostic Warning(string code, string message, int line = 0, int column = 0) =>
        new(EnrollmentDiagnosticSeverity.Warning, code, message, line, column);
}

/// <summary>What a reader made of a message: the value, or the SOAP fault the peer sent instead, or neither when the
/// message was refused (then <see cref="Diagnostics"/> holds at least one error).</summary>
public sealed record EnrollmentReadResult<T>(T? Value, SoapFault? Fault, ImmutableArray<EnrollmentDiagnostic> Diagnostics)
    where T : class
{
    [MemberNotNullWhen(true, nameof(Value))]
    public bool Succeeded => Value is not null;

    public IEnumerable<EnrollmentDiagnostic> Errors => Diagnostics.Where(d => d.Severity == EnrollmentDiagnosticSeverity.Error);

    public IEnumerable<EnrollmentDiagnostic> Warnings => Diagnostics.Where(d => d.Severity == EnrollmentDiagnosticSeverity.Warning);

    internal static EnrollmentReadResult<T> Refused(IEnumerable<EnrollmentDiagnostic> diagnostics) => new(null, null, [.. diagnostics]);
}

/// <summary>Limits and leniency of the enrollment readers (client and server side).</summary>
public sealed record EnrollmentReaderOptions
{
    /// <summary>Strict (default): well-formed XML only.</summary>
    public static EnrollmentReaderOptions Strict { get; } = new();

    /// <summary>Repairs the known defects of real server replies that Windows accepted (corpus e05) and reports each.</summary>
    public static EnrollmentReaderOptions Lenient { get; } = new() { AllowKnownDefects = true };

    /// <summary>Repair <c>&lt;nameXsi:nil="true"/&gt;</c> (a missing space before <c>xsi:nil</c>, corpus e05) and read on.</summary>
    public bool AllowKnownDefects { get; init; }

    /// <summary>Largest message accepted, in characters (default 1 MiB; a real RSTR is under 10 KB).</summary>
    public int MaxMessageChars { get; init; } = 1024 * 1024;

    /// <summary>Deepest element nesting accepted (default 32; a provisioning document needs about 8).</summary>
    public int MaxDepth { get; init; } = 32;
}
