using System.Globalization;
using System.Security.Cryptography;
using LapsCsp.SyncML.Messages;

namespace LapsCsp.Server.Devices;

/// <summary>What to do with a server message, given the DM session the device is in.</summary>
internal enum SessionVerdict
{
    /// <summary>Run it (a new session or the next message of the open one).</summary>
    Process,

    /// <summary>The same message again (an HTTP retry): answer with the reply already sent, run nothing twice.</summary>
    Replay,

    /// <summary>Out of order: refuse at the HTTP level, the device state untouched.</summary>
    Refuse,
}

/// <summary>The device's side of one OMA-DM session across HTTP requests.</summary>
/// <remarks>
/// OMA-DM RepPro 1.2 §4 / MS-MDM 2.2.4.2: the SessionID is the same for every message of a session; MsgIDs increase by one
/// per message of each side; a Status's MsgRef names the message of the other side it answers. The device's reply to server
/// message N is its message N+1 (the client opened the session with message 1, digest A). A server message carrying only
/// Status and Results (no command) ends the session: the client has nothing left to answer.
/// Choices: MsgID 1 always opens a new session (samples and test harnesses start each package at 1); an identical repeat
/// of the last message is answered from cache; any other MsgID, or a MsgRef naming a message the device never sent in the
/// session, is refused before the device sees it.
/// </remarks>
internal sealed class DmSessionState
{
    private string? _sessionId;
    private long _lastServerMsgId;
    private long _lastReplyMsgId;
    private byte[]? _lastRequestHash;

    public bool Open { get; private set; }

    public string? SessionId => _sessionId;

    public byte[]? LastReply { get; private set; }

    public SessionVerdict Judge(SyncMLMessage message, ReadOnlySpan<byte> body, out string? problem)
    {
        problem = null;
        var header = message.Header;
        if (!long.TryParse(header.MsgId, NumberStyles.None, CultureInfo.InvariantCulture, out var msgId) || msgId < 1)
        {
            problem = $"MsgID '{header.MsgId}' is not a positive integer (OMA-DM RepPro 1.2: MsgID identifies the message in its session)";
            return SessionVerdict.Refuse;
        }

        var sameSession = Open && string.Equals(_sessionId, header.SessionId, StringComparison.Ordinal);
        if (msgId == 1)
        {
            return CheckRefs(message, lastReply: 1, out problem);
        }

        if (!Open && msgId == _lastServerMsgId && string.Equals(_sessionId, header.SessionId, StringComparison.Ordinal) && SameBody(body))
        {
            // The message that ended the session, sent again because its answer was lost: answer it again (204).
            return SessionVerdict.Replay;
        }

        if (!sameSession)
        {
            problem = Open
                ? $"SessionID '{header.SessionId}' with MsgID {msgId}: the device's open session is '{_sessionId}'; a new session starts with MsgID 1"
                : $"SessionID '{header.SessionId}' with MsgID {msgId}: no session is open on this device; a session starts with MsgID 1";
            return SessionVerdict.Refuse;
        }

        if (msgId == _lastServerMsgId)
        {
            if (SameBody(body) && LastReply is not null) return SessionVerdict.Replay;
            problem = $"MsgID {msgId} was already used in session '{_sessionId}' by a different message; the next MsgID is {_lastServerMsgId + 1}";
            return SessionVerdict.Refuse;
        }

        if (msgId != _lastServerMsgId + 1)
        {
            problem = $"MsgID {msgId} in session '{_sessionId}': the next MsgID is {_lastServerMsgId + 1}";
            return SessionVerdict.Refuse;
        }

        return CheckRefs(message, _lastReplyMsgId, out problem);
    }

    /// <summary>Records a processed message and the reply sent for it (null when the session ended without a reply).</summary>
    public void Record(SyncMLMessage message, ReadOnlySpan<byte> body, byte[]? reply, bool ends)
    {
        var msgId = long.Parse(message.Header.MsgId, NumberStyles.None, CultureInfo.InvariantCulture);
        _sessionId = message.Header.SessionId;
        _lastServerMsgId = msgId;
        _lastReplyMsgId = msgId + 1;
        // Only a later message can be retried as such (MsgID 1 always opens a new session and runs).
        _lastRequestHash = msgId > 1 ? SHA256.HashData(body) : null;
        LastReply = reply;
        Open = !ends;
    }

    /// <summary>Forgets the session (the device was driven by another session, e.g. a management delivery).</summary>
    public void Reset()
    {
        Open = false;
        _sessionId = null;
        LastReply = null;
        _lastRequestHash = null;
    }

    /// <summary>What a device with no session yet would say to the message (to refuse before creating a device).</summary>
    public static SessionVerdict JudgeFresh(SyncMLMessage message, ReadOnlySpan<byte> body, out string? problem) =>
        new DmSessionState().Judge(message, body, out problem);

    /// <summary>True when the message carries no command for the device: only Status and Results.</summary>
    public static bool EndsSession(SyncMLMessage message) =>
        message.Commands.All(c => c is StatusCommand or ResultsCommand);

    private bool SameBody(ReadOnlySpan<byte> body) =>
        _lastRequestHash is not null && SHA256.HashData(body).AsSpan().SequenceEqual(_lastRequestHash);

    private static SessionVerdict CheckRefs(SyncMLMessage message, long lastReply, out string? problem)
    {
        problem = null;
        foreach (var command in message.Commands)
        {
            var msgRef = command switch
            {
                StatusCommand s => s.MsgRef,
                ResultsCommand r => r.MsgRef,
                _ => null,
            };
            if (command is not (StatusCommand or ResultsCommand) || msgRef is null) continue;
            if (!long.TryParse(msgRef, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1 || value > lastReply)
            {
                problem = $"{command.ElementName} {command.CmdId} has MsgRef '{msgRef}', but the device's last message in this session is {lastReply}";
                return SessionVerdict.Refuse;
            }
        }

        return SessionVerdict.Process;
    }
}
