using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LapsCsp.Server.Mdm;

/// <summary>Saves enrolled devices' check-in counters, DevInfo and alerts every <see cref="Hosting.ServerOptions.MdmFlushInterval"/>
/// (on the injected clock) and once more when the server stops.</summary>
internal sealed class MdmFlushService(MdmService mdm, Hosting.ServerOptions options, TimeProvider time, ILogger<MdmFlushService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.MdmFlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        try
        {
            await mdm.FlushAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The store refused (disk full, read-only): the records stay dirty and the next tick tries again.
            logger.LogError(e, "Saving enrolled devices failed");
        }
    }
}
