using System.Collections.Immutable;
using LapsCsp.Passwords.Randomness;
using LapsCsp.Passwords.Tests.Randomness;
using LapsCsp.Passwords.Wordlists;

namespace LapsCsp.Passwords.Tests.Passphrases;

public class PassphraseGenerationTests
{
    private readonly LapsPasswordGenerator _generator = new(CryptoRandomSource.Instance);

    [Test]
    public void Passphrase_is_capitalised_list_words_with_no_separators(
        [Range(6, 8)] int complexity,
        [Values(3, 6, 10)] int words)
    {
        var list = PassphraseWordLists.Default.WordsFor(complexity).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();

        for (var i = 0; i < 500; i++)
        {
            var passphrase = _generator.GeneratePassphrase(complexity, words);

            var split = PassphraseText.SplitWords(passphrase);
            if (!char.IsAsciiLetterUpper(passphrase[0])) problems.Add($"{passphrase}: does not start with a capital");
            if (passphrase.Any(c => !char.IsAsciiLetter(c) && c != '-')) problems.Add($"{passphrase}: separator or stray character");
            if (split.Count != words) problems.Add($"{passphrase}: {split.Count} words");
            problems.AddRange(split.Where(w => !list.Contains(w)).Select(w => $"{passphrase}: '{w}' is not in the list"));
        }

        problems.Should().BeEmpty();
    }

    [Test]
    public void Passphrase_reproduces_the_documented_example_from_the_long_list()
    {
        var list = PassphraseWordLists.Default.LongWords;
        string[] words = ["skiing", "produce", "identify", "starlit", "octane", "distress"];
        var generator = new LapsPasswordGenerator(
            new ScriptedRandomSource([.. words.Select(w => list.IndexOf(w))]), PassphraseWordLists.Default);

        generator.GeneratePassphrase(6, 6).Should().Be("SkiingProduceIdentifyStarlitOctaneDistress");
    }

    [Test]
    public void Hyphenated_words_keep_their_hyphen_and_only_the_first_letter_is_capitalised()
    {
        var lists = new PassphraseWordLists(["yo-yo"], ["t-shirt"], ["zucchini"]);
        var generator = new LapsPasswordGenerator(CryptoRandomSource.Instance, lists);

        generator.GeneratePassphrase(6, 3).Should().Be("Yo-yoYo-yoYo-yo");
        generator.GeneratePassphrase(7, 3).Should().Be("T-shirtT-shirtT-shirt");
        generator.GeneratePassphrase(8, 3).Should().Be("ZucchiniZucchiniZucchini");
    }

    [Test]
    public void Generator_draws_from_the_lists_it_was_given()
    {
        ImmutableArray<string> replacement = ["alpha", "bravo", "charlie"];
        var lists = new PassphraseWordLists(replacement, replacement, replacement);
        var generator = new LapsPasswordGenerator(CryptoRandomSource.Instance, lists);

        PassphraseText.SplitWords(generator.GeneratePassphrase(7, 10)).Should().BeSubsetOf(replacement);
    }

    [TestCase(5, 6, TestName = "GeneratePassphrase_rejects_password_complexity_5")]
    [TestCase(9, 6, TestName = "GeneratePassphrase_rejects_complexity_9")]
    [TestCase(6, 2, TestName = "GeneratePassphrase_rejects_2_words")]
    [TestCase(6, 11, TestName = "GeneratePassphrase_rejects_11_words")]
    public void GeneratePassphrase_rejects_out_of_range_arguments(int complexity, int words)
    {
        _generator.Invoking(g => g.GeneratePassphrase(complexity, words)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
