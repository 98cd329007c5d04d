namespace LapsCsp.Server.State;

/// <summary>A list kept in the store as one JSON document (the policies, the device groups), read once: every change goes
/// through <see cref="Update"/>, which writes the whole list back in one transaction before memory sees it.</summary>
internal sealed class StoredList<T>(ServerState state, string key)
{
    private readonly Lock _gate = new();
    private IReadOnlyList<T>? _items;

    /// <summary>Raised (under the list's lock) after a change was stored, with the new list.</summary>
    public event Action<IReadOnlyList<T>>? Changed;

    public IReadOnlyList<T> Items
    {
        get
        {
            lock (_gate) return _items ??= state.GetDocument<List<T>>(key) ?? [];
        }
    }

    public void Update(Action<List<T>> change)
    {
        lock (_gate)
        {
            var list = (_items ??= state.GetDocument<List<T>>(key) ?? []).ToList();
            change(list);
            state.Store.InTransaction(tx => ServerState.SetDocument(tx, key, list));
            _items = list;
            Changed?.Invoke(list);
        }
    }
}
