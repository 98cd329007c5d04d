using System.Globalization;
using LapsCsp.Device;
using LapsCsp.Device.Identity;
using LapsCsp.Device.Processing;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Entra;
using LapsCsp.Robustness.Tests.Support;
using LapsCsp.SyncML.Messages;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Robustness.Tests.Faults;

/// <summary>Issue 7 item 3, on the device's side: three devices (Entra ID; AD with encryption and a history of 2; AD in
/// clear text) back up through Polly chaos strategies for months of simulated time, while administrators reset passwords
/// over SyncML and the managed account logs on (post-authentication resets). After every simulated hour, on every device
/// that has no rotation in flight, the directory must hold a password that opens the managed account; at the end no
/// password may appear in any event of the device.</summary>
/// <remarks>LAPSCSP_CHAOS_SEEDS (default 6) and LAPSCSP_CHAOS_DAYS (default 90) make a longer run. The clear-text AD device
/// gets no lost acknowledgements: msLAPS-Password holds one value, so a password stored whose answer was lost leaves the
/// account unrecoverable until the next rotation on real Windows too; the other two directories keep a history.</remarks>
public sealed class DirectoryChaosTests
{
    private const string Account = "LapsAdmin";
    private static readonly DateTimeOffset s_start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    public static IEnumerable<TestCaseData> Seeds() =>
        Enumerable.Range(1, Setting("LAPSCSP_CHAOS_SEEDS", 6)).Select(seed => new TestCaseData(seed).SetName(
            $"Under_directory_chaos_the_directory_always_holds_a_password_that_opens_the_managed_account_and_none_leaks_seed_{seed}"));

    [TestCaseSource(nameof(Seeds))]
    public void Directory_chaos(int seed)
    {
        var days = Setting("LAPSCSP_CHAOS_DAYS", 90);
        var clock = new FakeTimeProvider(s_start);
        var plan = new ChaosPlan(seed, s_start, TimeSpan.FromDays(days));
        var entra = new EntraIdDirectory(clock);
        var domain = new ActiveDirectoryDomain(clock);
        var subjects = new[]
        {
            Subject.Entra(seed, clock, plan, entra),
            Subject.ActiveDirectory(seed, clock, plan, domain, encrypted: true),
            Subject.ActiveDirectory(seed, clock, plan, domain, encrypted: false),
        };
        var known = new HashSet<string>(StringComparer.Ordinal) { Subject.InitialPassword };
        int checks = 0, inFlight = 0, notYetBackedUp = 0, resets = 0, logons = 0;
        try
        {
            for (var hour = 0; hour < days * 24; hour++)
            {
                foreach (var s in subjects)
                {
                    if (plan.Next(0, 100) < 3)
                    {
                        s.Device.Apply(Wire.RoundTrip(Wire.Package([Wire.Command(ItemCommandKind.Exec, "1", "./Device/Vendor/MSFT/LAPS/Actions/ResetPassword")])));
                        resets++;
                    }

                    if (plan.Next(0, 100) < 2 && s.Device.Accounts.Find(Account)?.Password is { } current)
                    {
                        s.Device.Logon(Account, current);
                        logons++;
                    }
                }

                // Five-minute steps, so that retry delays, attempt timeouts and injected latency resolve on the clock.
                for (var step = 0; step < 12; step++)
                {
                    clock.Advance(TimeSpan.FromMinutes(5));
                    foreach (var s in subjects) s.Device.RunDueWork();
                }

                foreach (var s in subjects)
                {
                    if (!s.Device.WhenIdleAsync().IsCompleted)
                    {
                        inFlight++;
                        continue;
                    }

                    var held = s.HeldPasswords();
                    known.UnionWith(held);
                    if (s.Device.Accounts.Find(Account)?.Password is { } password) known.Add(password);
                    if (held.Count == 0)
                    {
                        notYetBackedUp++;
                        continue;
                    }

                    checks++;
                    held.Any(p => s.Device.Accounts.CheckPassword(Account, p)).Should().BeTrue(
                        $"seed {seed}, {s.Name}, {clock.GetUtcNow():O}: the directory holds {held.Count} password(s) and none opens {Account}"
                        + (plan.InOutage(clock.GetUtcNow()) ? " (during an outage)" : ""));
                }
            }

            foreach (var s in subjects)
            {
                s.Device.LapsState.Rotations.Should().BeGreaterThan(days / 7, $"{s.Name} kept rotating despite the faults");
                foreach (var e in s.Device.Events.Snapshot().Events!)
                {
                    foreach (var p in known) e.Message.Should().NotContain(p, $"{s.Name} event {e.Id} must not carry a password");
                }
            }

            checks.Should().BeGreaterThan(days * 24 * 2, "most hours were checked");
            plan.Counters.Total.Should().BeGreaterThan(0);
            TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"seed {seed}: {days} days, {checks} invariant checks ({inFlight} skipped mid-rotation, {notYetBackedUp} before the first backup), "
                + $"{subjects.Sum(s => s.Device.LapsState.Rotations)} rotations, {resets} resets, {logons} logons, {known.Count} passwords looked for in "
                + $"{subjects.Sum(s => s.Device.Events.Snapshot().Events!.Count)} events; {plan.Counters}; outages {string.Join(", ", plan.Outages.Select(o => $"{(o.To - o.From).TotalHours:0} h"))}"));
        }
        finally
        {
            foreach (var s in subjects) s.Device.Dispose();
        }
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    private sealed class Subject
    {
        public const string InitialPassword = "Initial-Chaos-P@ss-1";

        private readonly Func<IReadOnlyList<string>> _held;

        private Subject(string name, SimulatedDevice device, Func<IReadOnlyList<string>> held)
        {
            Name = name;
            Device = device;
            _held = held;
        }

        public string Name { get; }

        public SimulatedDevice Device { get; }

        public IReadOnlyList<string> HeldPasswords() => _held();

        public static Subject Entra(int seed, FakeTimeProvider clock, ChaosPlan plan, EntraIdDirectory entra)
        {
            var device = new SimulatedDevice(
                new DeviceOptions { DeviceId = "CHAOS-ENTRA", PasswordSeed = seed * 10, JoinType = JoinType.EntraJoined },
                clock, new LapsDirectories(new ChaosBackupDirectory(entra, plan, clock, loseAcknowledgements: true)));
            entra.RegisterDevice(device.Identity.EntraDeviceId, device.Identity.DeviceName);
            Configure(device, ("BackupDirectory", "1", "int"), ("PasswordAgeDays", "7", "int"));
            return new Subject("Entra ID", device,
                () => entra.Get(device.Identity.EntraDeviceId)?.Credentials.Select(c => c.DecodePassword()).ToList() ?? []);
        }

        public static Subject ActiveDirectory(int seed, FakeTimeProvider clock, ChaosPlan plan, ActiveDirectoryDomain domain, bool encrypted)
        {
            var id = encrypted ? "CHAOS-AD-ENC" : "CHAOS-AD-CLEAR";
            var device = new SimulatedDevice(
                new DeviceOptions { DeviceId = id, PasswordSeed = (seed * 10) + (encrypted ? 1 : 2), JoinType = JoinType.HybridJoined },
                clock, new LapsDirectories(null, new ChaosBackupDirectory(domain, plan, clock, loseAcknowledgements: encrypted), new ActiveDirectoryComputerState(domain)));
            domain.AddComputer(device.Identity.DeviceId, device.Identity.DeviceName);
            Configure(device, ("BackupDirectory", "2", "int"), ("PasswordAgeDays", "1", "int"),
                ("ADPasswordEncryptionEnabled", encrypted ? "true" : "false", "bool"), ("ADEncryptedPasswordHistorySize", encrypted ? "2" : "0", "int"));
            return new Subject(encrypted ? "AD encrypted" : "AD clear text", device, () =>
            {
                if (!encrypted) return domain.GetAttributes(id)?.LegacyAdmPwd is { } clear ? [clear] : [];
                var held = new List<string>();
                for (var index = -1; index < 2; index++)
                {
                    if (domain.Decrypt(id, "Domain Admins", index) is { } decrypted) held.Add(decrypted.Password);
                }

                return held;
            });
        }

        /// <summary>Creates the managed account (Accounts CSP) and sets the LAPS policy in one Atomic, as an MDM would.</summary>
        private static void Configure(SimulatedDevice device, params (string Name, string Value, string Format)[] settings)
        {
            var policies = "./Device/Vendor/MSFT/LAPS/Policies/";
            (string, string, string)[] common =
            [
                ("PasswordComplexity", "4", "int"), ("PasswordLength", "16", "int"), ("AdministratorAccountName", Account, "chr"),
                ("PostAuthenticationResetDelay", "2", "int"), ("PostAuthenticationActions", "1", "int"),
            ];
            var id = 2;
            var commands = new List<SyncCommand>
            {
                Wire.Command(ItemCommandKind.Add, "1", $"./Device/Vendor/MSFT/Accounts/Users/{Account}/Password", InitialPassword, "chr"),
                Wire.Command(ItemCommandKind.Add, "2", $"./Device/Vendor/MSFT/Accounts/Users/{Account}/LocalUserGroup", "2", "int"),
            };
            commands.AddRange(settings.Concat(common).Select(s =>
                (SyncCommand)Wire.Command(ItemCommandKind.Replace, (++id).ToString(CultureInfo.InvariantCulture), policies + s.Item1, s.Item2, s.Item3)));
            var reply = device.Apply(Wire.RoundTrip(Wire.Package([new AtomicCommand("100", [.. commands])])));
            reply.Reports.Should().OnlyContain(r => r.Status == SyncML.StatusCode.Ok, "the chaos run starts from a configured device");
        }
    }
}
