using System.Globalization;
using LapsCsp.Device.Session;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.Testing;

namespace LapsCsp.Device.Tests.Support;

/// <summary>SyncML packages for tests: the repository's samples and small hand-made ones.</summary>
internal static class Packages
{
    public const string Policies = "./Device/Vendor/MSFT/LAPS/Policies/";
    public const string ResetPassword = "./Device/Vendor/MSFT/LAPS/Actions/ResetPassword";
    public const string ResetPasswordStatus = "./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus";
    public const string Users = "./Device/Vendor/MSFT/Accounts/Users/";

    /// <summary>A sample of samples/, read strictly (as <c>lapscsp check samples</c> does).</summary>
    public static SyncMLMessage Sample(string fileName)
    {
        var read = SyncMLReader.Read(File.ReadAllBytes(Path.Combine(RepoPaths.Samples, fileName)), SyncMLReaderOptions.Strict);
        read.Succeeded.Should().BeTrue(string.Join("; ", read.Diagnostics));
        return read.Message!;
    }

    public static SyncMLMessage Of(params ItemCommand[] commands) => new(
        new SyncHeader("1", "1", "LAPSCSP-DEVICE-0001", "https://mdm.contoso.com/ManagementServer/MDM.svc"),
        [.. commands.Select((c, i) => c with { CmdId = (i + 1).ToString(CultureInfo.InvariantCulture) })]);

    public static ItemCommand Add(string uri, string format, string data) =>
        new(ItemCommandKind.Add, null, [new Item(uri, Meta: new Meta(format, "text/plain"), Data: new ItemData(data))]);

    public static ItemCommand Replace(string uri, string format, string data) =>
        new(ItemCommandKind.Replace, null, [new Item(uri, Meta: new Meta(format, "text/plain"), Data: new ItemData(data))]);

    public static ItemCommand Delete(string uri) => new(ItemCommandKind.Delete, null, [new Item(uri)]);

    public static ItemCommand Get(string uri) => new(ItemCommandKind.Get, null, [new Item(uri)]);

    public static ItemCommand Exec(string uri) => new(ItemCommandKind.Exec, null, [new Item(uri)]);

    /// <summary>Replace of LAPS policy values: ints as int, True/False as bool, the rest as chr.</summary>
    public static SyncMLMessage SetPolicies(params (string Name, string Value)[] values) =>
        Of([.. values.Select(v => Replace(Policies + v.Name, FormatOf(v.Value), v.Value))]);

    public static SyncMLMessage ResetPasswordThenGetStatus() => Of(Exec(ResetPassword), Get(ResetPasswordStatus));

    public static SyncMLMessage GetStatus() => Of(Get(ResetPasswordStatus));

    /// <summary>The status codes of the reply's commands (not the SyncHdr), in order.</summary>
    public static IReadOnlyList<int> Codes(this DmReply reply) =>
        [.. reply.Reports.Where(r => !string.Equals(r.Cmd, "SyncHdr", StringComparison.Ordinal)).Select(r => (int)r.Status)];

    /// <summary>The Data of the Results item for a URI.</summary>
    public static string? ResultOf(this DmReply reply, string uri) => reply.Message.Commands
        .OfType<ResultsCommand>()
        .SelectMany(r => r.Items)
        .FirstOrDefault(i => string.Equals(i.SourceUri, uri, StringComparison.Ordinal))?.DataText;

    private static string FormatOf(string value) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? "int"
        : value is "True" or "False" or "true" or "false" ? "bool"
        : "chr";
}
