using System.CommandLine;
using LapsCsp.Cli.State;
using LapsCsp.Device;
using LapsCsp.Device.Session;
using LapsCsp.Storage;
using LapsCsp.SyncML.Reading;
using LapsCsp.SyncML.Writing;

namespace LapsCsp.Cli.Commands;

/// <summary><c>lapscsp apply REQUEST.xml</c>: answers a server package as the simulated device would.</summary>
internal static class ApplyCommand
{
    public static Command Create()
    {
        var request = new Argument<FileInfo>("request") { Description = "the SyncML package the server sends (- for standard input)" };
        var state = new Option<FileInfo?>("--state") { Description = "an embedded SQLite store that keeps the device between runs (created if missing)" };
        var deviceId = new Option<string>("--device")
        {
            Description = "the device's id (one store can hold many devices)",
            DefaultValueFactory = _ => "LAPSCSP-DEVICE-0001",
        };
        var explain = new Option<bool>("--explain") { Description = "print a table of each command's status and reason on stderr" };
        var engine = new EngineOptions();
        var command = new Command("apply", "Answer a SyncML package as a Windows device: the reply goes to stdout")
        {
            request, state, deviceId, explain,
        };
        engine.AddTo(command);
        command.SetAction(result =>
        {
            var settings = engine.Read(result);
            return Run(result.GetValue(request)!, result.GetValue(state), result.GetValue(explain), settings,
                Console.OpenStandardInput(), Console.Out, Console.Error, result.GetValue(deviceId)!);
        });
        return command;
    }

    public static int Run(FileInfo request, FileInfo? state, bool explain, EngineSettings settings, Stream stdin, TextWriter stdout,
        TextWriter stderr, string deviceId = "LAPSCSP-DEVICE-0001")
    {
        SyncMLReadResult read;
        if (request.Name == "-")
        {
            read = SyncMLReader.Read(stdin, settings.ReaderOptions);
        }
        else
        {
            if (!request.Exists)
            {
                stderr.WriteLine($"lapscsp: {request.FullName}: no such file");
                return ExitCodes.Refused;
            }

            using var file = request.OpenRead();
            read = SyncMLReader.Read(file, settings.ReaderOptions);
        }

        foreach (var warning in read.Warnings)
        {
            stderr.WriteLine($"{request.Name}: {warning}");
        }

        if (read.Message is null)
        {
            foreach (var error in read.Errors)
            {
                stderr.WriteLine($"{request.Name}: {error}");
            }

            stderr.WriteLine($"lapscsp: {request.Name} was refused; no reply produced");
            return ExitCodes.Refused;
        }

        DeviceWorkspace? workspace = null;
        SimulatedDevice device;
        StoredDevice? stored = null;
        try
        {
            if (state is null)
            {
                device = new SimulatedDevice(settings.DeviceOptions with { DeviceId = deviceId });
            }
            else
            {
                workspace = DeviceWorkspace.Open(state.FullName);
                stored = workspace.LoadOrCreate(deviceId, settings.DeviceOptions);
                device = stored.Device;
            }
        }
        catch (LapsStoreException e)
        {
            workspace?.Dispose();
            stderr.WriteLine($"lapscsp: cannot use device state {state!.FullName}: {e.Message}");
            return ExitCodes.Refused;
        }

        using (workspace)
        using (device)
        {
            var reply = device.Apply(read.Message);
            stdout.Write(SyncMLWriter.WriteToString(reply.Message));
            stdout.WriteLine();
            if (explain)
            {
                ExplainTable.Write(reply, stderr);
            }

            if (stored is not null) workspace!.Save(stored);
        }

        return ExitCodes.Ok;
    }
}

/// <summary>Exit codes of the CLI.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Mismatch = 1;
    public const int Refused = 2;
}

/// <summary>The <c>--explain</c> table: one row per Status, with the reason.</summary>
internal static class ExplainTable
{
    public static void Write(DmReply reply, TextWriter writer)
    {
        var rows = reply.Reports.Select(r => (
            Cmd: new string(' ', r.Depth * 2) + r.Cmd,
            Ref: r.CmdRef ?? string.Empty,
            Status: ((int)r.Status).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Target: r.Target ?? string.Empty,
            Reason: string.Join("; ", new[] { r.Reason }.Concat(r.Warnings.Select(w => "warning: " + w)).OfType<string>()))).ToList();
        var wCmd = Math.Max(3, rows.Max(r => r.Cmd.Length));
        var wRef = Math.Max(6, rows.Max(r => r.Ref.Length));
        var wTarget = Math.Max(6, rows.Max(r => r.Target.Length));
        writer.WriteLine($"{"Cmd".PadRight(wCmd)}  {"CmdRef".PadRight(wRef)}  Status  {"Target".PadRight(wTarget)}  Reason");
        foreach (var r in rows)
        {
            writer.WriteLine($"{r.Cmd.PadRight(wCmd)}  {r.Ref.PadRight(wRef)}  {r.Status,-6}  {r.Target.PadRight(wTarget)}  {r.Reason}");
        }
    }
}
