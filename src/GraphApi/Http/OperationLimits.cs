using GraphQL.Validation;
using GraphQLParser.AST;

namespace CaseEngine.GraphApi.Http;

/// <summary>The contract's limits: how deep (fragments expanded; __schema and __type not counted) and how many field selections (aliases included).</summary>
public sealed class OperationLimitsOptions
{
    public int MaxDepth { get; set; } = 15;
    public int MaxFieldSelections { get; set; } = 300;

    /// <summary>Operations in one JSON array body; more is QUERY_TOO_COMPLEX (400).</summary>
    public int MaxBatchSize { get; set; } = 10;

    /// <summary>An operation still running after this is stopped (INTERNAL error naming the limit).</summary>
    public double OperationTimeoutSeconds { get; set; } = 30;
}

/// <summary>QUERY_TOO_COMPLEX for the executed operation when it breaks <see cref="OperationLimitsOptions"/>.</summary>
public sealed class OperationTooComplexError(string message) : ValidationError(message);

/// <summary>
/// Counts exactly what the contract states, which GraphQL.NET's complexity analyzer does not
/// (its depth includes introspection and its impact multiplies lists).
/// </summary>
public sealed class OperationLimitsRule(OperationLimitsOptions options) : ValidationRuleBase
{
    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) =>
        new(new MatchingNodeVisitor<GraphQLOperationDefinition>((operation, ctx) =>
        {
            if (ctx.Operation != operation)
                return;
            var fragments = ctx.Document.Definitions.OfType<GraphQLFragmentDefinition>()
                .GroupBy(f => (string)f.FragmentName.Name.Value).ToDictionary(g => g.Key, g => g.First());
            var walk = new Walk(fragments, options);
            walk.Visit(operation.SelectionSet, 0, []);
            if (walk.MaxDepth > options.MaxDepth)
                ctx.ReportError(new OperationTooComplexError($"the operation is {walk.MaxDepth} levels deep; at most {options.MaxDepth} are allowed"));
            else if (walk.Fields > options.MaxFieldSelections)
                ctx.ReportError(new OperationTooComplexError($"the operation selects more than {options.MaxFieldSelections} fields"));
        }));

    private sealed class Walk(Dictionary<string, GraphQLFragmentDefinition> fragments, OperationLimitsOptions options)
    {
        public int Fields { get; private set; }
        public int MaxDepth { get; private set; }

        public void Visit(GraphQLSelectionSet? set, int depth, HashSet<string> spreading)
        {
            if (set is null || Fields > options.MaxFieldSelections || MaxDepth > options.MaxDepth)
                return;
            foreach (var selection in set.Selections)
            {
                switch (selection)
                {
                    case GraphQLField field:
                        var name = (string)field.Name.Value;
                        if (name is "__schema" or "__type")
                            continue;
                        Fields++;
                        MaxDepth = Math.Max(MaxDepth, depth + 1);
                        Visit(field.SelectionSet, depth + 1, spreading);
                        break;
                    case GraphQLInlineFragment inline:
                        Visit(inline.SelectionSet, depth, spreading);
                        break;
                    case GraphQLFragmentSpread spread:
                        var fragmentName = (string)spread.FragmentName.Name.Value;
                        // A cycle is the validation rules' to report; here it just stops.
                        if (fragments.TryGetValue(fragmentName, out var fragment) && spreading.Add(fragmentName))
                        {
                            Visit(fragment.SelectionSet, depth, spreading);
                            spreading.Remove(fragmentName);
                        }
                        break;
                }
            }
        }
    }
}
