using FluentAssertions.Equivalency;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;

namespace LapsCsp.SyncML.Tests;

/// <summary>Value comparison of messages: records hold ImmutableArrays, which compare by reference, so compare member-wise.</summary>
internal static class MessageAssertions
{
    public static EquivalencyAssertionOptions<T> ByValue<T>(EquivalencyAssertionOptions<T> options) =>
        options.ComparingRecordsByMembers().RespectingRuntimeTypes().WithStrictOrdering();

    public static void ShouldBeEquivalentMessage(this SyncMLMessage? actual, SyncMLMessage expected) =>
        actual.Should().BeEquivalentTo(expected, ByValue);

    /// <summary>"accepted" or "refused: code", then the warning codes with counts, e.g. "accepted | element-case x7, root".</summary>
    public static string Outcome(this SyncMLReadResult result)
    {
        string outcome = result.Succeeded ? "accepted" : "refused: " + string.Join(", ", result.Errors.Select(e => e.Code));
        var warnings = result.Warnings
            .GroupBy(w => w.Code)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Count() == 1 ? g.Key : $"{g.Key} x{g.Count()}")
            .ToList();
        return warnings.Count == 0 ? outcome : outcome + " | " + string.Join(", ", warnings);
    }

    public static SyncMLMessage ShouldSucceed(this SyncMLReadResult result)
    {
        result.Succeeded.Should().BeTrue("the reader refused it: {0}", string.Join("; ", result.Diagnostics));
        return result.Message!;
    }

    public static SyncMLDiagnostic ShouldBeRefusedWith(this SyncMLReadResult result, string code)
    {
        result.Message.Should().BeNull();
        var errors = result.Errors.ToList();
        errors.Should().ContainSingle("a refused message has one error: {0}", string.Join("; ", result.Diagnostics));
        errors[0].Code.Should().Be(code, "the diagnostic was {0}", errors[0]);
        errors[0].Message.Should().NotBeNullOrWhiteSpace();
        return errors[0];
    }
}
