using System.Collections.Immutable;
using LapsCsp.Enrollment.Server;

namespace LapsCsp.Server.Mdm;

/// <summary>Where a queued command is: queued (waits for the device's next check-in), sent (in a package of the current
/// session, no Status yet), then succeeded (every Status 2xx) or failed (some Status not 2xx); or conflict: never sent,
/// because another policy assigned to the device already manages a different account.</summary>
public static class MdmCommandStates
{
    public const string Queued = "queued";
    public const string Sent = "sent";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Conflict = "conflict";

    public static bool IsFinal(string state) => state is Succeeded or Failed or Conflict;
}

/// <summary>One Status the device returned for a command of ours (a top-level command or one inside an Atomic/Sequence).</summary>
public sealed record MdmStatusRecord(string Cmd, string CmdRef, string? Target, int Code, DateTimeOffset Time);

/// <summary>One item of a Results the device returned for a Get of ours.</summary>
public sealed record MdmResultRecord(string CmdRef, string? Source, string? Format, string? Data, DateTimeOffset Time);

/// <summary>One management action queued for a device: the SyncML commands that go out on its next check-in, and what came
/// back. <see cref="Package"/> is the commands as a SyncML message (the server renumbers them into its reply).</summary>
/// <param name="Kind">policy, rotate, or syncml (commands queued as SyncML through the API).</param>
public sealed record MdmCommandRecord(
    string Id,
    string Kind,
    string Description,
    string? PolicyId,
    string Package,
    DateTimeOffset QueuedAt,
    string? RequestedBy)
{
    public string State { get; init; } = MdmCommandStates.Queued;

    public int Attempts { get; init; }

    public DateTimeOffset? SentAt { get; init; }

    public string? SessionId { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public ImmutableArray<MdmStatusRecord> Statuses { get; init; } = [];

    public ImmutableArray<MdmResultRecord> Results { get; init; } = [];
}

/// <summary>A device-initiated command the server received: a session's Alerts (1200/1201 with 1224 LoginStatus), a generic
/// alert 1226 (asynchronous results, unenrollment), each kept with its items, as faithfully as the server's commands.</summary>
public sealed record MdmAlertRecord(string SessionId, string Code, DateTimeOffset Time, ImmutableArray<MdmAlertItem> Items);

/// <summary>One Item of a device alert: LocURI, Meta Type/Format, Data.</summary>
public sealed record MdmAlertItem(string? Source, string? Target, string? Type, string? Format, string? Data);

/// <summary>What the server keeps about one enrolled device (one JSON document per device in the store).</summary>
public sealed record MdmDeviceRecord
{
    public required EnrolledDevice Enrollment { get; init; }

    /// <summary>The <c>./DevInfo</c> values of the device's last package 1 (DevId, Man, Mod, DmV, Lang), by node name.</summary>
    public ImmutableSortedDictionary<string, string> DevInfo { get; init; } = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    public long Sessions { get; init; }

    public DateTimeOffset? LastCheckIn { get; init; }

    /// <summary>The SyncHdr SessionID of the last session (hexadecimal or decimal, as the device numbers them).</summary>
    public string? LastSessionId { get; init; }

    /// <summary>The nonce the device's next MD5 digest Cred must use (sent in the last Chal).</summary>
    public string? Nonce { get; init; }

    public long NextCommandNumber { get; init; } = 1;

    /// <summary>Newest last; capped at <see cref="MdmOptions.CommandHistory"/> finished commands (pending ones are never dropped).</summary>
    public ImmutableArray<MdmCommandRecord> Commands { get; init; } = [];

    /// <summary>The device's last LAPS policy command that went (or goes) out; a policy refused for an account conflict
    /// never does, so it counts only when no other policy reached the device. Null without any.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public MdmCommandRecord? LapsPolicy =>
        Commands.LastOrDefault(c => c.Kind == "policy" && c.State != MdmCommandStates.Conflict)
        ?? Commands.LastOrDefault(c => c.Kind == "policy");

    /// <summary>Newest last; capped at <see cref="MdmOptions.AlertHistory"/>.</summary>
    public ImmutableArray<MdmAlertRecord> Alerts { get; init; } = [];

    public string DeviceId => Enrollment.DeviceId;

    public bool Unenrolled => Enrollment.State == LapsCsp.Enrollment.Identity.EnrollmentState.Unenrolled;
}

/// <summary>One message of a device's session trace (kept in memory only, newest <see cref="MdmOptions.TraceCapacity"/>).</summary>
public sealed record MdmTraceEntry(DateTimeOffset Time, string Direction, string SessionId, int MsgId, string Body);
