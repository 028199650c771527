using GraphQL;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser;
using GraphQLParser.AST;

namespace CaseEngine.GraphApi.Http;

/// <summary>
/// Configuration section <c>GraphQL:Limits</c>: what one document and the operation run from it may
/// cost. The document caps are counted by the lexer before the parser and the validators run (their
/// work grows with every token and every error); the operation caps on the operation actually run,
/// on every request, cached document or not.
/// </summary>
public sealed class OperationLimitsOptions
{
    public const string Section = "GraphQL:Limits";

    /// <summary>Request bodies above this are refused with 413 before parsing (contract: 1 MiB).</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Levels (fragments expanded; __schema and __type not counted).</summary>
    public int MaxDepth { get; set; } = 15;

    /// <summary>Field selections, aliases included, fragments expanded.</summary>
    public int MaxFieldSelections { get; set; } = 300;

    /// <summary>
    /// The operation's cost: one per field selection, plus for every paged field (one with <c>first</c>
    /// or <c>last</c>, its default counted when absent) the items it asks for, times the items of the
    /// pages around it. The rate limit charges the same cost.
    /// </summary>
    public int MaxCost { get; set; } = 1_000;

    /// <summary>Fields that check an access code (<c>trackPetition</c>, a petitioner's act with <c>accessCode</c>) in one operation.</summary>
    public int MaxAccessCodeChecks { get; set; } = 1;

    /// <summary>Characters of the query text.</summary>
    public int MaxQueryLength { get; set; } = 64 * 1024;

    /// <summary>Lexical tokens of the query text (punctuation, names, values, comments).</summary>
    public int MaxTokens { get; set; } = 10_000;

    /// <summary>Directives (<c>@…</c>) in the query text.</summary>
    public int MaxDirectives { get; set; } = 50;

    /// <summary>Errors returned for one operation; the rest are summed up in one last error.</summary>
    public int MaxErrors { get; set; } = 20;

    /// <summary>Operations in one JSON array body; more is QUERY_TOO_COMPLEX (400).</summary>
    public int MaxBatchSize { get; set; } = 10;

    /// <summary>An operation still parsing, validating or running after this is stopped (INTERNAL error naming the limit).</summary>
    public double OperationTimeoutSeconds { get; set; } = 30;

    /// <summary>How long a mutation's command may take before the request fails (the first one compiles Wolverine's handlers).</summary>
    public double CommandTimeoutSeconds { get; set; } = 30;

    /// <summary>The one line naming a setting that cannot work, or null.</summary>
    public string? Invalid() =>
        MaxBodyBytes < 1024 ? $"{Section}:MaxBodyBytes must be at least 1024"
        : MaxDepth < 1 ? $"{Section}:MaxDepth must be at least 1"
        : MaxFieldSelections < 1 ? $"{Section}:MaxFieldSelections must be at least 1"
        : MaxCost < 1 ? $"{Section}:MaxCost must be at least 1"
        : MaxAccessCodeChecks < 0 ? $"{Section}:MaxAccessCodeChecks must not be negative"
        : MaxQueryLength < 1 ? $"{Section}:MaxQueryLength must be at least 1"
        : MaxTokens < 1 ? $"{Section}:MaxTokens must be at least 1"
        : MaxDirectives < 0 ? $"{Section}:MaxDirectives must not be negative"
        : MaxErrors < 1 ? $"{Section}:MaxErrors must be at least 1"
        : MaxBatchSize < 1 ? $"{Section}:MaxBatchSize must be at least 1"
        : OperationTimeoutSeconds <= 0 ? $"{Section}:OperationTimeoutSeconds must be above 0"
        : CommandTimeoutSeconds <= 0 ? $"{Section}:CommandTimeoutSeconds must be above 0"
        : null;
}

/// <summary>QUERY_TOO_COMPLEX for the executed operation when it breaks <see cref="OperationLimitsOptions"/>.</summary>
public sealed class OperationTooComplexError(string message) : ValidationError(message);

/// <summary>RATE_LIMITED: the caller's budget does not cover this operation's cost (429 with Retry-After over HTTP).</summary>
public sealed class RateLimitedError(TimeSpan retryAfter, string message) : ValidationError(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>What the limits measured of one operation.</summary>
public readonly record struct OperationCost(int Fields, int Depth, long Cost, int AccessCodeChecks);

/// <summary>
/// Charges an operation's cost to the caller's budget; null when granted, else how long to wait.
/// The transport puts one in the request context under <see cref="OperationLimitsRule.ChargeKey"/>.
/// </summary>
public delegate TimeSpan? CostCharge(OperationCost cost);

/// <summary>What the lexer found in a query text: the cap it exceeds (null when none), and whether it names an access code.</summary>
/// <param name="NamesAccessCode">the name <c>accessCode</c> or <c>trackPetition</c> anywhere in the text (an argument, an input field, any operation or fragment)</param>
public readonly record struct DocumentScan(string? Exceeded, bool NamesAccessCode);

/// <summary>The document caps, counted with the lexer alone: linear, before any parsing or validation work.</summary>
public static class DocumentBudget
{
    /// <summary>One pass of the lexer: the caps (the text itself is never quoted) and the names the transports look for.</summary>
    public static DocumentScan Scan(string query, OperationLimitsOptions limits)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(limits);
        if (query.Length > limits.MaxQueryLength)
            return new($"the document has {query.Length} characters; at most {limits.MaxQueryLength} are allowed", false);
        var tokens = 0;
        var directives = 0;
        var position = 0;
        var namesAccessCode = false;
        try
        {
            while (true)
            {
                var token = Lexer.Lex(query, position);
                if (token.Kind == TokenKind.EOF)
                    return new(null, namesAccessCode);
                if (++tokens > limits.MaxTokens)
                    return new($"the document has more than {limits.MaxTokens} tokens", namesAccessCode);
                if (token.Kind == TokenKind.AT && ++directives > limits.MaxDirectives)
                    return new($"the document has more than {limits.MaxDirectives} directives", namesAccessCode);
                if (token.Kind == TokenKind.NAME && token.Value.Span is "accessCode" or "trackPetition")
                    namesAccessCode = true;
                position = token.End;
            }
        }
        catch (GraphQLParser.Exceptions.GraphQLSyntaxErrorException)
        {
            // The parser reports the syntax error (it stops at the first one); what was lexed so far counts.
            return new(null, namesAccessCode);
        }
    }
}

/// <summary>
/// Measures the operation that will run, as the contract states (GraphQL.NET's complexity analyzer
/// counts depth with introspection and multiplies lists), and refuses it when over a limit. It runs on
/// every request, also when the document comes from <see cref="ValidatedDocumentCache"/>, because the
/// cost depends on the operation chosen and on the variables (page sizes). When the request context
/// carries a <see cref="CostCharge"/>, the cost is charged to the caller's rate limit here, before
/// anything is resolved.
/// </summary>
public sealed class OperationLimitsRule(OperationLimitsOptions options) : ValidationRuleBase
{
    /// <summary>The key of the <see cref="CostCharge"/> in the request context (GraphRequest).</summary>
    public const string ChargeKey = "caseengine.cost-charge";

    /// <summary>The key under which the measured <see cref="OperationCost"/> is left in the request context.</summary>
    public const string CostKey = "caseengine.cost";

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) =>
        new(new MatchingNodeVisitor<GraphQLOperationDefinition>((operation, ctx) =>
        {
            if (ctx.Operation != operation)
                return;
            var fragments = ctx.Document.Definitions.OfType<GraphQLFragmentDefinition>()
                .GroupBy(f => (string)f.FragmentName.Name.Value).ToDictionary(g => g.Key, g => g.First());
            IGraphType? root = operation.Operation switch
            {
                OperationType.Mutation => ctx.Schema.Mutation,
                OperationType.Subscription => ctx.Schema.Subscription,
                _ => ctx.Schema.Query,
            };
            var walk = new Walk(fragments, options, ctx.Schema, ctx.Variables);
            walk.Visit(operation.SelectionSet, root, 0, 1, []);
            var cost = new OperationCost(walk.Fields, walk.MaxDepth, walk.Cost, walk.AccessCodeChecks);
            var dictionary = ctx.UserContext;
            dictionary[CostKey] = cost;
            if (walk.MaxDepth > options.MaxDepth)
                ctx.ReportError(new OperationTooComplexError($"the operation is {walk.MaxDepth} levels deep; at most {options.MaxDepth} are allowed"));
            else if (walk.Fields > options.MaxFieldSelections)
                ctx.ReportError(new OperationTooComplexError($"the operation selects more than {options.MaxFieldSelections} fields"));
            else if (walk.Cost > options.MaxCost)
                ctx.ReportError(new OperationTooComplexError($"the operation costs {walk.Cost} (fields and the items of its pages); at most {options.MaxCost} is allowed"));
            else if (walk.AccessCodeChecks > options.MaxAccessCodeChecks)
                ctx.ReportError(new OperationTooComplexError(
                    $"the operation checks {walk.AccessCodeChecks} access codes; at most {options.MaxAccessCodeChecks} per operation"));
            else if (dictionary.TryGetValue(ChargeKey, out var charge) && charge is CostCharge chargeCost && chargeCost(cost) is { } retryAfter)
                ctx.ReportError(new RateLimitedError(retryAfter,
                    $"this caller's rate limit does not cover this operation now: retry after {Math.Ceiling(retryAfter.TotalSeconds):0} s"));
        }));

    /// <summary>
    /// Page sizes beyond this are counted as this: every paged field takes 1..100 and refuses more
    /// with VALIDATION (the contract's code for it), which the cost must not pre-empt.
    /// </summary>
    private const long MaxCountedPage = 100;

    private sealed class Walk(Dictionary<string, GraphQLFragmentDefinition> fragments, OperationLimitsOptions options, ISchema schema, Inputs variables)
    {
        public int Fields { get; private set; }
        public int MaxDepth { get; private set; }
        public long Cost { get; private set; }
        public int AccessCodeChecks { get; private set; }

        private bool Over => Fields > options.MaxFieldSelections || MaxDepth > options.MaxDepth || Cost > options.MaxCost;

        public void Visit(GraphQLSelectionSet? set, IGraphType? parent, int depth, long items, HashSet<string> spreading)
        {
            if (set is null || Over)
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
                        var definition = (parent?.GetNamedType() as IComplexGraphType)?.GetField(name);
                        // Each field once (the limits cap them); each page its items, times the items of the pages around it.
                        Cost++;
                        if (ChecksAccessCode(field))
                            AccessCodeChecks++;
                        var page = PageSize(field, definition);
                        var inner = page is { } n ? Math.Min(items * n, MaxCountedPage * MaxCountedPage) : items;
                        if (page is not null)
                            Cost += inner;
                        Visit(field.SelectionSet, definition?.ResolvedType, depth + 1, inner, spreading);
                        break;
                    case GraphQLInlineFragment inline:
                        Visit(inline.SelectionSet, TypeOf(inline.TypeCondition) ?? parent, depth, items, spreading);
                        break;
                    case GraphQLFragmentSpread spread:
                        var fragmentName = (string)spread.FragmentName.Name.Value;
                        // A cycle is the validation rules' to report; here it just stops.
                        if (fragments.TryGetValue(fragmentName, out var fragment) && spreading.Add(fragmentName))
                        {
                            Visit(fragment.SelectionSet, TypeOf(fragment.TypeCondition) ?? parent, depth, items, spreading);
                            spreading.Remove(fragmentName);
                        }
                        break;
                }
            }
        }

        private IGraphType? TypeOf(GraphQLTypeCondition? condition) =>
            condition is null ? null : schema.AllTypes[(string)condition.Type.Name.Value];

        /// <summary>The items a paged field asks for: its <c>first</c> or <c>last</c>, literal, variable or default.</summary>
        private long? PageSize(GraphQLField field, FieldType? definition)
        {
            long? size = null;
            foreach (var argumentName in (string[])["first", "last"])
            {
                var argument = field.Arguments?.FirstOrDefault(a => a.Name.Value == argumentName);
                var value = argument is not null ? ValueOf(argument.Value) : definition?.Arguments?.Find(argumentName)?.DefaultValue;
                if (argument is null && definition?.Arguments?.Find(argumentName) is null)
                    continue;
                var n = AsCount(value) ?? 1;
                size = Math.Max(size ?? 0, Math.Clamp(n, 0, MaxCountedPage));
            }
            return size;
        }

        private object? ValueOf(GraphQLValue value) => value switch
        {
            GraphQLIntValue i => long.TryParse(i.Value.Span, out var n) ? n : MaxCountedPage,
            GraphQLVariable v => variables.TryGetValue((string)v.Name.Value, out var x) ? x : null,
            _ => null,
        };

        private static long? AsCount(object? value) => value switch
        {
            int i => i,
            long l => l,
            short s => s,
            byte b => b,
            uint u => u,
            ulong u => u > MaxCountedPage ? MaxCountedPage : (long)u,
            decimal d => d > MaxCountedPage ? MaxCountedPage : (long)d,
            double d => d > MaxCountedPage ? MaxCountedPage : (long)d,
            System.Numerics.BigInteger b => b > MaxCountedPage ? MaxCountedPage : (long)b,
            _ => null,
        };

        /// <summary>
        /// An access-code check: an <c>accessCode</c> argument (trackPetition), or an input object, literal
        /// or variable, that carries a non-null <c>accessCode</c> (a petitioner's act).
        /// </summary>
        private bool ChecksAccessCode(GraphQLField field)
        {
            if (field.Arguments is null)
                return false;
            foreach (var argument in field.Arguments.Items)
            {
                if (argument.Name.Value == "accessCode" && argument.Value is not GraphQLNullValue)
                    return true;
                if (CarriesAccessCode(argument.Value))
                    return true;
            }
            return false;
        }

        private bool CarriesAccessCode(GraphQLValue value) => value switch
        {
            GraphQLObjectValue o => o.Fields?.Any(f => (f.Name.Value == "accessCode" && f.Value is not GraphQLNullValue) || CarriesAccessCode(f.Value)) == true,
            GraphQLListValue l => l.Values?.Any(CarriesAccessCode) == true,
            GraphQLVariable v => variables.TryGetValue((string)v.Name.Value, out var x) && Carries(x),
            _ => false,
        };

        private static bool Carries(object? value) => value switch
        {
            IDictionary<string, object?> d => d.Any(p => (p.Key == "accessCode" && p.Value is not null) || Carries(p.Value)),
            IReadOnlyDictionary<string, object?> d => d.Any(p => (p.Key == "accessCode" && p.Value is not null) || Carries(p.Value)),
            IEnumerable<object?> l when value is not string => l.Any(Carries),
            _ => false,
        };
    }
}

/// <summary>
/// Checks the operation's time limit while the validators walk the document: the timeout covers
/// validation, not only the resolvers (a walk is stopped within one node of the limit).
/// </summary>
public sealed class TimeLimitRule : ValidationRuleBase
{
    public static readonly TimeLimitRule Instance = new();

    private static readonly INodeVisitor Visitor = new Checker();

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) => new(Visitor);

    private sealed class Checker : INodeVisitor
    {
        public ValueTask EnterAsync(ASTNode node, ValidationContext context)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            return default;
        }

        public ValueTask LeaveAsync(ASTNode node, ValidationContext context) => default;
    }
}
