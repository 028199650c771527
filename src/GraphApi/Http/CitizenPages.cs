using Microsoft.Extensions.Primitives;

namespace CaseEngine.GraphApi.Http;

/// <summary>
/// The citizen pages (手机信访, issue 21) at <c>/</c>: one HTML page and its script and stylesheet under
/// <c>/web</c>, files of the build output's web/ folder (no framework, no CDN, works offline), on the
/// public GraphQL API only. Served in every environment: they are the product's public front.
/// </summary>
public sealed class CitizenPages
{
    public const string AssetPath = "/web";

    private static readonly Dictionary<string, string> Assets = new(StringComparer.Ordinal)
    {
        ["app.js"] = "text/javascript; charset=utf-8",
        ["app.css"] = "text/css; charset=utf-8",
    };

    /// <summary>
    /// Scripts, styles and requests from this origin only, no inline script or style (no <c>unsafe-inline</c>):
    /// a publication's HTML, cleaned by the server, cannot run anything even if a rule were missed.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private readonly string _folder = Path.Combine(AppContext.BaseDirectory, "web");

    public Task PageAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        Secure(http.Response);
        http.Response.Headers.CacheControl = "no-cache";
        return SendAsync(http, "index.html", "text/html; charset=utf-8");
    }

    public Task AssetAsync(HttpContext http, string file)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!Assets.TryGetValue(file, out var type))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        Secure(http.Response);
        // Revalidated on every load: a deployment's new script is never mixed with an old page.
        http.Response.Headers.CacheControl = "no-cache";
        return SendAsync(http, file, type);
    }

    private static void Secure(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = new StringValues("no-referrer");
    }

    private async Task SendAsync(HttpContext http, string file, string contentType)
    {
        var path = Path.Combine(_folder, file);
        if (!File.Exists(path))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        http.Response.ContentType = contentType;
        await http.Response.SendFileAsync(path, http.RequestAborted);
    }
}
