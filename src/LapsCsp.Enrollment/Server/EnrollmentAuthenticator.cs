using System.Security.Cryptography.X509Certificates;
using LapsCsp.Enrollment.Security;
using LapsCsp.Enrollment.Soap;

namespace LapsCsp.Enrollment.Server;

/// <summary>Which request the credential came with: servers may check at either step or both.</summary>
public enum EnrollmentStage
{
    GetPolicies,
    RequestSecurityToken,
}

/// <summary>The host's verdict on a presented credential.</summary>
/// <param name="Principal">Who enrolls (a UPN, a host id), recorded in <see cref="EnrolledDevice.Principal"/>.</param>
public sealed record EnrollmentAuthenticationResult(bool Accepted, bool Handled, string? Principal, SoapFault? Rejection)
{
    /// <summary>The credential is good.</summary>
    public static EnrollmentAuthenticationResult Accept(string principal) => new(true, true, principal, null);

    /// <summary>The credential was understood and refused: <c>s:Authentication</c> for a wrong password or bad token,
    /// <c>s:Authorization</c> for a user who may not enroll, with an optional MDE2 detail (e.g. DeviceCapReached).</summary>
    public static EnrollmentAuthenticationResult Reject(EnrollmentFaultCode code, string reason, EnrollmentErrorDetail? detail = null) =>
        new(false, true, null, SoapFault.Receiver(code, reason, detail));

    /// <summary>This authenticator does not handle this kind of credential (see <see cref="EnrollmentAuthenticators.Combine"/>).</summary>
    public static EnrollmentAuthenticationResult NotHandled { get; } = new(false, false, null, null);
}

/// <summary>Decides whether a device may enroll with the credential it presented (digest 1.4).</summary>
public delegate EnrollmentAuthenticationResult EnrollmentAuthenticator(PresentedCredential credential, EnrollmentStage stage);

/// <summary>Ready-made authenticators for the policies of digest 1.4. A credential no authenticator handles is
/// refused by the server with <c>a:InvalidSecurity</c>.</summary>
public static class EnrollmentAuthenticators
{
    /// <summary>OnPremise: the UsernameToken's name and password checked by <paramref name="check"/>; wrong ones give
    /// <c>s:Authentication</c>.</summary>
    public static EnrollmentAuthenticator UsernamePassword(Func<string, string, bool> check)
    {
        ArgumentNullException.ThrowIfNull(check);
        return (credential, _) => credential is PresentedUsernameToken token
            ? check(token.Username, token.Password)
                ? EnrollmentAuthenticationResult.Accept(token.Username)
                : EnrollmentAuthenticationResult.Reject(EnrollmentFaultCode.Authentication, "the user name or password is not correct")
            : EnrollmentAuthenticationResult.NotHandled;
    }

    /// <summary>Federated / Fleet / Entra tokens: <paramref name="validate"/> returns the principal, or null to refuse
    /// with <c>s:Authentication</c>.</summary>
    public static EnrollmentAuthenticator BinaryToken(Func<PresentedBinaryToken, string?> validate)
    {
        ArgumentNullException.ThrowIfNull(validate);
        return (credential, _) => credential is PresentedBinaryToken token
            ? validate(token) is { } principal
                ? EnrollmentAuthenticationResult.Accept(principal)
                : EnrollmentAuthenticationResult.Reject(EnrollmentFaultCode.Authentication, "the security token is not valid")
            : EnrollmentAuthenticationResult.NotHandled;
    }

    /// <summary>Certificate policy: the signature is already verified; <paramref name="trust"/> decides about the certificate.</summary>
    public static EnrollmentAuthenticator Certificate(Func<X509Certificate2, bool> trust)
    {
        ArgumentNullException.ThrowIfNull(trust);
        return (credential, _) => credential is PresentedCertificate presented
            ? trust(presented.Certificate)
                ? EnrollmentAuthenticationResult.Accept(presented.Certificate.Subject)
                : EnrollmentAuthenticationResult.Reject(EnrollmentFaultCode.Authentication, "the certificate is not trusted for enrollment")
            : EnrollmentAuthenticationResult.NotHandled;
    }

    /// <summary>Every credential accepted, as the PoC servers did (digest 5.3). For tests and demos.</summary>
    public static EnrollmentAuthenticator AcceptAll { get; } = (credential, _) => EnrollmentAuthenticationResult.Accept(credential switch
    {
        PresentedUsernameToken u => u.Username,
        PresentedCertificate c => c.Certificate.Subject,
        _ => "anonymous",
    });

    /// <summary>The first authenticator that handles the credential decides.</summary>
    public static EnrollmentAuthenticator Combine(params EnrollmentAuthenticator[] authenticators)
    {
        ArgumentNullException.ThrowIfNull(authenticators);
        return (credential, stage) =>
        {
            foreach (var authenticator in authenticators)
            {
                var result = authenticator(credential, stage);
                if (result.Handled)
                {
                    return result;
                }
            }

            return EnrollmentAuthenticationResult.NotHandled;
        };
    }
}
