using System.Collections.Immutable;
using System.Globalization;
using LapsCsp.Ddf.Model;
using LapsCsp.Tree.Backend;
using LapsCsp.Tree.Commands;
using LapsCsp.Tree.Paths;
using LapsCsp.Tree.Queries;
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
/// <para>A LocURI may carry one OMA-DM query: <c>?prop=&lt;Name&gt;</c> reads a node property (<see cref="NodeProperties"/>
/// says which and why), <c>?list=&lt;attribute&gt;</c> asks for a subtree (<see cref="TreeOptions.SubtreeGets"/>).</para>
/// <para>What a command needs from the schema beyond its own node (ancestors that may be missing, applicability,
/// dependency targets) is computed once per schema node when the schema is built, not per command.</para>
/// </remarks>
public sealed class DmTree
{
    private readonly IDeviceBackend _backend;
    private readonly object _gate = new();

    /// <summary>The accepted-with-a-warning outcome per MSFT:AtomicRequired node (immutable, so one per node is shared).</summary>
    private readonly Dictionary<SchemaNode, CspOutcome> _atomicRequiredWarnings = [];

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

        UriQuery? query = null;
        if (requested.Query is { } queryText)
        {
            if (!UriQuery.TryParse(queryText, out var parsed, out var queryError)) return CspOutcome.Fail(CspFault.BadRequest, queryError!);
            if (parsed.Kind == UriQueryKind.List && ListUnsupported(command, parsed.Value) is { } refused) return refused;
            query = parsed;
        }

        if (!Schema.TryResolve(requested, out var resolved))
        {
            return CspOutcome.Fail(CspFault.NotFound, $"no node {requested.WithoutQuery} in any CSP of this device");
        }

        var node = resolved.Node;
        var path = resolved.Path;
        foreach (var applicability in node.Applicabilities)
        {
            if (!ApplicabilityRules.IsApplicable(applicability, Options.Device, out var why))
            {
                return CspOutcome.Fail(CspFault.NotApplicable, $"{node} {why}");
            }
        }

        var key = path.ToString();
        if (query is { Kind: UriQueryKind.Property } property) return Property(command.Operation, property.Value, node, path, key, stage);
        if (query is { Kind: UriQueryKind.List } list) return List(node, path, key, stage, withData: list.Value == "StructData");
        return command.Operation switch
        {
            CspOperation.Add => Write(command, node, path, key, stage, inAtomic, index, isAdd: true),
            CspOperation.Replace => Write(command, node, path, key, stage, inAtomic, index, isAdd: false),
            CspOperation.Delete => Delete(node, path, key, stage, inAtomic),
            CspOperation.Get => Get(node, path, key, stage),
            CspOperation.Exec => Exec(command, node, path, stage),
            _ => CspOutcome.Fail(CspFault.NotImplemented, $"{command.Operation} is not implemented"),
        };
    }

    private CspOutcome Write(CspCommand command, SchemaNode node, CspPath path, string key, Stage stage, bool inAtomic, int index, bool isAdd)
    {
        var verb = isAdd ? "Add" : "Replace";
        var implicitInterior = isAdd && node.IsDynamic && node.IsInterior && node.Access == AccessTypes.None;
        if (!implicitInterior && !node.Access.HasFlag(isAdd ? AccessTypes.Add : AccessTypes.Replace))
        {
            return NotAllowed(verb, node);
        }

        var ancestorsMissing = MissingAncestor(node, path, stage);
        if (ancestorsMissing is { } missing && !isAdd)
        {
            return CspOutcome.Fail(CspFault.NotFound, $"{missing} does not exist");
        }

        var exists = ancestorsMissing is null && Exists(node, key, stage);
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

        if (isAdd && ancestorsMissing is not null)
        {
            foreach (var depth in node.ExplicitAncestorDepths)
            {
                var ancestor = path.Prefix(depth);
                if (!stage.State.Contains(ancestor)) stage.State = stage.State.Set(ancestor, null);
            }
        }

        stage.State = stage.State.Set(key, stored);
        stage.Changes.Add(change);
        if (!node.IsInterior) stage.Written.Add((key, node, index));

        return AtomicRequiredOutcome(node, inAtomic);
    }

    /// <summary>MSFT:AtomicRequired: writes under such a node "should be enclosed by an Atomic" (DDFv2Msft.xsd). Outside an
    /// Atomic they are accepted with a warning, or refused when the tree is told to (digest D2, Q2).</summary>
    private CspOutcome AtomicRequiredOutcome(SchemaNode node, bool inAtomic)
    {
        if (inAtomic || node.AtomicRequiredAncestor is not { } atomicRoot) return CspOutcome.Ok;
        if (Options.AtomicRequired == AtomicRequiredMode.Reject) return CspOutcome.Fail(CspFault.AtomicRequired, Text());
        if (!_atomicRequiredWarnings.TryGetValue(atomicRoot, out var warned))
        {
            _atomicRequiredWarnings[atomicRoot] = warned = CspOutcome.Ok.WithWarning(Text());
        }

        return warned;

        string Text() => $"{atomicRoot} is MSFT:AtomicRequired but this write came outside an Atomic";
    }

    private CspOutcome Delete(SchemaNode node, CspPath path, string key, Stage stage, bool inAtomic)
    {
        if (node.Scope == NodeScope.Permanent || node.IsImplicit)
        {
            return CspOutcome.Fail(CspFault.PermanentNode, $"{path} is a permanent node and can't be deleted");
        }

        if (!node.Access.HasFlag(AccessTypes.Delete) && !(node.IsDynamic && node.Access == AccessTypes.None))
        {
            return NotAllowed("Delete", node);
        }

        if (MissingAncestor(node, path, stage) is { } missing)
        {
            return CspOutcome.Fail(CspFault.NotFound, $"{missing} does not exist");
        }

        if (!stage.State.Contains(key))
        {
            return CspOutcome.Fail(CspFault.NotFound, $"{path} does not exist");
        }

        var change = new TreeChange(path, CspOperation.Delete, null);
        if (_backend.Validate(change, stage.State) is { Succeeded: false } veto) return veto;
        stage.State = stage.State.RemoveSubtree(path);
        stage.Changes.Add(change);
        return AtomicRequiredOutcome(node, inAtomic);
    }

    private CspOutcome Get(SchemaNode node, CspPath path, string key, Stage stage)
    {
        if (!node.Access.HasFlag(AccessTypes.Get))
        {
            return NotAllowed("Get", node);
        }

        if (MissingAncestor(node, path, stage) is { } missing)
        {
            return CspOutcome.Fail(CspFault.NotFound, $"{missing} does not exist");
        }

        if (node.IsInterior)
        {
            if (!Exists(node, key, stage)) return CspOutcome.Fail(CspFault.NotFound, $"{path} does not exist");
            var names = ChildNames(node, path, stage);
            return new CspOutcome(CspFault.None) { Value = new CspValue(string.Join('/', names), DdfFormat.Node) };
        }

        return LeafData(node, path, key, stage) is { } data
            ? new CspOutcome(CspFault.None) { Value = new CspValue(data, node.Format, node.Definition?.MimeType) }
            : CspOutcome.Fail(CspFault.NotFound, $"{path} is not set");
    }

    /// <summary>The value a Get of a leaf returns: the backend's live value, the stored value, or the DDF default of a
    /// leaf that exists without being added; bool in lower case. Null when the leaf does not exist.</summary>
    private string? LeafData(SchemaNode node, CspPath path, string key, Stage stage)
    {
        var data = _backend.ReadLive(path);
        if (data is null)
        {
            if (stage.State.TryGetValue(key, out var stored)) data = stored ?? string.Empty;
            else if (Exists(node, key, stage)) data = node.Definition?.DefaultValue ?? string.Empty;
            else return null;
        }

        return node.Format == DdfFormat.Bool ? data.ToLowerInvariant() : data;
    }

    /// <summary>A command on <c>&lt;uri&gt;?prop=&lt;Name&gt;</c> (OMA-DM TND 1.2 §8.3). Checks, in order: the property
    /// name (406 for a name TND §8.3.1 does not define, §8.3.3); the command (TND §8.3.5: Get, plus Replace for ACL,
    /// Name and Title; any other command 405); the node's existence (404); then the property itself.</summary>
    /// <remarks>A Replace of ACL, Name or Title is valid OMA-DM that this device does not carry out: it keeps no ACLs
    /// (Windows documents no ACL changes through its CSPs; access is the DDF AccessType), renames no node (the Name of a
    /// permanent node MUST NOT change, TND §8.3.5.1, so those are 405) and keeps no titles. Those are 406 Optional feature
    /// not supported, with the reason. Properties are read whatever the node's AccessType (Format of the Exec-only
    /// ResetPassword is <c>null</c>): they describe what the published DDF shows; only Size, which depends on the value,
    /// needs Get.</remarks>
    private CspOutcome Property(CspOperation operation, string name, SchemaNode node, CspPath path, string key, Stage stage)
    {
        if (NodeProperties.Refuse(name, operation, path.ToString(), out var property) is { } refused) return refused;

        if (MissingAncestor(node, path, stage) is { } missing)
        {
            return CspOutcome.Fail(CspFault.NotFound, $"{missing} does not exist");
        }

        var leafData = node.IsInterior ? null : LeafData(node, path, key, stage);
        if (node.IsInterior ? !Exists(node, key, stage) : leafData is null)
        {
            return CspOutcome.Fail(CspFault.NotFound, $"{path} does not exist, so it has no {property} property");
        }

        if (operation == CspOperation.Get) return NodeProperties.Read(property, node, path, leafData);
        return property switch
        {
            NodeProperty.ACL => CspOutcome.Fail(CspFault.OptionalFeatureNotSupported,
                $"Replace {path}?prop=ACL: this device keeps no ACLs and lets no server set one; access is the node's AccessType"),
            NodeProperty.Name when !node.IsDynamic => CspOutcome.Fail(CspFault.NotAllowed,
                $"Replace {path}?prop=Name: {node} is a permanent node, whose Name can't change (OMA-DM TND 8.3.5.1)"),
            NodeProperty.Name => CspOutcome.Fail(CspFault.OptionalFeatureNotSupported, $"Replace {path}?prop=Name: this device does not rename nodes"),
            _ => NodeProperties.Read(property, node, path, leafData),
        };
    }

    /// <summary>Why a <c>?list=</c> command is refused before its node is looked at, or null when the tree answers it.</summary>
    /// <remarks>OMA-DM TND 1.2 §8.4.1 defines <c>Get &lt;uri&gt;?list=Struct|StructData|TNDS</c>; a client without the
    /// feature "SHOULD return (406) Optional Feature Not Supported". Only Get takes a list (405 for other commands).
    /// TNDS (a serialized subtree, OMA-TS-DM_TNDS) is never produced; Struct and StructData only with
    /// <see cref="TreeOptions.SubtreeGets"/>.</remarks>
    private CspOutcome? ListUnsupported(CspCommand command, string attribute)
    {
        if (attribute is not ("Struct" or "StructData" or "TNDS"))
        {
            return CspOutcome.Fail(CspFault.BadRequest,
                $"?list={ValueRules.Shorten(attribute)} is not a list attribute (OMA-DM TND 8.4.1: Struct, StructData, TNDS)");
        }

        if (command.Operation != CspOperation.Get)
        {
            return CspOutcome.Fail(CspFault.NotAllowed, $"{command.Operation} with ?list={attribute}: only Get takes ?list= (OMA-DM TND 8.4.1)");
        }

        if (attribute == "TNDS")
        {
            return CspOutcome.Fail(CspFault.OptionalFeatureNotSupported, "?list=TNDS: this device does not serialize subtrees as TNDS (OMA-DM TND 8.4.1)");
        }

        return Options.SubtreeGets
            ? null
            : CspOutcome.Fail(CspFault.OptionalFeatureNotSupported,
                $"?list={attribute}: this device does not answer subtree Gets (OMA-DM TND 8.4.1); Get the node for its child list, then each child");
    }

    /// <summary><c>Get &lt;uri&gt;?list=Struct|StructData</c> (OMA-DM TND 1.2 §8.4): the node and every node below it that the
    /// server may read (AccessType Get: a node without it is left out with its subtree, so a write-only Password never
    /// appears), each before its children; leaf values for StructData only.</summary>
    private CspOutcome List(SchemaNode node, CspPath path, string key, Stage stage, bool withData)
    {
        if (!node.Access.HasFlag(AccessTypes.Get))
        {
            return NotAllowed("Get", node);
        }

        if (MissingAncestor(node, path, stage) is { } missing)
        {
            return CspOutcome.Fail(CspFault.NotFound, $"{missing} does not exist");
        }

        if (node.IsInterior ? !Exists(node, key, stage) : LeafData(node, path, key, stage) is null)
        {
            return CspOutcome.Fail(CspFault.NotFound, $"{path} does not exist");
        }

        var listing = ImmutableArray.CreateBuilder<CspListedNode>();
        AddSubtree(node, path, key, stage, withData, listing);
        return new CspOutcome(CspFault.None) { Listing = listing.ToImmutable() };
    }

    private void AddSubtree(SchemaNode node, CspPath path, string key, Stage stage, bool withData, ImmutableArray<CspListedNode>.Builder listing)
    {
        if (node.IsInterior)
        {
            listing.Add(new CspListedNode(path, DdfFormat.Node, node.Definition?.MimeType, null));
            foreach (var (child, childPath) in ExistingChildren(node, path, stage))
            {
                if (child.Access.HasFlag(AccessTypes.Get)) AddSubtree(child, childPath, childPath.ToString(), stage, withData, listing);
            }

            return;
        }

        if (LeafData(node, path, key, stage) is { } data)
        {
            listing.Add(new CspListedNode(path, node.Format, node.Definition?.MimeType, withData ? data : null));
        }
    }

    private CspOutcome Exec(CspCommand command, SchemaNode node, CspPath path, Stage stage)
    {
        if (!node.Access.HasFlag(AccessTypes.Exec))
        {
            return NotAllowed("Exec", node);
        }

        if (MissingAncestor(node, path, stage) is { } missing)
        {
            return CspOutcome.Fail(CspFault.NotFound, $"{missing} does not exist");
        }

        return _backend.Execute(path, command.Data);
    }

    /// <summary>The names a Get of an interior node lists: static children URI-encoded (Windows OMA-DM support),
    /// dynamic children as stored.</summary>
    private IEnumerable<string> ChildNames(SchemaNode node, CspPath path, Stage stage) =>
        ExistingChildren(node, path, stage).Select(c => c.Node.IsDynamic ? c.Path.Name : CspPath.EncodeSegment(c.Node.Name));

    /// <summary>The children of an existing interior node that exist: static ones that exist or have a live value, then
    /// the stored dynamic ones.</summary>
    private IEnumerable<(SchemaNode Node, CspPath Path)> ExistingChildren(SchemaNode node, CspPath path, Stage stage)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in node.Children)
        {
            if (child.IsDynamic) continue;
            var childPath = path.Child(child.Name);
            if (Exists(child, childPath.ToString(), stage) || _backend.ReadLive(childPath) is not null)
            {
                if (seen.Add(child.Name)) yield return (child, childPath);
            }
        }

        if (node.DynamicChild is { } dynamic)
        {
            foreach (var name in stage.State.StoredChildNames(path))
            {
                if (seen.Add(name)) yield return (dynamic, path.Child(name));
            }
        }
    }

    /// <summary>Whether a node exists (its ancestors are checked separately); <paramref name="key"/> is its canonical URI.</summary>
    private static bool Exists(SchemaNode node, string key, Stage stage)
    {
        if (node.IsInterior) return node.ExistsImplicitly || stage.State.Contains(key);
        var definition = node.Definition!;
        if (definition.Occurrence == Occurrence.One && !definition.Access.HasFlag(AccessTypes.Add)) return true;
        return stage.State.Contains(key);
    }

    /// <summary>The outermost dynamic or addable interior ancestor of <paramref name="path"/> (the canonical path of
    /// <paramref name="node"/>) that does not exist yet, or null. Only the ancestors the schema marks as not existing
    /// implicitly are looked up.</summary>
    private static CspPath? MissingAncestor(SchemaNode node, CspPath path, Stage stage)
    {
        foreach (var depth in node.ExplicitAncestorDepths)
        {
            var ancestor = path.Prefix(depth);
            if (!stage.State.Contains(ancestor)) return ancestor;
        }

        return null;
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
    /// <remarks><see cref="Stage.Written"/> is in command order already: commands run in order and each adds its write.</remarks>
    private CspOutcome? CheckDependencies(Stage stage, out int failedIndex)
    {
        failedIndex = 0;
        CspOutcome? warnings = null;
        foreach (var (key, node, index) in stage.Written)
        {
            if (node.DependencyGroups.IsEmpty || !stage.State.TryGetValue(key, out var value) || value is null) continue;
            var problem = JudgeDependencies(node, value, stage.State);
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

    private static CspOutcome? JudgeDependencies(SchemaNode node, string value, TreeState state)
    {
        var definition = node.Definition!;
        var groups = node.DependencyGroups;
        var hasRequirements = false;
        var requirementMet = false;
        foreach (var group in groups)
        {
            if (group.Group.ChangedAllowedValues is not null) continue;
            hasRequirements = true;
            if (IsSatisfied(group, state))
            {
                requirementMet = true;
                break;
            }
        }

        if (hasRequirements && !requirementMet)
        {
            var needs = string.Join(" or ", groups.Where(g => g.Group.ChangedAllowedValues is null).Select(g => Describe(g, state)));
            return CspOutcome.Fail(CspFault.DependencyNotMet, $"{definition.Name} needs {needs}");
        }

        foreach (var group in groups)
        {
            if (group.Group.ChangedAllowedValues is not { } changed || !IsSatisfied(group, state)) continue;
            if (ValueRules.IsAllowed(changed, definition.Format, value)) return null;
            var because = string.Join(" and ", group.Dependencies.Select(d => $"{d.Name}={EffectiveDependencyValue(d, state) ?? "(unset)"}"));
            return CspOutcome.Fail(CspFault.DependencyValueNotAllowed, $"{definition.Name}={value} outside {changed} because {because}");
        }

        if (definition.AllowedValues is { } allowed && !ValueRules.IsAllowed(allowed, definition.Format, value))
        {
            return CspOutcome.Fail(CspFault.ValueNotAllowed, $"{definition.Name}={value} not in {allowed}");
        }

        return null;
    }

    private static string Describe(ResolvedDependencyGroup group, TreeState state) =>
        string.Join(" and ", group.Dependencies.Select(target =>
        {
            var d = target.Dependency;
            var current = EffectiveDependencyValue(target, state);
            var op = d.Type == DependencyType.DependsOn ? (d.AllowedValue?.Kind == AllowedValueKind.Range ? " in " : "=") : " not ";
            var wanted = d.AllowedValue is null ? "(any value)" :
                d.AllowedValue.Kind == AllowedValueKind.Enum ? string.Join("|", d.AllowedValue.Enums.Select(e => e.Value)) : d.AllowedValue.ToString();
            return $"{target.Name}{op}{wanted} (it is {current ?? "unset"})";
        }));

    private static bool IsSatisfied(ResolvedDependencyGroup group, TreeState state)
    {
        foreach (var target in group.Dependencies)
        {
            var dependency = target.Dependency;
            var value = EffectiveDependencyValue(target, state);
            var matches = value is not null && (dependency.AllowedValue is null || ValueRules.IsAllowed(dependency.AllowedValue, target.Format, value));
            if (dependency.Type == DependencyType.DependsOn ? !matches : matches) return false;
        }

        return true;
    }

    /// <summary>The dependency target's stored value, else its DDF default; null when no CSP defines the target.</summary>
    private static string? EffectiveDependencyValue(DependencyTarget target, TreeState state) =>
        target.StateKey is null ? null : state.ValueOf(target.StateKey) ?? target.Node!.Definition?.DefaultValue;

    private static CspOutcome NotAllowed(string verb, SchemaNode node)
    {
        var access = node.Access == AccessTypes.None ? "none" : node.Access.ToString();
        return CspOutcome.Fail(CspFault.NotAllowed, $"{verb} is not allowed on {node} (AccessType: {access})");
    }

    private sealed class Stage(TreeState state)
    {
        public TreeState State { get; set; } = state;

        public List<TreeChange> Changes { get; } = [];

        /// <summary>The leaves written, by canonical URI, in command order.</summary>
        public List<(string Key, SchemaNode Node, int Index)> Written { get; } = [];
    }
}

/// <summary>The outcome of an Atomic: whether it committed, and one outcome per command in order.</summary>
public sealed record AtomicResult(bool Succeeded, ImmutableArray<CspOutcome> Outcomes);

internal static class Invariant
{
    public static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
