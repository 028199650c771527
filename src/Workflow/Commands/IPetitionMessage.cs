using System.Text.Json;
using CaseEngine.Domain;
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

/// <summary>
/// The envelope every petition command travels in. Wolverine needs one concrete message type per
/// handler, so each command has a one-line subtype; the mutation name is the command's type name
/// in camelCase (ForwardPetition → forwardPetition), which is how the contract names them.
/// </summary>
public abstract record PetitionMessage<TCommand>(CommandMeta Meta, TCommand Command) : ConfidentialRecord, IPetitionMessage
    where TCommand : IPetitionCommand
{
    private static readonly string MutationName = JsonNamingPolicy.CamelCase.ConvertName(typeof(TCommand).Name);

    public IPetitionCommand Body => Command;
    public string Name => MutationName;
}
