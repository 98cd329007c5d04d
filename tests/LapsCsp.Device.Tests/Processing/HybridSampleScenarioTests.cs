using LapsCsp.Device.Events;
using LapsCsp.Directory.ActiveDirectory;

namespace LapsCsp.Device.Tests.Processing;

/// <summary>The second "done when": the hybrid sample puts an encrypted password and a 6-deep history in AD that
/// only LAPSAdmins@contoso.com can decrypt.</summary>
public sealed class HybridSampleScenarioTests
{
    private const string ManagedAccount = "ContosoLocalLapsAdmin";
    private const string Principal = "LAPSAdmins@contoso.com";

    [Test]
    public void The_hybrid_sample_keeps_an_encrypted_password_and_six_older_ones_in_AD_readable_only_by_LAPSAdmins()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice(new DeviceOptions { PasswordSeed = 3, EventLogCapacity = 20_000 });
        EntraSampleScenarioTests.CreateManagedAccount(device);
        world.Domain.AddGroupMember("CONTOSO\\LAPSAdmins", "CONTOSO\\alice");
        var t0 = world.Now;

        device.Apply(Packages.Sample("laps-hybrid-ad-backup.xml")).Codes().Should().AllBeEquivalentTo(200);
        world.AdvanceDays(180, device);

        // PasswordAgeDays 20: rotations at 0, 20, ..., 180 days.
        var rotations = device.Events.Query(LapsEventIds.AdUpdated).Select(e => e.TimeCreated).ToList();
        rotations.Should().Equal(Enumerable.Range(0, 10).Select(k => t0 + TimeSpan.FromDays(20 * k)));
        device.Events.Query(LapsEventIds.PolicyDumpActiveDirectory).Should().NotBeEmpty();
        device.Events.Query(LapsEventIds.PolicyDumpActiveDirectory)[0].Message.Should()
            .Contain("Policy source: CSP").And.Contain("Password encryption target principal: " + Principal).And.Contain("Encrypted password history size: 6");

        var attributes = world.Domain.GetAttributes(device.Identity.DeviceId)!;
        attributes.Password.Should().BeNull("encryption is on: no clear msLAPS-Password");
        attributes.EncryptedPassword.Should().NotBeNull();
        attributes.EncryptedPasswordHistory.Should().HaveCount(6);
        attributes.PasswordExpiration.Should().Be(rotations[^1] + TimeSpan.FromDays(20));

        var current = world.Domain.Decrypt(device.Identity.DeviceId, Principal);
        current!.AccountName.Should().Be(ManagedAccount);
        device.Accounts.CheckPassword(ManagedAccount, current.Password).Should().BeTrue();
        current.Password.Should().HaveLength(14).And.MatchRegex("^[A-Za-z0-9]+$", "complexity 3 is letters and digits");
        current.UpdateTime.Should().Be(rotations[^1]);
        world.Domain.Decrypt(device.Identity.DeviceId, "CONTOSO\\alice")!.Password.Should().Be(current.Password, "alice is a member of LAPSAdmins");

        var history = Enumerable.Range(0, 6).Select(i => world.Domain.Decrypt(device.Identity.DeviceId, Principal, i)!).ToList();
        history.Select(h => h.UpdateTime).Should().Equal(rotations.AsEnumerable().Reverse().Skip(1).Take(6), "history is newest first");
        history.Select(h => h.Password).Should().OnlyHaveUniqueItems().And.NotContain(current.Password);

        foreach (var outsider in new[] { "CONTOSO\\Domain Admins", "CONTOSO\\Administrator", "bob@contoso.com" })
        {
            var read = () => world.Domain.Decrypt(device.Identity.DeviceId, outsider);
            read.Should().Throw<LapsDecryptionDeniedException>(outsider + " is not LAPSAdmins");
            var readHistory = () => world.Domain.Decrypt(device.Identity.DeviceId, outsider, 5);
            readHistory.Should().Throw<LapsDecryptionDeniedException>();
        }
    }

    [Test]
    public void The_hybrid_sample_on_an_Entra_joined_device_fails_each_cycle_without_touching_the_password()
    {
        using var world = new LapsWorld();
        var device = world.NewDevice(new DeviceOptions { JoinType = LapsCsp.Device.Identity.JoinType.EntraJoined, PasswordSeed = 1 });
        EntraSampleScenarioTests.CreateManagedAccount(device);

        device.Apply(Packages.Sample("laps-hybrid-ad-backup.xml"));
        world.AdvanceHours(3, device);

        device.Accounts.CheckPassword(ManagedAccount, "Initial-P@ssw0rd-2026").Should().BeTrue();
        device.Events.Query(LapsEventIds.PolicyProcessingFailed).Should().HaveCount(4)
            .And.OnlyContain(e => e.Message.Contains("0x8007054B", StringComparison.Ordinal));
        device.Events.Query(LapsEventIds.NoWritableDomainController).Should().HaveCount(4);
    }
}
