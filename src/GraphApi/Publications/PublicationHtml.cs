using Ganss.Xss;
using Markdig;

namespace CaseEngine.GraphApi.Publications;

/// <summary>
/// A publication's Markdown as HTML safe to put in a page: Markdig renders it with raw HTML escaped
/// (text, never markup, whatever the writer typed), then HtmlSanitizer keeps only an allow-list of
/// tags and attributes — no script, style, image, frame, form or event attribute, links only to http,
/// https and mailto — so a page can insert it as markup under a CSP without <c>unsafe-inline</c>.
/// Both steps are the served libraries', not code of our own (a hand-written filter is how XSS gets in).
/// </summary>
public static class PublicationHtml
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UsePipeTables()
        .UseAutoLinks()
        .Build();

    private static readonly string[] Tags =
        ["p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code", "em", "strong",
         "del", "a", "table", "thead", "tbody", "tr", "th", "td"];

    private static HtmlSanitizer NewSanitizer()
    {
        var options = new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(Tags, StringComparer.OrdinalIgnoreCase),
            AllowedAttributes = new HashSet<string>(["href", "title", "start", "align"], StringComparer.OrdinalIgnoreCase),
            AllowedSchemes = new HashSet<string>(["http", "https", "mailto"], StringComparer.OrdinalIgnoreCase),
            UriAttributes = new HashSet<string>(["href"], StringComparer.OrdinalIgnoreCase),
            AllowedCssProperties = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
            AllowedAtRules = new HashSet<AngleSharp.Css.Dom.CssRuleType>(),
            AllowedClasses = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
        };
        var sanitizer = new HtmlSanitizer(options) { KeepChildNodes = true };
        // Links leave the site without handing it the page (no opener, no referrer).
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement { TagName: "A" } link)
                link.SetAttribute("rel", "noopener noreferrer nofollow");
        };
        return sanitizer;
    }

    /// <summary>The body as safe HTML.</summary>
    public static string ToSafeHtml(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        // A sanitizer per call: its events and DOM are not shared between threads.
        return NewSanitizer().Sanitize(Markdown.ToHtml(markdown, Pipeline));
    }
}
