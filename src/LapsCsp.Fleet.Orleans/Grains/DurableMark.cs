using LapsCsp.Device.Accounts;
using LapsCsp.Device.Processing;
using LapsCsp.Fleet.Runner;
using LapsCsp.Fleet.Session;
using LapsCsp.Tree;

namespace LapsCsp.Fleet.Orleans.Grains;

/// <summary>The part of a device that others rely on, read from the loaded device without serialising it: if a silo loss
/// took it back to an older value, the device would disagree with its server or its directory in a way no later session
/// repairs. <see cref="GrainStateWrites.OnChange"/> writes the grain state when this changes.</summary>
/// <remarks>
/// In the mark:
/// <list type="bullet">
/// <item>the lifecycle state (enrollment, unenrollment, switch-off): the server holds the enrollment, and the enrollment
/// identity changes only with it;</item>
/// <item>the committed tree (immutable <see cref="TreeState"/>: a new instance only when a command changed it): the LAPS
/// policy the server delivered and saw acknowledged with 200, which it does not send again;</item>
/// <item>the local accounts (the managed account's password is the one the directory escrowed) and Windows LAPS's state
/// without its cycle bookkeeping: managed account, password and backup times, expiry, AD password version, rotations,
/// pending reset (an Exec the server saw acknowledged), post-authentication deadline, pending policy change;</item>
/// <item>the DM client state without its per-session counters and server nonce: the DMAcc credential, management URL,
/// DMClient poll and retry settings and provider nodes the server set, and the generic alerts still to deliver.</item>
/// </list>
/// Not in it, so lost with a silo and recomputed: the LAPS engine's cycle times and counters (the next cycle runs what
/// fell due), the last cycle's result (a failed backup is retried at the next cycle anyway), the event log, logon sessions,
/// the scheduler's counters (the poll schedule catches up: <c>PollSchedule.PollsUntil</c>), the SessionID and Ms-Cv
/// counter, and the server nonce (a Cred from a stale nonce gets 401 with a Chal whose NextNonce the
/// client retries with: OMA-DM Protocol 1.2 §9, spec digest B "auth").
/// Records compare their immutable collections by reference, so an unchanged value rebuilt elsewhere counts as a change:
/// the mark errs towards writing, never towards losing.
/// </remarks>
internal sealed class DurableMark
{
    private readonly FleetDeviceState _state;
    private readonly TreeState? _tree;
    private readonly IReadOnlyList<LocalAccount> _accounts;
    private readonly LapsLocalState? _laps;
    private readonly DmClientState? _client;

    private DurableMark(FleetDeviceState state, TreeState? tree, IReadOnlyList<LocalAccount> accounts, LapsLocalState? laps, DmClientState? client)
    {
        _state = state;
        _tree = tree;
        _accounts = accounts;
        _laps = laps;
        _client = client;
    }

    public static DurableMark Of(FleetDeviceWorker worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        var device = worker.Device;
        var laps = device?.LapsState is { } state
            ? state with { NextCycleTime = null, LastCycleTime = null, CyclesRun = 0, LastCycleResult = 0, PostAuthenticationRetries = 0 }
            : null;
        var client = worker.Client is { } c
            ? c with { LastSessionId = 0, SessionsRun = 0, ChallengeNonceKnown = false, Credential = c.Credential is { } credential ? credential with { Nonce = "" } : null }
            : null;
        return new DurableMark(worker.State, device?.Tree.State, device?.Accounts.All ?? [], laps, client);
    }

    /// <summary>Whether <paramref name="other"/> marks the same durable state (null: nothing was written yet).</summary>
    public bool SameAs(DurableMark? other) =>
        other is not null &&
        _state == other._state &&
        (ReferenceEquals(_tree, other._tree) || (_tree is not null && _tree.Equals(other._tree))) &&
        _accounts.SequenceEqual(other._accounts) &&
        Equals(_laps, other._laps) &&
        Equals(_client, other._client);
}
