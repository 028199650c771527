using System.Text;
using Alba;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;

namespace CaseEngine.GraphApi.Tests.Http;

/// <summary>The HTTP status codes of the contract header and GraphQL over HTTP.</summary>
public class when_requests_are_malformed_or_refused(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static async Task<GqlResult> Send(ApiHost api, Action<Scenario> configure)
    {
        var result = await api.Alba.Scenario(s =>
        {
            configure(s);
            s.IgnoreStatusCode();
        });
        return GqlResult.From(result);
    }

    [Fact]
    public async Task each_failure_gets_its_status_code_and_a_coded_error()
    {
        await using var api = await ApiHost.StartAsync(db);

        var malformed = await Send(api, s => s.Post.Text("{ \"query\": ").ToUrl("/graphql").ContentType("application/json"));
        malformed.Status.ShouldBe(400);
        malformed.Code.ShouldBe("VALIDATION");

        var wrongType = await Send(api, s => s.Post.Text("query { __typename }").ToUrl("/graphql").ContentType("text/plain"));
        wrongType.Status.ShouldBe(415);

        var big = "{\"query\":\"{ __typename }\",\"extensions\":{\"pad\":\"" + new string('x', 1024 * 1024) + "\"}}";
        var tooLarge = await Send(api, s => s.Post.Text(big).ToUrl("/graphql").ContentType("application/json"));
        tooLarge.Status.ShouldBe(413);

        var mutationOverGet = await Send(api, s => s.Get.Url("/graphql?query=" + Uri.EscapeDataString("mutation { __typename }")));
        mutationOverGet.Status.ShouldBe(405);
        mutationOverGet.Code.ShouldBe("VALIDATION");

        var queryOverGet = await Send(api, s => s.Get.Url("/graphql?query=" + Uri.EscapeDataString("{ region(code: \"34\") { name } }")));
        queryOverGet.Status.ShouldBe(200);
        queryOverGet.Data.GetProperty("region").GetProperty("name").GetString().ShouldBe("安徽省");

        var notAcceptable = await Send(api, s => s.Post.Text("{\"query\":\"{ __typename }\"}").ToUrl("/graphql").ContentType("application/json").Accepts("text/html"));
        notAcceptable.Status.ShouldBe(406);

        // A document that fails validation: 400 for graphql-response+json, 200 for application/json.
        var strict = await api.GraphQL("{ nosuchfield }", accept: "application/graphql-response+json");
        strict.Status.ShouldBe(400);
        strict.ContentType.ShouldStartWith("application/graphql-response+json");
        strict.Code.ShouldBe("VALIDATION");
        strict.Root.TryGetProperty("data", out _).ShouldBeFalse();
        var lenient = await api.GraphQL("{ nosuchfield }", accept: "application/json");
        lenient.Status.ShouldBe(200);
        lenient.ContentType.ShouldStartWith("application/json");
        lenient.Code.ShouldBe("VALIDATION");

        var syntax = await api.GraphQL("{ petition(id: ", accept: "application/graphql-response+json");
        syntax.Status.ShouldBe(400);
        syntax.Code.ShouldBe("VALIDATION");

        // Execution errors are 200 with errors and data.
        // (a cursor is only known to be malformed once the read side decodes it)
        var execution = await api.GraphQL("{ inbox(departmentId: \"340101-PO\", after: \"not-a-cursor\") { totalCount } }",
            token: api.Officer("340101-PO"), accept: "application/graphql-response+json");
        execution.Status.ShouldBe(200);
        execution.Code.ShouldBe("VALIDATION");

        var badToken = await api.GraphQL("{ __typename }", token: "not.a.token", accept: "application/graphql-response+json");
        badToken.Status.ShouldBe(401);
        badToken.Code.ShouldBe("UNAUTHENTICATED");

        var subscription = await api.GraphQL("subscription { petitionEvents { sequence } }");
        subscription.Code.ShouldBe("VALIDATION");
        subscription.Message.ShouldContain("graphql-transport-ws");

        var put = await Send(api, s => s.Put.Text("{}").ToUrl("/graphql").ContentType("application/json"));
        put.Status.ShouldBe(405);
    }

    [Fact]
    public async Task limits_refuse_deep_and_wide_operations_with_query_too_complex()
    {
        await using var api = await ApiHost.StartAsync(db);
        var deep = "{ region(code: \"34\") { " + string.Concat(Enumerable.Repeat("children { ", 15)) + "code" + new string('}', 16) + " }";
        var tooDeep = await api.GraphQL(deep, accept: "application/graphql-response+json");
        tooDeep.Status.ShouldBe(400);
        tooDeep.Code.ShouldBe("QUERY_TOO_COMPLEX");

        var fine = "{ region(code: \"34\") { " + string.Concat(Enumerable.Repeat("parent { ", 13)) + "code" + new string('}', 14) + " }";
        (await api.GraphQL(fine)).HasErrors.ShouldBeFalse();

        var wide = new StringBuilder("{ ");
        for (var i = 0; i < 301; i++)
            wide.Append($"a{i}: __typename ");
        wide.Append('}');
        (await api.GraphQL(wide.ToString())).Code.ShouldBe("QUERY_TOO_COMPLEX");

        // Fragments are expanded: 20 spreads of a 16-field fragment are 320 selections.
        var fragment = "fragment F on Region { " + string.Join(' ', Enumerable.Range(0, 16).Select(i => $"f{i}: code")) + " } ";
        var spread = "{ " + string.Join(' ', Enumerable.Range(0, 20).Select(i => $"r{i}: region(code: \"34\") {{ ...F }}")) + " } " + fragment;
        (await api.GraphQL(spread)).Code.ShouldBe("QUERY_TOO_COMPLEX");

        // Introspection does not count (and is served in Development).
        var introspection = await api.GraphQL("{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } } } } }");
        introspection.HasErrors.ShouldBeFalse(introspection.Body);
    }
}
