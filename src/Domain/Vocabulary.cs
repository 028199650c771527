namespace CaseEngine.Domain;

// The words of the contract (../shared/contract/schema.graphql), as the domain uses them.

public enum Level { National, Province, City, County, Township }

/// <summary>Where the petition came in. LETTER and VISIT are registered by staff; the rest are online.</summary>
public enum Channel { Letter, Visit, Website, Wechat, MobileApp, Hotline, LeaderMailbox }

public enum PetitionCategory { ComplaintRequest, Suggestion, ReportAccusation, LegalProcedure }

public enum DepartmentKind { PetitionOffice, HandlingAgency }

public enum PetitionStatus
{
    Registered, Forwarded, InHandling, Declined, Replied, UnderReview, Reviewed,
    UnderReReview, Closed, Terminated, Withdrawn, Merged,
}

public enum Stage
{
    Routing, Acceptance, Handling, ReviewWindow, Review, ReReviewWindow, ReReview,
    SupervisionResponse, Evaluation, None,
}

public enum ForwardMode { Transfer, Assign }

public enum LegalRoute { Litigation, Arbitration, AdministrativeReconsideration, DisciplineInspection, Other }

public enum ReplyDecision { Supported, PartiallySupported, NotSupported, Explained }

public enum ReviewOutcome { Upheld, Amended, Revoked }

public enum Satisfaction { Satisfied, BasicallySatisfied, Dissatisfied }

public enum Role { Petitioner, Officer, Supervisor, Auditor, Integrator, Admin, System }

public static class ChannelRules
{
    /// <summary>Letters and visits are registered by staff; every other channel is "online" for the online share.</summary>
    public static bool IsOnline(this Channel channel) => channel is not (Channel.Letter or Channel.Visit);
}

public static class StageRules
{
    /// <summary>Main-line stages at which a staff department must act (not the petitioner's windows): an inbox item.</summary>
    public static bool IsStaffStage(this Stage stage) =>
        stage is Stage.Routing or Stage.Acceptance or Stage.Handling or Stage.Review or Stage.ReReview;
}

public static class StatusRules
{
    public static bool IsFinal(this PetitionStatus status) =>
        status is PetitionStatus.Declined or PetitionStatus.Closed or PetitionStatus.Terminated
            or PetitionStatus.Withdrawn or PetitionStatus.Merged;
}

/// <summary>Who did it: the caller for commands, the petitioner for access-code acts, SYSTEM for what the engine does itself.</summary>
public sealed record Actor(string Id, Role Role, string? DepartmentId)
{
    public static Actor System(string? departmentId = null) => new("system", Role.System, departmentId);
    public static Actor AnonymousPetitioner { get; } = new("petitioner", Role.Petitioner, null);
}
