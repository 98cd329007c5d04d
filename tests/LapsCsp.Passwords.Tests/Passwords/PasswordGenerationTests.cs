using LapsCsp.Passwords.Randomness;
using LapsCsp.Passwords.Tests.Randomness;
using LapsCsp.Passwords.Wordlists;

namespace LapsCsp.Passwords.Tests.Passwords;

public class PasswordGenerationTests
{
    private readonly LapsPasswordGenerator _generator = new(CryptoRandomSource.Instance);

    [Test]
    public void Password_has_exact_length_uses_only_its_alphabet_and_holds_every_set(
        [Range(1, 5)] int complexity,
        [Values(8, 14, 64)] int length)
    {
        var alphabet = LapsCharacterSets.AlphabetFor(complexity).ToHashSet();
        var sets = LapsCharacterSets.SetsFor(complexity);
        var problems = new List<string>();

        for (var i = 0; i < 2000; i++)
        {
            var password = _generator.GeneratePassword(complexity, length);

            if (password.Length != length) problems.Add($"{password}: length {password.Length}");
            if (!password.All(alphabet.Contains)) problems.Add($"{password}: character outside the alphabet");
            problems.AddRange(sets.Where(set => password.IndexOfAny(set.ToCharArray()) < 0).Select(set => $"{password}: none of {set}"));
        }

        problems.Should().BeEmpty();
    }

    [Test]
    public void Complexity_5_never_yields_ambiguous_or_removed_characters()
    {
        var forbidden = "IOQlo01-$/,.&{}[]();".ToCharArray();

        var offending = Enumerable.Range(0, 5000)
            .Select(_ => _generator.GeneratePassword(5, 64))
            .Where(password => password.IndexOfAny(forbidden) >= 0)
            .ToList();

        offending.Should().BeEmpty();
    }

    [Test]
    public void Guaranteed_characters_are_shuffled_into_place()
    {
        var script = new ScriptedRandomSource(0);
        var generator = new LapsPasswordGenerator(script, PassphraseWordLists.Default);

        // Every draw 0: guarantees 'A', 'a', '0', ',' then 'A' x4 from the union; Fisher-Yates swapping each position
        // i = 7..1 with 0 rotates the buffer left by one, so the guaranteed 'A' goes last and 'a' comes first.
        generator.GeneratePassword(4, 8).Should().Be("a0,AAAAA");
    }

    [Test]
    public void Generate_with_default_settings_gives_14_characters_of_complexity_4()
    {
        var password = _generator.Generate(new LapsPasswordSettings());

        password.Should().HaveLength(14);
        password.ToCharArray().Should().OnlyContain(c => LapsCharacterSets.AlphabetFor(4).Contains(c, StringComparison.Ordinal));
    }

    [Test]
    public void Generate_uses_PasswordLength_and_ignores_PassphraseLength_for_complexity_1_to_5([Range(1, 5)] int complexity)
    {
        var password = _generator.Generate(new LapsPasswordSettings(complexity, PasswordLength: 20, PassphraseLength: 0));

        password.Should().HaveLength(20);
    }

    [Test]
    public void Generate_uses_PassphraseLength_and_ignores_PasswordLength_for_complexity_6_to_8([Range(6, 8)] int complexity)
    {
        var passphrase = _generator.Generate(new LapsPasswordSettings(complexity, PasswordLength: 0, PassphraseLength: 4));

        passphrase.Count(char.IsAsciiLetterUpper).Should().Be(4);
    }

    [TestCase(0, 14, TestName = "GeneratePassword_rejects_complexity_0")]
    [TestCase(6, 14, TestName = "GeneratePassword_rejects_passphrase_complexity_6")]
    [TestCase(4, 7, TestName = "GeneratePassword_rejects_length_7")]
    [TestCase(4, 65, TestName = "GeneratePassword_rejects_length_65")]
    public void GeneratePassword_rejects_out_of_range_arguments(int complexity, int length)
    {
        _generator.Invoking(g => g.GeneratePassword(complexity, length)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [TestCase(0, 14, 6, TestName = "Generate_rejects_complexity_0")]
    [TestCase(9, 14, 6, TestName = "Generate_rejects_complexity_9")]
    [TestCase(4, 100, 6, TestName = "Generate_rejects_PasswordLength_100_for_a_password")]
    [TestCase(8, 14, 11, TestName = "Generate_rejects_PassphraseLength_11_for_a_passphrase")]
    public void Generate_rejects_out_of_range_settings(int complexity, int passwordLength, int passphraseLength)
    {
        _generator.Invoking(g => g.Generate(new LapsPasswordSettings(complexity, passwordLength, passphraseLength)))
            .Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public void Generator_requires_its_collaborators()
    {
        FluentActions.Invoking(() => new LapsPasswordGenerator(null!, PassphraseWordLists.Default))
            .Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new LapsPasswordGenerator(CryptoRandomSource.Instance, null!))
            .Should().Throw<ArgumentNullException>();
    }
}
