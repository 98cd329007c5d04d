using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LapsCsp.Passwords.Randomness;

namespace LapsCsp.Device.Identity;

/// <summary>The computer rename a Replace of <c>./DevDetail/Ext/Microsoft/DNSComputerName</c> asked for: the new DNS host
/// name waiting for the next reboot, the name the last rename gave, and the replayable randomness of <c>%RAND:x%</c>.</summary>
/// <remarks>
/// <para>DevDetail CSP: "The server must explicitly reboot the device for this value to take effect" (SetComputerNameEx:
/// "Name changes ... do not take effect until the user restarts the computer"). Until then the device keeps its active
/// name; a second Replace before the reboot replaces the pending name.</para>
/// <para>Randomness: a simulation must replay, so the digits of <c>%RAND:x%</c> come from a <see cref="SeededRandomSource"/>
/// seeded by a hash of the device's simulation seed (<see cref="DeviceOptions.Seed"/>), its device id and the number of
/// renames requested so far — not from the cryptographic source of passwords. The same device with the same seed draws the
/// same names; two devices of a fleet draw different ones; a restored snapshot carries on with the next request's digits.
/// A Replace that is rolled back (its Atomic failed) does not count, so it leaves no trace.</para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed class ComputerRename
{
    private readonly Lock _gate = new();
    private readonly int _seed;
    private readonly string _deviceId;
    private string? _pending;
    private string? _active;
    private int _requests;

    /// <param name="domainJoined">The device is joined to an AD domain (hybrid-joined): a new name must use <c>%RAND:x%</c>.</param>
    public ComputerRename(int seed, string deviceId, bool domainJoined)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        _seed = seed;
        _deviceId = deviceId;
        DomainJoined = domainJoined;
    }

    public bool DomainJoined { get; }

    /// <summary>The DNS host name that becomes the device's name at its next reboot, or null.</summary>
    public string? Pending
    {
        get
        {
            lock (_gate) return _pending;
        }
    }

    /// <summary>The DNS host name the last rename that took effect gave the device, or null when it was never renamed.</summary>
    public string? Active
    {
        get
        {
            lock (_gate) return _active;
        }
    }

    /// <summary>How many renames were requested (Replaces that were applied): the position in the <c>%RAND:x%</c> stream.</summary>
    public int Requests
    {
        get
        {
            lock (_gate) return _requests;
        }
    }

    /// <summary>The random source for the digits of the next request.</summary>
    internal IRandomSource RandomForNextRequest()
    {
        int request;
        lock (_gate) request = _requests;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"computer-name:{_seed}:{_deviceId}:{request}")));
        return new SeededRandomSource(BinaryPrimitives.ReadInt32LittleEndian(hash) & int.MaxValue);
    }

    /// <summary>A Replace was applied: <paramref name="dnsHostName"/> is the name for the next reboot.</summary>
    internal void Request(string dnsHostName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dnsHostName);
        lock (_gate)
        {
            _pending = dnsHostName;
            _requests++;
        }
    }

    /// <summary>The device boots: the pending name, if any, becomes the active one and is returned.</summary>
    internal string? TakePending()
    {
        lock (_gate)
        {
            if (_pending is not { } pending) return null;
            _active = pending;
            _pending = null;
            return pending;
        }
    }

    /// <summary>The saved form, or null when nothing was ever requested (older snapshots have none either).</summary>
    public ComputerNameSnapshot? Snapshot()
    {
        lock (_gate) return _pending is null && _active is null && _requests == 0 ? null : new ComputerNameSnapshot(_active, _pending, _requests);
    }

    /// <summary>Loads a saved state; null (a snapshot from before renames were simulated) is a device never renamed.</summary>
    public void Restore(ComputerNameSnapshot? snapshot)
    {
        lock (_gate)
        {
            _active = snapshot?.Active;
            _pending = snapshot?.Pending;
            _requests = Math.Max(0, snapshot?.Requests ?? 0);
        }
    }
}

/// <summary>The saved form of a <see cref="ComputerRename"/>.</summary>
/// <param name="Active">The DNS host name the last rename gave the device (null: it keeps the name it was built with).</param>
/// <param name="Pending">The DNS host name waiting for the next reboot.</param>
/// <param name="Requests">How many renames were requested.</param>
public sealed record ComputerNameSnapshot(string? Active, string? Pending, int Requests);
