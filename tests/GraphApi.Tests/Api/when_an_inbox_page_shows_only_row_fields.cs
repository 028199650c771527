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

        // Npgsql names an activity after its database; only this fixture's database, under a request, counts
        // (other classes' hosts run in this process too).
        var database = new NpgsqlConnectionStringBuilder(db.ConnectionString).Database;
        var statements = new ConcurrentBag<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name != "Npgsql" || activity.DisplayName != database)
                    return;
                for (var parent = activity.Parent; parent is not null; parent = parent.Parent)
                {
                    if (parent.OperationName == "Microsoft.AspNetCore.Hosting.HttpRequestIn")
                    {
                        statements.Add((activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) as string ?? "");
                        return;
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        async Task<(string Page, List<string> Statements)> Read(string query)
        {
            statements.Clear();
            var data = await api.Data(query, new { dept = "340101-PO" }, officer);
            data.GetProperty("inbox").GetProperty("edges").GetArrayLength().ShouldBeGreaterThan(1);
            return (Shared(data), [.. statements]);
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

        // Rows written before the inbox kept the status (the column added to an existing inbox is null):
        // the page's documents are loaded once for the whole page, and the page is the same.
        await using (var connection = new NpgsqlConnection(db.ConnectionString))
        {
            await connection.OpenAsync();
            await using var clear = new NpgsqlCommand("update caseengine.ce_inbox set status = null where department_id = '340101-PO'", connection);
            (await clear.ExecuteNonQueryAsync()).ShouldBeGreaterThan(1);
        }
        var (oldRowPage, oldRowStatements) = await Read(RowOnly);
        oldRowStatements.Count.ShouldBe(2, string.Join(" | ", oldRowStatements));
        Documents(oldRowStatements).ShouldBe(1, string.Join(" | ", oldRowStatements));
        oldRowPage.ShouldBe(documentPage);
    }
}
