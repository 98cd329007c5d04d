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

/// <summary>The device groups, kept in the store as one document (like the policies), read once.</summary>
internal sealed class DeviceGroupStore(ServerState state)
{
    private const string GroupsKey = "server.groups";
    private readonly Lock _gate = new();
    private IReadOnlyList<DeviceGroup>? _groups;

    public IReadOnlyList<DeviceGroup> List()
    {
        lock (_gate) return _groups ??= state.GetDocument<List<DeviceGroup>>(GroupsKey) ?? [];
    }

    public DeviceGroup? Find(string id) => List().FirstOrDefault(g => string.Equals(g.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether <paramref name="deviceId"/> is a member of the group <paramref name="groupId"/>.</summary>
    public bool Contains(string groupId, string deviceId) =>
        Find(groupId)?.DeviceIds.Contains(deviceId, StringComparer.Ordinal) == true;

    public DeviceGroup Create(string displayName, string? description, IEnumerable<string> deviceIds)
    {
        var now = state.Time.GetUtcNow();
        var group = new DeviceGroup(Guid.NewGuid().ToString("D", CultureInfo.InvariantCulture), displayName, description,
            [.. deviceIds.Distinct(StringComparer.Ordinal)], now, now);
        Update(list => list.Add(group));
        return group;
    }

    /// <summary>Adds members; returns the ids that were not members yet.</summary>
    public IReadOnlyList<string> AddMembers(string id, IEnumerable<string> deviceIds)
    {
        IReadOnlyList<string> added = [];
        Update(list =>
        {
            var index = list.FindIndex(g => string.Equals(g.Id, id, StringComparison.OrdinalIgnoreCase));
            if (index < 0) return;
            added = [.. deviceIds.Distinct(StringComparer.Ordinal).Where(d => !list[index].DeviceIds.Contains(d, StringComparer.Ordinal))];
            if (added.Count > 0)
            {
                list[index] = list[index] with { DeviceIds = list[index].DeviceIds.AddRange(added), LastModifiedDateTime = state.Time.GetUtcNow() };
            }
        });
        return added;
    }

    public bool RemoveMember(string id, string deviceId)
    {
        var removed = false;
        Update(list =>
        {
            var index = list.FindIndex(g => string.Equals(g.Id, id, StringComparison.OrdinalIgnoreCase));
            if (index < 0 || !list[index].DeviceIds.Contains(deviceId, StringComparer.Ordinal)) return;
            list[index] = list[index] with { DeviceIds = list[index].DeviceIds.Remove(deviceId), LastModifiedDateTime = state.Time.GetUtcNow() };
            removed = true;
        });
        return removed;
    }

    public bool Delete(string id)
    {
        var removed = false;
        Update(list => removed = list.RemoveAll(g => string.Equals(g.Id, id, StringComparison.OrdinalIgnoreCase)) > 0);
        return removed;
    }

    private void Update(Action<List<DeviceGroup>> change)
    {
        lock (_gate)
        {
            var list = (_groups ??= state.GetDocument<List<DeviceGroup>>(GroupsKey) ?? []).ToList();
            change(list);
            state.Store.InTransaction(tx => ServerState.SetDocument(tx, GroupsKey, list));
            _groups = list;
        }
    }
}
