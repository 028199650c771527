using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Publications;
using CaseEngine.Workflow.Publications;
using Microsoft.Extensions.Primitives;

namespace CaseEngine.GraphApi.Http;

/// <summary>Configuration section <c>CitizenPages</c>.</summary>
public sealed class CitizenPagesOptions
{
    public const string Section = "CitizenPages";

    /// <summary>The province whose citizens the pages serve (its offices, its texts and the nation's).</summary>
    public string Province { get; set; } = DemoDirectory.ProvinceCode;

    public string? Invalid() =>
        Provinces.Of(Province) == Province && !Provinces.IsNational(Province)
            ? null
            : $"{Section}:Province must be a province code such as 340000";
}

/// <summary>
/// The citizen pages (手机信访, issue 21) at <c>/</c>: one HTML page and its script and stylesheet under
/// <c>/web</c>, files of the build output's web/ folder (no framework, no CDN, works offline), on the
/// public GraphQL API only. Served in every environment: they are the product's public front.
/// </summary>
/// <remarks>
/// On a phone network every round trip costs about half a second, so the page carries the first list of
/// texts with it (a JSON data block, which no browser runs as script: the CSP stays without
/// <c>unsafe-inline</c>) and the script shows it without asking the API again; the script and stylesheet are
/// sent compressed (Brotli or gzip, compressed once: they hold no secret, so no BREACH exposure).
/// </remarks>
public sealed class CitizenPages(CitizenPagesOptions options, PublicationStore publications, IHostEnvironment environment,
    Auth.AuthOptions auth, TimeProvider time, ILogger<CitizenPages> logger)
{
    /// <summary>
    /// How long the page's first list is reused. <c>GET /</c> is anonymous and not behind the API's per-caller
    /// rate limit, so without this every request would read every database of the province; a text published
    /// now shows on the page after at most this long (the list in the script asks the API, which is current).
    /// </summary>
    public static readonly TimeSpan InitialListLifetime = TimeSpan.FromSeconds(5);

    /// <summary>How long a failed read of the first list is kept (pages go without it meanwhile).</summary>
    public static readonly TimeSpan FailedListLifetime = TimeSpan.FromSeconds(1);

    /// <summary>How long the page waits for its first list before it is sent without it (the script then asks the API).</summary>
    public static readonly TimeSpan InitialListBound = TimeSpan.FromSeconds(3);

    public const string AssetPath = "/web";

    private static readonly Dictionary<string, string> Assets = new(StringComparer.Ordinal)
    {
        ["app.js"] = "text/javascript; charset=utf-8",
        ["app.css"] = "text/css; charset=utf-8",
        ["common.js"] = "text/javascript; charset=utf-8",
        ["workbench.js"] = "text/javascript; charset=utf-8",
        ["signin.js"] = "text/javascript; charset=utf-8",
    };

    /// <summary>
    /// Scripts, styles and requests from this origin only, no inline script or style (no <c>unsafe-inline</c>):
    /// a publication's HTML, cleaned by the server, cannot run anything even if a rule were missed.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>Where the page takes the province and the first list (index.html).</summary>
    private const string ProvinceMarker = "data-province=\"\"", ListMarker = "<!--initial-publications-->";

    private readonly string _folder = Path.Combine(AppContext.BaseDirectory, "web");
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string File, string Encoding), byte[]> _compressed = new();
    private readonly Lock _listGate = new();
    private (DateTimeOffset Until, Task<string> List)? _list;

    public async Task PageAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var list = await InitialList().WaitAsync(http.RequestAborted);
        await SendPageAsync(http, "index.html", SignInPolicy(), html => SignInSettings(html)
            .Replace(ProvinceMarker, $"data-province=\"{options.Province}\"", StringComparison.Ordinal)
            .Replace(ListMarker, list, StringComparison.Ordinal));
    }

    /// <summary>
    /// The officers' workbench at <c>/workbench</c>: the same files' rules. It signs in at the OpenID Connect
    /// provider of <c>Auth:Oidc</c> (authorization code with PKCE; the page may also reach that provider, and
    /// nothing else), and in Development also with a pasted token; the token is held in memory only.
    /// </summary>
    public Task WorkbenchAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return SendPageAsync(http, "workbench.html", SignInPolicy(), SignInSettings);
    }

    /// <summary>
    /// Both pages sign in at the same provider (signin.js): citizens for 我的信访 with a PETITIONER token,
    /// officers with theirs; the provider decides the role. Its address joins connect-src, nothing else does.
    /// </summary>
    private string? SignInPolicy() => auth.Oidc.Enabled
        ? ContentSecurityPolicy.Replace("connect-src 'self'",
            $"connect-src 'self' {new Uri(auth.Oidc.Authority!).GetLeftPart(UriPartial.Authority)}", StringComparison.Ordinal)
        : null;

    /// <summary>The page's sign-in settings: the provider and client of <c>Auth:Oidc</c>, and whether the Development token form shows.</summary>
    private string SignInSettings(string html)
    {
        var oidc = auth.Oidc.Enabled ? auth.Oidc : null;
        return html
            .Replace("data-development=\"\"", $"data-development=\"{(environment.IsDevelopment() ? "true" : "false")}\"", StringComparison.Ordinal)
            .Replace("data-oidc-authority=\"\"", $"data-oidc-authority=\"{WebUtility.HtmlEncode(oidc?.Authority?.TrimEnd('/') ?? "")}\"", StringComparison.Ordinal)
            .Replace("data-oidc-client=\"\"", $"data-oidc-client=\"{WebUtility.HtmlEncode(oidc?.ClientId ?? "")}\"", StringComparison.Ordinal);
    }

    /// <summary>A page of the web/ folder with its settings filled in, under the pages' policy (or <paramref name="policy"/>).</summary>
    private async Task SendPageAsync(HttpContext http, string file, string? policy, Func<string, string> fill)
    {
        var path = Path.Combine(_folder, file);
        if (!File.Exists(path))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var html = fill(await File.ReadAllTextAsync(path, http.RequestAborted));
        Secure(http.Response);
        if (policy is not null)
            http.Response.Headers.ContentSecurityPolicy = policy;
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.WriteAsync(html, http.RequestAborted);
    }

    /// <summary>
    /// The first list, read at most once per <see cref="InitialListLifetime"/> however many pages are asked
    /// for at once (one read in flight; the callers share it).
    /// </summary>
    private Task<string> InitialList()
    {
        var now = time.GetUtcNow();
        lock (_listGate)
        {
            if (_list is { } cached && now < cached.Until)
                return cached.List;
            // Not tied to one request (a caller who leaves must not cancel the read the others wait on), but
            // bounded: a database that hangs gives pages without the list, not pages that wait.
            var read = ReadInitialListAsync();
            var entry = (now + InitialListLifetime, read);
            _list = entry;
            // A failed read is kept for a second only: soon tried again, yet pages asked for while a database
            // is down do not each become a read of it (what the lifetime is for in the first place).
            _ = read.ContinueWith(done =>
            {
                lock (_listGate)
                    if (done.Result.Length == 0 && _list == entry)
                        _list = (time.GetUtcNow() + FailedListLifetime, done);
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return read;
        }
    }

    /// <summary>
    /// The first page of texts as <c>publications</c> answers an anonymous reader, in a JSON data block; empty
    /// when the list cannot be read now (the script then asks the API, and shows its refusal if any).
    /// </summary>
    private async Task<string> ReadInitialListAsync()
    {
        using var bound = new CancellationTokenSource(InitialListBound, time);
        try
        {
            var items = (await publications.ListAsync(Actor.AnonymousPetitioner, options.Province, kind: null, includeWithdrawn: false, bound.Token))
                .Take(50)
                .Select(p => new { id = p.Id.ToString(), kind = EnumValue(p.Kind), title = p.Current.Title, publishedAt = p.PublishedAt });
            // The default encoder escapes <, > and & (\u003C …): the block cannot be closed from inside a title.
            var json = JsonSerializer.Serialize(new { items });
            return $"<script type=\"application/json\" id=\"initial-publications\">{json}</script>";
        }
        catch (Exception e)
        {
            // Cancelled only by the bound: no caller's token is passed in.
            logger.LogWarning("the citizen page was served without its first list ({ExceptionType})", e.GetType().Name);
            return "";
        }
    }

    /// <summary>The enum's spelling in the schema (NOTICE, …).</summary>
    private static string EnumValue(PublicationKind kind) => kind.ToString().ToUpperInvariant();

    public async Task AssetAsync(HttpContext http, string file)
    {
        ArgumentNullException.ThrowIfNull(http);
        var path = Path.Combine(_folder, file);
        if (!Assets.TryGetValue(file, out var type) || !File.Exists(path))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        Secure(http.Response);
        // Revalidated on every load: a deployment's new script is never mixed with an old page.
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers.Vary = "Accept-Encoding";
        http.Response.ContentType = type;
        var accepted = http.Request.Headers.AcceptEncoding.ToString();
        var encoding = accepted.Contains("br", StringComparison.OrdinalIgnoreCase) ? "br"
            : accepted.Contains("gzip", StringComparison.OrdinalIgnoreCase) ? "gzip" : null;
        if (encoding is null)
        {
            await http.Response.SendFileAsync(path, http.RequestAborted);
            return;
        }
        var body = _compressed.GetOrAdd((file, encoding), key => Compress(File.ReadAllBytes(path), key.Encoding));
        http.Response.Headers.ContentEncoding = encoding;
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted);
    }

    private static byte[] Compress(byte[] content, string encoding)
    {
        using var output = new MemoryStream();
        using (Stream compressor = encoding == "br"
            ? new BrotliStream(output, CompressionLevel.SmallestSize)
            : new GZipStream(output, CompressionLevel.SmallestSize))
            compressor.Write(content);
        return output.ToArray();
    }

    private static void Secure(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = new StringValues("no-referrer");
    }
}
