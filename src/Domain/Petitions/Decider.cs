using CaseEngine.Domain.Petitions.Deadlines;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.Linking;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Domain.Petitions.Supervising;

namespace CaseEngine.Domain.Petitions;

/// <summary>
/// The state machine of domain.md in one place: every command on an existing petition and the
/// decision that rules on it. A decision returns the events to append, or throws a coded
/// <see cref="RuleViolation"/>; it never touches storage or the wall clock.
/// </summary>
public static class Decider
{
    /// <param name="other">the second petition a command refers to (the original of a duplicate link)</param>
    public static IPetitionEvent[] Decide(IPetitionCommand command, Petition state, DecisionContext ctx, Petition? other = null)
    {
        // The contract checks UNAUTHENTICATED ("no token where one is needed") before VALIDATION, and without a
        // token only the petitioner's access-code acts exist: a staff act is refused before its input is read.
        if (ctx.Anonymous && !Jurisdiction.IsPetitionerAct(command))
            throw new RuleViolation(RuleCode.Unauthenticated, "this act needs a token");
        // Then the read right, before the command's input: a caller who may not read the petition gets
        // NOT_FOUND whatever it sends, so a VALIDATION answer never tells an existing petition from none.
        Jurisdiction.EnsureReadable(state, ctx, petitionerAct: Jurisdiction.IsPetitionerAct(command));
        // A handed-over petition only mirrors its linked copy, which decides (issue 20).
        LinkingDecisions.EnsureDecidedHere(command, state);
        return command switch
        {
            ForwardPetition c => RoutingDecisions.Decide(c, state, ctx),
            TransferLevel c => RoutingDecisions.Decide(c, state, ctx),
            DeclinePetition c => RoutingDecisions.Decide(c, state, ctx),
            ReturnPetition c => RoutingDecisions.Decide(c, state, ctx),
            ReclassifyPetition c => RoutingDecisions.Decide(c, state, ctx),
            AcceptPetition c => HandlingDecisions.Decide(c, state, ctx),
            AssignOfficer c => HandlingDecisions.Decide(c, state, ctx),
            ExtendDeadline c => HandlingDecisions.Decide(c, state, ctx),
            StartHearing c => HandlingDecisions.Decide(c, state, ctx),
            ConcludeHearing c => HandlingDecisions.Decide(c, state, ctx),
            IssueReply c => HandlingDecisions.Decide(c, state, ctx),
            SupervisePetition c => SupervisionDecisions.Decide(c, state, ctx),
            RespondToSupervision c => SupervisionDecisions.Decide(c, state, ctx),
            RequestReview c => ReviewDecisions.Decide(c, state, ctx),
            DecideReview c => ReviewDecisions.Decide(c, state, ctx),
            RequestReReview c => ReviewDecisions.Decide(c, state, ctx),
            DecideReReview c => ReviewDecisions.Decide(c, state, ctx),
            EvaluatePetition c => PetitionerDecisions.Decide(c, state, ctx),
            WithdrawPetition c => PetitionerDecisions.Decide(c, state, ctx),
            LinkDuplicate c => DuplicateDecisions.Decide(c, state, other, ctx),
            DismissSuspectedDuplicate c => DuplicateDecisions.Decide(c, state, ctx),
            FlagSuspectedDuplicates c => DuplicateDecisions.Decide(c, state, ctx),
            MarkDeadlineMissed c => DeadlineDecisions.Decide(c, state, ctx),
            CloseLapsedWindow c => DeadlineDecisions.Decide(c, state, ctx),
            RecalculateDeadlines c => DeadlineDecisions.Decide(c, state, ctx),
            ReportLinkedProgress c => LinkingDecisions.Decide(c, state, ctx),
            ReceiveHandedOverPetition c => LinkingDecisions.Decide(c, state, ctx),
            _ => throw new InvalidOperationException($"no decision for command {command.GetType().Name}"),
        };
    }
}
