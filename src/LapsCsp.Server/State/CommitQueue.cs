using System.Threading.Channels;
using LapsCsp.Storage;

namespace LapsCsp.Server.State;

/// <summary>Group commit: writes queued by concurrent requests are committed together in one SQLite transaction, one fsync
/// for the lot, and each request is answered only after its transaction committed (durability as with one transaction per
/// request, far more writes per second).</summary>
/// <remarks>A batch that fails is retried one write at a time, so that one bad write fails alone. A write must therefore
/// only assign what it computes (it may run twice), which the callers' closures do.</remarks>
internal sealed class CommitQueue : IAsyncDisposable, IDisposable
{
    private const int MaxBatch = 256;
    private readonly ServerState _state;
    private readonly Channel<Pending> _channel = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public CommitQueue(ServerState state)
    {
        _state = state;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues <paramref name="work"/> (null: just the directories) and completes when it is committed.</summary>
    public Task CommitAsync(Action<LapsStoreTransaction>? work)
    {
        var pending = new Pending(work, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_channel.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(CommitQueue));
        return pending.Done.Task;
    }

    /// <summary>Stops taking writes and waits for the queued ones to commit (graceful shutdown).</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _loop.GetAwaiter().GetResult();
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var pending)) batch.Add(pending);
            try
            {
                _state.Commit(tx =>
                {
                    foreach (var p in batch) p.Work?.Invoke(tx);
                });
                foreach (var p in batch) p.Done.TrySetResult();
            }
            catch when (batch.Count > 1)
            {
                foreach (var p in batch)
                {
                    try
                    {
                        _state.Commit(p.Work ?? (_ => { }));
                        p.Done.TrySetResult();
                    }
                    catch (Exception e)
                    {
                        p.Done.TrySetException(e);
                    }
                }
            }
            catch (Exception e)
            {
                foreach (var p in batch) p.Done.TrySetException(e);
            }

            batch.Clear();
        }
    }

    private sealed record Pending(Action<LapsStoreTransaction>? Work, TaskCompletionSource Done);
}
