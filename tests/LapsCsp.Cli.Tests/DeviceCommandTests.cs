using LapsCsp.Testing;

namespace LapsCsp.Cli.Tests;

/// <summary>A stored device driven from the command line, as the README shows it.</summary>
public class DeviceCommandTests
{
    private string _dir = null!;
    private string _state = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = System.IO.Directory.CreateTempSubdirectory("lapscsp-device-").FullName;
        _state = Path.Combine(_dir, "devices.db");
    }

    [TearDown]
    public void TearDown() => System.IO.Directory.Delete(_dir, recursive: true);

    private CliRunner.Result Lapscsp(params string[] args)
    {
        var result = CliRunner.Run(args);
        return result;
    }

    private static string Sample(string name) => Path.Combine(RepoPaths.Samples, name);

    [Test]
    public void Entra_sample_then_30_days_rotates_every_7_days_and_the_directory_holds_the_device_password()
    {
        Lapscsp("device", "create", "PC-1", "--state", _state, "--at", "2026-01-01T00:00:00Z").ExitCode.Should().Be(0);
        Lapscsp("apply", Sample("accounts-create-managed-account.xml"), "--state", _state, "--device", "PC-1").ExitCode.Should().Be(0);
        Lapscsp("apply", Sample("laps-entra-id-backup.xml"), "--state", _state, "--device", "PC-1").ExitCode.Should().Be(0);

        var advance = Lapscsp("device", "advance", "PC-1", "--hours", "720", "--state", _state);
        advance.ExitCode.Should().Be(0, advance.Stderr);
        advance.Stdout.Should().Contain("2026-01-31 00:00:00Z").And.MatchRegex(@"10029\s+x5 ");

        var show = Lapscsp("device", "show", "PC-1", "--state", _state);
        show.Stdout.Should().Contain("ContosoLocalLapsAdmin").And.Contain("next rotation          2026-02-05");

        var password = Lapscsp("device", "password", "PC-1", "--state", _state).Stdout.Trim().Split('\t');
        password[0].Should().Be("ContosoLocalLapsAdmin");
        password[1].Should().HaveLength(32);
        var directory = Lapscsp("directory", "show", "PC-1", "--state", _state);
        directory.Stdout.Should().Contain("\"passwordBase64\"").And.Contain("ContosoLocalLapsAdmin  " + password[1]);
    }

    [Test]
    public void Logon_by_the_managed_account_schedules_and_then_runs_the_post_authentication_reset()
    {
        Lapscsp("device", "create", "PC-2", "--state", _state, "--at", "2026-03-01T00:00:00Z");
        Lapscsp("apply", Sample("laps-entra-id-backup.xml"), "--state", _state, "--device", "PC-2");
        Lapscsp("apply", Sample("accounts-create-managed-account.xml"), "--state", _state, "--device", "PC-2");
        var before = Lapscsp("device", "password", "PC-2", "--state", _state).Stdout;

        var logon = Lapscsp("device", "logon", "PC-2", "--state", _state);
        logon.ExitCode.Should().Be(0, logon.Stderr);
        logon.Stdout.Should().Contain("post-authentication actions due at 2026-03-01 08:00:00Z");

        Lapscsp("device", "advance", "PC-2", "--hours", "9", "--state", _state).Stdout.Should().Contain("10042").And.Contain("10044");
        Lapscsp("device", "password", "PC-2", "--state", _state).Stdout.Should().NotBe(before);
        Lapscsp("device", "events", "PC-2", "--state", _state, "--id", "10041").Stdout.Should().Contain("10041");
    }

    [Test]
    public void Hybrid_sample_puts_an_encrypted_password_in_AD_that_only_the_principal_decrypts()
    {
        Lapscsp("device", "create", "PC-3", "--state", _state, "--at", "2026-01-01T00:00:00Z");
        Lapscsp("apply", Sample("accounts-create-managed-account.xml"), "--state", _state, "--device", "PC-3");
        Lapscsp("apply", Sample("laps-hybrid-ad-backup.xml"), "--state", _state, "--device", "PC-3");
        var password = Lapscsp("device", "password", "PC-3", "--state", _state).Stdout.Trim().Split('\t')[1];

        var shown = Lapscsp("directory", "show", "PC-3", "--state", _state, "--as", "LAPSAdmins@contoso.com");
        shown.ExitCode.Should().Be(0, shown.Stderr);
        shown.Stdout.Should().Contain("msLAPS-EncryptedPassword").And.Contain($"decrypted as LAPSAdmins@contoso.com: ContosoLocalLapsAdmin {password}");
        Lapscsp("directory", "show", "PC-3", "--state", _state, "--as", "someone@contoso.com").ExitCode.Should().Be(1);
    }

    [Test]
    public void Commands_on_an_unknown_device_exit_2_with_a_hint()
    {
        var result = Lapscsp("device", "show", "NOPE", "--state", _state);
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Contain("lapscsp device create");
    }

    [Test]
    public void Creating_a_device_twice_is_refused()
    {
        Lapscsp("device", "create", "PC-4", "--state", _state).ExitCode.Should().Be(0);
        Lapscsp("device", "create", "PC-4", "--state", _state).ExitCode.Should().Be(2);
    }
}
