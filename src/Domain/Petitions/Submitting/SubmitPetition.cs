using CaseEngine.Domain.Directory;

namespace CaseEngine.Domain.Petitions.Submitting;

/// <summary>登记: a petition enters at the petition office of the region the petitioner chose.</summary>
public sealed record SubmitPetition(
    Channel Channel, string EntryRegionCode, PetitionCategory Category, string Subject, string Content,
    PetitionerDetails Petitioner, DateTimeOffset? ReceivedAt = null) : ConfidentialRecord, ICaseCommand;

/// <summary>What the workflow allocates for a new petition before deciding: its stream id and case number.</summary>
public sealed record Allocation(Guid PetitionId, string CaseNumber);

public static class Submission
{
    /// <summary>Letters and visits may be registered up to a year after they arrived.</summary>
    public static readonly TimeSpan MaxLateRegistration = TimeSpan.FromDays(366);

    /// <summary>
    /// Checks the submission before a case number is spent on it and returns the entry office.
    /// Anonymous callers and PETITIONER tokens submit on online channels; staff of a petition
    /// office register letters and visits for their own region.
    /// </summary>
    public static Department Validate(SubmitPetition c, DecisionContext ctx)
    {
        var region = DepartmentDirectory.NormalizeRegionCode(c.EntryRegionCode) is { } code ? ctx.Directory.FindRegion(code) : null;
        if (region is null)
            throw RuleViolation.Validation("the entry region is not in the directory");
        var office = ctx.Directory.PetitionOfficeOf(region.Code)
            ?? throw RuleViolation.Validation("the entry region has no petition office");
        Input.Text(c.Subject, "subject", Input.SubjectMax);
        Input.Text(c.Content, "content", Input.ContentMax);
        Input.Petitioner(c.Petitioner);

        var online = c.Channel.IsOnline();
        if (c.ReceivedAt is { } received)
        {
            if (online)
                throw RuleViolation.Validation("receivedAt is only for letters and visits registered later");
            if (received > ctx.Now)
                throw RuleViolation.Validation("receivedAt must not be in the future");
            if (received < ctx.Now - MaxLateRegistration)
                throw RuleViolation.Validation("receivedAt must be at most one year back");
        }

        switch (ctx.Actor.Role)
        {
            case Role.Admin:
                break;
            case Role.Petitioner when online:
                break;
            case Role.Petitioner when ctx.Anonymous:
                throw new RuleViolation(RuleCode.Unauthenticated, "letters and visits are registered by petition office staff");
            case Role.Officer or Role.Supervisor when !online:
                if (ctx.Actor.DepartmentId != office.Id)
                    throw RuleViolation.Forbidden("staff register letters and visits only for their own office's region");
                break;
            default:
                throw RuleViolation.Forbidden(online
                    ? "online channels are for petitioners"
                    : "letters and visits are registered by petition office staff");
        }
        return office;
    }

    public static IPetitionEvent[] Decide(SubmitPetition c, Allocation allocation, DecisionContext ctx)
    {
        var office = Validate(c, ctx);
        var receivedAt = c.ReceivedAt ?? ctx.Now;
        var submitter = ctx.Actor.Role == Role.Petitioner && !ctx.Anonymous ? ctx.Actor.Id : null;
        return
        [
            new PetitionSubmitted(
                allocation.PetitionId, allocation.CaseNumber, c.Channel, c.Category, office.RegionCode,
                Input.Text(c.Subject, "subject", Input.SubjectMax), Input.Text(c.Content, "content", Input.ContentMax),
                Input.Petitioner(c.Petitioner), submitter, receivedAt,
                ctx.Clock.Start(Stage.Routing, receivedAt),
                office.Id, ctx.RegionPathOf(office.Id), ctx.Actor, ctx.Now),
        ];
    }
}
