using Microsoft.Net.Http.Headers;

namespace CaseEngine.GraphApi.Http;

/// <summary>
/// GraphiQL at GET /graphql for browsers (a request whose Accept lists text/html), on in Development
/// or with <c>GraphiQL:Enabled=true</c>; any other GET still goes to the GraphQL-over-HTTP handler.
/// The page and its assets (GraphiQL 3.9, React 18 UMD builds) are files of the build output's
/// graphiql/ folder, copied there by the project's GraphiQLAssets target: no CDN, works offline.
/// </summary>
public sealed class GraphiQLPage(GraphiQLOptions options, IHostEnvironment environment)
{
    public const string AssetPath = "/graphiql";

    /// <summary>The page's files with their media types; nothing else of the folder is served.</summary>
    private static readonly Dictionary<string, string> Assets = new(StringComparer.Ordinal)
    {
        ["graphiql.min.js"] = "text/javascript; charset=utf-8",
        ["graphiql.min.css"] = "text/css; charset=utf-8",
        ["react.production.min.js"] = "text/javascript; charset=utf-8",
        ["react-dom.production.min.js"] = "text/javascript; charset=utf-8",
        ["page.js"] = "text/javascript; charset=utf-8",
        ["page.css"] = "text/css; charset=utf-8",
    };

    /// <summary>
    /// Scripts and styles from this origin only; inline styles for React's style attributes, data:
    /// fonts and images of GraphiQL's stylesheet; fetch and WebSocket back to this origin.
    /// </summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; " +
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private readonly string _folder = System.IO.Path.Combine(AppContext.BaseDirectory, "graphiql");

    public bool Enabled => environment.IsDevelopment() || options.Enabled;

    /// <summary>True when the page answers this request: enabled, a GET, and text/html explicitly accepted.</summary>
    public bool Serves(HttpRequest request) => Enabled && HttpMethods.IsGet(request.Method) && AcceptsHtml(request);

    public static bool AcceptsHtml(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0 || !MediaTypeHeaderValue.TryParseList(accept, out var types))
            return false;
        return types.Any(t => string.Equals(t.MediaType.Value, "text/html", StringComparison.OrdinalIgnoreCase) && (t.Quality ?? 1) > 0);
    }

    public Task PageAsync(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-cache";
        headers.Vary = "Accept";
        return SendAsync(http, "index.html", "text/html; charset=utf-8");
    }

    public Task AssetAsync(HttpContext http, string file)
    {
        if (!Enabled || !Assets.TryGetValue(file, out var type))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "public, max-age=3600";
        return SendAsync(http, file, type);
    }

    private async Task SendAsync(HttpContext http, string file, string contentType)
    {
        var path = System.IO.Path.Combine(_folder, file);
        if (!File.Exists(path))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            await http.Response.WriteAsync($"GraphiQL asset {file} is missing from {_folder}: build src/GraphApi (npm ci runs there)", http.RequestAborted);
            return;
        }
        http.Response.ContentType = contentType;
        await http.Response.SendFileAsync(path, http.RequestAborted);
    }
}
