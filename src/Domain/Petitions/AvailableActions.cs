using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Domain.Petitions.Supervising;

namespace CaseEngine.Domain.Petitions;

/// <summary>
/// The acts a caller may take on a petition right now (issue 21: the workbench shows these as buttons):
/// each is asked of the <see cref="Decider"/> itself with a valid input of its kind, so an act is offered
/// exactly when the state machine, the caller's jurisdiction and the clocks allow it, and no rule is
/// written twice. Nothing is appended: a decision is a pure function.
/// </summary>
/// <remarks>
/// An input the act needs is chosen as the workbench would offer it: forward to a handling agency of
/// the office's region (or, when it has none, of a region right below), move to the petition office of
/// the region above (or below), reclassify to another category, answer an open supervision, dismiss a
/// suspected duplicate. <c>linkDuplicate</c> is never listed: whether it is allowed depends on the
/// other petition the officer picks. The engine's own commands are not acts of a caller.
/// </remarks>
public static class AvailableActions
{
    /// <summary>The command types the caller of <paramref name="ctx"/> may send on <paramref name="state"/> now, in the state machine's order.</summary>
    public static IReadOnlyList<Type> For(Petition state, DecisionContext ctx)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(ctx);
        return [.. Probes(state, ctx).Where(g => g.Commands.Any(c => Allows(c, state, ctx))).Select(g => g.Type)];
    }

    /// <summary>True when the decider takes <paramref name="command"/> (any coded refusal is a no).</summary>
    private static bool Allows(IPetitionCommand command, Petition state, DecisionContext ctx)
    {
        try
        {
            Decider.Decide(command, state, ctx);
            return true;
        }
        catch (RuleViolation)
        {
            return false;
        }
    }

    private static IEnumerable<(Type Type, IEnumerable<IPetitionCommand> Commands)> Probes(Petition s, DecisionContext ctx)
    {
        const string Why = "—";
        var id = s.Id;
        var office = ctx.Directory.FindDepartment(s.CurrentDepartmentId);
        yield return (typeof(ForwardPetition), AgenciesFor(office, ctx.Directory).Select(a => (IPetitionCommand)new ForwardPetition(id, a.Id, ForwardMode.Transfer)));
        yield return (typeof(TransferLevel), OfficesAround(office, ctx.Directory).Select(o => (IPetitionCommand)new TransferLevel(id, o.Id, Why)));
        yield return (typeof(DeclinePetition), [new DeclinePetition(id, Why, LegalRoute.Litigation)]);
        yield return (typeof(ReturnPetition), [new ReturnPetition(id, Why)]);
        yield return (typeof(ReclassifyPetition),
            Enum.GetValues<PetitionCategory>().Where(c => c != s.Category).Take(1).Select(c => (IPetitionCommand)new ReclassifyPetition(id, c, Why)));
        yield return (typeof(AcceptPetition), [new AcceptPetition(id)]);
        yield return (typeof(AssignOfficer), [new AssignOfficer(id, ctx.Actor.Id)]);
        yield return (typeof(ExtendDeadline), [new ExtendDeadline(id, 1, Why)]);
        yield return (typeof(StartHearing), [new StartHearing(id, Why)]);
        yield return (typeof(ConcludeHearing), [new ConcludeHearing(id, Why)]);
        yield return (typeof(IssueReply), [new IssueReply(id, ReplyDecision.Explained, Why)]);
        yield return (typeof(SupervisePetition), [new SupervisePetition(id, Why, ctx.Now.AddDays(10))]);
        yield return (typeof(RespondToSupervision), s.Supervisions.Where(v => v.IsOpen).Select(v => (IPetitionCommand)new RespondToSupervision(id, v.Id, Why)));
        yield return (typeof(RequestReview), [new RequestReview(id, Why)]);
        yield return (typeof(DecideReview), [new DecideReview(id, ReviewOutcome.Upheld, Why)]);
        yield return (typeof(RequestReReview), [new RequestReReview(id, Why)]);
        yield return (typeof(DecideReReview), [new DecideReReview(id, ReviewOutcome.Upheld, Why)]);
        yield return (typeof(EvaluatePetition), [new EvaluatePetition(id, Satisfaction.Satisfied)]);
        yield return (typeof(WithdrawPetition), [new WithdrawPetition(id)]);
        yield return (typeof(DismissSuspectedDuplicate),
            s.SuspectedDuplicates.Take(1).Select(d => (IPetitionCommand)new DismissSuspectedDuplicate(id, d.CandidatePetitionId)));
    }

    /// <summary>Handling agencies of the office's region, else of the regions right below it.</summary>
    private static IEnumerable<Department> AgenciesFor(Department? office, DepartmentDirectory directory)
    {
        if (office is null)
            return [];
        var own = directory.DepartmentsOf(office.RegionCode).Where(d => d.Kind == DepartmentKind.HandlingAgency).Take(1).ToList();
        return own.Count > 0
            ? own
            : directory.ChildrenOf(office.RegionCode).SelectMany(r => directory.DepartmentsOf(r.Code))
                .Where(d => d.Kind == DepartmentKind.HandlingAgency).Take(1);
    }

    /// <summary>The petition offices of the region above and of the first region below.</summary>
    private static IEnumerable<Department> OfficesAround(Department? office, DepartmentDirectory directory)
    {
        if (office is null)
            yield break;
        var path = directory.RegionPath(office.RegionCode);
        if (path.Count >= 2 && directory.PetitionOfficeOf(path[^2]) is { } above)
            yield return above;
        if (directory.ChildrenOf(office.RegionCode).Select(r => directory.PetitionOfficeOf(r.Code)).FirstOrDefault(o => o is not null) is { } below)
            yield return below;
    }
}
