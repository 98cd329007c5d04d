using System.Collections.Immutable;
using LapsCsp.Fleet.Transport;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.Fleet.Session;

/// <summary>Why a session started; it decides the alert of package 1.</summary>
public enum SessionTrigger
{
    /// <summary>The session that follows enrollment at once (F-dump; UserAgentOrigin 5).</summary>
    PostEnrollment,

    /// <summary>A poll of the DMClient schedule (UserAgentOrigin 2).</summary>
    Scheduled,

    /// <summary>A user logged in and PollOnLogin is set (UserAgentOrigin 4).</summary>
    Logon,

    /// <summary>"Sync" in Settings (UserAgentOrigin 1).</summary>
    User,

    /// <summary>The server asked for a session (push): package 1 carries Alert 1200 (OMA-DM; digest 2.3, question 3).</summary>
    ServerInitiated,

    /// <summary>The user unenrolled: package 1 adds the 1226 unenrollment alert; the answer is ignored (digest 4, e10).</summary>
    Unenroll,
}

public enum SessionOutcome
{
    /// <summary>The server sent a package without commands (or an empty 200): nothing more to say (MS-MDM §2.2.6.1).</summary>
    Completed,

    /// <summary>The server aborted with Alert 1223.</summary>
    Aborted,

    /// <summary>The device unenrolled: the user did, or the server Exec'd DMClient's Unenroll.</summary>
    Unenrolled,

    Failed,
}

public enum SessionFailureKind
{
    /// <summary>No answer after every retry (connection, timeout, TLS).</summary>
    Transport,

    /// <summary>A non-2xx HTTP status after every retry.</summary>
    HttpStatus,

    /// <summary>A body that is not a SyncML message (garbage, a SOAP fault, truncated XML).</summary>
    UnreadableReply,

    /// <summary>401/407 without a usable Chal, or still refused after sending package 1 again.</summary>
    AuthenticationRejected,

    /// <summary>The server refused the client's SyncHdr with another code.</summary>
    HeaderRefused,

    /// <summary>The server kept the session going past <see cref="DmClientOptions.MaxMessagesPerSession"/>.</summary>
    TooManyMessages,
}

/// <summary>A failure of the session, or of one attempt of an exchange.</summary>
public sealed record SessionFault(SessionFailureKind Kind, string Detail)
{
    public int? HttpStatus { get; init; }

    public TransportFaultKind? Transport { get; init; }

    /// <summary>A short key for counting: <c>transport:Timeout</c>, <c>http:503</c>, <c>unreadable</c>, ….</summary>
    public string Key => Kind switch
    {
        SessionFailureKind.Transport => "transport:" + (Transport?.ToString() ?? "ConnectionFailed"),
        SessionFailureKind.HttpStatus => "http:" + HttpStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        SessionFailureKind.UnreadableReply => "unreadable-reply",
        SessionFailureKind.AuthenticationRejected => "authentication-rejected",
        SessionFailureKind.HeaderRefused => "header-refused",
        _ => "too-many-messages",
    };
}

/// <summary>One message of the session and what came back (kept when <see cref="DmClientOptions.KeepTrace"/>).</summary>
public sealed record SessionExchange(SyncMLMessage Sent, ManagementRequest Request, ManagementResponse? Response, SyncMLMessage? Received);

/// <summary>A command the device answered 202 (accepted, finishing later).</summary>
public sealed record AcceptedCommand(string? CmdRef, string Cmd, string MsgRef);

/// <summary>What one session did.</summary>
public sealed record SessionResult
{
    public required SessionOutcome Outcome { get; init; }

    public required SessionTrigger Trigger { get; init; }

    /// <summary>The client state to keep: SessionID, credentials and nonce, Poll settings, pending alerts.</summary>
    public required DmClientState State { get; init; }

    public required string SessionId { get; init; }

    public SessionFault? Failure { get; init; }

    public int MessagesSent { get; init; }

    /// <summary>Server packages answered (each may span several messages).</summary>
    public int PackagesAnswered { get; init; }

    /// <summary>Commands the server sent (Atomic and Sequence children included in their container).</summary>
    public int ServerCommands { get; init; }

    /// <summary>How many Statuses with each code the client sent for the server's commands (SyncHdr Statuses excluded).</summary>
    public ImmutableSortedDictionary<int, int> StatusesSent { get; init; } = ImmutableSortedDictionary<int, int>.Empty;

    /// <summary>The server's Status codes for the client's SyncHdr and commands.</summary>
    public ImmutableSortedDictionary<int, int> StatusesReceived { get; init; } = ImmutableSortedDictionary<int, int>.Empty;

    /// <summary>Every exchange attempt that got no usable answer, in order (retried ones included).</summary>
    public ImmutableArray<SessionFault> AttemptFaults { get; init; } = [];

    public int Retries { get; init; }

    /// <summary>Virtual time from the first POST to the end (latency and backoff of the session's clock).</summary>
    public TimeSpan Duration { get; init; }

    public bool PollChanged { get; init; }

    public bool CredentialsChanged { get; init; }

    /// <summary>The server Exec'd <c>…/Provider/&lt;id&gt;/Unenroll</c>; the 1226 alert went out in a session of its own.</summary>
    public bool ServerInitiatedUnenroll { get; init; }

    public ImmutableArray<AcceptedCommand> Accepted { get; init; } = [];

    /// <summary>Oddities of the server's messages the client tolerated (SessionID mismatch, a message over MaxMsgSize, …).</summary>
    public ImmutableArray<string> Warnings { get; init; } = [];

    public ImmutableArray<SessionExchange> Trace { get; init; } = [];

    public bool Succeeded => Outcome is SessionOutcome.Completed or SessionOutcome.Unenrolled or SessionOutcome.Aborted;
}
