using CaseEngine.GraphApi.Http;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Tests.Http;

/// <summary>
/// A query text that passed validation is kept parsed and validated (<see cref="ValidatedDocumentCache"/>):
/// sent again, it skips the document rules, but never the rules that depend on the caller, and never
/// the checks of its variables.
/// </summary>
public class when_a_query_is_sent_again(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly string Key = TestKeys.New();

    [Fact]
    public async Task introspection_an_admin_ran_first_is_still_refused_to_others()
    {
        await using var api = await ApiHost.StartAsync(db, environment: "Production", settings: new Dictionary<string, string?> { ["Auth:SigningKey"] = Key });
        const string Introspection = "{ __schema { queryType { name } } }";
        (await api.GraphQL(Introspection, token: api.Admin())).HasErrors.ShouldBeFalse();
        (await api.GraphQL(Introspection, token: api.Auditor())).Code.ShouldBe("FORBIDDEN");
        (await api.GraphQL(Introspection, token: api.Officer("340101-PO"))).Code.ShouldBe("FORBIDDEN");
        (await api.GraphQL(Introspection, token: api.Admin())).HasErrors.ShouldBeFalse();
    }

    [Fact]
    public async Task the_variables_of_a_kept_query_are_still_checked_on_every_request()
    {
        await using var api = await ApiHost.StartAsync(db);
        await api.SubmitAsync();
        await api.Services.GetRequiredService<IDocumentStore>().SettleAsync(TimeSpan.FromSeconds(60));
        var officer = api.Officer("340101-PO");
        var cache = api.Services.GetRequiredService<ValidatedDocumentCache>();
        const string Inbox = "query($first: Int) { inbox(departmentId: \"340101-PO\", first: $first) { totalCount edges { node { stage } } } }";

        (await api.Data(Inbox, new { first = 5 }, officer)).GetProperty("inbox").GetProperty("totalCount").GetInt32().ShouldBeGreaterThan(0);
        var kept = cache.Count;
        kept.ShouldBeGreaterThan(0);

        (await api.GraphQL(Inbox, new { first = "five" }, officer)).Code.ShouldBe("VALIDATION");
        (await api.GraphQL(Inbox, new { first = 500 }, officer)).Code.ShouldBe("VALIDATION");
        (await api.Data(Inbox, new { first = 1 }, officer)).GetProperty("inbox").GetProperty("edges").GetArrayLength().ShouldBe(1);
        cache.Count.ShouldBe(kept);   // the same text, kept once
    }

    [Fact]
    public async Task a_refused_query_is_not_kept_and_is_refused_again()
    {
        await using var api = await ApiHost.StartAsync(db);
        var cache = api.Services.GetRequiredService<ValidatedDocumentCache>();
        const string Unknown = "{ inbox(departmentId: \"340101-PO\") { totalCount noSuchField } }";
        var before = cache.Count;
        (await api.GraphQL(Unknown, token: api.Officer("340101-PO"))).Code.ShouldBe("VALIDATION");
        (await api.GraphQL(Unknown, token: api.Officer("340101-PO"))).Code.ShouldBe("VALIDATION");
        cache.Count.ShouldBe(before);
    }
}
