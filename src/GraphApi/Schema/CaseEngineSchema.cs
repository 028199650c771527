using GraphQL;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Schema;

/// <summary>The served schema: a compatible superset of ../shared/contract/schema.graphql, exported to schema/schema.graphql.</summary>
public sealed class CaseEngineSchema : GraphQL.Types.Schema
{
    public CaseEngineSchema(IServiceProvider services) : base(services)
    {
        Query = services.GetRequiredService<QueryType>();
        Mutation = services.GetRequiredService<MutationType>();
        Subscription = services.GetRequiredService<SubscriptionType>();
    }

    /// <summary>The schema in SDL, as exported to schema/schema.graphql.</summary>
    public static string Print(ISchema schema) =>
        schema.Print(new GraphQL.Utilities.PrintOptions { IncludeDescriptions = true, StringComparison = null })
            .ReplaceLineEndings("\n").TrimEnd() + "\n";
}
