using System.Security.Cryptography;
using LapsCsp.Passwords.Wordlists;
using LapsCsp.Testing;

namespace LapsCsp.Passwords.Tests.Wordlists;

public class WordListTests
{
    private static readonly PassphraseWordLists s_lists = PassphraseWordLists.Default;

    private static string SharedList(string fileName) => Path.Combine(RepoPaths.Shared, "data", "eff-wordlists", fileName);

    private static string ProjectCopy(string fileName) =>
        Path.Combine(RepoPaths.Root, "src", "LapsCsp.Passwords", "Wordlists", fileName);

    private static byte[] EmbeddedBytes(string fileName)
    {
        using var stream = PassphraseWordLists.OpenEmbedded(fileName);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    /// <summary>The digest (C.8) says 1276 words for 7 and 8; the EFF files hold 1296 lines. The files win.</summary>
    [Test]
    public void Word_counts_are_7776_1296_1296_by_complexity()
    {
        s_lists.WordCounts.Should().Equal(new Dictionary<int, int> { [6] = 7776, [7] = 1296, [8] = 1296 });
    }

    [TestCase(6, PassphraseWordLists.LargeListFile, "abacus", "zoom")]
    [TestCase(7, PassphraseWordLists.ShortList1File, "acid", "zoom")]
    [TestCase(8, PassphraseWordLists.ShortList2File, "aardvark", "zucchini")]
    public void List_matches_the_shared_file_line_for_line(int complexity, string fileName, string first, string last)
    {
        var lines = File.ReadAllLines(SharedList(fileName));
        var words = s_lists.WordsFor(complexity);

        words.Should().HaveCount(lines.Length);
        s_lists.WordCounts[complexity].Should().Be(lines.Length);
        words.Should().Equal(lines.Select(l => l[(l.IndexOf('\t', StringComparison.Ordinal) + 1)..]));
        words[0].Should().Be(first);
        words[^1].Should().Be(last);
    }

    [TestCase(PassphraseWordLists.LargeListFile, "addd35536511597a02fa0a9ff1e5284677b8883b83e986e43f15a3db996b903e")]
    [TestCase(PassphraseWordLists.ShortList1File, "8f5ca830b8bffb6fe39c9736c024a00a6a6411adb3f83a9be8bfeeb6e067ae69")]
    [TestCase(PassphraseWordLists.ShortList2File, "22b45c52e0bd0bbf03aa522240b111eb4c7c0c1d86c4e518e1be2a7eb2a625e4")]
    [TestCase(PassphraseWordLists.NoticeFile, null)]
    public void Embedded_file_and_project_copy_are_byte_identical_to_the_shared_file(string fileName, string? sha256)
    {
        var shared = File.ReadAllBytes(SharedList(fileName));

        EmbeddedBytes(fileName).Should().Equal(shared);
        File.ReadAllBytes(ProjectCopy(fileName)).Should().Equal(shared);
        if (sha256 is not null)
        {
            Convert.ToHexStringLower(SHA256.HashData(shared)).Should().Be(sha256, "the EFF's published digest (README table)");
        }
    }

    [Test]
    public void Attribution_to_the_EFF_ships_inside_the_assembly()
    {
        var notice = PassphraseWordLists.AttributionNotice;

        notice.Should().Contain("Electronic Frontier Foundation").And.Contain("CC BY 3.0 US")
            .And.Contain("https://creativecommons.org/licenses/by/3.0/us/");
        PassphraseWordLists.Attribution.Should().Contain("Electronic Frontier Foundation").And.Contain("CC BY 3.0 US");
        notice.ReplaceLineEndings(" ").Should().Contain("used under CC BY 3.0 US.");
    }

    [Test]
    public void Short_list_2_has_unique_three_letter_prefixes()
    {
        s_lists.ShortWordsWithUniquePrefixes.Select(w => w[..3]).Should().OnlyHaveUniqueItems();
    }

    [Test]
    public void Hyphenated_entries_are_kept_as_the_EFF_published_them()
    {
        s_lists.LongWords.Where(w => w.Contains('-', StringComparison.Ordinal))
            .Should().Equal("drop-down", "felt-tip", "t-shirt", "yo-yo");
        s_lists.ShortWords.Where(w => w.Contains('-', StringComparison.Ordinal)).Should().Equal("yo-yo");
        s_lists.ShortWords.Should().Contain("yoyo");
        s_lists.ShortWordsWithUniquePrefixes.Where(w => w.Contains('-', StringComparison.Ordinal)).Should().Equal("yo-yo");
    }

    [Test]
    public void Default_is_loaded_once()
    {
        PassphraseWordLists.Default.Should().BeSameAs(s_lists);
    }

    [TestCase(6, 6, 77.549, TestName = "EntropyBits_6_long_words_is_77_5")]
    [TestCase(7, 6, 62.039, TestName = "EntropyBits_6_short_words_is_62_0")]
    [TestCase(8, 3, 31.020, TestName = "EntropyBits_3_unique_prefix_words_is_31_0")]
    [TestCase(6, 10, 129.248, TestName = "EntropyBits_10_long_words_is_129_2")]
    public void EntropyBits_of_a_passphrase_is_log2_list_size_per_word(int complexity, int words, double bits)
    {
        s_lists.EntropyBits(new LapsPasswordSettings(complexity, PasswordLength: 0, PassphraseLength: words))
            .Should().BeApproximately(bits, 0.001);
    }

    [TestCase(4, 14, 88.507, TestName = "EntropyBits_14_characters_complexity_4_is_88_5")]
    [TestCase(5, 14, 84.0, TestName = "EntropyBits_14_characters_complexity_5_is_84")]
    [TestCase(1, 8, 37.603, TestName = "EntropyBits_8_characters_complexity_1_is_37_6")]
    [TestCase(3, 64, 381.069, TestName = "EntropyBits_64_characters_complexity_3_is_381_1")]
    public void EntropyBits_of_a_password_is_log2_alphabet_size_per_character(int complexity, int length, double bits)
    {
        s_lists.EntropyBits(new LapsPasswordSettings(complexity, PasswordLength: length, PassphraseLength: 0))
            .Should().BeApproximately(bits, 0.001);
        LapsCharacterSets.EntropyBits(complexity, length).Should().BeApproximately(bits, 0.001);
    }

    [TestCase(0, 14, 6)]
    [TestCase(9, 14, 6)]
    [TestCase(4, 65, 6)]
    [TestCase(6, 14, 2)]
    public void EntropyBits_rejects_out_of_range_settings(int complexity, int passwordLength, int passphraseLength)
    {
        s_lists.Invoking(l => l.EntropyBits(new LapsPasswordSettings(complexity, passwordLength, passphraseLength)))
            .Should().Throw<ArgumentOutOfRangeException>();
    }

    [TestCase("1111\tacid\n1112\tacorn\n", new[] { "acid", "acorn" }, TestName = "Parse_reads_dice_code_tab_word_lines")]
    [TestCase("1111\tacid\r\n1112\tyo-yo\r\n", new[] { "acid", "yo-yo" }, TestName = "Parse_accepts_CRLF_and_inner_hyphens")]
    public void Parse_reads_the_EFF_format(string text, string[] expected)
    {
        PassphraseWordLists.Parse(new StringReader(text), "test").Should().Equal(expected);
    }

    [TestCase("1111 acid\n", 1, TestName = "Parse_rejects_a_line_without_tab")]
    [TestCase("1111\tacid\n1117\tacorn\n", 2, TestName = "Parse_rejects_a_dice_code_with_7")]
    [TestCase("1112\tacid\n1111\tacorn\n", 2, TestName = "Parse_rejects_dice_codes_out_of_order")]
    [TestCase("1111\tacid\n11112\tacorn\n", 2, TestName = "Parse_rejects_dice_codes_of_mixed_length")]
    [TestCase("1111\tacid\n1112\tacid\n", 2, TestName = "Parse_rejects_a_repeated_word")]
    [TestCase("1111\tAcid\n", 1, TestName = "Parse_rejects_an_upper_case_word")]
    [TestCase("1111\t\n", 1, TestName = "Parse_rejects_an_empty_word")]
    [TestCase("1111\tacid\n\n", 2, TestName = "Parse_rejects_a_blank_line")]
    public void Parse_rejects_malformed_lines_naming_the_line(string text, int line)
    {
        FluentActions.Invoking(() => PassphraseWordLists.Parse(new StringReader(text), "test.txt"))
            .Should().Throw<InvalidDataException>().WithMessage($"test.txt line {line}:*");
    }

    [Test]
    public void Constructor_rejects_empty_lists_and_empty_words()
    {
        FluentActions.Invoking(() => new PassphraseWordLists([], ["a"], ["b"])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new PassphraseWordLists(default, ["a"], ["b"])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new PassphraseWordLists(["a"], ["a", ""], ["b"])).Should().Throw<ArgumentException>();
    }
}
