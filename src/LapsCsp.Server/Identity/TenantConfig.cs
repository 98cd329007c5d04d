using System.Text.Json;
using System.Text.Json.Serialization;

namespace LapsCsp.Server.Identity;

/// <summary>Who may call the server: the principals it issues tokens to, the custom roles and administrative units they
/// refer to, and the emulated AD domain's groups. Read from <c>--principals FILE</c> (JSON), or <see cref="Demo"/>.</summary>
public sealed record TenantConfig
{
    /// <summary>The tenant's primary domain, shown in tokens and in the token endpoint's path.</summary>
    public string Tenant { get; init; } = "contoso.onmicrosoft.com";

    public IReadOnlyList<PrincipalConfig> Principals { get; init; } = [];

    public IReadOnlyList<CustomRoleConfig> CustomRoles { get; init; } = [];

    public IReadOnlyList<AdministrativeUnitConfig> AdministrativeUnits { get; init; } = [];

    public ActiveDirectoryConfig ActiveDirectory { get; init; } = new();

    /// <summary>True for the built-in demo tenant, whose secrets are printed in the README: refused off loopback.</summary>
    [JsonIgnore]
    public bool IsDemo { get; init; }

    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static TenantConfig Load(string path)
    {
        var json = File.ReadAllText(path);
        return JsonSerializer.Deserialize<TenantConfig>(json, JsonOptions) ?? throw new JsonException($"{path} holds no tenant configuration");
    }

    /// <summary>The demo secret of every principal of <see cref="Demo"/>.</summary>
    public const string DemoSecret = "lapscsp-demo";

    /// <summary>One principal per row of the Entra LAPS role table (001, "Recovering local administrator password and password
    /// metadata"), a role outside it, a custom role of each permission, an administrative-unit-scoped Cloud Device
    /// Administrator, two Intune-only operators, and an application of each Graph permission.</summary>
    public static TenantConfig Demo { get; } = new()
    {
        IsDemo = true,
        CustomRoles =
        [
            new CustomRoleConfig("LAPS Password Reader", [DirectoryActions.PasswordRead, DirectoryActions.StandardRead]),
            new CustomRoleConfig("LAPS Metadata Reader", [DirectoryActions.StandardRead]),
        ],
        AdministrativeUnits = [new AdministrativeUnitConfig("Paris devices", ["PARIS-PC-1"])],
        Principals =
        [
            User("globaladmin@contoso.com", roles: ["Global Administrator"], ad: "CONTOSO\\Administrator"),
            User("clouddevice@contoso.com", roles: ["Cloud Device Administrator"]),
            User("intuneadmin@contoso.com", roles: ["Intune Service Administrator"]),
            User("globalreader@contoso.com", roles: ["Global Reader"]),
            User("helpdesk@contoso.com", roles: ["Helpdesk Administrator"]),
            User("secadmin@contoso.com", roles: ["Security Administrator"]),
            User("secreader@contoso.com", roles: ["Security Reader"]),
            User("useradmin@contoso.com", roles: ["User Administrator"]),
            User("reportsreader@contoso.com", roles: ["Reports Reader"]),
            User("custompassword@contoso.com", customRoles: ["LAPS Password Reader"]),
            User("custommetadata@contoso.com", customRoles: ["LAPS Metadata Reader"]),
            User("parisadmin@contoso.com", scoped: [new ScopedRoleConfig("Cloud Device Administrator", "Paris devices")]),
            User("intunehelpdesk@contoso.com", intune: ["Help Desk Operator"]),
            User("intunereadonly@contoso.com", intune: ["Read Only Operator"]),
            User("lapsreader@contoso.com", ad: "CONTOSO\\lapsreader"),
            User("aduser@contoso.com", ad: "CONTOSO\\aduser"),
            App("laps-basic-app", [GraphPermissions.ReadBasicAll]),
            App("laps-read-app", [GraphPermissions.ReadAll, GraphPermissions.AuditLogReadAll]),
            App("intune-app", [GraphPermissions.PrivilegedOperations, GraphPermissions.ConfigurationReadWrite, GraphPermissions.ManagedDevicesRead]),
        ],
        ActiveDirectory = new ActiveDirectoryConfig
        {
            Groups = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
            {
                ["LAPS Readers"] = ["CONTOSO\\lapsreader"],
            },
        },
    };

    private static PrincipalConfig User(
        string name, string[]? roles = null, string[]? customRoles = null, ScopedRoleConfig[]? scoped = null, string[]? intune = null, string? ad = null) =>
        new()
        {
            Name = name,
            Type = PrincipalKind.User,
            Secret = DemoSecret,
            Roles = roles ?? [],
            CustomRoles = customRoles ?? [],
            ScopedRoles = scoped ?? [],
            IntuneRoles = intune ?? [],
            AdAccount = ad,
        };

    private static PrincipalConfig App(string name, string[] permissions) =>
        new() { Name = name, Type = PrincipalKind.Application, Secret = DemoSecret, AppPermissions = permissions };
}

public enum PrincipalKind
{
    User,
    Application,
}

/// <summary>A user (signs in with <c>grant_type=password</c>) or an application (<c>client_credentials</c>).</summary>
public sealed record PrincipalConfig
{
    /// <summary>User principal name, or the application's client id.</summary>
    public string Name { get; init; } = "";

    public PrincipalKind Type { get; init; } = PrincipalKind.User;

    public string Secret { get; init; } = "";

    /// <summary>Built-in directory roles assigned tenant-wide.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Built-in roles assigned over an administrative unit only.</summary>
    public IReadOnlyList<ScopedRoleConfig> ScopedRoles { get; init; } = [];

    /// <summary>Names of <see cref="TenantConfig.CustomRoles"/>, assigned tenant-wide.</summary>
    public IReadOnlyList<string> CustomRoles { get; init; } = [];

    /// <summary>Intune built-in roles (see <see cref="IntuneRoles"/>).</summary>
    public IReadOnlyList<string> IntuneRoles { get; init; } = [];

    /// <summary>Application permissions (applications only), e.g. DeviceLocalCredential.Read.All.</summary>
    public IReadOnlyList<string> AppPermissions { get; init; } = [];

    /// <summary>The principal's account in the emulated AD domain (<c>DOMAIN\name</c>), used to decrypt msLAPS passwords.</summary>
    public string? AdAccount { get; init; }
}

public sealed record ScopedRoleConfig(string Role, string AdministrativeUnit);

public sealed record CustomRoleConfig(string Name, IReadOnlyList<string> Permissions);

/// <summary>An administrative unit and its member devices (device ids or Entra device ids).</summary>
public sealed record AdministrativeUnitConfig(string Name, IReadOnlyList<string> Devices);

/// <summary>The emulated AD domain of hybrid-joined devices and its group memberships.</summary>
public sealed record ActiveDirectoryConfig
{
    public string DnsDomainName { get; init; } = "contoso.com";

    /// <summary>Group name to members (<c>DOMAIN\name</c>); groups and members are created as needed.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Groups { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
}
