using LapsCsp.Passwords.Randomness;

namespace LapsCsp.Passwords.Tests.Randomness;

public class RandomSourceTests
{
    private static IEnumerable<TestCaseData> Sources()
    {
        yield return new TestCaseData(CryptoRandomSource.Instance).SetArgDisplayNames("crypto");
        yield return new TestCaseData(new SeededRandomSource(42)).SetArgDisplayNames("seeded");
    }

    [TestCaseSource(nameof(Sources))]
    public void NextInt32_stays_in_range_and_reaches_every_value(IRandomSource source)
    {
        var values = Enumerable.Range(0, 2000).Select(_ => source.NextInt32(7)).ToList();

        values.Should().OnlyContain(v => v >= 0 && v < 7);
        values.Distinct().Should().HaveCount(7);
        source.NextInt32(1).Should().Be(0);
    }

    [TestCaseSource(nameof(Sources))]
    public void NextInt32_rejects_an_empty_range(IRandomSource source)
    {
        source.Invoking(s => s.NextInt32(0)).Should().Throw<ArgumentOutOfRangeException>();
        source.Invoking(s => s.NextInt32(-5)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public void SeededRandomSource_replays_the_same_password_and_passphrase_for_the_same_seed()
    {
        var first = new LapsPasswordGenerator(new SeededRandomSource(2024));
        var second = new LapsPasswordGenerator(new SeededRandomSource(2024));

        second.GeneratePassword(4, 14).Should().Be(first.GeneratePassword(4, 14));
        second.GeneratePassphrase(6, 6).Should().Be(first.GeneratePassphrase(6, 6));
        second.GeneratePassword(5, 64).Should().Be(first.GeneratePassword(5, 64));
    }

    [Test]
    public void SeededRandomSource_gives_different_passwords_for_different_seeds()
    {
        var one = new LapsPasswordGenerator(new SeededRandomSource(1)).GeneratePassword(4, 14);
        var two = new LapsPasswordGenerator(new SeededRandomSource(2)).GeneratePassword(4, 14);

        two.Should().NotBe(one);
    }

    [Test]
    public void CryptoRandomSource_gives_a_different_password_every_time()
    {
        var generator = new LapsPasswordGenerator(CryptoRandomSource.Instance);

        var passwords = Enumerable.Range(0, 1000).Select(_ => generator.GeneratePassword(4, 14)).ToList();

        passwords.Should().OnlyHaveUniqueItems("88 bits per password make a collision in 1000 draws all but impossible");
    }

    [Test]
    public void CryptoRandomSource_gives_different_passphrases()
    {
        var generator = new LapsPasswordGenerator(new CryptoRandomSource());

        generator.GeneratePassphrase(6, 6).Should().NotBe(generator.GeneratePassphrase(6, 6));
    }
}
