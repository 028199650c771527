namespace CaseEngine.GraphApi.Auth;

/// <summary>
/// The one reading of <c>Bearer &lt;token&gt;</c>: the HTTP <c>Authorization</c> header and the
/// <c>authorization</c> of a WebSocket's connection_init payload alike (the scheme in any case).
/// </summary>
public static class BearerToken
{
    public const string Scheme = "Bearer ";

    /// <summary>The token of a <c>Bearer &lt;token&gt;</c> value, or null when the value is not one.</summary>
    public static string? From(string? value)
    {
        if (value is null || !value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || value.Length <= Scheme.Length)
            return null;
        return value[Scheme.Length..].Trim();
    }
}
