using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>
/// A minimal OpenID Connect provider for the workbench's tests, on 127.0.0.1: discovery, its RSA key as a
/// JWKS, an authorization endpoint that signs the one configured user in at once (no login form), and a
/// token endpoint that checks the PKCE verifier (S256), the client and the redirect address before it
/// issues an RS256 access token with the contract's claims. Not a provider to run anywhere else.
/// </summary>
/// <remarks>
/// An <see cref="HttpListener"/>, not an ASP.NET Core host: WebApplicationFactory (Alba) finds the host it
/// wraps by listening for any host built in the process, so a second host here would be taken for the API
/// by another test class's factory starting at the same time (it then fails on a disposed provider).
/// </remarks>
public sealed class StubIdentityProvider : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "stub-1" };
    private readonly ConcurrentDictionary<string, (string Challenge, string RedirectUri)> _codes = new();
    private readonly string _clientId;
    private readonly TimeSpan _lifetime;
    private readonly Dictionary<string, object> _user;
    private readonly Task _loop;
    private int _issued;

    private StubIdentityProvider(string clientId, TimeSpan lifetime, Dictionary<string, object> user)
    {
        _clientId = clientId;
        _lifetime = lifetime;
        _user = user;
        var port = ProgramRun.FreePort();
        Authority = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Authority.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri Authority { get; }

    /// <summary>Tokens issued at the token endpoint so far.</summary>
    public int Issued => _issued;

    public static Task<StubIdentityProvider> StartAsync(string clientId, TimeSpan lifetime, string sub, string role, string? dept)
    {
        var user = new Dictionary<string, object> { ["sub"] = sub, ["role"] = role };
        if (dept is not null)
            user["dept"] = dept;
        return Task.FromResult(new StubIdentityProvider(clientId, lifetime, user));
    }

    private string Issuer => Authority.ToString().TrimEnd('/');

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                await AnswerAsync(context);
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        // The workbench reads discovery and posts to the token endpoint from its own origin.
        response.Headers["Access-Control-Allow-Origin"] = "*";
        switch (request.HttpMethod, request.Url!.AbsolutePath)
        {
            case ("GET", "/.well-known/openid-configuration"):
                await JsonAsync(response, new Dictionary<string, object>
                {
                    ["issuer"] = Issuer,
                    ["authorization_endpoint"] = $"{Issuer}/authorize",
                    ["token_endpoint"] = $"{Issuer}/token",
                    ["jwks_uri"] = $"{Issuer}/jwks",
                    ["response_types_supported"] = new[] { "code" },
                    ["code_challenge_methods_supported"] = new[] { "S256" },
                    ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                    ["subject_types_supported"] = new[] { "public" },
                });
                return;
            case ("GET", "/jwks"):
                var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_key.Rsa.ExportParameters(false)) { KeyId = _key.KeyId });
                await JsonAsync(response, new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = jwk.Kid, n = jwk.N, e = jwk.E } } });
                return;
            case ("GET", "/authorize"):
                var q = request.QueryString;
                if (q["client_id"] != _clientId || q["response_type"] != "code" || q["code_challenge_method"] != "S256"
                    || string.IsNullOrEmpty(q["code_challenge"]) || string.IsNullOrEmpty(q["redirect_uri"]))
                {
                    response.StatusCode = 400;
                    return;
                }
                var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
                _codes[code] = (q["code_challenge"]!, q["redirect_uri"]!);
                response.Redirect($"{q["redirect_uri"]}?code={code}&state={WebUtility.UrlEncode(q["state"])}");
                return;
            case ("POST", "/token"):
                string body;
                using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
                    body = await reader.ReadToEndAsync();
                var form = System.Web.HttpUtility.ParseQueryString(body);
                if (form["grant_type"] != "authorization_code" || form["client_id"] != _clientId
                    || !_codes.TryRemove(form["code"] ?? "", out var issued) || form["redirect_uri"] != issued.RedirectUri
                    || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"] ?? ""))) != issued.Challenge)
                {
                    response.StatusCode = 400;
                    await JsonAsync(response, new { error = "invalid_grant" });
                    return;
                }
                Interlocked.Increment(ref _issued);
                await JsonAsync(response, new { access_token = Token(), token_type = "Bearer", expires_in = (int)_lifetime.TotalSeconds });
                return;
            default:
                response.StatusCode = 404;
                return;
        }
    }

    private static async Task JsonAsync(HttpListenerResponse response, object value)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value);
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
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

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
