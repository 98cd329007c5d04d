using System.Xml;
using BenchmarkDotNet.Attributes;
using LapsCsp.Device;
using LapsCsp.SyncML;
using LapsCsp.SyncML.Messages;
using LapsCsp.SyncML.Reading;
using LapsCsp.SyncML.Writing;
using LapsCsp.Tree;
using LapsCsp.Tree.Commands;

namespace LapsCsp.Benchmarks.Pipeline;

/// <summary>The engine's stages over samples/laps-entra-id-backup.xml, against a bare XmlReader pass over the same bytes.</summary>
/// <remarks>
/// Every Add of the sample succeeds only on a tree where the node does not exist yet (an Add on an existing node is 418,
/// OMA-DM RepPro §6.5.1), so each execute starts from the empty tree: <see cref="DmTree.Restore"/> with
/// <see cref="TreeState.Empty"/> swaps one reference (the state is immutable), which is measured inside each op. The
/// device itself (accounts, password generator, backend) is built once; what a fresh device per package would cost is
/// <see cref="NewDevice"/>. The setup checks that the measured reply really is the SyncHdr Status and seven 200s.
/// </remarks>
[MemoryDiagnoser]
public class EntraIdSampleBenchmarks
{
    /// <summary>The settings SyncMLReader uses for strict reading, so the floor pays the same XML checks.</summary>
    private static readonly XmlReaderSettings s_bareSettings = new()
    {
        ConformanceLevel = ConformanceLevel.Document,
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = false,
        CheckCharacters = true,
    };

    private byte[] _request = [];
    private SyncMLMessage _parsed = null!;
    private SyncMLMessage _reply = null!;
    private SimulatedDevice _device = null!;
    private DmTree _bareTree = null!;
    private CspCommand[] _treeCommands = [];

    [GlobalSetup]
    public void Setup()
    {
        _request = Inputs.EntraIdSample();
        var read = SyncMLReader.Read(_request);
        if (!read.Succeeded) throw new InvalidOperationException("the Entra ID sample does not parse: " + string.Join("; ", read.Errors));
        _parsed = read.Message;
        _device = new SimulatedDevice();
        _reply = _device.Session.Process(_parsed).Message;
        CheckAllSucceeded(_reply);
        _device.Tree.Restore(TreeState.Empty);

        // The sample's Adds as tree commands, for a tree without a device behind it (no session, no backend).
        _bareTree = new DmTree(_device.Tree.Schema);
        _treeCommands = [.. _parsed.Commands.OfType<ItemCommand>().Where(c => c.Kind == ItemCommandKind.Add)
            .SelectMany(c => c.Items.Select(i => CspCommand.Add(i.TargetUri!, i.Meta?.Format, i.DataText)))];
        if (TreeOnly() is var failed and > 0) throw new InvalidOperationException($"{failed} of the sample's Adds fail on a bare tree");
    }

    /// <summary>The floor: read every node of the same bytes with the reader's settings, taking each text value (which a
    /// parser has to), and build nothing.</summary>
    [Benchmark(Baseline = true, Description = "bare XmlReader pass")]
    public int BareXmlRead()
    {
        using var reader = XmlReader.Create(new MemoryStream(_request, writable: false), s_bareSettings);
        var chars = 0;
        while (reader.Read())
        {
            if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace)
            {
                chars += reader.Value.Length;
            }
        }

        return chars;
    }

    [Benchmark(Description = "parse (SyncMLReader)")]
    public SyncMLMessage? Parse() => SyncMLReader.Read(_request).Message;

    [Benchmark(Description = "execute (Process, empty tree)")]
    public SyncMLMessage Execute()
    {
        _device.Tree.Restore(TreeState.Empty);
        return _device.Session.Process(_parsed).Message;
    }

    /// <summary>The tree's share of <see cref="Execute"/>: the same Adds on a bare <see cref="DmTree"/> (URI parsing,
    /// schema, validation, dependencies, staging, commit), without the DM session or the simulated device.</summary>
    [Benchmark(Description = "tree only (the Adds on a bare DmTree)")]
    public int TreeOnly()
    {
        _bareTree.Restore(TreeState.Empty);
        var failed = 0;
        foreach (var command in _treeCommands)
        {
            if (!_bareTree.Execute(command).Succeeded) failed++;
        }

        return failed;
    }

    [Benchmark(Description = "write (SyncMLWriter)")]
    public byte[] Write() => SyncMLWriter.WriteToUtf8(_reply);

    /// <summary>What <c>lapscsp apply</c> does per package: bytes in, parse, apply (session and pending device work), reply bytes out.</summary>
    [Benchmark(Description = "whole pipeline (bytes -> reply bytes)")]
    public byte[] WholePipeline()
    {
        _device.Tree.Restore(TreeState.Empty);
        var request = SyncMLReader.Read(_request).Message!;
        return SyncMLWriter.WriteToUtf8(_device.Apply(request).Message);
    }

    /// <summary>The cost of a fresh device per package instead of resetting the tree (the schema is built once and shared).</summary>
    [Benchmark(Description = "new SimulatedDevice()")]
    public SimulatedDevice NewDevice() => new();

    private static void CheckAllSucceeded(SyncMLMessage reply)
    {
        var statuses = reply.Commands.OfType<StatusCommand>().ToList();
        var ok = ((int)StatusCode.Ok).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (statuses.Count != 8 || statuses.Any(s => !string.Equals(s.Code, ok, StringComparison.Ordinal)))
        {
            throw new InvalidOperationException("the Entra ID sample should answer eight 200 Statuses, got: "
                + string.Join(", ", statuses.Select(s => $"{s.Cmd} {s.CmdRef}={s.Code}")));
        }
    }
}
