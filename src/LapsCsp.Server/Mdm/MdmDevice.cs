namespace LapsCsp.Server.Mdm;

/// <summary>One enrolled device as the server holds it in memory: its stored record, the state of its current session, and
/// its session trace. Work on one device runs one piece at a time (<see cref="Gate"/>).</summary>
internal sealed class MdmDevice(MdmDeviceRecord record)
{
    private readonly Lock _traceGate = new();
    private readonly Queue<MdmTraceEntry> _trace = new();

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The record; replaced (never mutated) under <see cref="Gate"/> or the service's queue lock.</summary>
    public MdmDeviceRecord Record { get; set; } = record;

    public string DeviceId => Record.DeviceId;

    /// <summary>The SessionID of the session in progress.</summary>
    public string? CurrentSession { get; set; }

    /// <summary>The MsgID of the server's last message in the current session (MS-MDM: each side numbers its own).</summary>
    public int ServerMsgId { get; set; }

    /// <summary>The session authenticated (client certificate, or a good digest Cred answered 212).</summary>
    public bool Authenticated { get; set; }

    /// <summary>Our commands in flight this session: (our MsgID, our CmdID) → the command record's id.</summary>
    public Dictionary<(string MsgId, string CmdId), (string RecordId, bool TopLevel, string Cmd, string? Target)> InFlight { get; } = [];

    /// <summary>True when the record changed since it was last saved.</summary>
    public bool Dirty { get; set; }

    public void AddTrace(MdmTraceEntry entry, int capacity)
    {
        if (capacity <= 0) return;
        lock (_traceGate)
        {
            _trace.Enqueue(entry);
            while (_trace.Count > capacity) _trace.Dequeue();
        }
    }

    public IReadOnlyList<MdmTraceEntry> Trace(int max)
    {
        lock (_traceGate) return _trace.Skip(Math.Max(0, _trace.Count - max)).ToList();
    }
}
