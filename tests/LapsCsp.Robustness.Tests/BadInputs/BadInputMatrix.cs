using System.Globalization;
using System.Text;
using LapsCsp.Testing;

namespace LapsCsp.Robustness.Tests.BadInputs;

/// <summary>One row of <c>BadInputs/matrix.tsv</c>: an input and what must become of it.</summary>
/// <param name="Input"><c>file:NAME</c> (in BadInputs/Files) or <c>gen:KIND:N</c> (built by <see cref="BadInputMatrix.Generate"/>).</param>
/// <param name="Reader"><c>refuse:CODE</c> (strict SyncMLReader refuses with that diagnostic code) or <c>accept</c>.</param>
/// <param name="Device">For accepted input: the device's Statuses in order, <c>Cmd:code</c> separated by spaces; else <c>-</c>.</param>
/// <param name="Http">The server's answer to a POST of the input: <c>400:CODE</c> (problem with the reader's code),
/// <c>400:session</c>, <c>413</c>, or <c>200</c> (a reply with the same Statuses as the device's).</param>
/// <param name="MaxMegabytes">Bound on the bytes the reader and the device allocate on the test thread.</param>
/// <param name="MaxSeconds">A generous safety bound on wall-clock time (never tight: the machine is shared).</param>
public sealed record BadInputCase(string Name, string Input, string Reader, string Device, string Http, int MaxMegabytes, int MaxSeconds, string Why)
{
    public override string ToString() => Name;
}

/// <summary>Loads the matrix and builds its inputs.</summary>
public static class BadInputMatrix
{
    public const string Policies = "./Device/Vendor/MSFT/LAPS/Policies/";

    public static string Folder => Path.Combine(RepoPaths.Root, "tests", "LapsCsp.Robustness.Tests", "BadInputs");

    public static IReadOnlyList<BadInputCase> Load()
    {
        var rows = new List<BadInputCase>();
        foreach (var line in File.ReadAllLines(Path.Combine(Folder, "matrix.tsv")))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var f = line.Split('\t');
            if (f.Length != 8) throw new FormatException($"matrix.tsv: 8 tab-separated columns expected: {line}");
            rows.Add(new BadInputCase(f[0], f[1], f[2], f[3], f[4],
                int.Parse(f[5], CultureInfo.InvariantCulture), int.Parse(f[6], CultureInfo.InvariantCulture), f[7]));
        }

        return rows;
    }

    public static byte[] Bytes(BadInputCase c)
    {
        if (c.Input.StartsWith("file:", StringComparison.Ordinal)) return File.ReadAllBytes(Path.Combine(Folder, "Files", c.Input[5..]));
        var parts = c.Input.Split(':');
        if (parts.Length != 3 || parts[0] != "gen") throw new FormatException($"{c.Name}: input must be file:NAME or gen:KIND:N");
        return Generate(parts[1], int.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    /// <summary>Inputs too large, too deep or too many to keep as files.</summary>
    public static byte[] Generate(string kind, int n)
    {
        var body = new StringBuilder();
        switch (kind)
        {
            case "deep-atomic":
                for (var i = 0; i < n; i++) body.Append(CultureInfo.InvariantCulture, $"<Atomic><CmdID>{i + 1}</CmdID>");
                body.Append(Get(n + 1, Policies + "BackupDirectory"));
                for (var i = 0; i < n; i++) body.Append("</Atomic>");
                break;
            case "deep-data":
                body.Append("<Replace><CmdID>1</CmdID><Item><Target><LocURI>").Append(Policies).Append("AdministratorAccountName</LocURI></Target><Data>");
                for (var i = 0; i < n; i++) body.Append("<x>");
                body.Append('v');
                for (var i = 0; i < n; i++) body.Append("</x>");
                body.Append("</Data></Item></Replace>");
                break;
            case "long-value":
                body.Append("<Replace><CmdID>1</CmdID><Item><Target><LocURI>").Append(Policies)
                    .Append("AdministratorAccountName</LocURI></Target><Meta><Format xmlns=\"syncml:metinf\">chr</Format></Meta><Data>")
                    .Append('a', n).Append("</Data></Item></Replace>");
                body.Append(Get(2, Policies + "AdministratorAccountName"));
                break;
            case "long-uri":
                body.Append(Get(1, Policies + new string('n', Math.Max(0, n - Policies.Length))));
                break;
            case "many-commands":
                for (var i = 1; i <= n; i++) body.Append(CultureInfo.InvariantCulture, $"<Get><CmdID>{i}</CmdID><Item><Target><LocURI>.</LocURI></Target></Item></Get>");
                break;
            case "many-items":
                body.Append("<Get><CmdID>1</CmdID>");
                for (var i = 0; i < n; i++) body.Append("<Item><Target><LocURI>./Vendor/MSFT/LAPS/Policies/BackupDirectory</LocURI></Target></Item>");
                body.Append("</Get>");
                break;
            case "long-cmdid":
                body.Append(Get(1, Policies + "BackupDirectory").Replace("<CmdID>1</CmdID>", "<CmdID>" + new string('9', n) + "</CmdID>", StringComparison.Ordinal));
                break;
            case "many-attributes":
                return Encoding.UTF8.GetBytes(Package(Get(1, Policies + "BackupDirectory"))
                    .Replace("<SyncBody>", "<SyncBody " + string.Concat(Enumerable.Range(0, n).Select(i => $"a{i}=\"{i}\" ")) + ">", StringComparison.Ordinal));
            case "whitespace":
                return Encoding.UTF8.GetBytes(new string(' ', n));
            default:
                throw new ArgumentException($"unknown generator '{kind}'", nameof(kind));
        }

        return Encoding.UTF8.GetBytes(Package(body.ToString()));
    }

    private static string Get(int cmdId, string uri) =>
        string.Create(CultureInfo.InvariantCulture, $"<Get><CmdID>{cmdId}</CmdID><Item><Target><LocURI>{uri}</LocURI></Target></Item></Get>");

    private static string Package(string body) =>
        "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>"
        + "<Target><LocURI>LAPSCSP-DEVICE-0001</LocURI></Target><Source><LocURI>https://mdm.example/</LocURI></Source></SyncHdr><SyncBody>"
        + body + "<Final/></SyncBody></SyncML>";
}
