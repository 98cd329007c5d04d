using System.Text.Json;
using LapsCsp.Directory.Entra;
using Microsoft.Extensions.Time.Testing;
using static LapsCsp.Directory.Tests.TestBackups;

namespace LapsCsp.Directory.Tests.Entra;

public sealed class GraphJsonTests
{
    private FakeTimeProvider _time = null!;
    private EntraIdDirectory _entra = null!;

    [SetUp]
    public async Task SetUp()
    {
        _time = new FakeTimeProvider(Start);
        _entra = new EntraIdDirectory(_time);
        _entra.RegisterDevice(DeviceId, "LAPS_TEST");
        await _entra.BackupAsync(For("QQ@d8f8gY+&"), CancellationToken.None);
    }

    [Test]
    public void DeviceLocalCredentialInfo_uses_exactly_the_Graph_property_names()
    {
        using var doc = JsonDocument.Parse(GraphJson.Serialize(_entra.Get(DeviceId)!));

        doc.RootElement.EnumerateObject().Select(p => p.Name).Should()
            .Equal("id", "deviceName", "lastBackupDateTime", "refreshDateTime", "credentials");
        doc.RootElement.GetProperty("credentials")[0].EnumerateObject().Select(p => p.Name).Should()
            .Equal("accountName", "accountSid", "backupDateTime", "passwordBase64");
    }

    [Test]
    public void Dates_are_ISO_8601_UTC_with_Z_and_values_match()
    {
        _time.Advance(TimeSpan.FromMilliseconds(250));
        _entra.BackupAsync(For("x", _time.GetUtcNow()), CancellationToken.None).GetAwaiter().GetResult();

        using var doc = JsonDocument.Parse(GraphJson.Serialize(_entra.Get(DeviceId)!));
        var root = doc.RootElement;

        root.GetProperty("id").GetString().Should().Be(DeviceId);
        root.GetProperty("deviceName").GetString().Should().Be("LAPS_TEST");
        root.GetProperty("lastBackupDateTime").GetString().Should().Be("2023-04-20T10:30:05.25Z");
        root.GetProperty("refreshDateTime").GetString().Should().Be("2023-05-20T10:30:05.25Z");
        root.GetProperty("credentials")[1].GetProperty("backupDateTime").GetString().Should().Be("2023-04-20T10:30:05Z");
    }

    [Test]
    public void Base64_and_password_punctuation_are_written_unescaped()
    {
        var json = GraphJson.Serialize(_entra.Get(DeviceId)!);
        var expected = DeviceLocalCredential.EncodePassword("QQ@d8f8gY+&");

        json.Should().Contain($"\"passwordBase64\":\"{expected}\"");
        json.Should().NotContain("\\u002B");
    }

    [Test]
    public void Metadata_projection_has_no_credentials()
    {
        using var doc = JsonDocument.Parse(GraphJson.SerializeMetadata(_entra.Get(DeviceId)!));

        doc.RootElement.EnumerateObject().Select(p => p.Name).Should()
            .Equal("id", "deviceName", "lastBackupDateTime", "refreshDateTime");
    }

    [Test]
    public void Collection_is_wrapped_in_value_and_omits_credentials_unless_asked()
    {
        _entra.RegisterDevice("id-2", "AAA");
        _entra.BackupAsync(For("pw", deviceId: "id-2"), CancellationToken.None).GetAwaiter().GetResult();

        using var metadata = JsonDocument.Parse(GraphJson.SerializeCollection(_entra.List()));
        using var full = JsonDocument.Parse(GraphJson.SerializeCollection(_entra.List(), includeCredentials: true));

        var items = metadata.RootElement.GetProperty("value").EnumerateArray().ToList();
        items.Select(i => i.GetProperty("deviceName").GetString()).Should().Equal("AAA", "LAPS_TEST");
        items.Should().AllSatisfy(i => i.TryGetProperty("credentials", out _).Should().BeFalse());
        full.RootElement.GetProperty("value")[0].GetProperty("credentials").GetArrayLength().Should().Be(1);
    }

    [Test]
    public void Deserialize_reads_back_what_Serialize_wrote()
    {
        var info = _entra.Get(DeviceId)!;

        GraphJson.DeserializeInfo(GraphJson.Serialize(info)).Should().BeEquivalentTo(info);
        GraphJson.DeserializeInfo(GraphJson.SerializeMetadata(info)).Credentials.Should().BeEmpty();
    }

    [Test]
    public void Deserialize_reads_the_Graph_doc_style_document()
    {
        const string json = """
            {
              "id": "b465e4e8-e4e8-b465-e8e4-65b4e8e465b4",
              "deviceName": "LAPS_TEST",
              "lastBackupDateTime": "2023-04-21T13:45:30.0000000Z",
              "refreshDateTime": "2023-05-20T13:45:30.0000000Z",
              "credentials": [
                { "accountName": "redmond\\LAPSAdmin", "accountSid": "S-1-5-21-1-2-3-1001",
                  "backupDateTime": "2023-04-21T13:45:30.0000000Z", "passwordBase64": "UQBRAEAAZAA4AGYAOABnAFkA" }
              ]
            }
            """;

        var info = GraphJson.DeserializeInfo(json);

        info.LastBackupDateTime.Should().Be(new DateTimeOffset(2023, 4, 21, 13, 45, 30, TimeSpan.Zero));
        info.Credentials.Single().AccountName.Should().Be("redmond\\LAPSAdmin");
        info.Credentials.Single().DecodePassword().Should().Be("QQ@d8f8gY");
    }

    [Test]
    public void Audit_records_use_directoryAudit_names_and_omit_nulls()
    {
        using var doc = JsonDocument.Parse(GraphJson.Serialize(_entra.AuditLog.Single()));
        var root = doc.RootElement;

        root.EnumerateObject().Select(p => p.Name).Should().Equal(
            "id", "activityDateTime", "activityDisplayName", "category", "loggedByService", "result",
            "initiatedBy", "targetResources", "additionalDetails");
        root.GetProperty("activityDateTime").GetString().Should().Be("2023-04-20T10:30:05Z");
        root.GetProperty("initiatedBy").EnumerateObject().Select(p => p.Name).Should().Equal("app");
        root.GetProperty("targetResources")[0].GetProperty("type").GetString().Should().Be("Device");
    }
}
