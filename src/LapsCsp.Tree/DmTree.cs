using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Ddf.Model;
using LapsCsp.Tree.Backend;
using LapsCsp.Tree.Commands;
using LapsCsp.Tree.Paths;
using LapsCsp.Tree.Schema;
using LapsCsp.Tree.Validation;

namespace LapsCsp.Tree;

/// <summary>A device's DM tree: the CSP schema, the stored values, and the rules that judge every command.</summary>
/// <remarks>
/// Checks run in this order, each giving its own fault: URI syntax; a node in the schema (NotFound); MSFT:Applicability
/// (NotApplicable); AccessType (NotAllowed) or permanent scope for Delete; existence (AlreadyExists for Add, NotFound for
/// the rest); Meta Format against DFFormat (FormatMismatch); parsing for the format (InvalidValue); MSFT:AllowedValues
/// (ValueNotAllowed); then, after the command or the whole Atomic is staged, MSFT:DependencyBehavior judged on effective
/// values (stored value, else the DDF default): DependencyNotMet or DependencyValueNotAllowed. Nothing is committed
/// until every check passed, so a failed command or Atomic leaves the tree as it was.
/// </remarks>
public sealed class DmTree
{
    private readonly IDeviceBackend _backend;
    private readonly object _gate = new();

    public DmTree(CspSchema schema, TreeOptions? options = null, IDeviceBackend? backend = null, TreeState? state = null)
    {
        Schema = schema;
        Options = options ?? TreeOptions.Windows;
        _backend = backend ?? NullDeviceBackend.Instance;
        State = state ?? TreeState.Empty;
    }

    public CspSchema Schema { get; }

    public TreeOptions Options { get; }

    public TreeState State { get; private set; }

    /// <summary>Runs one command on its own and commits it if it succeeds.</summary>
    public CspOutcome Execute(CspCommand command)
    {
        lock (_gate)
        {
            var stage = new Stage(State);
            var outcome = Run(command, stage, inAtomic: false, index: 0);
            if (!outcome.Succeeded || stage.Changes.Count == 0) return outcome;
            var dependency = CheckDependencies(stage, out _);
            if (dependency is { Succeeded: false }) return dependency;
            if (dependency is not null) outcome = outcome with { Warnings = outcome.Warnings.AddRange(dependency.Warnings) };
            Commit(stage);
            return outcome;
        }
    }

    /// <summary>Runs the commands of an Atomic on a staged copy; commits all or nothing.</summary>
    /// <remarks>OMA-DM RepPro §4.1.6.3. The failing command keeps its own fault; commands before it are RolledBack (216),
    /// commands after it NotExecuted (215). Dependencies are judged on the staged state after all commands, so the order
    /// of commands inside an Atomic does not matter.</remarks>
    public AtomicResult ExecuteAtomic(IReadOnlyList<CspCommand> commands)
    {
        lock (_gate)
        {
            var stage = new Stage(State);
            var outcomes = new CspOutcome[commands.Count];
            var failed = -1;
            for (var i = 0; i < commands.Count; i++)
            {
                var command = commands[i];
                outcomes[i] = Run(command, stage, inAtomic: true, index: i);
                if (!outcomes[i].Succeeded)
                {
                    failed = i;
                    break;
                }
            }

            if (failed < 0)
            {
                var dependency = CheckDependencies(stage, out var failedIndex);
                if (dependency is { Succeeded: false })
                {
                    failed = failedIndex;
                    outcomes[failed] = dependency;
                }
                else if (dependency is not null)
                {
                    outcomes[failedIndex] = outcomes[failedIndex] with
                    {
                        Warnings = outcomes[failedIndex].Warnings.AddRange(dependency.Warnings),
                    };
                }
            }

            if (failed >= 0)
            {
                var why = $"command {failed + 1} of the Atomic failed";
                for (var i = 0; i < commands.Count; i++)
                {
                    if (i < failed) outcomes[i] = CspOutcome.Fail(CspFault.RolledBack, $"rolled back: {why}");
                    else if (i > failed) outcomes[i] = CspOutcome.Fail(CspFault.NotExecuted, $"not executed: {why}");
                }

                return new AtomicResult(false, [.. outcomes]);
            }

            Commit(stage);
            return new AtomicResult(true, [.. outcomes]);
        }
    }

    /// <summary>Reads a node without a command (for hosts and tests): the value a Get would return, or null.</summary>
    public CspValue? Read(string uri)
    {
        var outcome = Execute(CspCommand.Get(uri));
        return outcome.Succeeded ? outcome.Value : null;
    }

    /// <summary>The effective value of a leaf: the stored value, else its DDF default; null if neither.</summary>
    public string? EffectiveValue(string uri)
    {
        if (!CspPath.TryParse(uri, out var path, out _) || !Schema.TryResolve(path, out var resolved)) return null;
        return State.ValueOf(resolved.Path) ?? resolved.Node.Definition?.DefaultValue;
    }

    /// <summary>Replaces the whole stored state (loading a saved device).</summary>
    public void Restore(TreeState state)
    {
        lock (_gate) State = state;
    }

    private void Commit(Stage stage)
    {
        State = stage.State;
        if (stage.Changes.Count > 0) _backend.OnCommitted([.. stage.Changes], State);
    }

    private CspOutcome Run(CspCommand command, Stage stage, bool inAtomic, int index)
    {
        if (command.Operation == CspOperation.Rejected)
        {
            return CspOutcome.Fail(command.PresetFault == CspFault.None ? CspFault.BadRequest : command.PresetFault,
                command.PresetReason ?? "rejected");
        }

        if (inAtomic && command.Operation is CspOperation.Get or CspOperation.Exec)
        {
            return CspOutcome.Fail(CspFault.NotAllowedInAtomic,
                $"{command.Operation} is not allowed inside an Atomic (OMA-DM RepPro 4.1.6.3)");
        }

        if (!CspPath.TryParse(command.Uri, out var requested, out var error))
        {
            return command.Uri.Length > CspPath.MaxLength
                ? CspOutcome.Fail(CspFault.UriTooLong, error!)
                : CspOutcome.Fail(CspFault.BadRequest, $"bad URI '{ValueRules.Shorten(command.Uri)}': {error}");
        }

        if (requested.Query is not null)
        {
            return CspOutcome.Fail(CspFault.BadRequest, $"URI queries ('?{requested.Query}') are not supported");
        }

        if (!Schema.TryResolve(requested, out var resolved))
        {
            return CspOutcome.Fail(CspFault.NotFound, $"no node {requested} in any CSP of this device");
        }

        var node = resolved.Node;
        var path = resolved.Path;
        foreach (var applicability in node.ApplicabilityChain)
        {
            if (!ApplicabilityRules.IsApplicable(applicability, Options.Device, out var why))
            {
                return CspOutcome.Fail(CspFault.NotApplicable, $"{node} {why}");
            }
        }

        return command.Operation switch
        {
            CspOperation.Add => Write(command, node, path, stage, inAtomic, index, isAdd: true),
            CspOperation.Replace => Write(command, node, path, stage, inAtomic, index, isAdd: false),
            CspOperation.Delete => Delete(node, path, stage, inAtomic),
            CspOperation.Get => Get(node, path, stage),
            CspOperation.Exec => Exec(command, node, path, stage),
            _ => CspOutcome.Fail(CspFault.NotImplemented, $"{command.Operation} is not implemented"),
        };
    }

    private CspOutcome Write(CspCommand command, SchemaNode node, CspPath path, Stage stage, bool inAtomic, int index, bool isAdd)
    {
        var verb = isAdd ? "Add" : "Replace";
        var implicitInterior = isAdd && node.IsDynamic && node.IsInterior && node.Access == AccessTypes.None;
        if (!implicitInterior && !node.Access.HasFlag(isAdd ? AccessTypes.Add : AccessTypes.Replace))
        {
            return NotAllowed(verb, node);
        }

        var ancestorsMissing = MissingAncestor(path, stage);
        if (ancestorsMissing is { } missing && !isAdd)
        {
            return CspOutcome.Fail(CspFault.NotFound, $"{missing} does not exist");
        }

        var exists = Exists(node, path, stage) && ancestorsMissing is null;
        if (isAdd && exists)
        {
            return CspOutcome.Fail(CspFault.AlreadyExists, $"{path} already exists");
        }

        if (!isAdd && !exists)
        {
            var creatable = Options.ReplaceCreatesMissingLeaf && !node.IsInterior &&
                            node.Definition?.Occurrence == Occurrence.ZeroOrOne && node.Access.HasFlag(AccessTypes.Add);
            if (!creatable)
            {
                return CspOutcome.Fail(CspFault.NotFound, $"{path} does not exist (Replace does not create nodes)");
            }
        }

        if (command.Format is not null)
        {
            if (!ValueRules.TryParseFormat(command.Format, out var sent) || sent != node.Format)
            {
                return CspOutcome.Fail(CspFault.FormatMismatch,
                    $"Meta Format '{ValueRules.Shorten(command.Format)}' is not the node's format {ValueRules.FormatName(node.Format)}");
            }
        }

        if (!ValueRules.TryNormalize(node.Format, command.Data, out var value, out var invalid))
        {
            return CspOutcome.Fail(CspFault.InvalidValue, $"{node.Name}: {invalid}");
        }

        var definition = node.Definition;
        if (definition?.AllowedValues is { } allowed && !node.IsInterior && !AllowedHereOrByDependency(definition, value))
        {
            return CspOutcome.Fail(CspFault.ValueNotAllowed, $"{node.Name}={ValueRules.Shorten(value)} not in {allowed}");
        }

        var stored = node.IsInterior ? null : value;
        var change = new TreeChange(path, isAdd ? CspOperation.Add : CspOperation.Replace, stored);
        if (_backend.Validate(change, stage.State) is { Succeeded: false } veto) return veto;

        if (isAdd)
        {
            foreach (var ancestor in MissingAncestors(path, stage))
            {
                stage.State = stage.State.Set(ancestor, null);
            }
        }

        stage.State = stage.State.Set(path, stored);
        stage.Changes.Add(change);
        if (!node.IsInterior) stage.Written.Add((path, node, index));

        return AtomicRequiredOutcome(node, inAtomic);
    }

    /// <summary>MSFT:AtomicRequired: writes under such a node "should be enclosed by an Atomic" (DDFv2Msft.xsd). Outside an
    /// Atomic they are accepted with a warning, or refused when the tree is told to (digest D2, Q2).</summary>
    private CspOutcome AtomicRequiredOutcome(SchemaNode node, bool inAtomic)
    {
        if (inAtomic || node.AtomicRequiredAncestor is not { } atomicRoot) return CspOutcome.Ok;
        var text = $"{atomicRoot} is MSFT:AtomicRequired but this write came outside an Atomic";
        return Options.AtomicRequired == AtomicRequiredMode.Reject
            ? CspOutcome.Fail(CspFault.AtomicRequired, text)
            : CspOutcome.Ok.WithWarning(text);
    }

    private CspOutcome Delete(SchemaNode node, CspPath path, Stage stage, bool inAtomic)
    {
        if (node.Scope == NodeScope.Permanent || node.IsImplicit)
        {
            return CspOutcome.Fail(CspFault.PermanentNode, $"{path} is a permanent node and can't be deleted");
        }

        if (!node.Access.HasFlag(AccessTypes.Delete) && !(node.IsDynamic && node.Access == AccessTypes.None))
        {
            return NotAllowed("Delete", node);
        }

        if (MissingAncestor(path, stage) is { } missing)
        {
            return CspOutcome.Fail(CspFault.NotFound, $"{missing} does not exist");
        }

        if (!stage.State.Contains(path))
        {
            return CspOutcome.Fail(CspFault.NotFound, $"{path} does not exist");
        }

        var change = new TreeChange(path, CspOperation.Delete, null);
        if (_backend.Validate(change, stage.State) is { Succeeded: false } veto) return veto;
        stage.State = stage.State.RemoveSubtree(path);
        stage.Changes.Add(change);
        return AtomicRequiredOutcome(node, inAtomic);
    }

    private CspOutcome Get(SchemaNode node, CspPath path, Stage stage)
    {
        if (!node.Access.HasFlag(AccessTypes.Get))
        {
            return NotAllowed("Get", node);
        }

        if (MissingAncestor(path, stage) is { } missing)
        {
            return CspOutcome.Fail(CspFault.NotFound, $"{missing} does not exist");
        }

        if (node.IsInterior)
        {
            if (!Exists(node, path, stage)) return CspOutcome.Fail(CspFault.NotFound, $"{path} does not exist");
            var names = ChildNames(node, path, stage);
            return new CspOutcome(CspFault.None) { Value = new CspValue(string.Join('/', names), DdfFormat.Node) };
        }

        var live = _backend.ReadLive(path);
        if (live is not null) return Found(live);
        if (stage.State.TryGetValue(path, out var stored)) return Found(stored ?? string.Empty);
        if (Exists(node, path, stage)) return Found(node.Definition?.DefaultValue ?? string.Empty);
        return CspOutcome.Fail(CspFault.NotFound, $"{path} is not set");

        CspOutcome Found(string v) => new(CspFault.None)
        {
            Value = new CspValue(node.Format == DdfFormat.Bool ? v.ToLowerInvariant() : v, node.Format, node.Definition?.MimeType),
        };
    }

    private CspOutcome Exec(CspCommand command, SchemaNode node, CspPath path, Stage stage)
    {
        if (!node.Access.HasFlag(AccessTypes.Exec))
        {
            return NotAllowed("Exec", node);
        }

        if (MissingAncestor(path, stage) is { } missing)
        {
            return CspOutcome.Fail(CspFault.NotFound, $"{missing} does not exist");
        }

        return _backend.Execute(path, command.Data);
    }

    private IEnumerable<string> ChildNames(SchemaNode node, CspPath path, Stage stage)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in node.Children)
        {
            if (child.IsDynamic) continue;
            var childPath = path.Child(child.Name);
            if (Exists(child, childPath, stage) || _backend.ReadLive(childPath) is not null)
            {
                if (seen.Add(child.Name)) yield return CspPath.EncodeSegment(child.Name);
            }
        }

        if (node.DynamicChild is not null)
        {
            foreach (var name in stage.State.StoredChildNames(path))
            {
                if (seen.Add(name)) yield return name;
            }
        }
    }

    /// <summary>Whether a node exists (its ancestors are checked separately).</summary>
    private static bool Exists(SchemaNode node, CspPath path, Stage stage)
    {
        if (node.IsInterior) return node.ExistsImplicitly || stage.State.Contains(path);
        var definition = node.Definition!;
        if (definition.Occurrence == Occurrence.One && !definition.Access.HasFlag(AccessTypes.Add)) return true;
        return stage.State.Contains(path);
    }

    private CspPath? MissingAncestor(CspPath path, Stage stage)
    {
        foreach (var ancestor in MissingAncestors(path, stage)) return ancestor;
        return null;
    }

    /// <summary>Dynamic or addable interior ancestors that do not exist yet, outermost first.</summary>
    private IEnumerable<CspPath> MissingAncestors(CspPath path, Stage stage)
    {
        var ancestors = new List<CspPath>();
        for (var p = path.Parent; p.Depth > 0; p = p.Parent) ancestors.Add(p);
        ancestors.Reverse();
        foreach (var ancestor in ancestors)
        {
            if (!Schema.TryResolve(ancestor, out var resolved)) continue;
            if (!resolved.Node.ExistsImplicitly && !stage.State.Contains(resolved.Path)) yield return resolved.Path;
        }
    }

    private bool AllowedHereOrByDependency(DdfNode definition, string value)
    {
        if (ValueRules.IsAllowed(definition.AllowedValues!, definition.Format, value)) return true;
        foreach (var group in definition.Dependencies)
        {
            if (group.ChangedAllowedValues is { } changed && ValueRules.IsAllowed(changed, definition.Format, value)) return true;
        }

        return false;
    }

    /// <summary>Judges MSFT:DependencyBehavior for every leaf written in the stage, in command order.</summary>
    /// <returns>null when nothing applies; a failed outcome (with <paramref name="failedIndex"/>) in Enforce mode; a
    /// successful outcome with warnings in Warn mode.</returns>
    private CspOutcome? CheckDependencies(Stage stage, out int failedIndex)
    {
        failedIndex = 0;
        CspOutcome? warnings = null;
        foreach (var (path, node, index) in stage.Written.OrderBy(w => w.Index))
        {
            if (!stage.State.TryGetValue(path, out var value) || value is null) continue;
            var definition = node.Definition!;
            var problem = JudgeDependencies(definition, value, stage.State);
            if (problem is null) continue;
            if (Options.Dependencies == DependencyMode.Enforce)
            {
                failedIndex = index;
                return problem;
            }

            warnings ??= CspOutcome.Ok;
            warnings = warnings.WithWarning($"accepted although {problem.Reason}");
            failedIndex = index;
        }

        return warnings;
    }

    private CspOutcome? JudgeDependencies(DdfNode definition, string value, TreeState state)
    {
        var groups = definition.Dependencies;
        if (groups.IsEmpty) return null;
        var requirements = groups.Where(g => g.ChangedAllowedValues is null).ToList();
        if (requirements.Count > 0 && !requirements.Any(g => IsSatisfied(g, state)))
        {
            var needs = string.Join(" or ", requirements.Select(g => Describe(g, state)));
            return CspOutcome.Fail(CspFault.DependencyNotMet, $"{definition.Name} needs {needs}");
        }

        foreach (var group in groups)
        {
            if (group.ChangedAllowedValues is not { } changed || !IsSatisfied(group, state)) continue;
            if (ValueRules.IsAllowed(changed, definition.Format, value)) return null;
            var because = string.Join(" and ", group.Dependencies.Select(d => $"{LastSegment(d.Uri)}={EffectiveDependencyValue(d, state) ?? "(unset)"}"));
            return CspOutcome.Fail(CspFault.DependencyValueNotAllowed, $"{definition.Name}={value} outside {changed} because {because}");
        }

        if (definition.AllowedValues is { } allowed && !ValueRules.IsAllowed(allowed, definition.Format, value))
        {
            return CspOutcome.Fail(CspFault.ValueNotAllowed, $"{definition.Name}={value} not in {allowed}");
        }

        return null;
    }

    private string Describe(DependencyGroup group, TreeState state) =>
        string.Join(" and ", group.Dependencies.Select(d =>
        {
            var current = EffectiveDependencyValue(d, state);
            var op = d.Type == DependencyType.DependsOn ? (d.AllowedValue?.Kind == AllowedValueKind.Range ? " in " : "=") : " not ";
            var wanted = d.AllowedValue is null ? "(any value)" :
                d.AllowedValue.Kind == AllowedValueKind.Enum ? string.Join("|", d.AllowedValue.Enums.Select(e => e.Value)) : d.AllowedValue.ToString();
            return $"{LastSegment(d.Uri)}{op}{wanted} (it is {current ?? "unset"})";
        }));

    private bool IsSatisfied(DependencyGroup group, TreeState state)
    {
        foreach (var dependency in group.Dependencies)
        {
            var value = EffectiveDependencyValue(dependency, state);
            var format = DependencyFormat(dependency);
            var matches = value is not null && (dependency.AllowedValue is null || ValueRules.IsAllowed(dependency.AllowedValue, format, value));
            if (dependency.Type == DependencyType.DependsOn ? !matches : matches) return false;
        }

        return true;
    }

    private string? EffectiveDependencyValue(Dependency dependency, TreeState state)
    {
        if (!TryResolveDependency(dependency, out var resolved)) return null;
        return state.ValueOf(resolved.Path) ?? resolved.Node.Definition?.DefaultValue;
    }

    private DdfFormat DependencyFormat(Dependency dependency) =>
        TryResolveDependency(dependency, out var resolved) ? resolved.Node.Format : DdfFormat.Chr;

    private bool TryResolveDependency(Dependency dependency, out ResolvedNode resolved)
    {
        resolved = default;
        var uri = dependency.Uri.StartsWith("./", StringComparison.Ordinal) ? dependency.Uri : "./Device/" + dependency.Uri.TrimStart('/');
        return CspPath.TryParse(uri, out var path, out _) && Schema.TryResolve(path, out resolved);
    }

    private static string LastSegment(string uri) => uri.TrimEnd('/')[(uri.TrimEnd('/').LastIndexOf('/') + 1)..];

    private static CspOutcome NotAllowed(string verb, SchemaNode node)
    {
        var access = node.Access == AccessTypes.None ? "none" : node.Access.ToString();
        return CspOutcome.Fail(CspFault.NotAllowed, $"{verb} is not allowed on {node} (AccessType: {access})");
    }

    private sealed class Stage(TreeState state)
    {
        public TreeState State { get; set; } = state;

        public List<TreeChange> Changes { get; } = [];

        public List<(CspPath Path, SchemaNode Node, int Index)> Written { get; } = [];
    }
}

/// <summary>The outcome of an Atomic: whether it committed, and one outcome per command in order.</summary>
public sealed record AtomicResult(bool Succeeded, ImmutableArray<CspOutcome> Outcomes);

internal static class Invariant
{
    public static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
