using System.Text.Json;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Npgsql;

namespace CaseEngine.GraphApi.Tests.Publications;

/// <summary>
/// Publications (issue 21): ADMIN writes notices, policy, law, news and help texts; anyone reads the
/// published ones; each lives in its scope's database, and a province's citizens see their province's
/// texts and the nation's.
/// </summary>
public class when_publications_are_written_and_read(NationAnhuiJiangsu db) : IClassFixture<NationAnhuiJiangsu>
{
    private const string Publish = """
        mutation($id: ID, $input: PublicationInput!) { publishPublication(id: $id, input: $input) {
          id scope kind status version title body source versions { number title } } }
        """;

    private const string List = """
        query($province: ID, $kind: PublicationKind, $first: Int, $after: String, $all: Boolean) {
          publications(province: $province, kind: $kind, first: $first, after: $after, includeWithdrawn: $all) {
            totalCount endCursor hasNextPage items { id scope kind status title bodyHtml } } }
        """;

    private const string One = "query($id: ID!) { publication(id: $id) { id status version title versions { number title } } }";

    private static object Input(string scope, string kind, string title, int? expectedVersion = null) =>
        new { scope, kind, title, body = $"# {title}\n\n第一条 **依法** 办理。", source = "国务院公报", expectedVersion };

    private static List<string> Titles(JsonElement data) =>
        [.. data.GetProperty("publications").GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString()!)];

    /// <summary>The titles of the listed publications among <paramref name="ids"/> (the class's tests share the databases).</summary>
    private static List<string> Titles(JsonElement data, IReadOnlyCollection<string> ids) =>
        [.. data.GetProperty("publications").GetProperty("items").EnumerateArray()
            .Where(i => ids.Contains(i.GetProperty("id").GetString()!)).Select(i => i.GetProperty("title").GetString()!)];

    private async Task<long> StoredInAsync(string province, string id)
    {
        await using var conn = new NpgsqlConnection(db.ProvinceConnectionStringOf(province));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("select count(*) from caseengine.mt_doc_publication where id = @id", conn);
        cmd.Parameters.AddWithValue("id", Guid.Parse(id));
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task a_provinces_citizens_read_its_texts_and_the_nations_newest_first_each_kept_where_its_scope_lives()
    {
        await using var api = await ApiHost.StartAsync(db);
        var admin = api.Admin();
        async Task<string> PublishAsync(string scope, string kind, string title)
        {
            api.Clock.Advance(TimeSpan.FromMinutes(1));
            var data = await api.Data(Publish, new { input = Input(scope, kind, title) }, admin);
            var written = data.GetProperty("publishPublication");
            written.GetProperty("version").GetInt32().ShouldBe(1);
            written.GetProperty("status").GetString().ShouldBe("PUBLISHED");
            return written.GetProperty("id").GetString()!;
        }
        var national = await PublishAsync("000000", "NOTICE", "信访须知");
        var anhui = await PublishAsync("340000", "LAW", "信访工作条例（节选）");
        var jiangsu = await PublishAsync("320000", "NEWS", "江苏新闻");
        var help = await PublishAsync("000000", "NOTICE", "网上信访须知");
        string[] mine = [national, anhui, jiangsu, help];

        // Each in its scope's database, and only there.
        (await StoredInAsync(Province.Nation, national), await StoredInAsync(Province.Anhui, national), await StoredInAsync(Province.Jiangsu, national)).ShouldBe((1L, 0L, 0L));
        (await StoredInAsync(Province.Nation, anhui), await StoredInAsync(Province.Anhui, anhui), await StoredInAsync(Province.Jiangsu, anhui)).ShouldBe((0L, 1L, 0L));
        (await StoredInAsync(Province.Jiangsu, jiangsu)).ShouldBe(1L);

        // A citizen of Anhui (any region code of it, no token): Anhui's and the nation's, newest first; not Jiangsu's.
        Titles(await api.Data(List, new { province = "340102" }), mine).ShouldBe(["网上信访须知", "信访工作条例（节选）", "信访须知"]);
        Titles(await api.Data(List, new { province = "320000" }), mine).ShouldBe(["网上信访须知", "江苏新闻", "信访须知"]);
        Titles(await api.Data(List, new { }), mine).ShouldBe(["网上信访须知", "信访须知"]);
        Titles(await api.Data(List, new { province = "340000", kind = "LAW" }), mine).ShouldBe(["信访工作条例（节选）"]);

        // Keyset pages (only this test writes notices).
        var first = (await api.Data(List, new { province = "340000", kind = "NOTICE", first = 1 })).GetProperty("publications");
        first.GetProperty("totalCount").GetInt32().ShouldBe(2);
        first.GetProperty("hasNextPage").GetBoolean().ShouldBeTrue();
        Titles(await api.Data(List, new { province = "340000", kind = "NOTICE", first = 1 })).ShouldBe(["网上信访须知"]);
        var second = await api.Data(List, new { province = "340000", kind = "NOTICE", first = 1, after = first.GetProperty("endCursor").GetString() });
        Titles(second).ShouldBe(["信访须知"]);
        second.GetProperty("publications").GetProperty("hasNextPage").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task a_new_version_keeps_the_ones_before_a_stale_writer_meets_a_conflict_and_a_withdrawn_text_is_shown_to_admin_only()
    {
        await using var api = await ApiHost.StartAsync(db);
        var admin = api.Admin();
        var id = (await api.Data(Publish, new { input = Input("340000", "POLICY", "第一版") }, admin))
            .GetProperty("publishPublication").GetProperty("id").GetString()!;

        var revised = (await api.Data(Publish, new { id, input = Input("340000", "POLICY", "第二版", expectedVersion: 1) }, admin))
            .GetProperty("publishPublication");
        revised.GetProperty("version").GetInt32().ShouldBe(2);
        revised.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("title").GetString()).ShouldBe(["第一版", "第二版"]);
        // A writer who read version 1 and writes after the second: refused, nothing written.
        var stale = await api.GraphQL(Publish, new { id, input = Input("340000", "POLICY", "过时的一版", expectedVersion: 1) }, admin);
        stale.Code.ShouldBe("CONCURRENCY_CONFLICT");
        (await api.Data(One, new { id })).GetProperty("publication").GetProperty("version").GetInt32().ShouldBe(2);
        // The scope never changes: the text stays where it was published.
        (await api.GraphQL(Publish, new { id, input = Input("320000", "POLICY", "搬家") }, admin)).Code.ShouldBe("NOT_FOUND");

        (await api.Data("mutation($id: ID!) { withdrawPublication(id: $id) { status } }", new { id }, admin))
            .GetProperty("withdrawPublication").GetProperty("status").GetString().ShouldBe("WITHDRAWN");
        (await api.Data(One, new { id })).GetProperty("publication").ValueKind.ShouldBe(JsonValueKind.Null);
        (await api.Data(One, new { id }, api.Officer("340102-PO"))).GetProperty("publication").ValueKind.ShouldBe(JsonValueKind.Null);
        Titles(await api.Data(List, new { province = "340000", all = true })).ShouldNotContain("第二版");
        (await api.Data(One, new { id }, admin)).GetProperty("publication").GetProperty("status").GetString().ShouldBe("WITHDRAWN");
        Titles(await api.Data(List, new { province = "340000", all = true }, admin)).ShouldContain("第二版");
        // A new version publishes it again.
        (await api.Data(Publish, new { id, input = Input("340000", "POLICY", "第三版", expectedVersion: 2) }, admin))
            .GetProperty("publishPublication").GetProperty("status").GetString().ShouldBe("PUBLISHED");
        Titles(await api.Data(List, new { province = "340000" })).ShouldContain("第三版");
    }

    [Fact]
    public async Task only_admin_writes_and_bad_input_is_a_coded_error_that_does_not_echo_it()
    {
        await using var api = await ApiHost.StartAsync(db);
        (await api.GraphQL(Publish, new { input = Input("340000", "HELP", "匿名") })).Code.ShouldBe("UNAUTHENTICATED");
        (await api.GraphQL(Publish, new { input = Input("340000", "HELP", "官员") }, api.Officer("340102-PO"))).Code.ShouldBe("FORBIDDEN");
        (await api.GraphQL(Publish, new { input = Input("340000", "HELP", "公民") }, api.Citizen())).Code.ShouldBe("FORBIDDEN");
        var unknownId = Guid.NewGuid().ToString();
        (await api.GraphQL("mutation($id: ID!) { withdrawPublication(id: $id) { status } }", new { id = unknownId }, api.Officer("340102-PO")))
            .Code.ShouldBe("FORBIDDEN");

        var admin = api.Admin();
        foreach (var (input, what) in new (object Input, string What)[]
        {
            (Input("34010X", "HELP", "标题"), "34010X"),
            (Input("340102", "HELP", "标题"), "340102"),   // a county, not a province
            (new { scope = "340000", kind = "HELP", title = "   ", body = "正文" }, "title"),
            (new { scope = "340000", kind = "HELP", title = "标题", body = new string('长', 100_001) }, new string('长', 40)),
        })
        {
            var refused = await api.GraphQL(Publish, new { input }, admin);
            refused.Code.ShouldBe("VALIDATION", refused.Body);
            if (what != "title")
                refused.Message.ShouldNotContain(what);
        }
        var cursor = await api.GraphQL(List, new { after = "bm90LWEtY3Vyc29y<script>" });
        cursor.Code.ShouldBe("VALIDATION");
        cursor.Message.ShouldNotContain("script");
        // Nothing was written by any of them (only this test uses HELP).
        Titles(await api.Data(List, new { province = "340000", kind = "HELP", all = true }, admin)).ShouldBeEmpty();
    }
}
