using System.Collections.Immutable;

namespace LapsCsp.Passwords;

/// <summary>The character sets of LAPS <c>PasswordComplexity</c> 1-5 (digest C.7). A generated password holds at least one
/// character of every set of its complexity; the remaining characters come from the union of the sets.</summary>
/// <remarks>Complexity 5 ("improved readability") uses the literal sets from the Windows LAPS passwords doc. Its prose
/// lists fewer removed characters than the literal sets show (<c>-</c>, <c>$</c> and <c>/</c> are gone too); the literal
/// sets are authoritative (digest D10), and the documented 84-bit entropy for 14 characters confirms 64 characters.</remarks>
public static class LapsCharacterSets
{
    public const string Uppercase = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    public const string Lowercase = "abcdefghijklmnopqrstuvwxyz";
    public const string Digits = "0123456789";
    public const string Specials = ",.-+;!#&@{}[]$/()%";

    /// <summary>Complexity 5 upper case: no I, O, Q.</summary>
    public const string ReadableUppercase = "ABCDEFGHJKLMNPRSTUVWXYZ";

    /// <summary>Complexity 5 lower case: no l, o.</summary>
    public const string ReadableLowercase = "abcdefghijkmnpqrstuvwxyz";

    /// <summary>Complexity 5 digits: no 0, 1.</summary>
    public const string ReadableDigits = "23456789";

    /// <summary>Complexity 5 specials: none of complexity 4's except <c>! # % + @</c>, plus <c>: = ? *</c>.</summary>
    public const string ReadableSpecials = "!#%+@:=?*";

    private static readonly ImmutableArray<ImmutableArray<string>> s_sets =
    [
        [Uppercase],
        [Uppercase, Lowercase],
        [Uppercase, Lowercase, Digits],
        [Uppercase, Lowercase, Digits, Specials],
        [ReadableUppercase, ReadableLowercase, ReadableDigits, ReadableSpecials],
    ];

    private static readonly ImmutableArray<string> s_alphabets = [.. s_sets.Select(sets => string.Concat(sets))];

    /// <summary>The sets of a password complexity (1-5), in the order upper, lower, digits, specials.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="complexity"/> is not 1-5.</exception>
    public static ImmutableArray<string> SetsFor(int complexity) => s_sets[Index(complexity)];

    /// <summary>The union of <see cref="SetsFor"/>: 26, 52, 62, 80 or 64 characters for complexity 1-5.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="complexity"/> is not 1-5.</exception>
    public static string AlphabetFor(int complexity) => s_alphabets[Index(complexity)];

    /// <summary>Nominal entropy, log2(alphabet size) * length, the figure of Microsoft's table: 14 characters give
    /// 88.5 bits at complexity 4 and 84 bits at complexity 5.</summary>
    /// <remarks>An upper bound: the one-per-set guarantee excludes the strings that miss a set, which costs a fraction
    /// of a bit at length 14 and less at longer lengths.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">complexity not 1-5 or length not 8-64.</exception>
    public static double EntropyBits(int complexity, int length)
    {
        CheckLength(length);
        return Math.Log2(AlphabetFor(complexity).Length) * length;
    }

    internal static void CheckLength(int length)
    {
        if (length is < LapsPasswordSettings.MinPasswordLength or > LapsPasswordSettings.MaxPasswordLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "PasswordLength must be 8-64.");
        }
    }

    private static int Index(int complexity)
    {
        if (complexity is < LapsPasswordSettings.MinComplexity or > LapsPasswordSettings.MaxPasswordComplexity)
        {
            throw new ArgumentOutOfRangeException(nameof(complexity), complexity, "Password complexity must be 1-5.");
        }

        return complexity - 1;
    }
}
