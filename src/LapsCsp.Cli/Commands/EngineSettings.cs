using System.CommandLine;
using LapsCsp.Device;
using LapsCsp.Device.Session;
using LapsCsp.SyncML.Reading;
using LapsCsp.Tree;

namespace LapsCsp.Cli.Commands;

/// <summary>The engine switches shared by <c>apply</c> and <c>check</c>.</summary>
internal sealed record EngineSettings(
    ProtocolProfile Profile = ProtocolProfile.Windows,
    DependencyMode Dependencies = DependencyMode.Enforce,
    AtomicRequiredMode AtomicRequired = AtomicRequiredMode.Warn,
    bool Lenient = false,
    DeviceContext? Context = null)
{
    public DeviceOptions DeviceOptions => new()
    {
        Profile = Profile,
        Dependencies = Dependencies,
        AtomicRequired = AtomicRequired,
        Context = Context ?? DeviceContext.Windows11Enterprise24H2,
    };

    public SyncMLReaderOptions ReaderOptions => Lenient ? SyncMLReaderOptions.Lenient : SyncMLReaderOptions.Strict;
}

/// <summary>The options that set <see cref="EngineSettings"/>.</summary>
internal sealed class EngineOptions
{
    public Option<string> Profile { get; } = new("--profile")
    {
        Description = "windows: answer as Windows 11 does (default); oma: as OMA-DM 1.2 is written",
        DefaultValueFactory = _ => "windows",
    };

    public Option<string> Dependencies { get; } = new("--dependencies")
    {
        Description = "enforce: refuse writes whose DDF dependency is not met (default); warn: accept and report",
        DefaultValueFactory = _ => "enforce",
    };

    public Option<bool> RequireAtomic { get; } = new("--require-atomic")
    {
        Description = "refuse writes under an MSFT:AtomicRequired node sent outside an Atomic (default: accept with a warning)",
    };

    public Option<bool> Lenient { get; } = new("--lenient")
    {
        Description = "accept the known quirks of Microsoft's printed samples (<SyncMl>, CmdId, no SyncHdr, escaped Final, bare fragments) with warnings",
    };

    public Option<string?> OsBuild { get; } = new("--os-build")
    {
        Description = "the device's Windows build, e.g. 10.0.22631.4460 (default 10.0.26100.2314, Windows 11 24H2)",
    };

    public Option<string?> Edition { get; } = new("--edition")
    {
        Description = "the device's edition as a product type number, e.g. 0x4 Enterprise, 0x30 Pro (default 0x4)",
    };

    public EngineOptions()
    {
        Profile.AcceptOnlyFromAmong("windows", "oma");
        Dependencies.AcceptOnlyFromAmong("enforce", "warn");
        OsBuild.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string?>();
            if (text is not null && !Ddf.Model.OsBuild.TryParse(text, out _)) result.AddError($"'{text}' is not a Windows build such as 10.0.26100.2314");
        });
        Edition.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string?>();
            try
            {
                _ = ParseContext(null, text);
            }
            catch (ArgumentException e)
            {
                result.AddError(e.Message);
            }
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Profile);
        command.Options.Add(Dependencies);
        command.Options.Add(RequireAtomic);
        command.Options.Add(Lenient);
        command.Options.Add(OsBuild);
        command.Options.Add(Edition);
    }

    public EngineSettings Read(ParseResult result) => new(
        string.Equals(result.GetValue(Profile), "oma", StringComparison.OrdinalIgnoreCase) ? ProtocolProfile.Oma : ProtocolProfile.Windows,
        string.Equals(result.GetValue(Dependencies), "warn", StringComparison.OrdinalIgnoreCase) ? DependencyMode.Warn : DependencyMode.Enforce,
        result.GetValue(RequireAtomic) ? AtomicRequiredMode.Reject : AtomicRequiredMode.Warn,
        result.GetValue(Lenient),
        ParseContext(result.GetValue(OsBuild), result.GetValue(Edition)));

    /// <summary>Builds the device context from --os-build and --edition text.</summary>
    public static DeviceContext ParseContext(string? osBuild, string? edition)
    {
        var context = DeviceContext.Windows11Enterprise24H2;
        if (osBuild is not null)
        {
            if (!Ddf.Model.OsBuild.TryParse(osBuild, out var build)) throw new ArgumentException($"'{osBuild}' is not a Windows build such as 10.0.26100.2314");
            context = context with { OsBuild = build };
        }

        if (edition is not null)
        {
            var text = edition.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? edition[2..] : edition;
            var style = edition.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? System.Globalization.NumberStyles.HexNumber : System.Globalization.NumberStyles.None;
            if (!int.TryParse(text, style, System.Globalization.CultureInfo.InvariantCulture, out var number)) throw new ArgumentException($"'{edition}' is not an edition number such as 0x4");
            context = context with { Edition = number };
        }

        return context;
    }

    /// <summary>Reads the same switches from a sample's sidecar arguments (e.g. <c>--profile oma --lenient</c>).</summary>
    public static EngineSettings Parse(IEnumerable<string> args)
    {
        var settings = new EngineSettings();
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var arg = list[i];
            string Next() => i + 1 < list.Count ? list[++i] : throw new ArgumentException($"{arg} needs a value");
            settings = arg switch
            {
                "--profile" => settings with { Profile = Next() == "oma" ? ProtocolProfile.Oma : ProtocolProfile.Windows },
                "--dependencies" => settings with { Dependencies = Next() == "warn" ? DependencyMode.Warn : DependencyMode.Enforce },
                "--require-atomic" => settings with { AtomicRequired = AtomicRequiredMode.Reject },
                "--lenient" => settings with { Lenient = true },
                "--os-build" => settings with { Context = ParseContext(Next(), null) with { Edition = (settings.Context ?? DeviceContext.Windows11Enterprise24H2).Edition } },
                "--edition" => settings with { Context = ParseContext(null, Next()) with { OsBuild = (settings.Context ?? DeviceContext.Windows11Enterprise24H2).OsBuild } },
                _ => throw new ArgumentException($"unknown sample option '{arg}'"),
            };
        }

        return settings;
    }
}
