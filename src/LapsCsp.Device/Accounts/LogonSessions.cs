using System.Collections.Immutable;

namespace LapsCsp.Device.Accounts;

/// <summary>How an account authenticated. Every kind counts as an authentication for post-authentication actions
/// (digest C.9: the action signs out interactive sessions and deletes SMB sessions).</summary>
public enum LogonType
{
    Interactive,
    RemoteInteractive,
    Network,
}

/// <summary>A logon session of a local account.</summary>
public sealed record LogonSession(int Id, string AccountName, string AccountSid, LogonType Type, DateTimeOffset LogonTime);

/// <summary>A running process. <paramref name="SessionId"/> null: not tied to a logon session (a scheduled task, a service,
/// a <c>runas</c> left behind), so logging the sessions off does not end it; action 11 does (digest C.9).</summary>
public sealed record RunningProcess(int ProcessId, string ImageName, string AccountSid, int? SessionId);

/// <summary>The result of a simulated logon.</summary>
/// <param name="Win32Error">0, ERROR_LOGON_FAILURE 1326 (bad name or password) or ERROR_ACCOUNT_DISABLED 1331.</param>
public sealed record LogonResult(int Win32Error, LogonSession? Session)
{
    public const int LogonFailure = 1326;
    public const int AccountDisabled = 1331;

    public bool Succeeded => Win32Error == 0 && Session is not null;
}

/// <summary>The logon sessions and processes of a device, and how often it booted.</summary>
public sealed class LogonSessionTable
{
    private readonly Lock _gate = new();
    private readonly List<LogonSession> _sessions = [];
    private readonly List<RunningProcess> _processes = [];
    private int _nextSessionId = 1;
    private int _nextProcessId = 1000;

    public int RebootCount { get; private set; }

    public IReadOnlyList<LogonSession> Sessions
    {
        get
        {
            lock (_gate) return [.. _sessions];
        }
    }

    public IReadOnlyList<RunningProcess> Processes
    {
        get
        {
            lock (_gate) return [.. _processes];
        }
    }

    public LogonSession Open(LocalAccount account, LogonType type, DateTimeOffset now)
    {
        lock (_gate)
        {
            var session = new LogonSession(_nextSessionId++, account.Name, account.Sid, type, now);
            _sessions.Add(session);
            return session;
        }
    }

    public RunningProcess Start(string accountSid, string imageName, int? sessionId)
    {
        lock (_gate)
        {
            var process = new RunningProcess(_nextProcessId, imageName, accountSid, sessionId);
            _nextProcessId += 4;
            _processes.Add(process);
            return process;
        }
    }

    /// <summary>Signs out every session of the account, ending the processes that run in them. Returns the sessions ended.</summary>
    public ImmutableArray<LogonSession> LogOff(string accountSid)
    {
        lock (_gate)
        {
            var ended = _sessions.Where(s => string.Equals(s.AccountSid, accountSid, StringComparison.OrdinalIgnoreCase)).ToImmutableArray();
            var ids = ended.Select(s => s.Id).ToHashSet();
            _sessions.RemoveAll(s => ids.Contains(s.Id));
            _processes.RemoveAll(p => p.SessionId is { } id && ids.Contains(id));
            return ended;
        }
    }

    /// <summary>Ends every process running as the account. Returns the processes ended.</summary>
    public ImmutableArray<RunningProcess> TerminateProcesses(string accountSid)
    {
        lock (_gate)
        {
            var ended = _processes.Where(p => string.Equals(p.AccountSid, accountSid, StringComparison.OrdinalIgnoreCase)).ToImmutableArray();
            _processes.RemoveAll(p => string.Equals(p.AccountSid, accountSid, StringComparison.OrdinalIgnoreCase));
            return ended;
        }
    }

    /// <summary>Raised after every reboot, outside the table's lock: what Windows applies at boot (a pending computer name)
    /// takes effect then, whoever rebooted the device (a host, or the post-authentication action).</summary>
    public event Action? Rebooted;

    /// <summary>A reboot ends every session and process and counts one boot.</summary>
    public void Reboot()
    {
        lock (_gate)
        {
            _sessions.Clear();
            _processes.Clear();
            RebootCount++;
        }

        Rebooted?.Invoke();
    }

    public LogonSessionSnapshot Snapshot()
    {
        lock (_gate) return new LogonSessionSnapshot([.. _sessions], [.. _processes], RebootCount, _nextSessionId, _nextProcessId);
    }

    public void Restore(LogonSessionSnapshot snapshot)
    {
        lock (_gate)
        {
            _sessions.Clear();
            _processes.Clear();
            _sessions.AddRange(snapshot.Sessions ?? []);
            _processes.AddRange(snapshot.Processes ?? []);
            RebootCount = snapshot.RebootCount;
            _nextSessionId = Math.Max(1, snapshot.NextSessionId);
            _nextProcessId = Math.Max(1000, snapshot.NextProcessId);
        }
    }
}

/// <summary>The saved form of a <see cref="LogonSessionTable"/>.</summary>
public sealed record LogonSessionSnapshot(
    List<LogonSession>? Sessions,
    List<RunningProcess>? Processes,
    int RebootCount,
    int NextSessionId,
    int NextProcessId);
