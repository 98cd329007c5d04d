using LapsCsp.Enrollment.Client;
using LapsCsp.Enrollment.Discovery;
using LapsCsp.Enrollment.Security;
using LapsCsp.Enrollment.Soap;
using static LapsCsp.Enrollment.Tests.EnrollmentTestKit;

namespace LapsCsp.Enrollment.Tests.Discovery;

public class DiscoveryTests
{
    private const string E02MessageId = "urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478";

    [Test]
    public void Discovery_url_is_built_from_the_email_domain_as_the_real_device_wrote_it_in_e02()
    {
        DiscoveryMessages.DiscoveryUrlFor("demo@fleetdm.ngrok.io")
            .Should().Be("https://EnterpriseEnrollment.fleetdm.ngrok.io:443/EnrollmentServer/Discovery.svc");
    }

    [Test]
    public void Discovery_url_needs_a_domain()
    {
        var act = () => DiscoveryMessages.DiscoveryUrlFor("demo");
        act.Should().Throw<ArgumentException>();
    }

    [Test]
    public void Discover_request_has_the_elements_namespaces_action_order_and_values_of_e02()
    {
        var device = WindowsVm;
        string ours = DiscoveryMessages.WriteRequest(EnrollmentClient.DiscoverRequestFor(device), E02MessageId,
            DiscoveryMessages.DiscoveryUrlFor(device.EmailAddress));
        string real = Corpus("e02");

        Shape(ours).Should().Equal(Shape(real));
        RootDeclarations(ours).Should().Equal(RootDeclarations(real));
    }

    [Test]
    public void Discover_request_of_a_Windows_11_device_carries_its_version_edition_and_policies()
    {
        var device = WindowsVm with { RequestVersion = "6.0", OsVersion = "10.0.22621.1", OsEdition = 101, SupportedAuthPolicies = [AuthPolicy.OnPremise] };
        var read = DiscoveryMessages.ReadRequest(DiscoveryMessages.WriteRequest(EnrollmentClient.DiscoverRequestFor(device), "urn:uuid:1", "https://x/y"));

        read.Succeeded.Should().BeTrue();
        read.Value!.Body.Should().BeEquivalentTo(new DiscoverRequest("demo@fleetdm.ngrok.io", "6.0", "CIMClient_Windows", "10.0.22621.1", "101", ["OnPremise"]));
        read.Value.Headers.Should().Be(new SoapHeaders(EnrollmentActions.Discover, "urn:uuid:1", "https://x/y", null,
            "http://www.w3.org/2005/08/addressing/anonymous", null));
    }

    [Test]
    public void Reads_the_real_request_e02_on_the_server_side()
    {
        var read = DiscoveryMessages.ReadRequest(Corpus("e02"));

        read.Succeeded.Should().BeTrue();
        read.Value!.Body.Should().BeEquivalentTo(new DiscoverRequest("demo@fleetdm.ngrok.io", "4.0", "CIMClient_Windows", "10.0.19043.2364", "72",
            ["OnPremise", "Federated"]));
        read.Value.Headers.MessageId.Should().Be(E02MessageId);
    }

    [Test]
    public void Reads_the_DiscoverResponse_e03_with_policy_and_enrollment_urls_on_another_host()
    {
        var read = DiscoveryMessages.ReadResponse(Corpus("e03"));

        read.Succeeded.Should().BeTrue();
        read.Diagnostics.Should().BeEmpty();
        read.Value!.Body.Should().Be(new DiscoverResponse("OnPremise", "4.0",
            "https://windows.fleetdm.ngrok.io/EnrollmentServer/Policy.svc", "https://windows.fleetdm.ngrok.io/EnrollmentServer/Enrollment.svc"));
        read.Value.Headers.RelatesTo.Should().Be(E02MessageId);
        read.Value.Headers.ActivityId.Should().Be("8c6060c4-3d78-4d73-ae17-e8bce88426ee", "the newline and tabs inside ActivityId are not part of the value");
        read.Value.Headers.Action.Should().Be(EnrollmentActions.DiscoverResponse);
    }

    [Test]
    public void Server_answers_the_real_e02_with_a_response_shaped_like_e03()
    {
        var response = NewServer().Discover(Corpus("e02"));

        response.IsFault.Should().BeFalse();
        response.StatusCode.Should().Be(200);
        var shape = Shape(response.Body, e => e.Name.LocalName is "ActivityId" ? "*" : null);
        var e03 = Shape(Corpus("e03"), e => e.Name.LocalName switch
        {
            "ActivityId" => "*",
            "EnrollmentPolicyServiceUrl" => BaseUrl + "/EnrollmentServer/Policy.svc",
            "EnrollmentServiceUrl" => BaseUrl + "/EnrollmentServer/Enrollment.svc",
            _ => null,
        });
        shape.Select(l => l.Contains("CorrelationId", StringComparison.Ordinal) ? l[..l.IndexOf('@', StringComparison.Ordinal)] : l)
            .Should().Equal(e03.Select(l => l.Contains("CorrelationId", StringComparison.Ordinal) ? l[..l.IndexOf('@', StringComparison.Ordinal)] : l));
    }

    [TestCase("7.0", "4.0", TestName = "EnrollmentVersion_is_capped_at_the_server_maximum")]
    [TestCase("3.0", "3.0", TestName = "EnrollmentVersion_is_never_above_the_RequestVersion")]
    public void EnrollmentVersion_is_the_lower_of_request_and_server(string requested, string expected)
    {
        string request = DiscoveryMessages.WriteRequest(EnrollmentClient.DiscoverRequestFor(WindowsVm with { RequestVersion = requested }), "urn:uuid:2", "https://x");
        var read = DiscoveryMessages.ReadResponse(NewServer().Discover(request).Body);

        read.Value!.Body.EnrollmentVersion.Should().Be(expected);
        read.Value.Headers.RelatesTo.Should().Be("urn:uuid:2");
    }

    [Test]
    public void Server_refuses_a_device_that_does_not_list_its_policy_with_MessageFormat()
    {
        string request = DiscoveryMessages.WriteRequest(
            EnrollmentClient.DiscoverRequestFor(WindowsVm with { SupportedAuthPolicies = [AuthPolicy.Federated] }), "urn:uuid:3", "https://x");
        var response = NewServer().Discover(request);

        response.Fault!.Subcode.Should().Be(EnrollmentFaultCode.MessageFormat);
        response.Fault.RelatesTo.Should().Be("urn:uuid:3");
        response.StatusCode.Should().Be(500);
    }

    [Test]
    public void Federated_server_names_its_authentication_service()
    {
        var options = ServerOptions with { AuthPolicy = AuthPolicy.Federated, AuthenticationServiceUrl = BaseUrl + "/auth" };
        var read = DiscoveryMessages.ReadResponse(NewServer(options).Discover(Corpus("e02")).Body);

        read.Value!.Body.AuthPolicy.Should().Be("Federated");
        read.Value.Body.AuthenticationServiceUrl.Should().Be(BaseUrl + "/auth");
    }

    [Test]
    public void Server_refuses_a_request_with_another_Action()
    {
        string request = Corpus("e02").Replace("IDiscoveryService/Discover<", "IDiscoveryService/Other<", StringComparison.Ordinal);
        var response = NewServer().Discover(request);

        response.Fault!.Subcode.Should().Be(EnrollmentFaultCode.MessageFormat);
        response.Fault.Reason.Should().Contain("Action");
        response.Fault.RelatesTo.Should().Be(E02MessageId, "even a refused request's MessageID is echoed");
    }
}
