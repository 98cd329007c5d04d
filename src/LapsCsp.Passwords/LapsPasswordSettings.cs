namespace LapsCsp.Passwords;

/// <summary>The LAPS policy values that shape a generated secret: <c>PasswordComplexity</c>, <c>PasswordLength</c> and
/// <c>PassphraseLength</c>, with the DDF defaults (4, 14, 6).</summary>
/// <remarks>Complexity 1-5 produce passwords of <see cref="PasswordLength"/> characters; 6-8 produce passphrases of
/// <see cref="PassphraseLength"/> words. The length that does not apply to the complexity is ignored, not rejected
/// (digest D4). The record does not validate: callers check the ranges with the constants below first.</remarks>
public sealed record LapsPasswordSettings(int Complexity = 4, int PasswordLength = 14, int PassphraseLength = 6)
{
    public const int MinComplexity = 1;
    public const int MaxPasswordComplexity = 5;
    public const int MinPassphraseComplexity = 6;
    public const int MaxComplexity = 8;

    /// <summary>PasswordLength range 8-64 (digest C.7).</summary>
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 64;

    /// <summary>PassphraseLength range 3-10 words (digest C.8).</summary>
    public const int MinPassphraseWords = 3;
    public const int MaxPassphraseWords = 10;

    /// <summary>True for complexity 6-8 (passphrases), false for 1-5 (passwords) and for out-of-range values.</summary>
    public bool IsPassphrase => Complexity is >= MinPassphraseComplexity and <= MaxComplexity;

    internal void CheckComplexity()
    {
        if (Complexity is < MinComplexity or > MaxComplexity)
        {
            throw new ArgumentOutOfRangeException(nameof(Complexity), Complexity, "PasswordComplexity must be 1-8.");
        }
    }
}
