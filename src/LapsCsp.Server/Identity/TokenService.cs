using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LapsCsp.Server.Identity;

/// <summary>Issues and checks the server's bearer tokens: JWTs signed with HMAC-SHA256 under a key kept in the data folder,
/// so tokens survive a restart; a token names its principal, whose roles are read from the configuration on every request.</summary>
internal sealed class TokenService
{
    private static readonly byte[] s_header = Encoding.UTF8.GetBytes("""{"alg":"HS256","typ":"JWT"}""");
    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private readonly TenantDirectory _tenant;

    public TokenService(byte[] key, TimeProvider time, TenantDirectory tenant, TimeSpan lifetime)
    {
        if (key.Length < 32) throw new ArgumentException("The signing key must have at least 32 bytes.", nameof(key));
        _key = key;
        _time = time;
        _tenant = tenant;
        Lifetime = lifetime;
    }

    public TimeSpan Lifetime { get; }

    public string Issue(Caller caller)
    {
        var now = _time.GetUtcNow();
        var payload = new JsonObject
        {
            ["iss"] = "lapscsp",
            ["tid"] = _tenant.Config.Tenant,
            ["sub"] = caller.Name,
            ["idtyp"] = caller.IsApplication ? "app" : "user",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + Lifetime).ToUnixTimeSeconds(),
            ["jti"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)),
        };
        if (caller.IsApplication) payload["roles"] = new JsonArray([.. caller.Principal.AppPermissions.Select(p => JsonValue.Create(p))]);
        var signingInput = Base64Url.EncodeToString(s_header) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        return signingInput + "." + Base64Url.EncodeToString(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>The caller a token stands for, or why it does not stand for anyone.</summary>
    public Caller? Validate(string token, out string? problem)
    {
        problem = null;
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            problem = "The access token is not a JWT.";
            return null;
        }

        byte[] signature;
        byte[] payloadBytes;
        try
        {
            signature = Base64Url.DecodeFromChars(parts[2]);
            payloadBytes = Base64Url.DecodeFromChars(parts[1]);
        }
        catch (FormatException)
        {
            problem = "The access token is not base64url.";
            return null;
        }

        var expected = HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        if (!CryptographicOperations.FixedTimeEquals(expected, signature))
        {
            problem = "The access token's signature is invalid.";
            return null;
        }

        try
        {
            using var payload = JsonDocument.Parse(payloadBytes);
            var root = payload.RootElement;
            var exp = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("exp").GetInt64());
            if (exp <= _time.GetUtcNow())
            {
                problem = "Lifetime validation failed, the token is expired.";
                return null;
            }

            var caller = _tenant.Find(root.GetProperty("sub").GetString() ?? "");
            if (caller is null) problem = "The token's principal is not configured on this server.";
            return caller;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            problem = "The access token's payload is malformed.";
            return null;
        }
    }
}
