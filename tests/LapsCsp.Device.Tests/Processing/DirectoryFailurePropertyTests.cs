using System.Globalization;
using LapsCsp.Device.Processing;
using LapsCsp.Directory.Backup;

namespace LapsCsp.Device.Tests.Processing;

/// <summary>The third "done when": with random directory failures, the directory always holds a password that
/// opens the managed account (a seeded loop over many seeds: every run is reproducible from its seed).</summary>
public sealed class DirectoryFailurePropertyTests
{
    private static readonly BackupFailureKind[] s_kinds = Enum.GetValues<BackupFailureKind>();

    public static IEnumerable<int> Seeds => Enumerable.Range(1, 60);

    [TestCaseSource(nameof(Seeds))]
    public void With_random_directory_failures_the_directory_always_holds_a_password_that_opens_the_managed_account(int seed)
    {
        var random = new Random(seed);
        using var world = new LapsWorld();
        var entra = random.Next(2) == 0;
        var device = world.NewDevice(new DeviceOptions
        {
            PasswordSeed = seed,
            Resilience = new LapsBackupResilienceOptions
            {
                MaxRetryAttempts = random.Next(0, 4),
                RetryBaseDelay = TimeSpan.FromSeconds(random.Next(1, 5)),
                CircuitBreakerMinimumThroughput = random.Next(2, 10),
            },
        });
        var directory = entra ? world.EntraId.Faults : world.Domain.Faults;
        var ageDays = entra ? random.Next(7, 10) : random.Next(1, 4);
        var settings = new List<(string, string)>
        {
            ("BackupDirectory", entra ? "1" : "2"),
            ("PasswordAgeDays", ageDays.ToString(CultureInfo.InvariantCulture)),
            ("PasswordComplexity", random.Next(1, 9).ToString(CultureInfo.InvariantCulture)),
        };
        if (!entra) settings.Add(("ADPasswordEncryptionEnabled", random.Next(2) == 0 ? "True" : "False"));
        device.Apply(Packages.SetPolicies([.. settings]));

        for (var hour = 0; hour < 24 * 21; hour++)
        {
            if (random.Next(6) == 0) directory.Set(RandomFault(random));
            if (random.Next(40) == 0) device.Apply(Packages.ResetPasswordThenGetStatus());
            if (random.Next(50) == 0 && !entra) world.Domain.SetPasswordExpirationTime(device.Identity.DeviceId, world.Now);
            world.AdvanceHours(1, device);

            var held = entra ? world.EntraPassword(device) : world.AdPassword(device);
            if (held is null) continue;
            device.Accounts.CheckPassword(device.ManagedAccount!.Name, held).Should().BeTrue(
                $"seed {seed}, hour {hour}: the directory's password must open the managed account");
        }

        directory.None();
        world.AdvanceDays(ageDays + 1, device);
        var final = entra ? world.EntraPassword(device) : world.AdPassword(device);
        final.Should().NotBeNull($"seed {seed}: once the directory works again the password is backed up");
        device.Accounts.CheckPassword(device.ManagedAccount!.Name, final!).Should().BeTrue();
        device.LapsState.Rotations.Should().BeGreaterThan(0);
    }

    private static FaultMode RandomFault(Random random) => random.Next(6) switch
    {
        0 => FaultMode.None,
        1 => new FaultMode.Unreachable(),
        2 => new FaultMode.FailNext(random.Next(1, 6), s_kinds[random.Next(s_kinds.Length)]),
        3 => new FaultMode.FailureRate(random.NextDouble(), new Random(random.Next()), s_kinds[random.Next(2)]),
        4 => new FaultMode.Fail(s_kinds[random.Next(s_kinds.Length)]),
        // Slower than nothing but faster than the 30 s attempt timeout, so the clock (not a thread) completes it.
        _ => new FaultMode.Slow(TimeSpan.FromSeconds(random.Next(1, 25))),
    };
}
