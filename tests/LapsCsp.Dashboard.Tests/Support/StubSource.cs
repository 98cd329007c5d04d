using LapsCsp.Server.Dashboard;

namespace LapsCsp.Dashboard.Tests.Support;

/// <summary>A second source as another part of the server registers one ("enrolled" devices): fixed data, to show that the
/// dashboard shows the union of the sources and redacts whatever a source records.</summary>
internal sealed class StubSource(DateTimeOffset at) : IDashboardSource
{
    public const string CredData = "dXNlcjpzM2NyZXQ=";
    public const string AccountPassword = "Stub-Secret-Password-1";

    public IEnumerable<DashboardDevice> Devices() =>
    [
        new("ENR-1", "enrolled", "ENR-1", "entraJoined", "pending", null, null, at, null, 2, 3),
        new("PC-ENTRA-1", "enrolled", "same id as a hosted one", "entraJoined", "failed", null, "azureAD", at, null, 1, 0),
    ];

    public IReadOnlyList<DashboardEvent> Events(string deviceId, int max) => [];

    public IReadOnlyList<DashboardTraceMessage> Trace(string deviceId, int max) => deviceId != "ENR-1" ? [] :
    [
        new(at, "fromDevice", "7", 1, $"""
            <SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>7</SessionID><MsgID>1</MsgID>
            <Target><LocURI>https://mdm.example/</LocURI></Target><Source><LocURI>ENR-1</LocURI></Source>
            <Cred><Meta><Format xmlns="syncml:metinf">b64</Format><Type xmlns="syncml:metinf">syncml:auth-basic</Type></Meta><Data>{CredData}</Data></Cred>
            </SyncHdr><SyncBody><Final/></SyncBody></SyncML>
            """),
        new(at, "toDevice", "7", 1, $"""
            <SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>7</SessionID><MsgID>1</MsgID>
            <Target><LocURI>ENR-1</LocURI></Target><Source><LocURI>https://mdm.example/</LocURI></Source></SyncHdr>
            <SyncBody><Add><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Accounts/Users/Admin2/Password</LocURI></Target>
            <Data>{AccountPassword}</Data></Item></Add>
            <Add><CmdID>3</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays</LocURI></Target><Data>7</Data></Item></Add><Final/></SyncBody></SyncML>
            """),
        new(at, "fromDevice", "7", 2, $"<SyncML><SyncBody><Data>{AccountPassword}</Data>"),
    ];

    public IEnumerable<DashboardCommandStatus> CommandStatuses() =>
    [
        new(at, "ENR-1", "Add", "./Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays", 200),
        new(at, "ENR-1", "Exec", "./Device/Vendor/MSFT/LAPS/Actions/ResetPassword", 500),
    ];

    public IEnumerable<DashboardRotation> Rotations() => [new(at, "ENR-1", "failed", "azureAD")];
}
