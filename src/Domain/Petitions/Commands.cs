namespace CaseEngine.Domain.Petitions;

/// <summary>A command on an existing petition.</summary>
public interface IPetitionCommand
{
    Guid PetitionId { get; }
}
