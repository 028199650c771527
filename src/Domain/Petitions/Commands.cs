namespace CaseEngine.Domain.Petitions;

/// <summary>
/// Anything a caller or the engine asks of the workflow: a submission or a command on an existing
/// petition. Every one travels in the same envelope through the same pipeline; its name on the
/// bus and in the contract is its type name in camelCase (ForwardPetition → forwardPetition).
/// </summary>
public interface ICaseCommand;

/// <summary>A command on an existing petition.</summary>
public interface IPetitionCommand : ICaseCommand
{
    Guid PetitionId { get; }
}

/// <summary>
/// A command only the engine sends (a missed deadline, a lapsed window, a recount, a suspected
/// duplicate): it has no GraphQL field, and its decision refuses every caller but SYSTEM.
/// </summary>
public interface IEngineCommand : IPetitionCommand;

/// <summary>A command whose decision also looks at a second petition (the original of a duplicate).</summary>
public interface IRefersToAnotherPetition
{
    Guid OtherPetitionId { get; }
}
