using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.Reading;
using CaseEngine.Projections.Inbox;
using GraphQL;
using GraphQLParser.AST;
using Marten;

namespace CaseEngine.GraphApi.Schema;

/// <summary>
/// The petitions of one inbox page, shared by every edge of the page: either read with the page
/// (the query selects petition fields the row does not carry), or loaded on first need, once for
/// the whole page (one <c>LoadMany</c> for every id of the page, whichever edge asks first).
/// </summary>
public sealed class InboxPagePetitions
{
    private readonly Lazy<Task<IReadOnlyDictionary<Guid, PetitionNode>>> _petitions;

    private InboxPagePetitions(Lazy<Task<IReadOnlyDictionary<Guid, PetitionNode>>> petitions, bool readWithPage)
    {
        _petitions = petitions;
        ReadWithPage = readWithPage;
    }

    /// <summary>The documents came with the page: every edge resolves its petition from them, as before rows carried fields.</summary>
    public bool ReadWithPage { get; }

    public static InboxPagePetitions Read(IReadOnlyDictionary<Guid, PetitionNode> readable) =>
        new(new Lazy<Task<IReadOnlyDictionary<Guid, PetitionNode>>>(Task.FromResult(readable)), readWithPage: true);

    /// <summary>Loads the page's petitions when an edge first needs one (a row written before rows kept the status, or a selection the look-ahead missed).</summary>
    public static InboxPagePetitions OnDemand(IResolveFieldContext c, IReadOnlyCollection<Guid> ids)
    {
        // Taken now: the field's context is not the edges' to keep.
        var services = c.RequestServices ?? throw new InvalidOperationException("no request services");
        var caller = c.Caller();
        var ct = c.CancellationToken;
        return new(new Lazy<Task<IReadOnlyDictionary<Guid, PetitionNode>>>(
            () => LoadAsync(services, caller, ids, ct), LazyThreadSafetyMode.ExecutionAndPublication), readWithPage: false);
    }

    public Task<IReadOnlyDictionary<Guid, PetitionNode>> GetAsync() => _petitions.Value;

    private static async Task<IReadOnlyDictionary<Guid, PetitionNode>> LoadAsync(
        IServiceProvider services, Caller caller, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        var reader = (PetitionReader)services.GetService(typeof(PetitionReader))!;
        var petitions = await reader.LoadManyAsync(ids, ct);
        return petitions.Select(p => reader.Node(p, caller)).OfType<PetitionNode>().ToDictionary(n => n.State.Id);
    }
}

/// <summary>
/// The petition fields an inbox row carries, and the petition node made from a row when a
/// selection asks for nothing else.
/// </summary>
public static class InboxRowPetition
{
    /// <summary>Petition fields resolved from the row: none depends on the caller's lens (no masking, no access log).</summary>
    public static readonly IReadOnlySet<string> Fields =
        new HashSet<string>(StringComparer.Ordinal) { "id", "caseNumber", "subject", "category", "status", "__typename" };

    /// <summary>The row was written with the petition's status and departments (not by a version before them).</summary>
    public static bool Carries(InboxItem row) => row.Status is not null && row.Departments is not null;

    /// <summary>
    /// The read right, asked of the row's departments: what <see cref="Jurisdiction.CanRead"/> asks of
    /// an OFFICER or SUPERVISOR (ADMIN and AUDITOR read everything; no one else reaches a work queue).
    /// </summary>
    public static bool Readable(InboxItem row, Caller caller, DepartmentDirectory directory) =>
        row.Departments is { } departments
        && Jurisdiction.CanRead(new Petition { Id = row.PetitionId, Departments = [.. departments] }, caller.Actor, directory,
            caller.Anonymous, accessCodeVerified: false);

    /// <summary>Does this selection of a petition (GraphQL.NET's merged sub-fields at that field) ask only for row fields?</summary>
    public static bool Covers(IResolveFieldContext petitionField) =>
        petitionField.SubFields is not { } fields || fields.Values.All(f => Fields.Contains(f.FieldType.Name));

    /// <summary>
    /// A petition holding only what the row carries. Only the fields in <see cref="Fields"/> are ever
    /// resolved from it (<see cref="Covers"/> is asked first), and they read nothing of the lens:
    /// the lens is the narrowest one so that nothing could be shown through it were that to change.
    /// </summary>
    public static PetitionNode Node(InboxItem row, PetitionStatus status) =>
        new(new Petition
        {
            Id = row.PetitionId, CaseNumber = row.CaseNumber, Subject = row.Subject, Category = row.Category, Status = status,
        }, new PetitionLens(PersonalDataView.Hidden, OwnView: false));

    /// <summary>
    /// Look-ahead at the inbox field: does any selection of <c>edges.node.petition</c> (through
    /// fragments, and ignoring @skip/@include, so that the answer errs towards reading documents)
    /// ask for a field the row does not carry? Then the page reads its documents in its own round trip.
    /// </summary>
    public static bool PageNeedsDocuments(IResolveFieldContext inboxField)
    {
        var fragments = inboxField.Document.Definitions.OfType<GraphQLFragmentDefinition>()
            .GroupBy(f => (string)f.FragmentName.Name.Value).ToDictionary(g => g.Key, g => g.First());
        foreach (var edges in Named(inboxField.FieldAst.SelectionSet, "edges", fragments))
        foreach (var node in Named(edges.SelectionSet, "node", fragments))
        foreach (var petition in Named(node.SelectionSet, "petition", fragments))
        {
            if (Selected(petition.SelectionSet, fragments).Any(f => !Fields.Contains((string)f.Name.Value)))
                return true;
        }
        return false;
    }

    private static IEnumerable<GraphQLField> Named(GraphQLSelectionSet? set, string name, Dictionary<string, GraphQLFragmentDefinition> fragments) =>
        Selected(set, fragments).Where(f => f.Name.Value.Span.SequenceEqual(name));

    /// <summary>The fields of a selection set, fragments expanded (validation has already refused cycles; the depth bound is a guard).</summary>
    private static IEnumerable<GraphQLField> Selected(GraphQLSelectionSet? set, Dictionary<string, GraphQLFragmentDefinition> fragments, int depth = 0)
    {
        if (set is null || depth > 32)
            yield break;
        foreach (var selection in set.Selections)
        {
            var inner = selection switch
            {
                GraphQLInlineFragment inline => inline.SelectionSet,
                GraphQLFragmentSpread spread when fragments.TryGetValue((string)spread.FragmentName.Name.Value, out var f) => f.SelectionSet,
                _ => null,
            };
            if (selection is GraphQLField field)
                yield return field;
            else
                foreach (var f in Selected(inner, fragments, depth + 1))
                    yield return f;
        }
    }
}
