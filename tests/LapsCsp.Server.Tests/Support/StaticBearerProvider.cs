using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;

namespace LapsCsp.Server.Tests.Support;

/// <summary>Adds a fixed bearer token. The Graph SDK's own bearer provider refuses plain http, and the emulator listens on
/// http://127.0.0.1, so vendors' tests plug in a provider like this one.</summary>
internal sealed class StaticBearerProvider(string token) : IAuthenticationProvider
{
    public Task AuthenticateRequestAsync(RequestInformation request, Dictionary<string, object>? additionalAuthenticationContext = null,
        CancellationToken cancellationToken = default)
    {
        request.Headers.Add("Authorization", "Bearer " + token);
        return Task.CompletedTask;
    }
}
