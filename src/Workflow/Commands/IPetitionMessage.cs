using CaseEngine.Domain.Petitions;

namespace CaseEngine.Workflow.Commands;

/// <summary>A command on the bus: its meta (id, caller, expected version) and the domain command.</summary>
public interface IPetitionMessage
{
    CommandMeta Meta { get; }
    IPetitionCommand Body { get; }
    /// <summary>The contract's mutation name: part of the command's identity.</summary>
    string Name { get; }
}
