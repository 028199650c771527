namespace CaseEngine.Domain.Petitions;

/// <summary>A command on an existing petition.</summary>
public interface IPetitionCommand
{
    Guid PetitionId { get; }
}

/// <summary>A command whose decision also looks at a second petition (the original of a duplicate).</summary>
public interface IRefersToAnotherPetition
{
    Guid OtherPetitionId { get; }
}
