using LapsCsp.Device;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Robustness.Tests.Support;

/// <summary>Simulated devices that behave the same on every run: fixed clock, seeded machine SID and passwords.</summary>
internal static class TestDevice
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    public static SimulatedDevice Create(FakeTimeProvider? clock = null, int passwordSeed = 7, DeviceOptions? options = null) =>
        new((options ?? new DeviceOptions()) with { Seed = 3, PasswordSeed = passwordSeed }, clock ?? new FakeTimeProvider(Start));
}
