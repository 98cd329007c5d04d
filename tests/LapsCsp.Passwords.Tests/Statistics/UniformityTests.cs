using LapsCsp.Passwords.Randomness;
using LapsCsp.Passwords.Tests.Randomness;
using LapsCsp.Passwords.Wordlists;

namespace LapsCsp.Passwords.Tests.Statistics;

/// <summary>Chi-square tests of the generator's output against the distribution its method promises. The null
/// hypothesis for passwords is not "uniform over the alphabet": the one-per-set guarantee makes a character of a set
/// of size s appear with probability (1/s + (length - sets)/|alphabet|) / length (see
/// <see cref="LapsPasswordGenerator.GeneratePassword"/>). Every test uses the crypto source and rejects at p &lt; 1e-6.</summary>
public class UniformityTests
{
    [Test]
    public void Password_characters_follow_the_per_set_guarantee_distribution([Range(1, 5)] int complexity)
    {
        var result = CharacterFrequencyTest(CryptoRandomSource.Instance, complexity, length: 64, characters: 200_000);

        result.RejectsUniformity.Should().BeFalse(result.ToString());
    }

    [Test]
    public void Password_positions_are_exchangeable_after_the_shuffle()
    {
        // Complexity 4, length 8: half the characters are guaranteed ones, so a missing or skewed shuffle would
        // show as the upper case guarantee piling up at position 0 and the special one at position 3. Each password
        // contributes one position (round robin) so the observations are independent, as chi-square assumes.
        const int Length = 8;
        const int Passwords = 80_000;
        var sets = LapsCharacterSets.SetsFor(4);
        var generator = new LapsPasswordGenerator(CryptoRandomSource.Instance);
        var observed = new long[Length * sets.Length];
        for (var n = 0; n < Passwords; n++)
        {
            var position = n % Length;
            var password = generator.GeneratePassword(4, Length);
            observed[(position * sets.Length) + SetIndex(sets, password[position])]++;
        }

        var expectedPerSet = sets.Select(s => 1 + ((Length - sets.Length) * s.Length / 80.0)).ToArray();
        var expected = Enumerable.Range(0, Length)
            .SelectMany(_ => expectedPerSet.Select(e => (double)Passwords / Length * e / Length))
            .ToArray();
        var result = ChiSquare.Test(observed, expected, degreesOfFreedom: Length * (sets.Length - 1));

        result.RejectsUniformity.Should().BeFalse(result.ToString());
    }

    [TestCase(6, 10, 38_880, TestName = "Passphrase_words_are_uniform_over_the_long_list")]
    [TestCase(7, 6, 43_200, TestName = "Passphrase_words_are_uniform_over_short_list_1")]
    [TestCase(8, 6, 43_200, TestName = "Passphrase_words_are_uniform_over_short_list_2")]
    public void Passphrase_words_are_uniform_over_their_list(int complexity, int words, int passphrases)
    {
        var result = WordFrequencyTest(CryptoRandomSource.Instance, complexity, words, passphrases);

        result.RejectsUniformity.Should().BeFalse(result.ToString());
    }

    [Test]
    public void Chi_square_detects_a_modulo_biased_source_in_passwords()
    {
        var result = CharacterFrequencyTest(new ByteModuloRandomSource(seed: 7), complexity: 4, length: 64, characters: 200_000);

        result.RejectsUniformity.Should().BeTrue(result.ToString());
    }

    [Test]
    public void Chi_square_detects_an_always_zero_source_in_passwords()
    {
        var result = CharacterFrequencyTest(new AlwaysZeroRandomSource(), complexity: 4, length: 64, characters: 200_000);

        result.RejectsUniformity.Should().BeTrue(result.ToString());
    }

    [Test]
    public void Chi_square_detects_a_byte_scaled_source_in_passphrases()
    {
        var result = WordFrequencyTest(new ByteScaledRandomSource(seed: 7), complexity: 7, words: 6, passphrases: 43_200);

        result.RejectsUniformity.Should().BeTrue(result.ToString());
    }

    [Test]
    public void Chi_square_detects_an_always_zero_source_in_passphrases()
    {
        var result = WordFrequencyTest(new AlwaysZeroRandomSource(), complexity: 7, words: 6, passphrases: 43_200);

        result.RejectsUniformity.Should().BeTrue(result.ToString());
    }

    /// <summary>Why the null hypothesis above is not plain uniformity: at complexity 4 and length 64 the digit guarantee
    /// lifts digits from 10/80 = 12.5% of characters to (1 + 60 * 10/80) / 64 = 13.28%. 640,000 characters measure the
    /// share to +-0.04% (one standard deviation).</summary>
    [Test]
    public void Per_set_guarantee_makes_digits_more_frequent_than_uniform_at_complexity_4()
    {
        var generator = new LapsPasswordGenerator(CryptoRandomSource.Instance);
        long digits = 0;
        const int Passwords = 10_000;
        for (var n = 0; n < Passwords; n++)
        {
            digits += generator.GeneratePassword(4, 64).Count(char.IsAsciiDigit);
        }

        var share = digits / (Passwords * 64.0);

        share.Should().BeApproximately(0.85 / 64 * 10, 0.003).And.BeGreaterThan(0.129);
    }

    private static ChiSquareResult CharacterFrequencyTest(IRandomSource source, int complexity, int length, int characters)
    {
        var generator = new LapsPasswordGenerator(source, PassphraseWordLists.Default);
        var sets = LapsCharacterSets.SetsFor(complexity);
        var alphabet = LapsCharacterSets.AlphabetFor(complexity);
        var passwords = characters / length;
        var observed = new long[alphabet.Length];
        for (var n = 0; n < passwords; n++)
        {
            foreach (var c in generator.GeneratePassword(complexity, length))
            {
                observed[alphabet.IndexOf(c, StringComparison.Ordinal)]++;
            }
        }

        var expected = alphabet
            .Select(c => passwords * ((1.0 / sets[SetIndex(sets, c)].Length) + ((double)(length - sets.Length) / alphabet.Length)))
            .ToArray();
        return ChiSquare.Test(observed, expected);
    }

    private static ChiSquareResult WordFrequencyTest(IRandomSource source, int complexity, int words, int passphrases)
    {
        var generator = new LapsPasswordGenerator(source, PassphraseWordLists.Default);
        var list = PassphraseWordLists.Default.WordsFor(complexity);
        var index = list.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i, StringComparer.Ordinal);
        var observed = new long[list.Length];
        for (var n = 0; n < passphrases; n++)
        {
            foreach (var word in Passphrases.PassphraseText.SplitWords(generator.GeneratePassphrase(complexity, words)))
            {
                observed[index[word]]++;
            }
        }

        var expected = Enumerable.Repeat((double)passphrases * words / list.Length, list.Length).ToArray();
        return ChiSquare.Test(observed, expected);
    }

    private static int SetIndex(IReadOnlyList<string> sets, char c)
    {
        for (var i = 0; i < sets.Count; i++)
        {
            if (sets[i].Contains(c, StringComparison.Ordinal)) return i;
        }

        throw new AssertionException($"'{c}' is in no set");
    }
}
