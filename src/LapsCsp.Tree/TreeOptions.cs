using LapsCsp.Ddf.Model;

namespace LapsCsp.Tree;

/// <summary>How dependency violations are treated.</summary>
public enum DependencyMode
{
    /// <summary>Refuse the write (405 when a DependsOn is not met, 400 outside a dependency-changed range).</summary>
    Enforce,

    /// <summary>Accept the write and report the violation as a warning.</summary>
    Warn,
}

/// <summary>How writes under an MSFT:AtomicRequired node sent outside an Atomic are treated.</summary>
public enum AtomicRequiredMode
{
    /// <summary>Accept, with a warning (default: the LAPS CSP document's own samples send bare Adds; digest D2).</summary>
    Warn,

    /// <summary>Refuse with the AtomicRequired fault.</summary>
    Reject,
}

/// <summary>What the tree needs to know about the device to judge applicability.</summary>
/// <param name="Edition">The Windows product type number (e.g. 0x4 Enterprise, 0x30 Pro, 0x79 Education).</param>
public sealed record DeviceContext(OsBuild OsBuild, int Edition)
{
    /// <summary>Windows 11 24H2 Enterprise: every LAPS node applies.</summary>
    public static DeviceContext Windows11Enterprise24H2 { get; } = new(new OsBuild(10, 0, 26100, 2314), 0x4);
}

/// <summary>Behaviour switches of the tree. Defaults are the <c>windows</c> profile.</summary>
public sealed record TreeOptions
{
    public static TreeOptions Windows { get; } = new() { SubtreeGets = true };

    /// <summary>The <c>oma</c> profile: OMA-DM 1.2 as written (Replace never creates a node).</summary>
    public static TreeOptions Oma { get; } = new() { ReplaceCreatesMissingLeaf = false };

    /// <summary>Replace on a missing ZeroOrOne leaf that allows Add and Replace creates it (policy-style leaves, digest Q3).
    /// OMA-DM RepPro §4.1.6.11 says such a Replace MUST NOT create the node (404).</summary>
    public bool ReplaceCreatesMissingLeaf { get; init; } = true;

    public DependencyMode Dependencies { get; init; } = DependencyMode.Enforce;

    public AtomicRequiredMode AtomicRequired { get; init; } = AtomicRequiredMode.Warn;

    public DeviceContext Device { get; init; } = DeviceContext.Windows11Enterprise24H2;

    /// <summary>Answer <c>Get &lt;uri&gt;?list=Struct|StructData</c> (OMA-DM TND 1.2 §8.4) with
    /// <see cref="Commands.CspOutcome.Listing"/>. Windows documents such Gets for some CSPs (EnterpriseModernAppManagement
    /// <c>.../nonStore/App1?list=StructData</c>): on in the <c>windows</c> profile, where the DM session answers one Results
    /// Item per node. Off (a bare tree, the <c>oma</c> profile): these Gets are 406 Optional feature not supported, the
    /// status TND §8.4.1 gives a client without the feature.</summary>
    public bool SubtreeGets { get; init; }
}
