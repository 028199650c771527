namespace CaseEngine.Domain;

/// <summary>The coded failures of the contract, in the order the API checks them.</summary>
public enum RuleCode
{
    Unauthenticated, Validation, QueryTooComplex, NotFound, Forbidden, ConcurrencyConflict,
    InvalidTransition, DeadlinePassed, RateLimited, Internal,
}

/// <summary>
/// A command refused by a rule. The message names the rule and never carries personal data,
/// because it travels to clients and into logs.
/// </summary>
public sealed class RuleViolation(RuleCode code, string message) : Exception(message)
{
    public RuleCode Code { get; } = code;

    /// <summary>The contract's wire form, e.g. INVALID_TRANSITION.</summary>
    public string WireCode => ToWire(Code);

    public static string ToWire(RuleCode code) => code switch
    {
        RuleCode.Unauthenticated => "UNAUTHENTICATED",
        RuleCode.Validation => "VALIDATION",
        RuleCode.QueryTooComplex => "QUERY_TOO_COMPLEX",
        RuleCode.NotFound => "NOT_FOUND",
        RuleCode.Forbidden => "FORBIDDEN",
        RuleCode.ConcurrencyConflict => "CONCURRENCY_CONFLICT",
        RuleCode.InvalidTransition => "INVALID_TRANSITION",
        RuleCode.DeadlinePassed => "DEADLINE_PASSED",
        RuleCode.RateLimited => "RATE_LIMITED",
        _ => "INTERNAL",
    };

    public static RuleViolation Validation(string message) => new(RuleCode.Validation, message);
    public static RuleViolation NotFound(string message) => new(RuleCode.NotFound, message);
    public static RuleViolation Forbidden(string message) => new(RuleCode.Forbidden, message);
    public static RuleViolation InvalidTransition(string message) => new(RuleCode.InvalidTransition, message);
    public static RuleViolation DeadlinePassed(string message) => new(RuleCode.DeadlinePassed, message);
    public static RuleViolation Concurrency(string message) => new(RuleCode.ConcurrencyConflict, message);

    /// <summary>
    /// The petition was handed over to another database and its linked copy decides: the workflow sends the
    /// act there (<see cref="DecidingPetitionId"/>); a caller that still sees this gets INVALID_TRANSITION.
    /// </summary>
    public static RuleViolation DecidedElsewhere(Guid decidingPetitionId) =>
        new(RuleCode.InvalidTransition, "this petition is handled in the province it was handed over to") { DecidingPetitionId = decidingPetitionId };

    /// <summary>The linked petition that decides this act (issue 20), when the petition acted on only mirrors it.</summary>
    public Guid? DecidingPetitionId { get; init; }
}
