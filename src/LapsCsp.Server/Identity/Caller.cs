using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;

namespace LapsCsp.Server.Identity;

/// <summary>A device as RBAC sees it: both ids an administrative unit may list it by.</summary>
internal readonly record struct DeviceScope(string DeviceId, string EntraDeviceId);

/// <summary>An authenticated principal and what it may do: directory actions and Intune permissions, tenant-wide or over
/// administrative units.</summary>
internal sealed class Caller
{
    private readonly FrozenSet<string> _tenantWide;
    private readonly IReadOnlyList<(string Action, FrozenSet<string> Devices)> _scoped;

    internal Caller(PrincipalConfig principal, FrozenSet<string> tenantWide, IReadOnlyList<(string Action, FrozenSet<string> Devices)> scoped)
    {
        Principal = principal;
        _tenantWide = tenantWide;
        _scoped = scoped;
    }

    public PrincipalConfig Principal { get; }

    public string Name => Principal.Name;

    public bool IsApplication => Principal.Type == PrincipalKind.Application;

    /// <summary>Holds the action or permission tenant-wide.</summary>
    public bool Has(string action) => _tenantWide.Contains(action);

    /// <summary>Holds it tenant-wide or through an administrative unit the device is a member of.</summary>
    public bool Has(string action, DeviceScope device) =>
        Has(action) || _scoped.Any(s => string.Equals(s.Action, action, StringComparison.OrdinalIgnoreCase)
            && (s.Devices.Contains(device.DeviceId) || s.Devices.Contains(device.EntraDeviceId)));

    /// <summary>Holds it over at least some devices (tenant-wide or over an administrative unit).</summary>
    public bool HasAnywhere(string action) =>
        Has(action) || _scoped.Any(s => string.Equals(s.Action, action, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The compiled tenant: checks credentials and builds each principal's <see cref="Caller"/>.</summary>
internal sealed class TenantDirectory
{
    private readonly FrozenDictionary<string, Caller> _callers;

    public TenantDirectory(TenantConfig config)
    {
        Config = config;
        var problems = Validate(config);
        if (problems.Count > 0) throw new ServerConfigurationException(problems);
        var customRoles = config.CustomRoles.ToDictionary(r => r.Name, StringComparer.OrdinalIgnoreCase);
        var units = config.AdministrativeUnits.ToDictionary(u => u.Name, u => u.Devices.ToFrozenSet(StringComparer.OrdinalIgnoreCase),
            StringComparer.OrdinalIgnoreCase);
        var callers = new Dictionary<string, Caller>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in config.Principals)
        {
            var wide = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var role in p.Roles ?? []) wide.UnionWith(DirectoryRoles.Actions[role]);
            foreach (var role in p.CustomRoles ?? []) wide.UnionWith(customRoles[role].Permissions);
            foreach (var role in p.IntuneRoles ?? []) wide.UnionWith(IntuneRoles.Permissions[role]);
            foreach (var permission in p.AppPermissions ?? []) wide.UnionWith(GraphPermissions.Grants[permission]);
            var scoped = (p.ScopedRoles ?? [])
                .SelectMany(s => DirectoryRoles.Actions[s.Role].Select(a => (a, units[s.AdministrativeUnit])))
                .ToList();
            callers[p.Name] = new Caller(p, wide.ToFrozenSet(StringComparer.OrdinalIgnoreCase), scoped);
        }

        _callers = callers.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public TenantConfig Config { get; }

    public Caller? Find(string name) => _callers.GetValueOrDefault(name);

    /// <summary>The caller whose name, kind and secret match; secrets are compared in constant time.</summary>
    public Caller? Authenticate(string name, string secret, PrincipalKind kind)
    {
        if (!_callers.TryGetValue(name, out var caller) || caller.Principal.Type != kind) return null;
        var expected = Encoding.UTF8.GetBytes(caller.Principal.Secret);
        var given = Encoding.UTF8.GetBytes(secret);
        return CryptographicOperations.FixedTimeEquals(expected, given) ? caller : null;
    }

    /// <summary>Every problem of a tenant configuration, so that start-up reports them all at once.</summary>
    public static IReadOnlyList<string> Validate(TenantConfig config)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(config.Tenant)) problems.Add("tenant: must not be empty");
        var customNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var role in config.CustomRoles)
        {
            if (string.IsNullOrWhiteSpace(role.Name)) problems.Add("customRoles: a role has no name");
            else if (!customNames.Add(role.Name)) problems.Add($"customRoles: '{role.Name}' is defined twice");
            foreach (var permission in role.Permissions ?? [])
            {
                if (!DirectoryActions.Known.Contains(permission))
                {
                    problems.Add($"customRoles: '{role.Name}' has unknown permission '{permission}' (known: {string.Join(", ", DirectoryActions.Known)})");
                }
            }
        }

        var unitNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var unit in config.AdministrativeUnits)
        {
            if (string.IsNullOrWhiteSpace(unit.Name)) problems.Add("administrativeUnits: a unit has no name");
            else if (!unitNames.Add(unit.Name)) problems.Add($"administrativeUnits: '{unit.Name}' is defined twice");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < config.Principals.Count; i++)
        {
            var p = config.Principals[i];
            var at = string.IsNullOrWhiteSpace(p.Name) ? $"principals[{i}]" : $"principal '{p.Name}'";
            if (string.IsNullOrWhiteSpace(p.Name)) problems.Add($"{at}: has no name");
            else if (!names.Add(p.Name)) problems.Add($"{at}: is defined twice");
            if (string.IsNullOrEmpty(p.Secret)) problems.Add($"{at}: has no secret");
            foreach (var role in p.Roles ?? [])
            {
                if (!DirectoryRoles.Actions.ContainsKey(role)) problems.Add($"{at}: unknown built-in role '{role}'");
            }

            foreach (var scoped in p.ScopedRoles ?? [])
            {
                if (!DirectoryRoles.AdministrativeUnitScopable.Contains(scoped.Role))
                {
                    problems.Add($"{at}: role '{scoped.Role}' cannot be scoped to an administrative unit");
                }

                if (!unitNames.Contains(scoped.AdministrativeUnit ?? "")) problems.Add($"{at}: unknown administrative unit '{scoped.AdministrativeUnit}'");
            }

            foreach (var role in p.CustomRoles ?? [])
            {
                if (!customNames.Contains(role)) problems.Add($"{at}: unknown custom role '{role}'");
            }

            foreach (var role in p.IntuneRoles ?? [])
            {
                if (!IntuneRoles.Permissions.ContainsKey(role)) problems.Add($"{at}: unknown Intune role '{role}'");
            }

            foreach (var permission in p.AppPermissions ?? [])
            {
                if (!GraphPermissions.Grants.ContainsKey(permission)) problems.Add($"{at}: unknown application permission '{permission}'");
            }

            if (p.Type == PrincipalKind.Application && (p.Roles?.Count > 0 || p.ScopedRoles?.Count > 0 || p.CustomRoles?.Count > 0))
            {
                problems.Add($"{at}: an application holds application permissions, not directory roles");
            }

            if (p.Type == PrincipalKind.User && p.AppPermissions?.Count > 0)
            {
                problems.Add($"{at}: application permissions are for applications; give a user roles");
            }

            if (p.AdAccount is { } ad && !ad.Contains('\\', StringComparison.Ordinal))
            {
                problems.Add($"{at}: adAccount '{ad}' must be DOMAIN\\name");
            }
        }

        if (string.IsNullOrWhiteSpace(config.ActiveDirectory.DnsDomainName)) problems.Add("activeDirectory.dnsDomainName: must not be empty");
        return problems;
    }
}

/// <summary>Start-up configuration problems, all of them.</summary>
public sealed class ServerConfigurationException(IReadOnlyList<string> problems)
    : Exception("The server configuration has problems: " + string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
