using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using GraphQL.Execution;
using GraphQLParser.AST;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Tests.Http;

/// <summary>
/// Issue 16, item 6: a request's document is parsed once (the HTTP endpoint's look at the operation
/// and the execution share the parse), and a text sent again is not parsed at all (the validated-document cache).
/// </summary>
public class when_a_document_is_parsed(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private sealed class CountingBuilder(IDocumentBuilder inner) : IDocumentBuilder
    {
        private int _parses;
        public int Parses => Volatile.Read(ref _parses);

        public GraphQLDocument Build(string body)
        {
            Interlocked.Increment(ref _parses);
            return inner.Build(body);
        }
    }

    [Fact]
    public async Task it_is_parsed_once_per_request_and_not_again_when_kept()
    {
        var builder = new CountingBuilder(new GraphQLDocumentBuilder());
        await using var api = await ApiHost.StartAsync(db, services: s => s.AddSingleton<IDocumentBuilder>(builder));
        var token = api.Auditor();

        (await api.GraphQL("{ department(id: \"340101-PO\") { id } }", token: token)).HasErrors.ShouldBeFalse();
        builder.Parses.ShouldBe(1);
        (await api.GraphQL("{ department(id: \"340101-PO\") { id } }", token: token)).HasErrors.ShouldBeFalse();
        builder.Parses.ShouldBe(1);

        // Refused documents are not kept: parsed once for each request, as the endpoint looks at them too.
        (await api.GraphQL("{ department(id: \"340101-PO\") { nope } }", token: token)).Code.ShouldBe("VALIDATION");
        builder.Parses.ShouldBe(2);
        (await api.GraphQL("{ department(id: \"340101-PO\") { id ", token: token)).Code.ShouldBe("VALIDATION");
        builder.Parses.ShouldBe(3);

        // A mutation over GET is refused on the same parse.
        var get = await api.Alba.Scenario(s =>
        {
            s.Get.Url($"{GraphApiSetup.Path}?query={Uri.EscapeDataString("mutation { acceptPetition(input: {commandId: \"a\", petitionId: \"b\"}) { petition { id } } }")}");
            s.StatusCodeShouldBe(405);
        });
        builder.Parses.ShouldBe(4);
    }
}
