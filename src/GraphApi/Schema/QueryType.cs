using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.PersonalData;
using CaseEngine.GraphApi.Reading;
using CaseEngine.Projections.Inbox;
using CaseEngine.Projections.Overdue;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Projections.SituationAnalysis;
using CaseEngine.Projections.Statistics;
using CaseEngine.Workflow.Rules;
using GraphQL;
using GraphQL.Types;
using CaseEngine.Workflow.Tenancy;
using Marten;

namespace CaseEngine.GraphApi.Schema;

public sealed class QueryType : ObjectGraphType
{
    public const int MaxDepartments = 500;
    public const int MaxOwnPetitions = 100;

    public QueryType(RuleBook rules, TimeProvider time)
    {
        Name = "Query";

        Field<PetitionType, PetitionNode>("petition")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Service<PetitionReader>().ReadAsync(
                InputReading.ParseId(c.GetArgument<string>("id"), "id"), c.Caller(), c.CancellationToken));

        Field<PetitionType, PetitionNode>("trackPetition")
            .Description("for petitioners without an account: the case number and the access code returned at submission")
            .Argument<NonNullGraphType<StringGraphType>>("caseNumber")
            .Argument<NonNullGraphType<StringGraphType>>("accessCode")
            .ResolveAsync(async c => await c.Service<PetitionReader>().TrackAsync(
                c.GetArgument<string>("caseNumber"), c.GetArgument<string>("accessCode"), c.Caller(), c.CancellationToken));

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PetitionType>>>, IReadOnlyList<PetitionNode>>("myPetitions")
            .Description("PETITIONER: the petitions it submitted with its token in one province, newest first (at most `first`, 1-100). Petitions submitted anonymously are tracked with their access code instead. An extension of the contract.")
            .Argument<NonNullGraphType<IdGraphType>>("province", "a province code (340000) or any region code of it")
            .Argument<IntGraphType>("first", c => c.DefaultValue = 20)
            .ResolveAsync(async c =>
            {
                var province = CaseEngine.Domain.Directory.Provinces.Of(c.GetArgument<string>("province"))
                    ?? throw RuleViolation.Validation("province must be a region code");
                var first = c.GetArgument<int>("first");
                if (first is < 1 or > MaxOwnPetitions)
                    throw RuleViolation.Validation($"first must be between 1 and {MaxOwnPetitions}");
                return await c.Service<PetitionReader>().OwnAsync(province, first, c.Caller(), c.CancellationToken);
            });

        Field<PetitionType, PetitionNode>("petitionAsOf")
            .Description("The petition as it was after `version` events, or with the events that occurred at or before `at` — exactly one of the two (else VALIDATION); null before its first event. Its own fields, history included, are as of that point; masking follows the caller now.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Argument<IntGraphType>("version")
            .Argument<DateTimeScalar>("at")
            .ResolveAsync(async c =>
            {
                var version = c.GetArgument<int?>("version");
                var at = c.GetArgument<DateTimeOffset?>("at");
                if (version.HasValue == at.HasValue)
                    throw RuleViolation.Validation("petitionAsOf needs exactly one of version and at");
                if (version < 0)
                    throw RuleViolation.Validation("version must not be negative");
                var reader = c.Service<PetitionReader>();
                var now = await reader.ReadAsync(InputReading.ParseId(c.GetArgument<string>("id"), "id"), c.Caller(), c.CancellationToken);
                if (now is null)
                    return null;
                var state = await reader.AsOfAsync(now.State.Id, version, at, c.CancellationToken);
                return state is null ? null : new PetitionNode(state, now.Lens, state.Version);
            });

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PetitionEventType>>>, IEnumerable<EventNode>>("history")
            .Description("a slice of one petition's stream, both ends inclusive")
            .Argument<NonNullGraphType<IdGraphType>>("petitionId")
            .Argument<IntGraphType>("fromVersion")
            .Argument<IntGraphType>("toVersion")
            .ResolveAsync(async c =>
            {
                var from = c.GetArgument<int?>("fromVersion") ?? 1;
                var to = c.GetArgument<int?>("toVersion");
                if (from < 1 || to < 1 || to < from)
                    throw RuleViolation.Validation("fromVersion and toVersion must be 1 or more, fromVersion not above toVersion");
                var reader = c.Service<PetitionReader>();
                var node = await reader.RequireAsync(InputReading.ParseId(c.GetArgument<string>("petitionId"), "petitionId"), c.Caller(), c.CancellationToken);
                var events = await reader.HistoryAsync(node.State.Id, from, to, c.CancellationToken);
                return PetitionEventType.Visible(events, node.Lens);
            });

        Field<NonNullGraphType<InboxConnectionType>, Connection<InboxItemNode>>("inbox")
            .Argument<NonNullGraphType<IdGraphType>>("departmentId")
            .Argument<InboxFilterInputType>("filter")
            .Argument<InboxOrderEnum>("orderBy", a => a.DefaultValue = InboxOrder.DueAtAsc)
            .Argument<IntGraphType>("first", a => a.DefaultValue = 50)
            .Argument<StringGraphType>("after")
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                var first = 0;
                var (department, _) = Jurisdiction.EnsureWorkQueue(caller.Actor, caller.Anonymous, c.GetArgument<string>("departmentId"), rules.Directory, "inbox",
                    validate: () => first = Paging.First(c.GetArgument<int?>("first")));
                var filter = c.GetArgument<InboxFilterInput?>("filter") is { } f
                    ? new InboxFilter(f.Stages, f.OverdueOnly ?? false, f.AssignedOfficerId, f.Category, f.Text)
                    : null;
                // One query session per field: sibling fields resolve in parallel and a Marten session is not thread-safe.
                // A department's queue is in its province's database (the national office's: its own, issue 20).
                await using var session = c.Service<IDocumentStore>().QuerySession(await c.Service<ProvinceDatabases>().ForDepartmentAsync(department.RegionCode));
                var order = c.GetArgument("orderBy", InboxOrder.DueAtAsc);
                var after = c.GetArgument<string?>("after");
                if (InboxRowPetition.PageNeedsDocuments(c))
                {
                    // The query selects petition fields the row does not carry: the documents come in the page's round trip.
                    var (page, read) = await InboxQueries.PageWithPetitionsAsync(session, department.Id, filter,
                        order, first, after, time.GetUtcNow(), c.CancellationToken, c.Service<CursorKey>());
                    var petitions = await Readable(c, page.Edges.Select(e => e.Node.PetitionId), read);
                    var shared = InboxPagePetitions.Read(petitions);
                    return new Connection<InboxItemNode>(
                        [.. page.Edges.Where(e => petitions.ContainsKey(e.Node.PetitionId)).Select(e => (e.Cursor, new InboxItemNode(e.Node, shared)))],
                        page.HasNextPage, page.TotalCount);
                }
                // Rows alone. Each row's read right is asked of the petition's departments the row carries.
                // It holds for every row the projection writes: EnsureWorkQueue let the caller read department
                // D's queue (ADMIN/AUDITOR, an OFFICER of D, a SUPERVISOR over D), and a row of D's inbox has D
                // among its petition's departments (WorkItems; they only grow, so a row behind its petition's
                // document holds too), which is what Jurisdiction.CanRead asks of an OFFICER (its department
                // among them) and a SUPERVISOR (one of them in its subtree). The check drops a row the events
                // do not explain, as the documents' check did. Rows written before the inbox carried the
                // departments are checked against the page's documents, read once for the page.
                var rows = await InboxQueries.PageAsync(session, department.Id, filter,
                    order, first, after, time.GetUtcNow(), c.CancellationToken, c.Service<CursorKey>());
                var onDemand = InboxPagePetitions.OnDemand(c, [.. rows.Edges.Select(e => e.Node.PetitionId).Distinct()]);
                var documents = rows.Edges.All(e => InboxRowPetition.Carries(e.Node)) ? null : await onDemand.GetAsync();
                return new Connection<InboxItemNode>(
                    [.. rows.Edges.Where(e => InboxRowPetition.Carries(e.Node)
                            ? InboxRowPetition.Readable(e.Node, caller, rules.Directory)
                            : documents!.ContainsKey(e.Node.PetitionId))
                        .Select(e => (e.Cursor, new InboxItemNode(e.Node, onDemand)))],
                    rows.HasNextPage, rows.TotalCount);
            });

        Field<NonNullGraphType<OverdueConnectionType>, Connection<OverdueItemNode>>("overdue")
            .Argument<NonNullGraphType<IdGraphType>>("departmentId")
            .Argument<BooleanGraphType>("includeSubordinates", a => a.DefaultValue = true)
            .Argument<IntGraphType>("first", a => a.DefaultValue = 50)
            .Argument<StringGraphType>("after")
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                var first = 0;
                var (department, rollUp) = Jurisdiction.EnsureWorkQueue(caller.Actor, caller.Anonymous, c.GetArgument<string>("departmentId"), rules.Directory, "overdue list",
                    c.GetArgument("includeSubordinates", true), () => first = Paging.First(c.GetArgument<int?>("first")));
                // Its own list is in its database; a roll-up over its subtree reads every database the subtree spans
                // (the nation: the national office's and every province's, merged on the list's key, issue 20).
                var scope = DepartmentScope.Of(rules.Directory, department.Id);
                var provinces = c.Service<ProvinceDatabases>();
                IReadOnlyList<string> databases = scope.RollsUp(rollUp)
                    ? await provinces.SpannedByAsync(department.RegionCode)
                    : [await provinces.ForDepartmentAsync(department.RegionCode)];
                var page = await OverdueQueries.PageAsync(c.Service<IDocumentStore>(), databases, scope,
                    rollUp, first, c.GetArgument<string?>("after"), time.GetUtcNow(), c.CancellationToken, c.Service<CursorKey>());
                var petitions = await Readable(c, page.Edges.Select(e => e.Node.PetitionId));
                return new Connection<OverdueItemNode>(
                    [.. page.Edges.Where(e => petitions.ContainsKey(e.Node.PetitionId)).Select(e => (e.Cursor, new OverdueItemNode(e.Node, petitions[e.Node.PetitionId])))],
                    page.HasNextPage, page.TotalCount);
            });

        Field<NonNullGraphType<StatisticsType>, StatisticsNode>("statistics")
            .Description("includeSubordinates rolls up the region subtree for a petition office and is ignored for a handling agency and for an OFFICER (its own department only)")
            .Argument<NonNullGraphType<IdGraphType>>("departmentId")
            .Argument<NonNullGraphType<DateScalar>>("from")
            .Argument<NonNullGraphType<DateScalar>>("to")
            .Argument<BooleanGraphType>("includeSubordinates", a => a.DefaultValue = true)
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                var from = c.GetArgument<DateOnly>("from");
                var to = c.GetArgument<DateOnly>("to");
                var (department, includeSubordinates) = Jurisdiction.EnsureWorkQueue(caller.Actor, caller.Anonymous, c.GetArgument<string>("departmentId"), rules.Directory, "statistics",
                    c.GetArgument("includeSubordinates", true), () =>
                    {
                        if (to < from)
                            throw RuleViolation.Validation("to must not be before from");
                    });
                // The department's own counters are in its database; a roll-up of its subtree reads every database the
                // subtree spans and adds them up (the nation: the national office's and every province's, issue 20).
                var scope = DepartmentScope.Of(rules.Directory, department.Id);
                var provinces = c.Service<ProvinceDatabases>();
                IReadOnlyList<string> databases = scope.RollsUp(includeSubordinates)
                    ? await provinces.SpannedByAsync(department.RegionCode)
                    : [await provinces.ForDepartmentAsync(department.RegionCode)];
                var report = await StatisticsQueries.GetAsync(c.Service<IDocumentStore>(), databases, scope,
                    from, to, includeSubordinates, c.CancellationToken);
                return new StatisticsNode(report, department);
            });

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PetitionEventType>>>, IEnumerable<EventNode>>("events")
            .Description("the global event feed after a sequence, oldest first, for integrators catching up")
            .Argument<LongScalar>("after", a => a.DefaultValue = 0L)
            .Argument<IntGraphType>("first", a => a.DefaultValue = 100)
            .Argument<IdGraphType>("petitionId")
            .Argument<IdGraphType>("departmentId")
            .Argument<ListGraphType<NonNullGraphType<IdGraphType>>>("regionCodes", a => a.Description = PetitionEventFilterInputType.RegionCodesDescription)
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                EventFeed.EnsureMayFollow(caller);
                var first = Paging.First(c.GetArgument<int?>("first"));
                var after = c.GetArgument<long?>("after") ?? 0;
                if (after < 0)
                    throw RuleViolation.Validation("after must not be negative");
                var petitionId = c.GetArgument<string?>("petitionId") is { } pid ? InputReading.ParseId(pid, "petitionId") : (Guid?)null;
                var departmentId = c.GetArgument<string?>("departmentId");
                if (departmentId is not null && rules.Directory.FindDepartment(departmentId) is null)
                    throw RuleViolation.Validation("departmentId is not in the directory");
                var feed = c.Service<EventFeed>();
                var query = new FeedQuery(after, first, petitionId, departmentId,
                    RegionCodes: FeedQuery.ReadRegionCodes(c.GetArgument<List<string>?>("regionCodes"), rules.Directory, "regionCodes"));
                // Sequences are those of one log: the petition's province's, the department's, or the caller's scope's (the national log for a national scope).
                return await feed.LogOfAsync(query, caller) is { } province
                    ? await feed.ReadAsync(province, query, caller, c.CancellationToken)
                    : [];
            });

        Field<DepartmentType, Department>("department")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Resolve(c => rules.Directory.FindDepartment(c.GetArgument<string>("id")));

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<DepartmentType>>>, IEnumerable<Department>>("departments")
            .Description("departments whose own region is regionCode (descendants excluded), or all of one level; one of the two is required; ordered by level, then id; more than 500 results is VALIDATION")
            .Argument<IdGraphType>("regionCode")
            .Argument<LevelEnum>("level")
            .Argument<DepartmentKindEnum>("kind")
            .Resolve(c => Departments(rules.Directory, c.GetArgument<string?>("regionCode"), c.GetArgument<Level?>("level"), c.GetArgument<DepartmentKind?>("kind")));

        Field<RegionType, Region>("region")
            .Argument<NonNullGraphType<IdGraphType>>("code")
            .Resolve(c =>
            {
                var code = c.GetArgument<string>("code");
                if (DepartmentDirectory.NormalizeRegionCode(code) is null)
                    throw RuleViolation.Validation("a region code has 2, 4, 6 or 9 digits");
                return rules.Directory.FindRegion(code);
            });

        Field<NonNullGraphType<SituationReportType>, SituationReport>("situationAnalysis")
            .Description("形势研判: the sub-regions, categories and subject keywords of a region rising most against their own last 4 periods. SUPERVISOR (its subtree), AUDITOR, ADMIN. An extension of the contract.")
            .Argument<NonNullGraphType<IdGraphType>>("regionCode")
            .Argument<NonNullGraphType<AnalysisPeriodEnum>>("period")
            .Argument<NonNullGraphType<DateScalar>>("date", a => a.Description = "any day of the period to analyse")
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                var region = c.GetArgument<string>("regionCode");
                Jurisdiction.EnsureMayAnalyse(caller.Anonymous ? null : caller.Actor, caller.Anonymous, rules.Directory, region);
                // A region's subtree is in its province's database; the nation's spans every database (issue 20).
                return await SituationAnalysisQueries.AnalyseAsync(c.Service<IDocumentStore>(), await c.Service<ProvinceDatabases>().SpannedByAsync(region),
                    rules.Directory, region, c.GetArgument<AnalysisPeriod>("period"), c.GetArgument<DateOnly>("date"), c.CancellationToken);
            });

        Field<NonNullGraphType<PersonalDataReadConnectionType>, Connection<PersonalDataRead>>("personalDataAccessLog")
            .Description("AUDITOR (and ADMIN): every clear-text read of a petitioner's personal data, oldest first. An extension of the contract.")
            .Argument<IdGraphType>("petitionId")
            .Argument<DateTimeScalar>("from")
            .Argument<DateTimeScalar>("to")
            .Argument<IntGraphType>("first", a => a.DefaultValue = 50)
            .Argument<StringGraphType>("after")
            .Argument<IdGraphType>("province", a => a.Description = "the province database whose log it is (a region code of the province; after is a cursor of that log); the caller's by default, required at the national level when several databases are served")
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                // UNAUTHENTICATED comes before VALIDATION, FORBIDDEN after it: the rule is asked on both sides of the argument checks.
                if (caller.Anonymous)
                    Jurisdiction.EnsureMayReadAccessLog(caller.Actor, caller.Anonymous);
                var first = Paging.First(c.GetArgument<int?>("first"));
                long after = 0;
                if (c.GetArgument<string?>("after") is { } cursor && !long.TryParse(cursor, out after))
                    throw RuleViolation.Validation("after is not a cursor of this list");
                var petitionId = c.GetArgument<string?>("petitionId") is { } pid ? InputReading.ParseId(pid, "petitionId") : (Guid?)null;
                Jurisdiction.EnsureMayReadAccessLog(caller.Actor, caller.Anonymous);
                // The reads of a petition are kept in its province's database; the whole log in the caller's.
                var province = petitionId is { } of ? await c.Service<ProvinceDatabases>().OfPetitionAsync(of) : await CallerProvince.NamedOrCallersAsync(c);
                if (province is null)
                    return new Connection<PersonalDataRead>([], false, 0);
                await using var session = c.Service<IDocumentStore>().QuerySession(province);
                IQueryable<PersonalDataRead> q = session.Query<PersonalDataRead>();
                if (petitionId is { } id)
                    q = q.Where(r => r.PetitionId == id);
                if (c.GetArgument<DateTimeOffset?>("from") is { } from)
                    q = q.Where(r => r.ReadAt >= from);
                if (c.GetArgument<DateTimeOffset?>("to") is { } to)
                    q = q.Where(r => r.ReadAt <= to);
                var total = await q.CountAsync(c.CancellationToken);
                var rows = await q.Where(r => r.Id > after).OrderBy(r => r.Id).Take(first + 1).ToListAsync(c.CancellationToken);
                return new Connection<PersonalDataRead>(
                    [.. rows.Take(first).Select(r => (r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), r))],
                    rows.Count > first, total);
            });

        // The tamper-evident log: verifyPetitionChain, eventDayRoot, eventInclusionProof.
        IntegrityQueries.AddTo(this);
        // What kept failing, for an ADMIN: deadLetters (replayDeadLetter on Mutation).
        DeadLetterFields.AddTo(this);
        // Texts for citizens (issue 21): publications and publication (publishPublication on Mutation).
        PublicationFields.AddTo(this);
    }

    public static IReadOnlyList<Department> Departments(DepartmentDirectory directory, string? regionCode, Level? level, DepartmentKind? kind)
    {
        if (regionCode is null && level is null)
            throw RuleViolation.Validation("departments needs regionCode or level");
        IEnumerable<Department> found;
        if (regionCode is not null)
        {
            var region = directory.FindRegion(regionCode) ?? throw RuleViolation.Validation("the region is not in the directory");
            found = directory.DepartmentsOf(region.Code).Where(d => level is null || d.Level == level);
        }
        else
        {
            found = directory.Departments.Where(d => d.Level == level);
        }
        if (kind is not null)
            found = found.Where(d => d.Kind == kind);
        var list = found.OrderBy(d => d.Level).ThenBy(d => d.Id, StringComparer.Ordinal).Take(MaxDepartments + 1).ToList();
        return list.Count > MaxDepartments
            ? throw RuleViolation.Validation($"more than {MaxDepartments} departments match: narrow the query with regionCode or kind")
            : list;
    }

    /// <summary>The rows' petitions the caller may read, keyed by id: a row whose petition it may not read is not shown.</summary>
    /// <param name="read">petitions the work queue already read with the page; the rest are loaded</param>
    private static async Task<Dictionary<Guid, PetitionNode>> Readable(IResolveFieldContext c, IEnumerable<Guid> ids,
        IReadOnlyDictionary<Guid, Petition>? read = null)
    {
        var distinct = ids.Distinct().ToArray();
        var petitions = distinct.Where(id => read is not null && read.ContainsKey(id)).Select(id => read![id]).ToList();
        var missing = distinct.Where(id => read is null || !read.ContainsKey(id)).ToArray();
        var reader = c.Service<PetitionReader>();
        if (missing.Length > 0)
            petitions.AddRange(await reader.LoadManyAsync(missing, c.CancellationToken));
        var caller = c.Caller();
        return petitions.Select(p => reader.Node(p, caller)).OfType<PetitionNode>().ToDictionary(n => n.State.Id);
    }
}

public static class Paging
{
    public static int First(int? first) =>
        first is >= 1 and <= 100 ? first.Value : throw RuleViolation.Validation("first must be 1..100");
}

public sealed class PersonalDataReadType : ObjectGraphType<PersonalDataRead>
{
    public PersonalDataReadType()
    {
        Name = "PersonalDataRead";
        Description = "One clear-text read of a petitioner's personal data (kept at least six months).";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(c => c.Source.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field<NonNullGraphType<IdGraphType>, string>("petitionId").Resolve(c => c.Source.PetitionId.ToString());
        Field<NonNullGraphType<ActorType>, Actor>("reader").Resolve(c => new Actor(c.Source.ReaderId, c.Source.ReaderRole, c.Source.ReaderDepartmentId));
        Field<NonNullGraphType<BooleanGraphType>, bool>("anonymous").Resolve(c => c.Source.Anonymous);
        Field<NonNullGraphType<StringGraphType>, string>("path")
            .Description("where the clear data was served: Petition.petitioner or PetitionEvent.data")
            .Resolve(c => c.Source.Path);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("readAt").Resolve(c => c.Source.ReadAt);
        Field<StringGraphType, string>("correlationId").Resolve(c => c.Source.CorrelationId);
    }
}

public sealed class PersonalDataReadEdgeType() : EdgeType<PersonalDataReadType, PersonalDataRead>("PersonalDataReadEdge");
public sealed class PersonalDataReadConnectionType() : ConnectionType<PersonalDataReadEdgeType, PersonalDataRead>("PersonalDataReadConnection");
