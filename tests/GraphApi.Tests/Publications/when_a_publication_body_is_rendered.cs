using CaseEngine.GraphApi.Publications;

namespace CaseEngine.GraphApi.Tests.Publications;

/// <summary>A publication's Markdown becomes HTML a page may insert: what a writer types can never become script.</summary>
public class when_a_publication_body_is_rendered
{
    public static TheoryData<string> Payloads => new()
    {
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[点我](javascript:alert(1))",
        "[点我](JaVaScRiPt:alert(1))",
        "[点我](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![图](javascript:alert(1))",
        "![图](https://example.org/a.png)",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<iframe src=\"https://example.org\"></iframe>",
        "<svg onload=alert(1)>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<p onclick=\"alert(1)\">x</p>",
        "[x](vbscript:msgbox(1))",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<form action=\"https://evil.example\"><input name=a></form>",
        "<<script>script>alert(1)<</script>/script>",
        "`<script>` and <noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "[x](https://example.org \"\\\" onmouseover=\\\"alert(1)\")",
    };

    private static readonly string[] AllowedTags =
        ["P", "BR", "HR", "H1", "H2", "H3", "H4", "H5", "H6", "UL", "OL", "LI", "BLOCKQUOTE", "PRE", "CODE", "EM", "STRONG", "DEL", "A",
         "TABLE", "THEAD", "TBODY", "TR", "TH", "TD"];

    [Theory]
    [MemberData(nameof(Payloads))]
    public void no_payload_survives_as_markup(string payload)
    {
        var html = PublicationHtml.ToSafeHtml($"正文\n\n{payload}\n\n结尾");
        // What a browser would build from it: only allow-listed elements, no attribute but a link's, no link but http(s) or mail.
        var body = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html).Body!;
        foreach (var element in body.QuerySelectorAll("*"))
        {
            AllowedTags.ShouldContain(element.TagName, html);
            foreach (var attribute in element.Attributes)
            {
                new[] { "href", "title", "rel", "start", "align" }.ShouldContain(attribute.Name, html);
                if (attribute.Name == "href")
                    attribute.Value.ShouldMatch("^(https?://|mailto:)", html);
            }
        }
        // Whatever was markup in the payload is text now (escaped), never a tag.
        foreach (var tag in new[] { "<script", "<img", "<iframe", "<svg", "<math", "<form", "<input", "<div", "<noscript" })
            html.ShouldNotContain(tag, Case.Insensitive, html);
        body.TextContent.ShouldContain("正文");
        body.TextContent.ShouldContain("结尾");
    }

    [Fact]
    public void markdown_renders_to_the_allowed_tags_and_links_leave_without_the_page()
    {
        var html = PublicationHtml.ToSafeHtml("# 信访须知\n\n第一条 **依法** *按时*\n\n- 一\n- 二\n\n[国务院](https://www.gov.cn/ \"来源\") 与 <mailto:xinfang@example.cn>\n\n| 期限 | 天 |\n| --- | --- |\n| 受理 | 15 |");
        html.ShouldContain("<h1");
        html.ShouldContain("<strong>依法</strong>");
        html.ShouldContain("<em>按时</em>");
        html.ShouldContain("<li>一</li>");
        html.ShouldContain("<table>");
        html.ShouldContain("href=\"https://www.gov.cn/\"");
        html.ShouldContain("rel=\"noopener noreferrer nofollow\"");
        html.ShouldContain("href=\"mailto:xinfang@example.cn\"");
    }
}

/// <summary>The demo's texts pass the publication rules and render with their tables and lists.</summary>
public class when_the_demo_publications_are_checked
{
    [Fact]
    public void each_is_valid_names_its_source_and_renders()
    {
        var admin = new CaseEngine.Domain.Actor("admin", CaseEngine.Domain.Role.Admin, null);
        var texts = CaseEngine.Workflow.Publications.DemoPublications.Texts;
        texts.Count.ShouldBe(5);
        foreach (var draft in texts)
        {
            var written = CaseEngine.Domain.Publications.PublicationRules.Write(null, Guid.NewGuid(), draft, admin, DateTimeOffset.UnixEpoch);
            written.Current.Source.ShouldNotBeNullOrWhiteSpace();
            var html = PublicationHtml.ToSafeHtml(written.Current.Body);
            (html.Contains("<li>", StringComparison.Ordinal) || html.Contains("<table>", StringComparison.Ordinal)).ShouldBeTrue(html);
        }
        PublicationHtml.ToSafeHtml(texts.Single(t => t.Title == "信访事项的办理期限").Body).ShouldContain("<td>第三十四条</td>");
        // The articles follow word for word, one paragraph each, the article's number in bold.
        var review = PublicationHtml.ToSafeHtml(texts.Single(t => t.Title == "复查与复核").Body);
        review.ShouldContain("<p><strong>第三十五条</strong> 信访人对信访处理意见不服的，可以自收到书面答复之日起30日内");
        review.ShouldContain("<p>信访人对复核意见不服，仍然以同一事实和理由提出投诉请求的，各级党委和政府信访部门和其他机关、单位不再受理。</p>");
    }
}
