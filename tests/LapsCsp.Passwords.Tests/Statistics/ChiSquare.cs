using System.Globalization;

namespace LapsCsp.Passwords.Tests.Statistics;

/// <summary>Pearson's chi-square goodness-of-fit test. Statistical tests reject at <see cref="Alpha"/> = 1e-6, so a
/// correct generator fails a run about once in a million; the biased-source tests show the same threshold does reject.</summary>
internal static class ChiSquare
{
    public const double Alpha = 1e-6;

    public static ChiSquareResult Test(IReadOnlyList<long> observed, IReadOnlyList<double> expected, int? degreesOfFreedom = null)
    {
        if (observed.Count != expected.Count) throw new ArgumentException("observed and expected differ in length");
        var statistic = 0.0;
        for (var i = 0; i < observed.Count; i++)
        {
            if (expected[i] <= 0) throw new ArgumentException("expected counts must be positive");
            var difference = observed[i] - expected[i];
            statistic += difference * difference / expected[i];
        }

        var df = degreesOfFreedom ?? observed.Count - 1;
        return new ChiSquareResult(statistic, df, UpperTailProbability(statistic, df));
    }

    /// <summary>P(X >= statistic) for X chi-square with the given degrees of freedom: Q(df/2, statistic/2).</summary>
    public static double UpperTailProbability(double statistic, int degreesOfFreedom) =>
        RegularizedUpperGamma(degreesOfFreedom / 2.0, statistic / 2.0);

    /// <summary>Q(a, x) = Gamma(a, x) / Gamma(a): series for x &lt; a + 1, Lentz continued fraction otherwise
    /// (Numerical Recipes 6.2).</summary>
    internal static double RegularizedUpperGamma(double a, double x)
    {
        if (a <= 0 || x < 0) throw new ArgumentOutOfRangeException(nameof(a));
        if (x == 0) return 1;
        var logPrefix = -x + (a * Math.Log(x)) - LogGamma(a);
        if (x < a + 1)
        {
            var term = 1 / a;
            var sum = term;
            for (var n = 1; n < 100_000; n++)
            {
                term *= x / (a + n);
                sum += term;
                if (Math.Abs(term) < Math.Abs(sum) * 1e-16) break;
            }

            return 1 - (sum * Math.Exp(logPrefix));
        }

        const double Tiny = 1e-300;
        var b = x + 1 - a;
        var c = 1 / Tiny;
        var d = 1 / b;
        var h = d;
        for (var i = 1; i < 100_000; i++)
        {
            var an = -i * (i - a);
            b += 2;
            d = (an * d) + b;
            if (Math.Abs(d) < Tiny) d = Tiny;
            c = b + (an / c);
            if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }

        return Math.Exp(logPrefix) * h;
    }

    /// <summary>ln Gamma(x) by the Lanczos approximation (g = 7, 9 terms), about 15 significant digits.</summary>
    internal static double LogGamma(double x)
    {
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        ReadOnlySpan<double> coefficients =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        var sum = coefficients[0];
        for (var i = 1; i < coefficients.Length; i++)
        {
            sum += coefficients[i] / (x + i);
        }

        var t = x + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }
}

internal sealed record ChiSquareResult(double Statistic, int DegreesOfFreedom, double PValue)
{
    public bool RejectsUniformity => PValue < ChiSquare.Alpha;

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture, $"chi2 = {Statistic:F1}, df = {DegreesOfFreedom}, p = {PValue:G3}");
}
