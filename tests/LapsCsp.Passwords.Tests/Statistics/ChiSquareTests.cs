namespace LapsCsp.Passwords.Tests.Statistics;

public class ChiSquareTests
{
    [TestCase(1, 3.841458820694124, 0.05, TestName = "Upper_tail_matches_table_df1_at_5_percent")]
    [TestCase(1, 23.92812697687947, 1e-6, TestName = "Upper_tail_matches_table_df1_at_one_in_a_million")]
    [TestCase(10, 18.307038053275146, 0.05, TestName = "Upper_tail_matches_table_df10_at_5_percent")]
    [TestCase(100, 124.34211340400407, 0.05, TestName = "Upper_tail_matches_table_df100_at_5_percent")]
    public void Upper_tail_matches_published_critical_values(int df, double statistic, double p)
    {
        ChiSquare.UpperTailProbability(statistic, df).Should().BeApproximately(p, p * 1e-6);
    }

    /// <summary>For even df, Q(k, y) = e^-y * sum_{j&lt;k} y^j / j!: an exact check of both the series and the
    /// continued-fraction branches, far into the tail where the 1e-6 threshold sits.</summary>
    [Test]
    public void Upper_tail_equals_closed_form_for_even_degrees_of_freedom(
        [Values(2, 4, 24, 80, 500, 1296)] int df,
        [Values(0.5, 0.9, 1.0, 1.2, 1.5, 2.0)] double statisticOverDf)
    {
        var statistic = df * statisticOverDf;
        var y = statistic / 2;
        var logTerm = -y;
        var exact = Math.Exp(logTerm);
        for (var j = 1; j < df / 2; j++)
        {
            logTerm += Math.Log(y) - Math.Log(j);
            exact += Math.Exp(logTerm);
        }

        ChiSquare.UpperTailProbability(statistic, df).Should().BeApproximately(exact, (exact * 1e-9) + 1e-300);
    }

    [Test]
    public void Perfect_fit_gives_zero_statistic_and_p_of_one()
    {
        var result = ChiSquare.Test([10, 20, 30], [10.0, 20.0, 30.0]);

        result.Statistic.Should().Be(0);
        result.PValue.Should().Be(1);
        result.RejectsUniformity.Should().BeFalse();
    }

    [Test]
    public void Gross_misfit_is_rejected()
    {
        var result = ChiSquare.Test([1000, 0, 0, 0], [250.0, 250.0, 250.0, 250.0]);

        result.Statistic.Should().Be(3000);
        result.RejectsUniformity.Should().BeTrue();
    }
}
