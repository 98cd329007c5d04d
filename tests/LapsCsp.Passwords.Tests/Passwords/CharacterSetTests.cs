namespace LapsCsp.Passwords.Tests.Passwords;

public class CharacterSetTests
{
    [TestCase(1, 1, 26)]
    [TestCase(2, 2, 52)]
    [TestCase(3, 3, 62)]
    [TestCase(4, 4, 80)]
    [TestCase(5, 4, 64)]
    public void Complexity_has_the_documented_number_of_sets_and_characters(int complexity, int sets, int characters)
    {
        LapsCharacterSets.SetsFor(complexity).Should().HaveCount(sets);
        LapsCharacterSets.AlphabetFor(complexity).Should().HaveLength(characters);
    }

    [Test]
    public void Sets_of_a_complexity_are_disjoint_and_hold_no_repeated_character([Range(1, 5)] int complexity)
    {
        var alphabet = LapsCharacterSets.AlphabetFor(complexity);

        alphabet.ToCharArray().Should().OnlyHaveUniqueItems();
        alphabet.Should().Be(string.Concat(LapsCharacterSets.SetsFor(complexity)));
    }

    [Test]
    public void Complexities_1_to_4_each_add_one_set_to_the_previous()
    {
        for (var complexity = 2; complexity <= 4; complexity++)
        {
            LapsCharacterSets.SetsFor(complexity).Take(complexity - 1)
                .Should().Equal(LapsCharacterSets.SetsFor(complexity - 1));
        }

        LapsCharacterSets.SetsFor(4).Should().Equal("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", "0123456789",
            ",.-+;!#&@{}[]$/()%");
    }

    /// <summary>Digest C.7 and D10: the prose removes I O Q l o 0 1 and , . &amp; { } [ ] ( ) ; and adds : = ? *;
    /// the literal set also lacks - $ /.</summary>
    [Test]
    public void Complexity_5_is_complexity_4_without_ambiguous_characters_plus_four_specials()
    {
        var expected = LapsCharacterSets.AlphabetFor(4)
            .Except("IOQlo01")
            .Except(",.&{}[]();")
            .Except("-$/")
            .Concat(":=?*");

        LapsCharacterSets.AlphabetFor(5).ToCharArray().Should().BeEquivalentTo(expected);
    }

    [TestCase(0)]
    [TestCase(6)]
    [TestCase(-1)]
    public void Complexity_outside_1_to_5_has_no_character_sets(int complexity)
    {
        FluentActions.Invoking(() => LapsCharacterSets.SetsFor(complexity)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => LapsCharacterSets.AlphabetFor(complexity)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
