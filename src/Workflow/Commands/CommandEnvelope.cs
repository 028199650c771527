using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;

namespace CaseEngine.Workflow.Commands;

/// <summary>
/// The one message every command travels in, a submission or a command on an existing petition:
/// its meta (id, caller, expected version, access code) and the domain command. Wolverine routes
/// by message type and needs no type per command, so one envelope and one handler
/// (<see cref="CommandHandler"/>) serve them all; <see cref="Name"/> tells them apart in traces,
/// metrics, logs and dead letters.
/// </summary>
public sealed record CommandEnvelope(CommandMeta Meta, ICaseCommand Command) : ConfidentialRecord
{
    /// <summary>The tag (activity tag, metrics tag, envelope header) that names the command.</summary>
    public const string Tag = "caseengine.command";

    /// <summary>The contract's mutation name (forwardPetition): part of the command's identity, and its tag.</summary>
    public string Name => NameOf(Command.GetType());

    /// <summary>The petition the command acts on; null for a submission (it has none yet).</summary>
    public Guid? PetitionId => (Command as IPetitionCommand)?.PetitionId;

    /// <summary>A command type's name in the contract: its type name in camelCase (ForwardPetition → forwardPetition).</summary>
    public static string NameOf(Type commandType)
    {
        ArgumentNullException.ThrowIfNull(commandType);
        return JsonNamingPolicy.CamelCase.ConvertName(commandType.Name);
    }
}
