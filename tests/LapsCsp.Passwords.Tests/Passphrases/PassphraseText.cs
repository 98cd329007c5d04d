namespace LapsCsp.Passwords.Tests.Passphrases;

internal static class PassphraseText
{
    /// <summary>Splits a passphrase back into its words at each capital letter and lower-cases them. List words are
    /// lower-case, so capitals appear only where a word starts.</summary>
    public static List<string> SplitWords(string passphrase)
    {
        var words = new List<string>();
        var start = 0;
        for (var i = 1; i <= passphrase.Length; i++)
        {
            if (i == passphrase.Length || char.IsAsciiLetterUpper(passphrase[i]))
            {
                words.Add(passphrase[start..i].ToLowerInvariant());
                start = i;
            }
        }

        return words;
    }
}
