using System.Text;
using LapsCsp.Passwords.Randomness;
using LapsCsp.Passwords.Wordlists;

namespace LapsCsp.Passwords;

/// <summary>Generates LAPS passwords (complexity 1-5, digest C.7) and passphrases (complexity 6-8, digest C.8).
/// Thread-safe when its <see cref="IRandomSource"/> is (<see cref="CryptoRandomSource"/> is; a
/// <see cref="SeededRandomSource"/> is not).</summary>
/// <remarks>Arguments are checked and out-of-range values throw <see cref="ArgumentOutOfRangeException"/>: policy values
/// arriving over OMA-DM are validated against the DDF before they get here, so a throw means a bug, not bad input.</remarks>
public sealed class LapsPasswordGenerator
{
    private readonly IRandomSource _random;
    private readonly PassphraseWordLists _wordLists;

    public LapsPasswordGenerator(IRandomSource random, PassphraseWordLists wordLists)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(wordLists);
        _random = random;
        _wordLists = wordLists;
    }

    /// <summary>Uses <see cref="PassphraseWordLists.Default"/>.</summary>
    public LapsPasswordGenerator(IRandomSource random)
        : this(random, PassphraseWordLists.Default)
    {
    }

    /// <summary>A password or a passphrase as the complexity says: 1-5 use <see cref="LapsPasswordSettings.PasswordLength"/>,
    /// 6-8 use <see cref="LapsPasswordSettings.PassphraseLength"/>; the other length is ignored (digest D4).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The complexity or the length that applies to it is out of range.</exception>
    public string Generate(LapsPasswordSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.CheckComplexity();
        return settings.IsPassphrase
            ? GeneratePassphrase(settings.Complexity, settings.PassphraseLength)
            : GeneratePassword(settings.Complexity, settings.PasswordLength);
    }

    /// <summary>A password of <paramref name="length"/> characters holding at least one character of each set of
    /// <paramref name="complexity"/> (<see cref="LapsCharacterSets.SetsFor"/>).</summary>
    /// <remarks>
    /// <para>Method: one character drawn uniformly from each set, the other <c>length - sets</c> characters drawn uniformly
    /// from the union of the sets, then a uniform Fisher-Yates shuffle so the guaranteed characters sit anywhere. Every
    /// draw goes through <see cref="IRandomSource.NextInt32"/>, which is unbiased for the crypto source.</para>
    /// <para>The result always satisfies the per-set guarantee but is only approximately uniform over the strings that do:
    /// a string with <c>c_i</c> characters from set <c>i</c> has probability proportional to the product of the
    /// <c>c_i</c>, so strings with several characters of every set are somewhat favoured over strings that hold exactly one
    /// of some set. Per character, a set of size <c>s</c> is drawn with probability
    /// <c>(1/s + (length - sets)/|union|) / length</c> per character of it instead of <c>1/|union|</c>: at complexity 4 and
    /// length 64 each digit comes out 6.25% more often than 1/80, each letter 1.4% less, each special 0.7% more.
    /// The algorithm Windows uses is not documented; this one matches its documented guarantee and alphabet.</para>
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">complexity not 1-5 or length not 8-64.</exception>
    public string GeneratePassword(int complexity, int length)
    {
        var sets = LapsCharacterSets.SetsFor(complexity);
        LapsCharacterSets.CheckLength(length);
        var alphabet = LapsCharacterSets.AlphabetFor(complexity);

        Span<char> buffer = stackalloc char[length];
        for (var i = 0; i < sets.Length; i++)
        {
            buffer[i] = Pick(sets[i]);
        }

        for (var i = sets.Length; i < length; i++)
        {
            buffer[i] = Pick(alphabet);
        }

        for (var i = length - 1; i > 0; i--)
        {
            var j = _random.NextInt32(i + 1);
            (buffer[i], buffer[j]) = (buffer[j], buffer[i]);
        }

        var password = new string(buffer);
        buffer.Clear();
        return password;
    }

    /// <summary>A passphrase of <paramref name="words"/> words drawn uniformly and independently from the list of
    /// <paramref name="complexity"/> (<see cref="PassphraseWordLists.WordsFor"/>), each with its first letter capitalised
    /// and nothing between them, e.g. <c>SkiingProduceIdentifyStarlitOctaneDistress</c> (digest C.8).</summary>
    /// <remarks>Only the first letter changes case: the EFF's hyphenated words keep their hyphen (<c>Yo-yo</c>).</remarks>
    /// <exception cref="ArgumentOutOfRangeException">complexity not 6-8 or words not 3-10.</exception>
    public string GeneratePassphrase(int complexity, int words)
    {
        var list = _wordLists.WordsFor(complexity);
        PassphraseWordLists.CheckWordCount(words);

        var builder = new StringBuilder(words * 10);
        for (var i = 0; i < words; i++)
        {
            var word = list[_random.NextInt32(list.Length)];
            builder.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
        }

        return builder.ToString();
    }

    private char Pick(string set) => set[_random.NextInt32(set.Length)];
}
