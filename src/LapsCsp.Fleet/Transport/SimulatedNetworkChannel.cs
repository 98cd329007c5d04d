using System.Text;

namespace LapsCsp.Fleet.Transport;

/// <summary>One device's network in a simulation: latency and faults per exchange (rates 0..1).</summary>
public sealed record NetworkConditions(
    TimeSpan MinLatency,
    TimeSpan MaxLatency,
    double DropRate = 0,
    double TimeoutRate = 0,
    double ServerErrorRate = 0,
    double GarbageRate = 0,
    TimeSpan? Timeout = null)
{
    public TimeSpan RequestTimeout => Timeout ?? TimeSpan.FromSeconds(60);

    public static NetworkConditions Perfect { get; } = new(TimeSpan.Zero, TimeSpan.Zero);
}

/// <summary>Puts a simulated network between a session and the server: each exchange waits its latency on the session's
/// virtual clock, and may fail as the conditions say, drawn from a seeded <see cref="Random"/>.</summary>
/// <remarks>Where each fault happens matters to the server: a dropped connection and a proxy's 503 never reach it; a
/// timeout happens after the server handled the request (its answer is lost, the client retries: the server sees the
/// message twice); garbage replaces an answer the server did send.</remarks>
public sealed class SimulatedNetworkChannel(IManagementChannel inner, NetworkConditions conditions, Random random, TimeProvider clock) : IManagementChannel
{
    public async Task<ManagementResponse> SendAsync(ManagementRequest request, CancellationToken cancellationToken)
    {
        var latency = conditions.MinLatency + (conditions.MaxLatency - conditions.MinLatency) * random.NextDouble();
        var half = latency / 2;
        var roll = random.NextDouble();
        if (half > TimeSpan.Zero) await Task.Delay(half, clock, cancellationToken).ConfigureAwait(false);
        if ((roll -= conditions.DropRate) < 0)
        {
            throw new ManagementTransportException(TransportFaultKind.ConnectionFailed, "simulated network: the connection was dropped");
        }

        if ((roll -= conditions.ServerErrorRate) < 0)
        {
            return new ManagementResponse(503, "text/html", Encoding.UTF8.GetBytes("<html><body>503 Service Unavailable</body></html>"));
        }

        var response = await inner.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if ((roll -= conditions.TimeoutRate) < 0)
        {
            await Task.Delay(conditions.RequestTimeout, clock, cancellationToken).ConfigureAwait(false);
            throw new ManagementTransportException(TransportFaultKind.Timeout, "simulated network: the answer never arrived");
        }

        if (half > TimeSpan.Zero) await Task.Delay(half, clock, cancellationToken).ConfigureAwait(false);
        if ((roll -= conditions.GarbageRate) < 0)
        {
            var garbage = new byte[64 + random.Next(256)];
            random.NextBytes(garbage);
            return response with { Body = garbage };
        }

        return response;
    }
}
