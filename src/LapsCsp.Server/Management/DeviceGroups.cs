using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Server.State;

namespace LapsCsp.Server.Management;

/// <summary>A static group of devices (hosted or enrolled, by device id), as Intune assigns policies to Entra groups.</summary>
internal sealed record DeviceGroup(
    string Id,
    string DisplayName,
    string? Description,
    ImmutableArray<string> DeviceIds,
    DateTimeOffset CreatedDateTime,
    DateTimeOffset LastModifiedDateTime);

/// <summary>The body of <c>POST .../deviceGroups</c>.</summary>
internal sealed record DeviceGroupRequest(string? DisplayName, string? Description, IReadOnlyList<string>? DeviceIds);

/// <summary>The body of <c>POST .../deviceGroups/{id}/members</c>.</summary>
internal sealed record DeviceGroupMembersRequest(IReadOnlyList<string>? DeviceIds);

/// <summary>The device groups, kept in the store as one document (like the policies), with an index of members by group
/// so that a membership check (every delivery's conflict check asks it per policy) costs one lookup, not a scan of the
/// group's members.</summary>
internal sealed class DeviceGroupStore
{
    private readonly ServerState _state;
    private readonly StoredList<DeviceGroup> _groups;
    private Dictionary<string, HashSet<string>> _members;

    public DeviceGroupStore(ServerState state)
    {
        _state = state;
        _groups = new StoredList<DeviceGroup>(state, "server.groups");
        _members = Index(_groups.Items);
        _groups.Changed += list => _members = Index(list);
    }

    public IReadOnlyList<DeviceGroup> List() => _groups.Items;

    public DeviceGroup? Find(string id) => List().FirstOrDefault(g => string.Equals(g.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether <paramref name="deviceId"/> is a member of the group <paramref name="groupId"/>.</summary>
    public bool Contains(string groupId, string deviceId) =>
        _members.TryGetValue(groupId, out var members) && members.Contains(deviceId);

    public DeviceGroup Create(string displayName, string? description, IEnumerable<string> deviceIds)
    {
        var now = _state.Time.GetUtcNow();
        var group = new DeviceGroup(Guid.NewGuid().ToString("D", CultureInfo.InvariantCulture), displayName, description,
            [.. deviceIds.Distinct(StringComparer.Ordinal)], now, now);
        _groups.Update(list => list.Add(group));
        return group;
    }

    /// <summary>Adds members; returns the ids that were not members yet.</summary>
    public IReadOnlyList<string> AddMembers(string id, IEnumerable<string> deviceIds)
    {
        IReadOnlyList<string> added = [];
        UpdateGroup(id, group =>
        {
            added = [.. deviceIds.Distinct(StringComparer.Ordinal).Where(d => !group.DeviceIds.Contains(d, StringComparer.Ordinal))];
            return added.Count == 0 ? null : group with { DeviceIds = group.DeviceIds.AddRange(added) };
        });
        return added;
    }

    public bool RemoveMember(string id, string deviceId)
    {
        var removed = false;
        UpdateGroup(id, group =>
        {
            removed = group.DeviceIds.Contains(deviceId, StringComparer.Ordinal);
            return removed ? group with { DeviceIds = group.DeviceIds.Remove(deviceId) } : null;
        });
        return removed;
    }

    public bool Delete(string id)
    {
        var removed = false;
        _groups.Update(list => removed = list.RemoveAll(g => string.Equals(g.Id, id, StringComparison.OrdinalIgnoreCase)) > 0);
        return removed;
    }

    /// <summary>Replaces one group with what <paramref name="change"/> makes of it, dated now; null leaves it as it is.</summary>
    private void UpdateGroup(string id, Func<DeviceGroup, DeviceGroup?> change)
    {
        var now = _state.Time.GetUtcNow();
        _groups.Update(list =>
        {
            var index = list.FindIndex(g => string.Equals(g.Id, id, StringComparison.OrdinalIgnoreCase));
            if (index >= 0 && change(list[index]) is { } changed) list[index] = changed with { LastModifiedDateTime = now };
        });
    }

    private static Dictionary<string, HashSet<string>> Index(IReadOnlyList<DeviceGroup> groups) =>
        groups.ToDictionary(g => g.Id, g => g.DeviceIds.ToHashSet(StringComparer.Ordinal), StringComparer.OrdinalIgnoreCase);
}
