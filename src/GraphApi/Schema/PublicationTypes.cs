using System.Globalization;
using CaseEngine.Domain;
using CaseEngine.Domain.Publications;
using CaseEngine.GraphApi.Publications;
using CaseEngine.GraphApi.Reading;
using CaseEngine.Workflow.Publications;
using GraphQL;
using GraphQL.Types;

namespace CaseEngine.GraphApi.Schema;

/// <summary>A page of publications, newest first.</summary>
public sealed record PublicationPage(int TotalCount, IReadOnlyList<Publication> Items, string? EndCursor, bool HasNextPage);

public sealed record PublicationInput
{
    public string Scope { get; init; } = "";
    public PublicationKind Kind { get; init; }
    public string Title { get; init; } = "";
    public string Body { get; init; } = "";
    public string? Source { get; init; }
    public int? ExpectedVersion { get; init; }
}

public sealed class PublicationInputType : ContractInput<PublicationInput>
{
    public PublicationInputType() : base("PublicationInput", "A publication's new text (a new publication, or the next version of one).")
    {
        Required<IdGraphType>("scope", "000000 for a national text, else the province code (340000) whose citizens see it; it never changes");
        Required<PublicationKindEnum>("kind");
        Required<StringGraphType>("title", $"1..{Publication.MaxTitleLength} characters");
        Required<StringGraphType>("body", $"Markdown, 1..{Publication.MaxBodyLength} characters; raw HTML in it is shown as text");
        Optional<StringGraphType>("source", "where the text comes from (e.g. the official source of a law), shown with it");
        Optional<IntGraphType>("expectedVersion", "for a new version: the version read (CONCURRENCY_CONFLICT when another was written since)");
    }
}

/// <summary>
/// Query.publications and Query.publication (anyone, no token needed), Mutation.publishPublication and
/// Mutation.withdrawPublication (ADMIN, <see cref="PublicationRules"/>): texts for citizens (issue 21).
/// </summary>
public static class PublicationFields
{
    public static void AddTo(QueryType query)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Field<NonNullGraphType<PublicationPageType>, PublicationPage>("publications")
            .Description("Notices, policy, law, news and help texts, newest first: a province's and the nation's (no province: the "
                + "nation's). Anyone may read the published ones; ADMIN may ask for withdrawn ones too. An extension of the contract.")
            .Argument<IdGraphType>("province", "a province code (340000) or any region code of it")
            .Argument<PublicationKindEnum>("kind")
            .Argument<BooleanGraphType>("includeWithdrawn", a => a.DefaultValue = false)
            .Argument<IntGraphType>("first", a => a.DefaultValue = 20)
            .Argument<StringGraphType>("after", "the endCursor of the page before")
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                var first = Paging.First(c.GetArgument<int?>("first"));
                var province = c.GetArgument<string?>("province") is { } named
                    ? CaseEngine.Domain.Directory.Provinces.Of(named) ?? throw RuleViolation.Validation("province must be a region code")
                    : null;
                (long Ticks, Guid Id)? after = c.GetArgument<string?>("after") is { } text ? Cursor.Parse(text) : null;
                var all = await c.Service<PublicationStore>().ListAsync(caller.Actor, province, c.GetArgument<PublicationKind?>("kind"),
                    c.GetArgument<bool>("includeWithdrawn"), c.CancellationToken);
                var rest = after is { } a ? all.SkipWhile(p => !Cursor.IsAfter(p, a)).ToList() : [.. all];
                var page = rest.Take(first).ToList();
                return new PublicationPage(all.Count, page, page.Count > 0 ? Cursor.Of(page[^1]) : null, rest.Count > page.Count);
            });
        query.Field<PublicationType, Publication>("publication")
            .Description("One publication; null when there is none (or it is withdrawn and the caller is not ADMIN). An extension of the contract.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c =>
            {
                var id = InputReading.ParseId(c.GetArgument<string>("id"), "id");
                return await c.Service<PublicationStore>().FindAsync(c.Caller().Actor, id, c.CancellationToken);
            });
    }

    public static void AddTo(MutationType mutation)
    {
        ArgumentNullException.ThrowIfNull(mutation);
        mutation.Field<NonNullGraphType<PublicationType>, Publication>("publishPublication")
            .Description("ADMIN: publishes a new text (no id) or the next version of one (its id; the versions before are kept). "
                + "A withdrawn publication given a new version is published again. An extension of the contract.")
            .Argument<IdGraphType>("id")
            .Argument<NonNullGraphType<PublicationInputType>>("input")
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                // The right to write before the input is read: a refused caller learns nothing about its input.
                PublicationRules.EnsureMayWrite(caller.Actor, caller.Anonymous);
                var id = c.GetArgument<string?>("id") is { } text ? InputReading.ParseId(text, "id") : (Guid?)null;
                var input = c.GetArgument<PublicationInput>("input");
                var draft = new PublicationDraft(input.Scope, input.Kind, input.Title, input.Body, input.Source, input.ExpectedVersion);
                return await c.Service<PublicationStore>().WriteAsync(caller.Actor, caller.Anonymous, id, draft, c.CancellationToken);
            });
        mutation.Field<NonNullGraphType<PublicationType>, Publication>("withdrawPublication")
            .Description("ADMIN: withdraws a publication (kept, with its versions; shown to ADMIN only). An extension of the contract.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                PublicationRules.EnsureMayWrite(caller.Actor, caller.Anonymous);
                var id = InputReading.ParseId(c.GetArgument<string>("id"), "id");
                return await c.Service<PublicationStore>().WithdrawAsync(caller.Actor, caller.Anonymous, id, c.CancellationToken);
            });
    }

    /// <summary>The list's key (first published, then id, both descending) as an opaque cursor.</summary>
    private static class Cursor
    {
        public static string Of(Publication p) =>
            Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(
                $"{p.PublishedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{p.Id:N}"));

        public static (long Ticks, Guid Id) Parse(string text)
        {
            try
            {
                var parts = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(text)).Split(':');
                if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                    && Guid.TryParseExact(parts[1], "N", out var id))
                    return (ticks, id);
            }
            catch (FormatException)
            {
                // Not base64: refused below like any other malformed cursor.
            }
            throw RuleViolation.Validation("after is not a cursor of this list");
        }

        /// <summary>True when <paramref name="p"/> comes after the cursor in the list's order.</summary>
        public static bool IsAfter(Publication p, (long Ticks, Guid Id) cursor) =>
            p.PublishedAt.UtcTicks < cursor.Ticks || (p.PublishedAt.UtcTicks == cursor.Ticks && p.Id.CompareTo(cursor.Id) < 0);
    }
}

public sealed class PublicationKindEnum : EnumerationGraphType<PublicationKind>
{
    public PublicationKindEnum() => Name = "PublicationKind";
}

public sealed class PublicationStatusEnum : EnumerationGraphType<PublicationStatus>
{
    public PublicationStatusEnum() => Name = "PublicationStatus";
}

public sealed class PublicationPageType : ObjectGraphType<PublicationPage>
{
    public PublicationPageType()
    {
        Name = "PublicationPage";
        Field<NonNullGraphType<IntGraphType>, int>("totalCount").Resolve(c => c.Source.TotalCount);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PublicationType>>>, IReadOnlyList<Publication>>("items").Resolve(c => c.Source.Items);
        Field<StringGraphType, string?>("endCursor").Resolve(c => c.Source.EndCursor);
        Field<NonNullGraphType<BooleanGraphType>, bool>("hasNextPage").Resolve(c => c.Source.HasNextPage);
    }
}

public sealed class PublicationType : ObjectGraphType<Publication>
{
    public PublicationType()
    {
        Name = "Publication";
        Description = "A text for citizens; its newest version is shown, the ones before are kept.";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(c => c.Source.Id.ToString());
        Field<NonNullGraphType<IdGraphType>, string>("scope").Description("000000 (national) or a province code").Resolve(c => c.Source.Scope);
        Field<NonNullGraphType<PublicationKindEnum>, PublicationKind>("kind").Resolve(c => c.Source.Kind);
        Field<NonNullGraphType<PublicationStatusEnum>, PublicationStatus>("status").Resolve(c => c.Source.Status);
        Field<NonNullGraphType<IntGraphType>, int>("version").Resolve(c => c.Source.Version);
        Field<NonNullGraphType<StringGraphType>, string>("title").Resolve(c => c.Source.Current.Title);
        Field<NonNullGraphType<StringGraphType>, string>("body").Description("Markdown, as written").Resolve(c => c.Source.Current.Body);
        Field<NonNullGraphType<StringGraphType>, string>("bodyHtml")
            .Description("the body as HTML cleaned by an allow-list (no script, style, image or event attribute; links http, https and mailto only)")
            .Resolve(c => PublicationHtml.ToSafeHtml(c.Source.Current.Body));
        Field<StringGraphType, string?>("source").Resolve(c => c.Source.Current.Source);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("publishedAt").Description("when the first version was published").Resolve(c => c.Source.PublishedAt);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("updatedAt").Resolve(c => c.Source.UpdatedAt);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PublicationVersionType>>>, IReadOnlyList<PublicationVersion>>("versions")
            .Description("every version, oldest first").Resolve(c => c.Source.Versions);
    }
}

public sealed class PublicationVersionType : ObjectGraphType<PublicationVersion>
{
    public PublicationVersionType()
    {
        Name = "PublicationVersion";
        Field<NonNullGraphType<IntGraphType>, int>("number").Resolve(c => c.Source.Number);
        Field<NonNullGraphType<StringGraphType>, string>("title").Resolve(c => c.Source.Title);
        Field<NonNullGraphType<StringGraphType>, string>("body").Resolve(c => c.Source.Body);
        Field<StringGraphType, string?>("source").Resolve(c => c.Source.Source);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("writtenAt").Resolve(c => c.Source.WrittenAt);
    }
}
