using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using System.Security.Cryptography;
using System.Text;
using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Rules;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaseEngine.GraphApi.Auth;

/// <summary>
/// Verifies bearer tokens (HS256 with the keys of <c>Auth:SigningKey</c> / <c>Auth:SigningKeys</c>,
/// RS256 with <c>Auth:RsaPublicKeyPem</c>; issuer and audience "caseengine"; claims sub, role, dept,
/// exp) and mints HS256 ones with the current key, its id as <c>kid</c>. Every key of the ring
/// verifies, so a rotated-out key's tokens stay good until they expire or the key is removed.
/// A present but bad token is refused, never treated as anonymous (access.md, Tokens).
/// </summary>
public sealed class TokenService
{
    /// <summary>The HS256 key setting (env <c>Auth__SigningKey</c>; the rotation list <c>Auth:SigningKeys</c>).</summary>
    public static readonly KeySetting SigningKey = new("Auth:SigningKey", "bearer tokens");

    private static readonly string[] StaffRoles = ["OFFICER", "SUPERVISOR"];
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _validation;
    private readonly SymmetricSecurityKey? _signingKey;
    private readonly RuleBook _rules;
    private readonly AuthOptions _options;

    /// <summary>The OpenID Connect provider's discovery document and keys (fetched on first use, refreshed by the library), or null.</summary>
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _oidc;

    /// <param name="signingKeys">The HS256 keys, first current; null when only an identity provider's RS256 key verifies.</param>
    public TokenService(AuthOptions options, KeyRing? signingKeys, RuleBook rules)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _rules = rules;
        if (options.Oidc.Enabled)
            _oidc = new ConfigurationManager<OpenIdConnectConfiguration>(
                $"{options.Oidc.Authority!.TrimEnd('/')}/.well-known/openid-configuration",
                new OpenIdConnectConfigurationRetriever(),
                new HttpDocumentRetriever { RequireHttps = options.Oidc.RequireHttps });
        if (signingKeys is null && string.IsNullOrWhiteSpace(options.RsaPublicKeyPem) && _oidc is null)
            throw new StartupException($"{SigningKey.Name} is not set: outside Development a token key must be configured; set {SigningKey.Name} "
                + $"(env Auth__SigningKey) to a random secret of at least {ServerKeys.MinimumBytes} bytes, e.g. `openssl rand -base64 32`, "
                + "or Auth:RsaPublicKeyPem to the identity provider's public key, or Auth:Oidc:Authority (see docs/operations.md)");
        var keys = new List<SecurityKey>();
        foreach (var key in signingKeys?.Keys ?? [])
            keys.Add(new SymmetricSecurityKey(key.Secret) { KeyId = key.Id });
        _signingKey = keys.Count > 0 ? (SymmetricSecurityKey)keys[0] : null;
        if (!string.IsNullOrWhiteSpace(options.RsaPublicKeyPem))
        {
            var rsa = RSA.Create();
            try
            {
                rsa.ImportFromPem(options.RsaPublicKeyPem);
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                rsa.Dispose();
                throw new StartupException("Auth:RsaPublicKeyPem (env Auth__RsaPublicKeyPem) is not a PEM public key: "
                    + "set it to the identity provider's key, \"-----BEGIN PUBLIC KEY-----\" … \"-----END PUBLIC KEY-----\"", e);
            }
            keys.Add(new RsaSecurityKey(rsa));
        }
        _validation = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidAudience = options.Audience,
            IssuerSigningKeys = keys,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.RsaSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            // Accept keys without a matching kid: identity providers and hand-made tokens often omit it.
            TryAllIssuerSigningKeys = true,
        };
    }

    /// <summary>
    /// The service of a host: the configured HS256 keys, else in Development the development key file's
    /// (so the <c>token</c> command and the server agree), else only the RS256 key; neither outside
    /// Development stops the start with one line.
    /// </summary>
    public static TokenService Create(AuthOptions options, ServerKeys keys, RuleBook rules)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return new TokenService(options, keys.Find(SigningKey, developmentFallback: true), rules);
    }

    /// <summary>True when tokens can be minted here (an HS256 key is known).</summary>
    public bool CanMint => _signingKey is not null;

    /// <summary>The caller a token proves, or UNAUTHENTICATED; the reason never echoes the token.</summary>
    public async Task<Caller> ValidateAsync(string token)
    {
        TokenValidationResult result;
        try
        {
            result = await _handler.ValidateTokenAsync(token, await ValidationForAsync(token));
        }
        catch (Exception e) when (e is not RuleViolation)
        {
            throw Unauthenticated("the bearer token is malformed");
        }
        if (!result.IsValid)
            throw Unauthenticated(result.Exception is SecurityTokenExpiredException
                ? "the bearer token has expired"
                : "the bearer token is invalid (signature, issuer, audience or lifetime)");

        var sub = Claim(result, "sub");
        var roleName = Claim(result, "role");
        var dept = Claim(result, "dept");
        if (string.IsNullOrWhiteSpace(sub))
            throw Unauthenticated("the bearer token has no sub claim");
        if (roleName is null || !Roles.TryParse(roleName, out var role) || role == Role.System)
            throw Unauthenticated("the bearer token's role claim is not one of PETITIONER OFFICER SUPERVISOR AUDITOR INTEGRATOR ADMIN");
        if (StaffRoles.Contains(roleName, StringComparer.Ordinal) && string.IsNullOrWhiteSpace(dept))
            throw Unauthenticated("OFFICER and SUPERVISOR tokens need a dept claim");
        if (!string.IsNullOrWhiteSpace(dept))
        {
            var department = _rules.Directory.FindDepartment(dept)
                ?? throw Unauthenticated("the bearer token's dept is not in the directory");
            if (role == Role.Supervisor && department.Kind != DepartmentKind.PetitionOffice)
                throw Unauthenticated("a SUPERVISOR token's dept must be a petition office");
        }
        var scoped = role is Role.Officer or Role.Supervisor or Role.Integrator or Role.Admin;
        return Caller.FromToken(sub, role, scoped && !string.IsNullOrWhiteSpace(dept) ? dept : null);
    }

    /// <summary>
    /// How a token is checked: one whose (unverified) issuer is the OpenID Connect provider's against that
    /// provider's published keys, its issuer and the workbench's audience; any other as configured here.
    /// The issuer only chooses the rules; the signature, issuer, audience and lifetime are then all verified.
    /// </summary>
    private async Task<TokenValidationParameters> ValidationForAsync(string token)
    {
        // Our own issuer's tokens never wait on the provider.
        if (_oidc is null || !_handler.CanReadToken(token) || _handler.ReadJsonWebToken(token).Issuer is not { Length: > 0 } issuer
            || issuer == _options.Issuer)
            return _validation;
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await _oidc.GetConfigurationAsync(CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // The provider does not answer: its tokens cannot be checked now (our own still can).
            throw Unauthenticated("the identity provider's keys cannot be read now");
        }
        if (issuer != configuration.Issuer)
            return _validation;
        return new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = _options.Oidc.ExpectedAudience,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>The provider the workbench signs in at, or null (no OpenID Connect configured).</summary>
    public OidcOptions? Oidc => _oidc is null ? null : _options.Oidc;

    /// <summary>An HS256 token with the contract's claims (the Development <c>token</c> command and tests).</summary>
    public string Mint(string subject, Role role, string? departmentId, TimeSpan lifetime, DateTimeOffset? now = null)
    {
        if (_signingKey is null)
            throw new InvalidOperationException("no Auth:SigningKey is configured to sign tokens with (only Auth:RsaPublicKeyPem)");
        var issued = now ?? DateTimeOffset.UtcNow;
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["role"] = Roles.Name(role) };
        if (departmentId is not null)
            claims["dept"] = departmentId;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            Claims = claims,
            IssuedAt = issued.UtcDateTime,
            NotBefore = issued.UtcDateTime,
            Expires = issued.Add(lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(_signingKey, SecurityAlgorithms.HmacSha256),
        });
    }

    private static string? Claim(TokenValidationResult result, string name) =>
        result.Claims.TryGetValue(name, out var value) ? value?.ToString() : null;

    private static RuleViolation Unauthenticated(string message) => new(RuleCode.Unauthenticated, message);
}
