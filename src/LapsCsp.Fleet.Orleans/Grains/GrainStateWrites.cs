namespace LapsCsp.Fleet.Orleans.Grains;

/// <summary>When a device grain writes its state (<see cref="DeviceGrainState"/>, about 30 KB of JSON) to grain storage.
/// Whatever the policy, a grain that Orleans deactivates (idle collection, <c>DeactivateOnIdle</c>, a silo shutting down)
/// writes its device first if a wake changed it since the last write, so a deactivation loses nothing and the report stays
/// the one of the uninterrupted run. The policies differ only in what the loss of a silo (no deactivation) loses.</summary>
public enum GrainStateWrites
{
    /// <summary>The default: after a wake that changed what the world outside the device relies on (see
    /// <see cref="DurableMark"/>: lifecycle and enrollment, the managed account and its password, backups, the policy and
    /// DM client settings the server delivered, pending alerts), and on deactivation. A silo loss costs the counters, the
    /// event log and the DM session numbers since that write: the device repeats a few draws and polls (the protocol
    /// recovers a stale server nonce with a challenge), but never forgets an enrollment, a password its directory holds
    /// or a policy the server saw acknowledged.</summary>
    OnChange = 0,

    /// <summary>After every wake (skipped when the captured state equals the last written one) and on deactivation: a silo
    /// loss costs at most the wake in flight. One ~30 KB write per wake.</summary>
    EveryWake = 1,

    /// <summary>Only on deactivation: the fewest writes (at most one per activation), for throwaway runs and in-memory
    /// storage, which a silo loss takes with it anyway. A silo loss costs everything since the activation, rotated
    /// passwords included.</summary>
    OnDeactivation = 2,
}
