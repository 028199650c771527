using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>
/// A minimal OpenID Connect provider for the workbench's tests, on 127.0.0.1: discovery, its RSA key as a
/// JWKS, an authorization endpoint that signs the one configured user in at once (no login form), and a
/// token endpoint that checks the PKCE verifier (S256), the client and the redirect address before it
/// issues an RS256 access token with the contract's claims. Not a provider to run anywhere else.
/// </summary>
public sealed class StubIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "stub-1" };
    private readonly ConcurrentDictionary<string, (string Challenge, string RedirectUri)> _codes = new();
    private readonly string _clientId;
    private readonly TimeSpan _lifetime;
    private readonly Dictionary<string, object> _user;

    private StubIdentityProvider(WebApplication app, string clientId, TimeSpan lifetime, Dictionary<string, object> user)
    {
        _app = app;
        _clientId = clientId;
        _lifetime = lifetime;
        _user = user;
    }

    public Uri Authority { get; private set; } = null!;

    /// <summary>Tokens issued so far.</summary>
    public int Issued => _issued;
    private int _issued;

    public static async Task<StubIdentityProvider> StartAsync(string clientId, TimeSpan lifetime, string sub, string role, string? dept)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var user = new Dictionary<string, object> { ["sub"] = sub, ["role"] = role };
        if (dept is not null)
            user["dept"] = dept;
        var provider = new StubIdentityProvider(builder.Build(), clientId, lifetime, user);
        provider.Map();
        await provider._app.StartAsync();
        var address = provider._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        provider.Authority = new Uri(address);
        return provider;
    }

    private string Issuer => Authority.ToString().TrimEnd('/');

    private void Map()
    {
        // The workbench reads discovery and posts to the token endpoint from its own origin.
        _app.Use(async (context, next) =>
        {
            context.Response.Headers.AccessControlAllowOrigin = "*";
            await next(context);
        });
        _app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["authorization_endpoint"] = $"{Issuer}/authorize",
            ["token_endpoint"] = $"{Issuer}/token",
            ["jwks_uri"] = $"{Issuer}/jwks",
            ["response_types_supported"] = new[] { "code" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["subject_types_supported"] = new[] { "public" },
        }));
        _app.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_key.Rsa.ExportParameters(false)) { KeyId = _key.KeyId });
            return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = jwk.Kid, n = jwk.N, e = jwk.E } } });
        });
        _app.MapGet("/authorize", (HttpRequest request) =>
        {
            var q = request.Query;
            if (q["client_id"] != _clientId || q["response_type"] != "code" || q["code_challenge_method"] != "S256"
                || string.IsNullOrEmpty(q["code_challenge"]) || string.IsNullOrEmpty(q["redirect_uri"]))
                return Results.BadRequest();
            var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            _codes[code] = (q["code_challenge"]!, q["redirect_uri"]!);
            return Results.Redirect($"{q["redirect_uri"]}?code={code}&state={WebUtility.UrlEncode(q["state"])}");
        });
        _app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            if (form["grant_type"] != "authorization_code" || form["client_id"] != _clientId
                || !_codes.TryRemove(form["code"].ToString(), out var issued) || form["redirect_uri"] != issued.RedirectUri)
                return Results.BadRequest(new { error = "invalid_grant" });
            var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString())));
            if (challenge != issued.Challenge)
                return Results.BadRequest(new { error = "invalid_grant" });
            Interlocked.Increment(ref _issued);
            return Results.Json(new { access_token = Token(), token_type = "Bearer", expires_in = (int)_lifetime.TotalSeconds });
        });
    }

    /// <summary>An access token of the configured user; for the API's own checks, with another audience or signed by a key not published.</summary>
    public string Token(string? audience = null, bool unpublishedKey = false)
    {
        var now = DateTime.UtcNow;
        var key = unpublishedKey ? new RsaSecurityKey(RSA.Create(2048)) { KeyId = _key.KeyId } : _key;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience ?? _clientId,
            Claims = new Dictionary<string, object>(_user),
            IssuedAt = now,
            NotBefore = now,
            Expires = now.Add(_lifetime),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
