using System.Globalization;
using LapsCsp.Device.Events;
using LapsCsp.Device.Identity;
using LapsCsp.Device.Laps;
using LapsCsp.Device.Processing;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Backup;
using Microsoft.Extensions.Time.Testing;

namespace LapsCsp.Device.Tests.Laps;

/// <summary>Exec ResetPassword and Actions/ResetPasswordStatus (digest C.6): E_PENDING until the rotation finishes, then
/// S_OK or the failure's HRESULT (table in HResults and the README draft).</summary>
public sealed class ResetPasswordTests
{
    private static readonly LapsBackupResilienceOptions s_noRetries = new() { MaxRetryAttempts = 0 };

    [Test]
    public void A_fresh_device_answers_0_then_E_PENDING_inside_the_package_then_0_once_the_package_is_done()
    {
        using var device = new SimulatedDevice(new DeviceOptions(), new FakeTimeProvider(LapsWorld.Start));
        device.Apply(Packages.Sample("atomic-all-succeed.xml"));

        device.Apply(Packages.GetStatus()).ResultOf(Packages.ResetPasswordStatus).Should().Be("0");
        var reply = device.Apply(Packages.ResetPasswordThenGetStatus());

        reply.Codes().Should().Equal(200, 200);
        reply.ResultOf(Packages.ResetPasswordStatus).Should().Be("-2147483638", "E_PENDING 0x8000000A as a signed 32-bit int");
        device.Apply(Packages.GetStatus()).ResultOf(Packages.ResetPasswordStatus).Should().Be("0");
    }

    [Test]
    public void On_a_device_with_its_own_directories_the_Entra_sample_then_a_reset_backs_up_and_answers_0()
    {
        var clock = new FakeTimeProvider(LapsWorld.Start);
        using var device = new SimulatedDevice(new DeviceOptions(), clock);
        device.Apply(Packages.Sample("laps-entra-id-backup.xml"));
        device.Apply(Packages.Sample("accounts-create-managed-account.xml"));

        device.Backend.ResetPasswordStatus.Should().Be(0);
        var password = device.Accounts.Find("ContosoLocalLapsAdmin")!.Password!;
        password.Should().HaveLength(32).And.NotBe("Initial-P@ssw0rd-2026");
        device.EntraId!.Get(device.Identity.EntraDeviceId)!.Credentials[0].DecodePassword().Should().Be(password);
    }

    [Test]
    public void While_LAPS_is_disabled_a_reset_fails_with_ERROR_NOT_SUPPORTED_by_default_and_rotates_locally_when_asked_to()
    {
        var clock = new FakeTimeProvider(LapsWorld.Start);
        using var compatible = new SimulatedDevice(new DeviceOptions { DisabledReset = DisabledResetBehavior.RotateLocally, PasswordSeed = 1 }, clock);
        using var strict = new SimulatedDevice(new DeviceOptions { PasswordSeed = 1 }, clock);
        var before = strict.ManagedPassword();

        compatible.Apply(Packages.ResetPasswordThenGetStatus());
        strict.Apply(Packages.ResetPasswordThenGetStatus());

        compatible.Backend.ResetPasswordStatus.Should().Be(HResults.SOk);
        compatible.ManagedPassword().Should().NotBeNull().And.HaveLength(14);
        compatible.LapsState.BackupDirectory.Should().Be(LapsCsp.Device.Policy.LapsBackupDirectory.Disabled, "nothing was backed up");
        strict.Backend.ResetPasswordStatus.Should().Be(HResults.NotSupported).And.Be(unchecked((int)0x80070032));
        strict.ManagedPassword().Should().Be(before);
        strict.Events.Query(LapsEventIds.PolicyProcessingFailed).Single().Message.Should().Contain("0x80070032");
    }

    [TestCase("no managed account", 0x80070525u, TestName = "A_missing_managed_account_gives_ERROR_NO_SUCH_USER_0x80070525")]
    [TestCase("Entra unreachable", 0x80072EE7u, TestName = "An_unreachable_Entra_ID_gives_0x80072EE7")]
    [TestCase("Entra throttled", 0x801901ADu, TestName = "A_throttling_Entra_ID_gives_HTTP_429_0x801901AD")]
    [TestCase("Entra refused", 0x80190191u, TestName = "Entra_refusing_the_device_identity_gives_HTTP_E_STATUS_DENIED_0x80190191")]
    [TestCase("tenant LAPS disabled", 0x80190193u, TestName = "LAPS_disabled_in_the_tenant_gives_HTTP_E_STATUS_FORBIDDEN_0x80190193")]
    [TestCase("device not in tenant", 0x80190194u, TestName = "A_device_unknown_to_the_tenant_gives_HTTP_E_STATUS_NOT_FOUND_0x80190194")]
    [TestCase("workplace-joined Entra", 0x80070032u, TestName = "Entra_backup_from_a_workplace_joined_device_gives_ERROR_NOT_SUPPORTED_0x80070032")]
    [TestCase("AD unreachable", 0x8007203Au, TestName = "An_unreachable_domain_controller_gives_ERROR_DS_SERVER_DOWN_0x8007203A")]
    [TestCase("AD refused", 0x80070005u, TestName = "AD_refusing_the_write_gives_E_ACCESSDENIED_0x80070005")]
    [TestCase("AD throttled", 0x8007200Eu, TestName = "A_busy_AD_gives_ERROR_DS_BUSY_0x8007200E")]
    [TestCase("no computer object", 0x80072030u, TestName = "A_missing_computer_object_gives_ERROR_DS_NO_SUCH_OBJECT_0x80072030")]
    [TestCase("schema missing", 0x8007200Cu, TestName = "An_AD_schema_without_LAPS_attributes_gives_ERROR_DS_ATTRIBUTE_TYPE_UNDEFINED_0x8007200C")]
    [TestCase("domain level 2012", 0x80090029u, TestName = "Encryption_below_domain_functional_level_2016_gives_NTE_NOT_SUPPORTED_0x80090029")]
    [TestCase("ambiguous principal", 0x80070057u, TestName = "An_isolated_encryption_principal_name_gives_E_INVALIDARG_0x80070057")]
    [TestCase("unresolvable principal", 0x80070534u, TestName = "An_unresolvable_encryption_principal_gives_ERROR_NONE_MAPPED_0x80070534")]
    [TestCase("AD on Entra-joined", 0x8007054Bu, TestName = "AD_backup_from_a_device_not_joined_to_a_domain_gives_ERROR_NO_SUCH_DOMAIN_0x8007054B")]
    [TestCase("local password policy", 0x800708C5u, TestName = "A_password_the_local_policy_refuses_gives_NERR_PasswordTooShort_0x800708C5")]
    [TestCase("LAPS disabled", 0x80070032u, TestName = "A_reset_with_BackupDirectory_0_on_a_strict_device_gives_ERROR_NOT_SUPPORTED_0x80070032")]
    public void A_failed_reset_reports_its_HRESULT_and_leaves_the_password_alone(string scenario, uint expected)
    {
        using var world = new LapsWorld(lapsEnabledInTenant: scenario != "tenant LAPS disabled");
        var options = new DeviceOptions
        {
            PasswordSeed = 5,
            Resilience = s_noRetries,
            DisabledReset = DisabledResetBehavior.Fail,
            JoinType = scenario switch
            {
                "workplace-joined Entra" => JoinType.WorkplaceJoined,
                "AD on Entra-joined" => JoinType.EntraJoined,
                _ => JoinType.HybridJoined,
            },
            MinimumLocalPasswordLength = scenario == "local password policy" ? 20 : 0,
        };
        var device = world.NewDevice(options, register: scenario is not ("device not in tenant" or "no computer object"));
        var ad = scenario is "AD unreachable" or "AD refused" or "AD throttled" or "no computer object" or "schema missing"
            or "domain level 2012" or "ambiguous principal" or "unresolvable principal" or "AD on Entra-joined";
        if (scenario != "LAPS disabled")
        {
            device.Apply(Packages.SetPolicies(("BackupDirectory", ad ? "2" : "1")));
        }

        switch (scenario)
        {
            case "no managed account": device.Apply(Packages.SetPolicies(("AdministratorAccountName", "NoSuchAccount"))); break;
            case "Entra unreachable": world.EntraId.Faults.Unreachable(); break;
            case "Entra throttled": world.EntraId.Faults.Fail(BackupFailureKind.Throttled); break;
            case "Entra refused": world.EntraId.Faults.Fail(BackupFailureKind.Refused); break;
            case "AD unreachable": world.Domain.Faults.Unreachable(); break;
            case "AD refused": world.Domain.Faults.Fail(BackupFailureKind.Refused); break;
            case "AD throttled": world.Domain.Faults.Fail(BackupFailureKind.Throttled); break;
            case "schema missing": world.Domain.SchemaExtended = false; break;
            case "domain level 2012": world.Domain.FunctionalLevel = DomainFunctionalLevel.Windows2012R2; break;
            case "ambiguous principal": device.Apply(Packages.SetPolicies(("ADPasswordEncryptionPrincipal", "LAPSAdmins"))); break;
            case "unresolvable principal": device.Apply(Packages.SetPolicies(("ADPasswordEncryptionPrincipal", "FABRIKAM\\LAPSAdmins"))); break;
        }

        var before = device.ManagedAccount?.Password;
        device.Apply(Packages.ResetPasswordThenGetStatus()).ResultOf(Packages.ResetPasswordStatus).Should().Be("-2147483638");

        var status = device.Apply(Packages.GetStatus()).ResultOf(Packages.ResetPasswordStatus);
        status.Should().Be(unchecked((int)expected).ToString(CultureInfo.InvariantCulture));
        device.Backend.ResetPasswordStatus.Should().Be(unchecked((int)expected));
        device.ManagedAccount?.Password.Should().Be(before, "a failed reset never changes the local password");
        device.Events.Query(LapsEventIds.PolicyProcessingFailed)[^1].Message.Should().Contain(HResults.ToHex(unchecked((int)expected)));
    }

    [Test]
    public void A_slow_directory_keeps_the_status_E_PENDING_until_the_clock_reaches_its_answer()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice();
        device.UseEntra();
        world.EntraId.Faults.Slow(TimeSpan.FromSeconds(20));

        device.Apply(Packages.ResetPasswordThenGetStatus());

        device.Backend.ResetPasswordStatus.Should().Be(HResults.EPending);
        device.LapsStatus().RotationInProgress.Should().BeTrue();
        device.WhenIdleAsync().IsCompleted.Should().BeFalse();
        world.Clock.Advance(TimeSpan.FromSeconds(19));
        device.Apply(Packages.GetStatus()).ResultOf(Packages.ResetPasswordStatus).Should().Be("-2147483638");

        world.Clock.Advance(TimeSpan.FromSeconds(1));

        device.Apply(Packages.GetStatus()).ResultOf(Packages.ResetPasswordStatus).Should().Be("0");
        device.WhenIdleAsync().IsCompleted.Should().BeTrue();
        world.EntraPassword(device).Should().Be(device.ManagedPassword());
        device.Events.Query(LapsEventIds.LocalAccountUpdated)[^1].TimeCreated.Should().Be(world.Now, "the local change follows the late answer");
    }

    [Test]
    public void Transient_failures_are_retried_with_exponential_backoff_on_the_simulated_clock()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice();
        device.UseEntra();
        world.EntraId.Faults.FailNext(2, BackupFailureKind.Unreachable);

        device.Apply(Packages.ResetPasswordThenGetStatus());
        device.Backend.ResetPasswordStatus.Should().Be(HResults.EPending, "the first retry waits 2 s");
        world.Clock.Advance(TimeSpan.FromSeconds(2));
        device.Backend.ResetPasswordStatus.Should().Be(HResults.EPending, "the second retry waits 4 s more");
        world.Clock.Advance(TimeSpan.FromSeconds(3));
        device.Backend.ResetPasswordStatus.Should().Be(HResults.EPending);
        world.Clock.Advance(TimeSpan.FromSeconds(1));

        device.Backend.ResetPasswordStatus.Should().Be(HResults.SOk);
        device.Events.Query(LapsEventIds.EntraUpdated)[^1].Message.Should().Contain("3 attempts");
        world.EntraPassword(device).Should().Be(device.ManagedPassword());
    }

    [Test]
    public async Task An_attempt_that_outlasts_the_timeout_fails_with_ERROR_TIMEOUT()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice(new DeviceOptions
        {
            PasswordSeed = 1,
            Resilience = new LapsBackupResilienceOptions { MaxRetryAttempts = 0, AttemptTimeout = TimeSpan.FromSeconds(30) },
        });
        device.UseEntra();
        var before = device.ManagedPassword();
        world.EntraId.Faults.Slow(TimeSpan.FromMinutes(5));

        device.Apply(Packages.ResetPasswordThenGetStatus());
        world.Clock.Advance(TimeSpan.FromSeconds(30));
        await device.WhenIdleAsync();

        device.Backend.ResetPasswordStatus.Should().Be(HResults.Timeout);
        device.ManagedPassword().Should().Be(before);
        world.Clock.Advance(TimeSpan.FromMinutes(5));
        world.EntraPassword(device).Should().Be(before, "the cancelled attempt never wrote");
    }

    [Test]
    public void An_open_circuit_fails_resets_at_once_without_calling_the_directory_until_the_break_ends()
    {
        using var world = new LapsWorld();
        SimulatedDevice? device = null;
        var recorder = new RecordingDirectory(world.EntraId, () => device?.Accounts);
        world.Directories = world.Directories with { EntraId = recorder };
        device = world.NewDevice(new DeviceOptions
        {
            PasswordSeed = 1,
            Resilience = new LapsBackupResilienceOptions
            {
                MaxRetryAttempts = 0,
                CircuitBreakerMinimumThroughput = 2,
                CircuitBreakerFailureRatio = 0.5,
                CircuitBreakerBreakDuration = TimeSpan.FromMinutes(30),
            },
        });
        world.EntraId.Faults.Unreachable();
        device.UseEntra();
        device.Apply(Packages.ResetPasswordThenGetStatus());
        recorder.Calls.Should().HaveCount(2, "the policy change and the reset each tried once");

        device.Apply(Packages.ResetPasswordThenGetStatus());

        recorder.Calls.Should().HaveCount(2, "the circuit is open");
        device.Backend.ResetPasswordStatus.Should().Be(HResults.DirectoryUnreachable);
        device.Events.Query(LapsEventIds.EntraUpdateFailed)[^1].Message.Should().Contain("circuit");

        world.EntraId.Faults.None();
        world.Clock.Advance(TimeSpan.FromMinutes(30));
        device.Apply(Packages.ResetPasswordThenGetStatus());

        recorder.Calls.Should().HaveCount(3);
        device.Backend.ResetPasswordStatus.Should().Be(HResults.SOk);
    }

    [Test]
    public void A_reset_that_arrives_during_a_rotation_runs_after_it_and_stays_E_PENDING_until_then()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice();
        device.UseEntra();
        world.EntraId.Faults.Slow(TimeSpan.FromSeconds(10));
        device.Apply(Packages.ResetPasswordThenGetStatus());

        device.Apply(Packages.ResetPasswordThenGetStatus());
        world.Clock.Advance(TimeSpan.FromSeconds(10));
        device.Backend.ResetPasswordStatus.Should().Be(HResults.EPending, "the second reset started when the first finished");
        world.Clock.Advance(TimeSpan.FromSeconds(10));

        device.Backend.ResetPasswordStatus.Should().Be(HResults.SOk);
        device.LapsState.Rotations.Should().Be(3);
        world.EntraId.Get(device.Identity.EntraDeviceId)!.Credentials.Should().HaveCount(3);
    }

    [Test]
    public void ResetPasswordStatus_cannot_be_written_and_ResetPassword_cannot_be_read()
    {
        using var device = new SimulatedDevice(new DeviceOptions(), new FakeTimeProvider(LapsWorld.Start));

        var reply = device.Apply(Packages.Of(
            Packages.Replace(Packages.ResetPasswordStatus, "int", "0"),
            Packages.Get(Packages.ResetPassword)));

        reply.Codes().Should().Equal(405, 405);
    }
}
