using LapsCsp.Enrollment.Identity;

namespace LapsCsp.Fleet.Session;

/// <summary>A generic alert (Alert 1226) the client sends: a reverse-domain Type, Format, optional Mark and Source, Data.</summary>
/// <remarks>Shape of corpus e10 and the EnterpriseDesktopAppManagement docs (mdm-client-digest 2.7). Uses: user
/// unenrollment (<see cref="Unenrollment"/>) and asynchronous results of a command answered 202.</remarks>
public sealed record GenericAlert(string Type, string? Format, string Data, string? Mark = null, string? SourceUri = null)
{
    public const int AlertCode = 1226;

    /// <summary><c>com.microsoft:mdm.unenrollment.userrequest</c>, Format <c>int</c>, Data <c>1</c> (e10; digest 4).</summary>
    public static GenericAlert Unenrollment { get; } = new(UnenrollmentAlert.Type, UnenrollmentAlert.Format, UnenrollmentAlert.Data);

    /// <summary>The asynchronous result of a command the device answered 202, reported on the node that ran it. Windows does
    /// not document a Type for LAPS; this uses the EnterpriseDesktopAppManagement pattern (Format int, Mark informational,
    /// Source the node, Data the result code), digest 2.7 and section 6 question 11.</summary>
    public static GenericAlert AsyncResult(string type, string sourceUri, int result, string mark = "informational") =>
        new(type, "int", result.ToString(System.Globalization.CultureInfo.InvariantCulture), mark, sourceUri);

    public bool IsUnenrollment => string.Equals(Type, UnenrollmentAlert.Type, StringComparison.Ordinal);
}
