using LapsCsp.Device.Processing;
using LapsCsp.Directory.ActiveDirectory;
using LapsCsp.Directory.Entra;
using LapsCsp.Enrollment.Security;
using LapsCsp.Fleet.Runner;
using LapsCsp.Fleet.Scheduling;
using LapsCsp.Fleet.Transport;

namespace LapsCsp.Fleet.Orleans.Grains;

/// <summary>What the devices of one run share on one silo: the MDM server connection, the directories they back up to and
/// the silo's view of fleet time (moved to each batch's start by the wakes).</summary>
public sealed record FleetSiloResources(IMdmServerConnection Server, LapsDirectories Directories, VirtualClock Clock)
{
    /// <summary>The credential devices enroll with (null: <see cref="FleetOptions"/>' default user and password).</summary>
    public Func<DeviceBlueprint, EnrollmentCredential>? Credential { get; init; }
}

/// <summary>Gives each run its <see cref="FleetSiloResources"/> on a silo; registered in the silo's services.</summary>
public interface IFleetSiloEnvironment
{
    FleetSiloResources For(string runId, FleetOptions options);
}

/// <summary>The environment of a real silo: every run gets a fresh clock and fresh emulated directories (Entra ID tenant
/// and AD domain) on this silo, and talks to one MDM server (for several hosts: an <see cref="HttpMdmServerConnection"/>
/// to the server's URL).</summary>
/// <remarks>Each silo keeps its own directories: the report does not depend on them, but a helpdesk logon reads the LAPS
/// password from the tenant of the silo the device runs on, so with several silos and
/// <see cref="FaultPlan.AdminLogonsPerDevicePerDay"/> a device that moves between silos can miss its password. Share one
/// directory (the server's Graph API) for exact helpdesk behaviour.</remarks>
public sealed class FleetSiloEnvironment(IMdmServerConnection server) : IFleetSiloEnvironment
{
    public FleetSiloResources For(string runId, FleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = new VirtualClock(options.Start);
        var directories = LapsDirectories.Of(new EntraIdDirectory(clock, new EntraIdOptions(LapsEnabled: true)), new ActiveDirectoryDomain(clock));
        return new FleetSiloResources(server, directories, clock);
    }
}

/// <summary>One set of resources for every run and every silo of the process: in-process test clusters, where all silos
/// share the test's server, directories and clock, as one process's fleet would.</summary>
public sealed class SharedFleetSiloEnvironment(FleetSiloResources resources) : IFleetSiloEnvironment
{
    public FleetSiloResources For(string runId, FleetOptions options) => resources;
}
