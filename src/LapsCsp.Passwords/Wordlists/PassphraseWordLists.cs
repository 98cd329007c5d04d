using System.Collections.Immutable;
using System.Globalization;

namespace LapsCsp.Passwords.Wordlists;

/// <summary>The word lists of LAPS passphrase complexities 6-8 (digest C.8): the EFF large list (7776 words), short
/// list 1 (1296 words) and short list 2.0 with unique three-letter prefixes (1296 words).</summary>
/// <remarks>
/// <para>The digest gives 1276 words for complexity 7 and 8: that is the count of Microsoft's "slightly modified" lists,
/// which were not retrievable (digest Q13). The files embedded here are the unmodified EFF originals, 1296 lines each,
/// so <see cref="Default"/> is not word-for-word what Windows draws from. A caller holding Microsoft's lists can build
/// an instance with the public constructor.</para>
/// <para>Licence: <see cref="Attribution"/>; the full notice (Wordlists/README.md) is embedded next to the lists and
/// readable as <see cref="AttributionNotice"/>.</para>
/// </remarks>
public sealed class PassphraseWordLists
{
    public const string Attribution =
        "EFF passphrase wordlists by the Electronic Frontier Foundation (https://www.eff.org/dice), used under CC BY 3.0 US.";

    internal const string ResourcePrefix = "LapsCsp.Passwords.Wordlists.";
    internal const string LargeListFile = "eff_large_wordlist.txt";
    internal const string ShortList1File = "eff_short_wordlist_1.txt";
    internal const string ShortList2File = "eff_short_wordlist_2_0.txt";
    internal const string NoticeFile = "README.md";

    private static readonly Lazy<PassphraseWordLists> s_default = new(LoadEmbedded);
    private static readonly Lazy<string> s_notice = new(() => ReadEmbeddedText(NoticeFile));

    /// <param name="longWords">Complexity 6.</param>
    /// <param name="shortWords">Complexity 7.</param>
    /// <param name="shortWordsWithUniquePrefixes">Complexity 8.</param>
    /// <exception cref="ArgumentException">A list is empty or holds an empty word.</exception>
    public PassphraseWordLists(
        ImmutableArray<string> longWords,
        ImmutableArray<string> shortWords,
        ImmutableArray<string> shortWordsWithUniquePrefixes)
    {
        LongWords = CheckList(longWords, nameof(longWords));
        ShortWords = CheckList(shortWords, nameof(shortWords));
        ShortWordsWithUniquePrefixes = CheckList(shortWordsWithUniquePrefixes, nameof(shortWordsWithUniquePrefixes));
        WordCounts = ImmutableSortedDictionary.CreateRange(
        [
            KeyValuePair.Create(6, LongWords.Length),
            KeyValuePair.Create(7, ShortWords.Length),
            KeyValuePair.Create(8, ShortWordsWithUniquePrefixes.Length),
        ]);
    }

    /// <summary>The embedded EFF lists, parsed once on first use. Thread-safe.</summary>
    public static PassphraseWordLists Default => s_default.Value;

    /// <summary>The embedded Wordlists/README.md: provenance and the CC BY 3.0 US attribution to the EFF.</summary>
    public static string AttributionNotice => s_notice.Value;

    /// <summary>Complexity 6, "long words": <c>eff_large_wordlist.txt</c>.</summary>
    public ImmutableArray<string> LongWords { get; }

    /// <summary>Complexity 7, "short words": <c>eff_short_wordlist_1.txt</c>.</summary>
    public ImmutableArray<string> ShortWords { get; }

    /// <summary>Complexity 8, "short words with unique prefixes": <c>eff_short_wordlist_2_0.txt</c>.</summary>
    public ImmutableArray<string> ShortWordsWithUniquePrefixes { get; }

    /// <summary>Words per list, keyed by complexity: 6 = 7776, 7 = 1296, 8 = 1296 for <see cref="Default"/>.</summary>
    public ImmutableSortedDictionary<int, int> WordCounts { get; }

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="complexity"/> is not 6-8.</exception>
    public ImmutableArray<string> WordsFor(int complexity) => complexity switch
    {
        6 => LongWords,
        7 => ShortWords,
        8 => ShortWordsWithUniquePrefixes,
        _ => throw new ArgumentOutOfRangeException(nameof(complexity), complexity, "Passphrase complexity must be 6-8."),
    };

    /// <summary>Nominal entropy of a generated secret: log2(alphabet size) * PasswordLength for complexity 1-5,
    /// log2(list size) * PassphraseLength for 6-8. Only the length that applies to the complexity is read (digest D4).</summary>
    /// <remarks>
    /// With the defaults (14 characters, 6 words) and <see cref="Default"/>:
    /// <code>
    /// complexity  alphabet / list   bits
    ///   1            26 chars        65.8
    ///   2            52 chars        79.8
    ///   3            62 chars        83.4
    ///   4            80 chars        88.5   (Microsoft's table: 89)
    ///   5            64 chars        84.0   (Microsoft's table: 84)
    ///   6          7776 words        77.5
    ///   7          1296 words        62.0   (61.9 with Microsoft's 1276-word list)
    ///   8          1296 words        62.0   (61.9 with Microsoft's 1276-word list)
    /// </code>
    /// For passwords this is an upper bound (see <see cref="LapsCharacterSets.EntropyBits"/>); for passphrases it is
    /// exact, words being drawn independently and uniformly.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The complexity or the length that applies to it is out of range.</exception>
    public double EntropyBits(LapsPasswordSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.CheckComplexity();
        if (!settings.IsPassphrase)
        {
            return LapsCharacterSets.EntropyBits(settings.Complexity, settings.PasswordLength);
        }

        CheckWordCount(settings.PassphraseLength);
        return Math.Log2(WordsFor(settings.Complexity).Length) * settings.PassphraseLength;
    }

    internal static void CheckWordCount(int words)
    {
        if (words is < LapsPasswordSettings.MinPassphraseWords or > LapsPasswordSettings.MaxPassphraseWords)
        {
            throw new ArgumentOutOfRangeException(nameof(words), words, "PassphraseLength must be 3-10 words.");
        }
    }

    /// <summary>Parses the EFF format: one <c>dice-code TAB word</c> per line. Dice codes are digits 1-6, all of one length,
    /// strictly increasing; words are lower-case a-z with inner hyphens (<c>yo-yo</c>), each once.</summary>
    /// <exception cref="InvalidDataException">A line breaks the format; the message names the source and line.</exception>
    internal static ImmutableArray<string> Parse(TextReader reader, string source)
    {
        var words = ImmutableArray.CreateBuilder<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? previousCode = null;
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab <= 0)
            {
                throw Invalid(source, lineNumber, "expected 'dice-code<TAB>word'");
            }

            var code = line[..tab];
            var word = line[(tab + 1)..];
            if (!code.All(c => c is >= '1' and <= '6'))
            {
                throw Invalid(source, lineNumber, $"dice code '{code}' is not made of digits 1-6");
            }

            if (previousCode is not null
                && (code.Length != previousCode.Length || string.CompareOrdinal(code, previousCode) <= 0))
            {
                throw Invalid(source, lineNumber, $"dice code '{code}' does not follow '{previousCode}'");
            }

            if (word.Length == 0 || word[0] == '-' || word[^1] == '-' || !word.All(c => c is (>= 'a' and <= 'z') or '-'))
            {
                throw Invalid(source, lineNumber, $"word '{word}' is not lower-case a-z with inner hyphens");
            }

            if (!seen.Add(word))
            {
                throw Invalid(source, lineNumber, $"word '{word}' appears twice");
            }

            previousCode = code;
            words.Add(word);
        }

        return words.ToImmutable();
    }

    internal static Stream OpenEmbedded(string fileName) =>
        typeof(PassphraseWordLists).Assembly.GetManifestResourceStream(ResourcePrefix + fileName)
        ?? throw new InvalidOperationException($"Embedded resource {ResourcePrefix}{fileName} is missing from the assembly.");

    private static PassphraseWordLists LoadEmbedded() =>
        new(ParseEmbedded(LargeListFile), ParseEmbedded(ShortList1File), ParseEmbedded(ShortList2File));

    private static ImmutableArray<string> ParseEmbedded(string fileName)
    {
        using var reader = new StreamReader(OpenEmbedded(fileName));
        return Parse(reader, fileName);
    }

    private static string ReadEmbeddedText(string fileName)
    {
        using var reader = new StreamReader(OpenEmbedded(fileName));
        return reader.ReadToEnd();
    }

    private static ImmutableArray<string> CheckList(ImmutableArray<string> words, string name)
    {
        if (words.IsDefaultOrEmpty)
        {
            throw new ArgumentException("A passphrase word list must not be empty.", name);
        }

        if (words.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("A passphrase word list must not hold empty words.", name);
        }

        return words;
    }

    private static InvalidDataException Invalid(string source, int line, string problem) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{source} line {line}: {problem}."));
}
