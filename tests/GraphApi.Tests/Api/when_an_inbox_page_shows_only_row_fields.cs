using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Deadlines;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CaseEngine.GraphApi.Tests.Api;

/// <summary>
/// An inbox page whose petition selections ask only for what the inbox row carries (id, caseNumber,
/// subject, status, category) resolves them from the rows and reads no petition document; any other
/// petition field reads the page's documents as before. Both show the same page.
/// </summary>
public class when_an_inbox_page_shows_only_row_fields(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    // Through a fragment, as clients write it: the look-ahead and GraphQL.NET's sub-fields both expand it.
    private const string RowOnly = """
        query($dept: ID!) { inbox(departmentId: $dept, first: 50) { totalCount pageInfo { hasNextPage }
          edges { cursor node { stage receivedAt dueAt overdue suspectedDuplicate petition { ...Row } } } } }
        fragment Row on Petition { id caseNumber subject status category __typename }
        """;

    // The same page with one field the row does not carry: the documents are read.
    private const string WithDocuments = """
        query($dept: ID!) { inbox(departmentId: $dept, first: 50) { totalCount pageInfo { hasNextPage }
          edges { cursor node { stage receivedAt dueAt overdue suspectedDuplicate petition { id caseNumber subject status category __typename version } } } } }
        """;

    private static async Task SeedAsync(ApiHost api)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 6; i++)
            ids.Add((await api.SubmitAsync(category: i % 2 == 0 ? "COMPLAINT_REQUEST" : "REPORT_ACCUSATION")).Id);
        await api.Forward(ids[0]);
        await api.Forward(ids[1]);
        await api.Accept(ids[1]);
        // Limits pass: overdue items, and the automatic supervisions' response items at the late departments.
        api.Clock.Advance(TimeSpan.FromDays(20));
        await api.Services.GetRequiredService<DeadlineSweeper>().SweepAsync();
        await api.Services.GetRequiredService<IDocumentStore>().SettleAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>The page without the petitions' <c>version</c>: what both selections share.</summary>
    private static string Shared(JsonElement data)
    {
        var inbox = JsonNode.Parse(data.GetProperty("inbox").GetRawText())!;
        foreach (var edge in inbox["edges"]!.AsArray())
            edge!["node"]!["petition"]!.AsObject().Remove("version");
        return inbox.ToJsonString();
    }

    [Fact]
    public async Task a_row_only_page_equals_the_page_read_with_documents_for_officers_and_supervisors()
    {
        await using var api = await ApiHost.StartAsync(db);
        await SeedAsync(api);
        var queues = new (string Department, string Token, string Who)[]
        {
            ("340101-PO", api.Officer("340101-PO"), "OFFICER of 340101-PO"),
            ("340101-PO", api.Supervisor("340100-PO"), "SUPERVISOR of 340100-PO"),
            ("340101-EDU", api.Officer("340101-EDU"), "OFFICER of 340101-EDU"),
            ("340101-EDU", api.Supervisor("340101-PO"), "SUPERVISOR of 340101-PO"),
            ("340101-EDU", api.Supervisor("340100-PO"), "SUPERVISOR of 340100-PO"),
        };
        var stages = new HashSet<string>();
        foreach (var (department, token, who) in queues)
        {
            var rows = await api.Data(RowOnly, new { dept = department }, token);
            var documents = await api.Data(WithDocuments, new { dept = department }, token);
            var edges = rows.GetProperty("inbox").GetProperty("edges").EnumerateArray().ToList();
            edges.ShouldNotBeEmpty($"{department} as {who}");
            stages.UnionWith(edges.Select(e => e.GetProperty("node").GetProperty("stage").GetString()!));
            Shared(rows).ShouldBe(Shared(documents), $"{department} as {who}");
            // Every item shown: none dropped by either reading (totalCount counts the department's items).
            edges.Count.ShouldBe(rows.GetProperty("inbox").GetProperty("totalCount").GetInt32(), $"{department} as {who}");
        }
        // Main-line items and supervision items were both compared.
        stages.ShouldContain("SUPERVISION_RESPONSE");
        stages.ShouldContain("ROUTING");
    }

    [Fact]
    public async Task a_row_only_page_reads_no_petition_document_and_a_row_without_a_status_reads_the_pages_documents_once()
    {
        await using var api = await ApiHost.StartAsync(db);
        await SeedAsync(api);
        var officer = api.Officer("340101-PO");

        using var statements = StatementCapture.UnderRequests(db.ProvinceConnectionString);

        async Task<(string Page, List<string> Statements)> Read(string query)
        {
            statements.Clear();
            var data = await api.Data(query, new { dept = "340101-PO" }, officer);
            data.GetProperty("inbox").GetProperty("edges").GetArrayLength().ShouldBeGreaterThan(1);
            return (Shared(data), [.. statements.Statements]);
        }
        static int Documents(List<string> statements) => statements.Count(s => s.Contains("mt_doc_petition", StringComparison.Ordinal));

        await Read(RowOnly); // warm-up: first-use lookups are not the request's cost
        var (rowPage, rowStatements) = await Read(RowOnly);
        var (documentPage, documentStatements) = await Read(WithDocuments);
        rowStatements.Count.ShouldBe(1, string.Join(" | ", rowStatements));
        Documents(rowStatements).ShouldBe(0, string.Join(" | ", rowStatements));
        // The listener sees the documents when they are read: the zero above is not blindness.
        documentStatements.Count.ShouldBe(1, string.Join(" | ", documentStatements));
        Documents(documentStatements).ShouldBe(1, string.Join(" | ", documentStatements));
        rowPage.ShouldBe(documentPage);

        // Rows written before the inbox kept the status and departments (the columns added to an existing
        // inbox are null): the page's documents are loaded once for the whole page, and the page is the same.
        // The rows get their values back afterwards: the class's other tests read this inbox too.
        await using var connection = new NpgsqlConnection(db.ProvinceConnectionString);
        await connection.OpenAsync();
        async Task<int> Sql(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            return await command.ExecuteNonQueryAsync();
        }
        await Sql("create temp table kept as select item_id, status, departments from caseengine.ce_inbox where department_id = '340101-PO'");
        (await Sql("update caseengine.ce_inbox set status = null, departments = null where department_id = '340101-PO'")).ShouldBeGreaterThan(1);
        try
        {
            var (oldRowPage, oldRowStatements) = await Read(RowOnly);
            oldRowStatements.Count.ShouldBe(2, string.Join(" | ", oldRowStatements));
            Documents(oldRowStatements).ShouldBe(1, string.Join(" | ", oldRowStatements));
            oldRowPage.ShouldBe(documentPage);
        }
        finally
        {
            await Sql("update caseengine.ce_inbox i set status = k.status, departments = k.departments from kept k where i.item_id = k.item_id");
        }
    }

    [Fact]
    public async Task a_row_the_events_do_not_explain_is_not_shown_to_whom_its_petitions_departments_do_not_admit()
    {
        await using var api = await ApiHost.StartAsync(db);
        var (stray, _, _) = await api.SubmitAsync();
        await api.Services.GetRequiredService<IDocumentStore>().SettleAsync(TimeSpan.FromSeconds(60));
        // As a damaged read model would show it: the petition, never forwarded, in the agency's inbox, with
        // the status and departments its events give it (a row put in the wrong department, written whole).
        await using var connection = new NpgsqlConnection(db.ProvinceConnectionString);
        await connection.OpenAsync();
        async Task Sql(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("p", stray);
            (await command.ExecuteNonQueryAsync()).ShouldBe(1, sql);
        }
        await Sql("""
            insert into caseengine.ce_inbox (item_id, petition_id, department_id, region_path, stage, received_at, due_at, due_sort,
                paused, category, subject, case_number, suspected_duplicate, status, departments)
            select 'stray', petition_id, '340101-EDU', '000000.340000.340100.340101', 'Acceptance', received_at, due_at, due_sort,
                false, category, subject, case_number, false, status, departments
            from caseengine.ce_inbox where petition_id = @p
            """);
        try
        {
            async Task<List<string>> Shown(string query, string token) =>
                [.. (await api.Data(query, new { dept = "340101-EDU" }, token)).GetProperty("inbox").GetProperty("edges").EnumerateArray()
                    .Select(e => e.GetProperty("node").GetProperty("petition").GetProperty("id").GetString()!)];

            // The agency's officer may not read the petition: neither reading shows it.
            var officer = api.Officer("340101-EDU");
            (await Shown(RowOnly, officer)).ShouldNotContain(stray.ToString());
            (await Shown(WithDocuments, officer)).ShouldNotContain(stray.ToString());
            // The county office's supervisor may (the petition is at its office): both show it, as before rows carried fields.
            var supervisor = api.Supervisor("340101-PO");
            (await Shown(RowOnly, supervisor)).ShouldContain(stray.ToString());
            (await Shown(WithDocuments, supervisor)).ShouldContain(stray.ToString());
        }
        finally
        {
            await Sql("delete from caseengine.ce_inbox where item_id = 'stray' and petition_id = @p");
        }
    }
}
