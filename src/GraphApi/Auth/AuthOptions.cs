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
}
