using System.Globalization;
using LapsCsp.Ddf.Model;
using LapsCsp.Passwords;
using LapsCsp.Passwords.Wordlists;
using LapsCsp.Tree;

namespace LapsCsp.Device.Tests.Passwords;

/// <summary>The "every complexity and passphrase setting yields passwords of the right alphabet and length": set
/// through the CSP, rotated by the device, read back from the managed account.</summary>
public sealed class DevicePasswordTests
{
    public static IEnumerable<TestCaseData> PasswordSettings() =>
        from complexity in Enumerable.Range(1, 5)
        from length in new[] { 8, 14, 31, 64 }
        select new TestCaseData(complexity, length).SetName($"Complexity_{complexity}_length_{length}_gives_that_alphabet_and_length_with_every_set_present");

    public static IEnumerable<TestCaseData> PassphraseSettings() =>
        from complexity in Enumerable.Range(6, 3)
        from words in new[] { 3, 6, 10 }
        select new TestCaseData(complexity, words).SetName($"Complexity_{complexity}_with_{words}_words_gives_capitalised_words_of_its_list");

    [TestCaseSource(nameof(PasswordSettings))]
    public void Passwords(int complexity, int length)
    {
        using var world = new LapsWorld();
        // Warn: the tree accepts the PassphraseLength that does not apply to passwords, and the device ignores it (digest D4).
        var device = world.NewDevice(new DeviceOptions { PasswordSeed = complexity * 100 + length, Dependencies = DependencyMode.Warn });
        device.UseEntra(more: [("PasswordComplexity", Text(complexity)), ("PasswordLength", Text(length)), ("PassphraseLength", "10")]);

        for (var rotation = 0; rotation < 20; rotation++)
        {
            device.Apply(Packages.ResetPasswordThenGetStatus());
            var password = device.ManagedPassword()!;

            password.Should().HaveLength(length, "PasswordLength applies to complexities 1-5, PassphraseLength is ignored (digest D4)");
            password.ToCharArray().Should().OnlyContain(c => LapsCharacterSets.AlphabetFor(complexity).Contains(c));
            foreach (var set in LapsCharacterSets.SetsFor(complexity))
            {
                password.IndexOfAny(set.ToCharArray()).Should().BeGreaterThanOrEqualTo(0, $"at least one character of {set} (digest C.7)");
            }

            world.EntraPassword(device).Should().Be(password);
        }
    }

    [TestCaseSource(nameof(PassphraseSettings))]
    public void Passphrases(int complexity, int words)
    {
        using var world = new LapsWorld();
        // Warn: the tree accepts the PasswordLength that does not apply to passphrases, and the device ignores it (digest D4).
        var device = world.NewDevice(new DeviceOptions { PasswordSeed = complexity * 100 + words, Dependencies = DependencyMode.Warn });
        device.UseEntra(more: [("PasswordComplexity", Text(complexity)), ("PassphraseLength", Text(words)), ("PasswordLength", "8")]);
        var list = PassphraseWordLists.Default.WordsFor(complexity).ToHashSet(StringComparer.Ordinal);

        for (var rotation = 0; rotation < 20; rotation++)
        {
            device.Apply(Packages.ResetPasswordThenGetStatus());
            var passphrase = device.ManagedPassword()!;

            var split = SplitWords(passphrase);
            split.Should().HaveCount(words, "PassphraseLength words, PasswordLength ignored (digest C.8, D4)");
            split.Should().OnlyContain(w => list.Contains(w), "every word comes from the list of complexity " + Text(complexity));
            passphrase.Should().NotContain(" ").And.NotContain("_");
            char.IsAsciiLetterUpper(passphrase[0]).Should().BeTrue();
        }
    }

    [Test]
    public void Before_24H2_complexities_above_4_fall_back_to_the_default_and_PassphraseLength_is_not_applicable()
    {
        using var world = new LapsWorld();
        var options = new DeviceOptions { PasswordSeed = 9, Context = new DeviceContext(new OsBuild(10, 0, 22631, 4460), 0x4) };
        var device = world.NewDevice(options);

        var reply = device.Apply(Packages.SetPolicies(("BackupDirectory", "1"), ("PasswordComplexity", "7"), ("PassphraseLength", "5")));

        reply.Codes().Should().Equal(200, 200, 405);
        device.Policy.PasswordComplexity.Should().Be(4);
        var password = device.ManagedPassword()!;
        password.Should().HaveLength(14);
        password.IndexOfAny(LapsCharacterSets.Specials.ToCharArray()).Should().BeGreaterThanOrEqualTo(0, "complexity 4 includes specials");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static List<string> SplitWords(string passphrase)
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
