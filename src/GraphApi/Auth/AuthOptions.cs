namespace CaseEngine.GraphApi.Auth;

/// <summary>
/// Configuration section <c>Auth</c> (env <c>Auth__RsaPublicKeyPem</c>, …). The HS256 keys
/// (<c>Auth:SigningKey</c>, <c>Auth:SigningKeys</c>) are read by <see cref="CaseEngine.Workflow.Configuration.ServerKeys"/>
/// like every other server key.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>An identity provider's RS256 public key, PEM ("-----BEGIN PUBLIC KEY-----...").</summary>
    public string? RsaPublicKeyPem { get; set; }

    /// <summary>Both are "caseengine" by contract; configurable for identity providers that differ.</summary>
    public string Issuer { get; set; } = "caseengine";

    public string Audience { get; set; } = "caseengine";

    /// <summary>An OpenID Connect provider whose signed tokens the API trusts (the workbench signs in there).</summary>
    public OidcOptions Oidc { get; set; } = new();

    /// <summary>The one line naming a key that cannot work, or null.</summary>
    public string? Invalid() => Oidc.Invalid();
}

/// <summary>
/// Configuration section <c>Auth:Oidc</c>: the issuer (its discovery document at
/// <c>{Authority}/.well-known/openid-configuration</c> names its keys, which the API fetches and refreshes) and
/// the workbench's client id. Its tokens carry the contract's claims (sub, role, dept) and the client id (or
/// <see cref="Audience"/>) as audience. Off when <see cref="Authority"/> is empty.
/// </summary>
public sealed class OidcOptions
{
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    /// <summary>The audience its tokens carry; the client id when not set.</summary>
    public string? Audience { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);

    public string ExpectedAudience => string.IsNullOrWhiteSpace(Audience) ? ClientId ?? "" : Audience;

    /// <summary>https, or http to this machine only (a provider on the loopback interface, as in tests).</summary>
    public bool RequireHttps => !(Uri.TryCreate(Authority, UriKind.Absolute, out var uri) && uri.IsLoopback);

    public string? Invalid()
    {
        if (!Enabled)
            return null;
        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)))
            return "Auth:Oidc:Authority must be the identity provider's https address (http only on this machine's loopback)";
        if (string.IsNullOrWhiteSpace(ClientId))
            return "Auth:Oidc:ClientId must be set with Auth:Oidc:Authority (the workbench's client id at the identity provider)";
        return null;
    }
}
