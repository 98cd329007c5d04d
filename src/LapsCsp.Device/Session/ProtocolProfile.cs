using LapsCsp.SyncML;
using LapsCsp.Tree;
using LapsCsp.Tree.Commands;

namespace LapsCsp.Device.Session;

/// <summary>Which answers the device gives where OMA-DM 1.2 and observed Windows behaviour differ (digest A.5, D, E).</summary>
public enum ProtocolProfile
{
    /// <summary>As Windows 11 answers: Replace creates a missing policy leaf, wrong Meta Format is 405, Status without TargetRef.</summary>
    Windows,

    /// <summary>As OMA-DM 1.2 RepPro is written: Replace on a missing node 404, wrong Meta Format 415, Status echoes TargetRef.</summary>
    Oma,
}

/// <summary>The one table that turns a tree fault into an OMA-DM status code, per profile.</summary>
/// <remarks>Sources: OMA-DM RepPro 1.2 §4.1.6 per-command tables and §10; Windows "OMA DM protocol support" (400 for a
/// missing CmdID or an invalid element, 405 for writes to read-only nodes, 418 for Add on an existing node, 500/507 for
/// nested Atomic and Get in Atomic); Win11 25H2 observation of 405 for a wrong Meta Format (fleetdm/fleet #42748). Where
/// no source says (values out of range or not in the enum, digest Q4), 400 Bad request is our documented choice.</remarks>
public static class StatusMap
{
    public static StatusCode ToStatus(CspOutcome outcome, ProtocolProfile profile)
    {
        if (outcome.Succeeded) return outcome.Asynchronous ? StatusCode.Accepted : StatusCode.Ok;
        return ToStatus(outcome.Fault, profile);
    }

    public static StatusCode ToStatus(CspFault fault, ProtocolProfile profile) => fault switch
    {
        CspFault.None => StatusCode.Ok,
        CspFault.BadRequest => StatusCode.BadRequest,
        CspFault.UriTooLong => StatusCode.UriTooLong,
        CspFault.NotFound => StatusCode.NotFound,
        CspFault.AlreadyExists => StatusCode.AlreadyExists,
        CspFault.NotAllowed => StatusCode.CommandNotAllowed,
        CspFault.PermanentNode => StatusCode.CommandNotAllowed,
        CspFault.NotApplicable => StatusCode.CommandNotAllowed,
        CspFault.FormatMismatch => profile == ProtocolProfile.Windows ? StatusCode.CommandNotAllowed : StatusCode.UnsupportedMediaTypeOrFormat,
        CspFault.InvalidValue => StatusCode.BadRequest,
        CspFault.ValueNotAllowed => StatusCode.BadRequest,
        CspFault.DependencyNotMet => StatusCode.CommandNotAllowed,
        CspFault.DependencyValueNotAllowed => StatusCode.BadRequest,
        CspFault.AtomicRequired => StatusCode.CommandNotAllowed,
        CspFault.NotAllowedInAtomic => StatusCode.CommandFailed,
        CspFault.NotExecuted => StatusCode.NotExecuted,
        CspFault.RolledBack => StatusCode.AtomicRollbackOk,
        CspFault.BackendFailure => StatusCode.CommandFailed,
        CspFault.NotImplemented => profile == ProtocolProfile.Windows ? StatusCode.OptionalFeatureNotSupported : StatusCode.CommandNotImplemented,
        CspFault.OptionalFeatureNotSupported => StatusCode.OptionalFeatureNotSupported,
        _ => StatusCode.CommandFailed,
    };

    /// <summary>The tree options a profile implies.</summary>
    public static TreeOptions TreeOptionsFor(ProtocolProfile profile) =>
        profile == ProtocolProfile.Windows ? TreeOptions.Windows : TreeOptions.Oma;
}
