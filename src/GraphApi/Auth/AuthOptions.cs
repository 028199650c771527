namespace CaseEngine.GraphApi.Auth;

/// <summary>Configuration section <c>Auth</c> (env <c>Auth__SigningKey</c>, <c>Auth__RsaPublicKeyPem</c>).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>HS256 key, at least 32 bytes (UTF-8).</summary>
    public string? SigningKey { get; set; }

    /// <summary>An identity provider's RS256 public key, PEM ("-----BEGIN PUBLIC KEY-----...").</summary>
    public string? RsaPublicKeyPem { get; set; }

    /// <summary>Both are "caseengine" by contract; configurable for identity providers that differ.</summary>
    public string Issuer { get; set; } = "caseengine";

    public string Audience { get; set; } = "caseengine";
}
