using System.CommandLine;
using System.Globalization;
using LapsCsp.Cli.State;
using LapsCsp.Device.Events;
using LapsCsp.Device.Identity;
using LapsCsp.Storage;

namespace LapsCsp.Cli.Commands;

/// <summary><c>lapscsp device create|show|advance|logon|events|password</c>: a stored simulated device on its own clock.</summary>
internal static class DeviceCommand
{
    public static Command Create()
    {
        var command = new Command("device", "Create and drive a simulated Windows device kept in a state store");
        command.Subcommands.Add(CreateCommand());
        command.Subcommands.Add(ShowCommand());
        command.Subcommands.Add(AdvanceCommand());
        command.Subcommands.Add(LogonCommand());
        command.Subcommands.Add(EventsCommand());
        command.Subcommands.Add(PasswordCommand());
        return command;
    }

    internal static Option<FileInfo> StateOption() => new("--state")
    {
        Description = "the embedded SQLite store holding the devices",
        Required = true,
    };

    internal static Argument<string> DeviceArgument() => new("device") { Description = "the device's id" };

    private static Command CreateCommand()
    {
        var id = DeviceArgument();
        var state = StateOption();
        var join = new Option<string>("--join") { Description = "entra, hybrid (default) or workplace", DefaultValueFactory = _ => "hybrid" };
        join.AcceptOnlyFromAmong("entra", "hybrid", "workplace");
        var name = new Option<string?>("--name") { Description = "the computer name (default DESKTOP-xxxxxxx from the id)" };
        var locale = new Option<string>("--locale") { Description = "the system language, which names the built-in Administrator", DefaultValueFactory = _ => "en-US" };
        var at = new Option<DateTimeOffset?>("--at") { Description = "the device's clock at creation (default: now)" };
        var engine = new EngineOptions();
        var command = new Command("create", "Create a device") { id, state, join, name, locale, at };
        engine.AddTo(command);
        command.SetAction(result => Run(result, result.GetValue(state)!, output =>
        {
            var deviceId = result.GetValue(id)!;
            using var workspace = DeviceWorkspace.Open(result.GetValue(state)!.FullName);
            if (workspace.Exists(deviceId))
            {
                Console.Error.WriteLine($"lapscsp: device {deviceId} already exists");
                return ExitCodes.Refused;
            }

            var options = engine.Read(result).DeviceOptions with
            {
                JoinType = result.GetValue(join) switch { "entra" => JoinType.EntraJoined, "workplace" => JoinType.WorkplaceJoined, _ => JoinType.HybridJoined },
                DeviceName = result.GetValue(name),
                Locale = result.GetValue(locale)!,
            };
            var stored = workspace.LoadOrCreate(deviceId, options, result.GetValue(at));
            using (stored.Device)
            {
                workspace.Save(stored);
                WriteIdentity(stored, output);
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command ShowCommand()
    {
        var id = DeviceArgument();
        var state = StateOption();
        var command = new Command("show", "Show the managed account, password age, next rotation, last backup and policy source") { id, state };
        command.SetAction(result => WithDevice(result, state, id, save: false, (stored, output) =>
        {
            WriteIdentity(stored, output);
            var status = stored.Device.LapsStatus();
            var policy = status.Policy;
            Row(output, "clock", Time(stored.Clock.GetUtcNow()));
            Row(output, "policy source", policy.Source.ToString());
            Row(output, "backup directory", policy.BackupDirectory.ToString());
            Row(output, "password", policy.IsPassphrase
                ? $"passphrase, complexity {policy.PasswordComplexity}, {policy.PassphraseLength} words"
                : $"complexity {policy.PasswordComplexity}, length {policy.PasswordLength}");
            Row(output, "password age days", policy.PasswordAgeDays.ToString(CultureInfo.InvariantCulture));
            Row(output, "managed account", status.ManagedAccountName is null ? "(none)" : $"{status.ManagedAccountName} ({status.ManagedAccountSid})");
            Row(output, "password age", status.PasswordAge is { } age ? $"{age.TotalDays:0.##} days" : "(never set by LAPS)");
            Row(output, "last password update", Time(status.LastPasswordUpdateTime));
            Row(output, "last backup", Time(status.LastBackupTime));
            Row(output, "next rotation", Time(status.NextRotation));
            Row(output, "next policy cycle", Time(status.NextCycleTime));
            Row(output, "post-auth deadline", Time(status.PostAuthenticationDeadline));
            Row(output, "ResetPasswordStatus", $"{status.ResetPasswordStatus} (0x{unchecked((uint)status.ResetPasswordStatus):X8})");
            Row(output, "cycles / rotations", $"{status.CyclesRun} / {status.Rotations}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command AdvanceCommand()
    {
        var id = DeviceArgument();
        var state = StateOption();
        var hours = new Option<int>("--hours") { Description = "how many hours to move the device's clock", Required = true };
        hours.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 24 * 3650) r.AddError("--hours must be between 1 and 87600");
        });
        var command = new Command("advance", "Move the device's clock, running every hourly policy cycle on the way") { id, state, hours };
        command.SetAction(result => WithDevice(result, state, id, save: true, (stored, output) =>
        {
            var device = stored.Device;
            var from = stored.Clock.GetUtcNow();
            var before = device.Events.TotalWritten;
            for (var h = 0; h < result.GetValue(hours); h++)
            {
                stored.Clock.Advance(TimeSpan.FromHours(1));
                device.RunDueWork();
                device.WhenIdleAsync().GetAwaiter().GetResult();
            }

            var written = device.Events.Query(new LapsEventQuery(From: from));
            output.WriteLine($"{device.Options.DeviceId}: {Time(from)} -> {Time(stored.Clock.GetUtcNow())}, {device.Events.TotalWritten - before} events");
            foreach (var group in written.GroupBy(e => e.Id).OrderBy(g => g.Key))
            {
                output.WriteLine($"  {group.Key,5}  x{group.Count(),-5} {Shorten(group.Last().Message)}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command LogonCommand()
    {
        var id = DeviceArgument();
        var state = StateOption();
        var account = new Option<string?>("--account") { Description = "the account (default: the LAPS-managed account)" };
        var password = new Option<string?>("--password") { Description = "the password (default: the account's current password)" };
        var command = new Command("logon", "Log on interactively as an account (triggers LAPS post-authentication actions)") { id, state, account, password };
        command.SetAction(result => WithDevice(result, state, id, save: true, (stored, output) =>
        {
            var device = stored.Device;
            var name = result.GetValue(account) ?? device.ManagedAccount?.Name;
            var local = name is null ? null : device.Accounts.Find(name);
            if (local is null)
            {
                Console.Error.WriteLine($"lapscsp: no account {name ?? "(no managed account)"} on {device.Options.DeviceId}");
                return ExitCodes.Refused;
            }

            var logon = device.Logon(local.Name, result.GetValue(password) ?? local.Password ?? string.Empty);
            output.WriteLine(logon.Succeeded
                ? $"{local.Name} logged on (session {logon.Session!.Id}) at {Time(stored.Clock.GetUtcNow())}"
                : $"logon of {local.Name} failed: Win32 error {logon.Win32Error}");
            var deadline = device.LapsStatus().PostAuthenticationDeadline;
            if (deadline is not null) output.WriteLine($"post-authentication actions due at {Time(deadline)}");
            return logon.Succeeded ? ExitCodes.Ok : ExitCodes.Mismatch;
        }));
        return command;
    }

    private static Command EventsCommand()
    {
        var id = DeviceArgument();
        var state = StateOption();
        var eventId = new Option<int[]>("--id") { Description = "only these event ids", AllowMultipleArgumentsPerToken = true };
        var last = new Option<int?>("--last") { Description = "only the last N events" };
        var command = new Command("events", $"List the {LapsEventLog.ChannelName} events") { id, state, eventId, last };
        command.SetAction(result => WithDevice(result, state, id, save: false, (stored, output) =>
        {
            var ids = result.GetValue(eventId) ?? [];
            var events = stored.Device.Events.Query(new LapsEventQuery(Ids: [.. ids]));
            if (result.GetValue(last) is { } n) events = [.. events.TakeLast(n)];
            foreach (var e in events)
            {
                output.WriteLine($"{Time(e.TimeCreated)}  {e.Id,5}  {e.Level,-11} {e.Message}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command PasswordCommand()
    {
        var id = DeviceArgument();
        var state = StateOption();
        var command = new Command("password", "Print the managed account and its current password (the device's local truth, for tests)") { id, state };
        command.SetAction(result => WithDevice(result, state, id, save: false, (stored, output) =>
        {
            var account = stored.Device.ManagedAccount;
            if (account is null)
            {
                Console.Error.WriteLine($"lapscsp: {stored.Device.Options.DeviceId} has no managed account");
                return ExitCodes.Mismatch;
            }

            output.WriteLine($"{account.Name}\t{account.Password}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Loads the device, runs the action, saves the device when asked; store errors end in exit 2.</summary>
    internal static int WithDevice(ParseResult result, Option<FileInfo> state, Argument<string> id, bool save, Func<StoredDevice, TextWriter, int> action) =>
        Run(result, result.GetValue(state)!, output =>
        {
            using var workspace = DeviceWorkspace.Open(result.GetValue(state)!.FullName);
            var deviceId = result.GetValue(id)!;
            var stored = workspace.Load(deviceId, new EngineSettings().DeviceOptions);
            if (stored is null)
            {
                Console.Error.WriteLine($"lapscsp: no device {deviceId} in {result.GetValue(state)!.FullName} (create it with 'lapscsp device create')");
                return ExitCodes.Refused;
            }

            using (stored.Device)
            {
                var code = action(stored, output);
                if (save) workspace.Save(stored);
                return code;
            }
        });

    private static int Run(ParseResult result, FileInfo state, Func<TextWriter, int> body)
    {
        _ = result;
        try
        {
            return body(Console.Out);
        }
        catch (LapsStoreException e)
        {
            Console.Error.WriteLine($"lapscsp: cannot use device state {state.FullName}: {e.Message}");
            return ExitCodes.Refused;
        }
    }

    private static void WriteIdentity(StoredDevice stored, TextWriter output)
    {
        var identity = stored.Device.Identity;
        Row(output, "device", identity.DeviceId);
        Row(output, "name", identity.DeviceName);
        Row(output, "entra device id", identity.EntraDeviceId);
        Row(output, "join type", identity.JoinType.ToString());
        Row(output, "locale", identity.Locale);
        Row(output, "os build / edition", $"{stored.Device.Options.Context.OsBuild} / 0x{stored.Device.Options.Context.Edition:X}");
    }

    private static void Row(TextWriter output, string name, string value) => output.WriteLine($"{name,-22} {value}");

    internal static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..97] + "...";
}
