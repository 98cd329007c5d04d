using System.Text.Json.Serialization;

namespace LapsCsp.Directory.ActiveDirectory;

/// <summary>Domain functional level, numbered as <c>msDS-Behavior-Version</c>. LAPS password encryption needs 2016 or later
/// (digest C.12; event 10006).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DomainFunctionalLevel>))]
public enum DomainFunctionalLevel
{
    Windows2008 = 3,
    Windows2008R2 = 4,
    Windows2012 = 5,
    Windows2012R2 = 6,
    Windows2016 = 7,
    Windows2025 = 10,
}
