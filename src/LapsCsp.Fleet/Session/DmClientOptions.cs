using LapsCsp.SyncML.Reading;

namespace LapsCsp.Fleet.Session;

/// <summary>The context a session runs in: <c>mode=Maintenance</c> is the logged-in user's, <c>mode=Machine</c> System's
/// (MS-MDM §2.1; mdm-client-digest 2.1).</summary>
public enum SessionMode
{
    Maintenance,
    Machine,
}

/// <summary>How the client writes SessionID (mdm-client-digest section 6 question 2: decimal or hex is not pinned down).</summary>
public enum SessionIdFormat
{
    /// <summary><c>1</c>, <c>2</c>, … as in e09/e10 and r24 (<c>48</c>). Default.</summary>
    Decimal,

    /// <summary>Upper-case hex (<c>D</c> in e12).</summary>
    Hexadecimal,
}

/// <summary>Knobs of the OMA-DM client session. Defaults are what the real Windows 10 19043 device did (r20, r22, e10) and,
/// where no capture exists, the documented choice named on each property.</summary>
public sealed record DmClientOptions
{
    /// <summary>MS-MDM note &lt;3&gt;; r20.</summary>
    public const string WindowsUserAgent = "MSFT OMA DM Client/1.2.0.1";

    /// <summary>The Accept header of the real device (mdm-client-digest 2.1).</summary>
    public const string WindowsAccept = "application/vnd.syncml.dm+xml, application/vnd.syncml.dm+wbxml, application/octet-stream";

    public string UserAgent { get; init; } = WindowsUserAgent;

    public SessionMode Mode { get; init; } = SessionMode.Maintenance;

    /// <summary>Append <c>Platform=WoA</c> to the query, as Windows does (r20's POST line).</summary>
    public bool AppendPlatform { get; init; } = true;

    /// <summary>LoginStatus of Alert 1224: <c>user</c>, <c>others</c> or <c>none</c> (lower case, as devices send it; r20).</summary>
    public string LoginStatus { get; init; } = "user";

    /// <summary>Indent messages with two spaces and LF, without an XML declaration, as the captures r20/r22/e10 show them.
    /// False writes one line.</summary>
    public bool Indent { get; init; } = true;

    /// <summary>Add <c>./Vendor/MSFT/DMClient/HWDevID</c> to the DevInfo Replace (the Mattrax check-in e12 has it; r20 not).</summary>
    public bool IncludeHwDevIdInDevInfo { get; init; }

    /// <summary>A MaxMsgSize the client advertises in its SyncHdr Meta. Real Windows sends none (r20; digest 2.6): null.</summary>
    public int? AdvertisedMaxMsgSize { get; init; }

    /// <summary>Split the client's packages to the MaxMsgSize the server advertises in its SyncHdr Meta, asking for the next
    /// message with Alert 1222 (OMA-DM Protocol §8 multiple messages). Whether Windows splits is not captured (digest 6
    /// question 12): on by default so that a server's limit is honoured.</summary>
    public bool HonourServerMaxMsgSize { get; init; } = true;

    /// <summary>A limit of the client's own, applied when the server names none (null: none).</summary>
    public int? MaxMsgSize { get; init; }

    /// <summary>Most messages the client sends in one session before it gives up (a server that never stops).</summary>
    public int MaxMessagesPerSession { get; init; } = 64;

    public SessionIdFormat SessionIdFormat { get; init; } = SessionIdFormat.Decimal;

    /// <summary>After this SessionID the counter starts again at 1 (MS-MDM §2.2.3.8: at most 4 bytes; an 8-bit counter is
    /// "enough"). 65535 by default, a documented choice.</summary>
    public int SessionIdWrap { get; init; } = 65535;

    /// <summary>How server messages are read: strict by default; lenient accepts the quirks of published messages.</summary>
    public SyncMLReaderOptions Reader { get; init; } = SyncMLReaderOptions.Strict;

    /// <summary>Keep every exchange (bytes and parsed messages) in the <see cref="SessionResult"/>. Off in fleets.</summary>
    public bool KeepTrace { get; init; }

    /// <summary>Problems with the options, all at once; empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(UserAgent)) problems.Add("UserAgent is empty");
        if (LoginStatus is not ("user" or "others" or "none")) problems.Add($"LoginStatus '{LoginStatus}' is not user, others or none");
        if (AdvertisedMaxMsgSize is < 1024) problems.Add("AdvertisedMaxMsgSize must be at least 1024");
        if (MaxMsgSize is < 1024) problems.Add("MaxMsgSize must be at least 1024");
        if (MaxMessagesPerSession < 2) problems.Add("MaxMessagesPerSession must be at least 2");
        if (SessionIdWrap < 1) problems.Add("SessionIdWrap must be positive");
        return problems;
    }
}
