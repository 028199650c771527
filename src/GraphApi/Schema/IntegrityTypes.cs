using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.Reading;
using CaseEngine.Workflow.Integrity;
using GraphQL;
using GraphQL.Types;
using CaseEngine.Workflow.Tenancy;
using Marten;

namespace CaseEngine.GraphApi.Schema;

/// <summary>
/// The tamper-evident log's queries (docs/operations.md, "Tamper-evident event log"): an auditor's check
/// of one petition's chain, and the day roots and inclusion proofs integrators keep and check.
/// Hashes are lowercase hex. An extension of the contract.
/// </summary>
public static class IntegrityQueries
{
    public static void AddTo(ObjectGraphType query)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Field<ChainVerificationType, ChainVerification>("verifyPetitionChain")
            .Description("AUDITOR and ADMIN: recomputes the petition's event chain from the stored events and names the first broken version; null when the database holds nothing of this id. An extension of the contract.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c =>
            {
                var id = InputReading.ParseId(c.GetArgument<string>("id"), "id");
                Jurisdiction.EnsureMayAudit(c.Caller().Actor, c.Caller().Anonymous, "verifies the event chain");
                return await c.Service<EventChain>().VerifyStreamAsync(id, c.CancellationToken);
            });

        query.Field<NonNullGraphType<DayRootType>, DayRoot>("eventDayRoot")
            .Description("INTEGRATOR, AUDITOR and ADMIN: the Merkle root of the events stored on this UTC day, from links recomputed now; keep the root of a complete day and compare it later. An extension of the contract.")
            .Argument<NonNullGraphType<DateScalar>>("date")
            .Argument<IdGraphType>("province", a => a.Description = "the province database whose log it is (each province's log has its own roots); the caller's by default")
            .ResolveAsync(async c =>
            {
                var date = c.GetArgument<DateOnly>("date");
                Jurisdiction.EnsureMayFollowRoots(c.Caller().Actor, c.Caller().Anonymous);
                return await c.Service<EventChain>().DayRootAsync(await CallerProvince.NamedOrCallersAsync(c), date, c.CancellationToken);
            });

        query.Field<InclusionProofType, InclusionProof>("eventInclusionProof")
            .Description("INTEGRATOR (events of its scope), AUDITOR and ADMIN: the proof that the event with this sequence is in its day's root; null for an event the caller may not follow or without a link. An extension of the contract.")
            .Argument<NonNullGraphType<LongScalar>>("sequence")
            .Argument<IdGraphType>("province", a => a.Description = "the province database whose log holds the sequence; the caller's by default")
            .ResolveAsync(async c =>
            {
                var sequence = c.GetArgument<long>("sequence");
                if (sequence < 1)
                    throw RuleViolation.Validation("sequence must be 1 or more");
                var caller = c.Caller();
                Jurisdiction.EnsureMayFollowRoots(caller.Actor, caller.Anonymous);
                var province = await CallerProvince.NamedOrCallersAsync(c);
                if (Jurisdiction.IsFeedScoped(caller.Actor) && !await InScopeAsync(c, caller, province, sequence))
                    return null;
                return await c.Service<EventChain>().ProofAsync(province, sequence, c.CancellationToken);
            });
    }


    /// <summary>The feed's own rule (<see cref="EventFeed.Selector"/>): an integrator proves only events it may follow.</summary>
    private static async Task<bool> InScopeAsync(IResolveFieldContext c, Caller caller, string province, long sequence)
    {
        await using var session = c.Service<IDocumentStore>().QuerySession(province);
        var e = await session.Events.QueryAllRawEvents().Where(x => x.Sequence == sequence).FirstOrDefaultAsync(c.CancellationToken);
        if (e is null)
            return false;
        var petition = await session.LoadAsync<Petition>(e.StreamId, c.CancellationToken);
        return c.Service<EventFeed>().Selector(new FeedQuery(sequence - 1, 1, null, null), caller)(e, petition) is not null;
    }
}

public sealed class ChainProblemEnum : EnumerationGraphType<ChainProblem>
{
    public ChainProblemEnum()
    {
        Name = "ChainProblem";
        Description = "ALTERED: the stored event no longer gives its link; UNCHAINED: an event without a link; MISSING_EVENT: a link without its event, or a version missing; TRUNCATED: the stream's head is past its last linked event; UNKNOWN_KEY: signed with a key id not configured.";
    }
}

public sealed class ChainVerificationType : ObjectGraphType<ChainVerification>
{
    public ChainVerificationType()
    {
        Name = "ChainVerification";
        Description = "One petition's event chain, recomputed with the server's key.";
        Field<NonNullGraphType<IdGraphType>, string>("petitionId").Resolve(c => c.Source.StreamId.ToString());
        Field<NonNullGraphType<BooleanGraphType>, bool>("intact").Resolve(c => c.Source.Intact);
        Field<IntGraphType, int?>("firstBrokenVersion").Resolve(c => c.Source.FirstBrokenVersion);
        Field<ChainProblemEnum, ChainProblem?>("problem").Resolve(c => c.Source.Problem);
        Field<NonNullGraphType<IntGraphType>, int>("checkedEvents").Resolve(c => c.Source.CheckedEvents);
    }
}

public sealed class DayRootType : ObjectGraphType<DayRoot>
{
    public DayRootType()
    {
        Name = "DayRoot";
        Description = "The Merkle root of one UTC day's events of this database (leaves in sequence order).";
        Field<NonNullGraphType<DateScalar>, DateOnly>("date").Resolve(c => c.Source.Date);
        Field<NonNullGraphType<StringGraphType>, string>("root").Resolve(c => EventChain.Hex(c.Source.Root));
        Field<NonNullGraphType<IntGraphType>, int>("eventCount").Resolve(c => c.Source.EventCount);
        Field<NonNullGraphType<BooleanGraphType>, bool>("complete")
            .Description("the day ended (UTC) more than 5 minutes ago: this root is final, keep it")
            .Resolve(c => c.Source.Complete);
    }
}

public sealed class ProofStepType : ObjectGraphType<ProofStep>
{
    public ProofStepType()
    {
        Name = "ProofStep";
        Description = "hash = SHA-256(0x01 ‖ left ‖ right), the sibling on the side given.";
        Field<NonNullGraphType<StringGraphType>, string>("sibling").Resolve(c => EventChain.Hex(c.Source.Sibling));
        Field<NonNullGraphType<BooleanGraphType>, bool>("siblingOnLeft").Resolve(c => c.Source.SiblingOnLeft);
    }
}

public sealed class InclusionProofType : ObjectGraphType<InclusionProof>
{
    public InclusionProofType()
    {
        Name = "InclusionProof";
        Description = "Climb from leaf through path to root; compare root with the day root you kept.";
        Field<NonNullGraphType<LongScalar>, long>("sequence").Resolve(c => c.Source.Sequence);
        Field<NonNullGraphType<IdGraphType>, string>("petitionId").Resolve(c => c.Source.StreamId.ToString());
        Field<NonNullGraphType<DateScalar>, DateOnly>("date").Resolve(c => c.Source.Date);
        Field<NonNullGraphType<StringGraphType>, string>("leaf")
            .Description("SHA-256(0x00 ‖ sequence as 8 bytes big-endian ‖ the event's link): a hash, nothing of the event")
            .Resolve(c => EventChain.Hex(c.Source.Leaf));
        Field<NonNullGraphType<IntGraphType>, int>("index").Resolve(c => c.Source.Index);
        Field<NonNullGraphType<IntGraphType>, int>("leafCount").Resolve(c => c.Source.LeafCount);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ProofStepType>>>, IReadOnlyList<ProofStep>>("path").Resolve(c => c.Source.Path);
        Field<NonNullGraphType<StringGraphType>, string>("root").Resolve(c => EventChain.Hex(c.Source.Root));
    }
}
