using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using LapsCsp.Device.Session;
using LapsCsp.Server.Hosting;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Writing;

namespace LapsCsp.Server.Dashboard;

/// <summary>What the dashboard knows of the hosted devices' DM sessions: per device, a bounded ring of the last SyncML
/// messages in both directions, the last command statuses, the session count and the last check-in. In memory only: a
/// restart starts it empty (the devices, their event logs and rotations come back from the store).</summary>
/// <remarks>Fed by the SyncML endpoint (<c>POST /devices/{id}/syncml</c>) and by the server's own deliveries (policies,
/// the Rotate action). A message with MsgID 1 opens a new session (the hosted devices' rule, see <c>DmSessionState</c>);
/// each delivery is a session of its own. Bodies are kept as sent; the dashboard's API redacts secrets when it serves
/// them (<see cref="TraceRedaction"/>). Nothing is recorded when the dashboard is off.</remarks>
internal sealed class HostedTraceLog(ServerOptions options, TimeProvider time)
{
    /// <summary>Messages kept per device (both directions together).</summary>
    public const int MessagesPerDevice = 64;

    /// <summary>Command statuses kept per device.</summary>
    public const int StatusesPerDevice = 1000;

    /// <summary>A body above this is kept as a one-line note, not as its text.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    private readonly ConcurrentDictionary<string, DeviceLog> _devices = new(StringComparer.Ordinal);

    public bool Enabled => options.Dashboard;

    /// <summary>Records one server package sent to the device and the device's reply (<paramref name="replyBody"/> empty:
    /// the package ended the session and nothing went back).</summary>
    public void Record(string deviceId, SyncMLMessage request, ReadOnlySpan<byte> requestBody, DmReply reply, ReadOnlySpan<byte> replyBody)
    {
        if (Enabled) Add(deviceId, request, requestBody, reply, replyBody, newSession: request.Header.MsgId == "1");
    }

    /// <summary>Records a package the server delivered itself (a policy, an action): a complete session of its own. It did
    /// not go over HTTP: the trace shows it as it would be sent.</summary>
    public void RecordDelivery(string deviceId, SyncMLMessage message, DmReply reply)
    {
        if (Enabled) Add(deviceId, message, SyncMLWriter.WriteToUtf8(message), reply, SyncMLWriter.WriteToUtf8(reply.Message), newSession: true);
    }

    private void Add(string deviceId, SyncMLMessage request, ReadOnlySpan<byte> requestBody, DmReply reply, ReadOnlySpan<byte> replyBody, bool newSession)
    {
        var now = time.GetUtcNow();
        var toDevice = new DashboardTraceMessage(now, "toDevice", request.Header.SessionId, MsgId(request.Header.MsgId), Body(requestBody));
        DashboardTraceMessage? fromDevice = replyBody.IsEmpty
            ? null
            : new DashboardTraceMessage(now, "fromDevice", reply.Message.Header.SessionId, MsgId(reply.Message.Header.MsgId), Body(replyBody));
        var statuses = reply.Reports
            .Where(r => !string.Equals(r.Cmd, "SyncHdr", StringComparison.Ordinal))
            .Select(r => new DashboardCommandStatus(now, deviceId, r.Cmd, r.Target, (int)r.Status))
            .ToList();
        var log = _devices.GetOrAdd(deviceId, _ => new DeviceLog());
        lock (log)
        {
            if (newSession) log.Sessions++;
            log.LastCheckIn = now;
            Push(log.Messages, toDevice, MessagesPerDevice);
            if (fromDevice is not null) Push(log.Messages, fromDevice, MessagesPerDevice);
            foreach (var status in statuses) Push(log.Statuses, status, StatusesPerDevice);
        }
    }

    /// <summary>Drops what is kept of a deleted device.</summary>
    public void Forget(string deviceId) => _devices.TryRemove(deviceId, out _);

    public (long Sessions, DateTimeOffset? LastCheckIn) Activity(string deviceId)
    {
        if (!_devices.TryGetValue(deviceId, out var log)) return (0, null);
        lock (log) return (log.Sessions, log.LastCheckIn);
    }

    /// <summary>The newest <paramref name="max"/> messages, oldest first.</summary>
    public IReadOnlyList<DashboardTraceMessage> Trace(string deviceId, int max)
    {
        if (max <= 0 || !_devices.TryGetValue(deviceId, out var log)) return [];
        lock (log) return [.. log.Messages.Skip(Math.Max(0, log.Messages.Count - max))];
    }

    public IReadOnlyList<DashboardCommandStatus> Statuses(string deviceId)
    {
        if (!_devices.TryGetValue(deviceId, out var log)) return [];
        lock (log) return [.. log.Statuses];
    }

    private static void Push<T>(Queue<T> queue, T item, int capacity)
    {
        if (queue.Count == capacity) queue.Dequeue();
        queue.Enqueue(item);
    }

    private static int MsgId(string msgId) =>
        int.TryParse(msgId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0;

    private static string Body(ReadOnlySpan<byte> body) => body.Length > MaxBodyBytes
        ? string.Create(CultureInfo.InvariantCulture, $"(a message of {body.Length} bytes: larger than the {MaxBodyBytes / 1024} KiB a trace keeps)")
        : Encoding.UTF8.GetString(body);

    private sealed class DeviceLog
    {
        public Queue<DashboardTraceMessage> Messages { get; } = new();

        public Queue<DashboardCommandStatus> Statuses { get; } = new();

        public long Sessions { get; set; }

        public DateTimeOffset? LastCheckIn { get; set; }
    }
}
