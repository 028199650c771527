using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Linking;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Workflow.Telemetry;
using CaseEngine.Workflow.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace CaseEngine.Workflow.Commands;

/// <summary>
/// Which province's database decides a command, from the command alone (issue 19, routing without
/// scans): a submission goes to its entry region's province, any other command to the province its
/// petition's id names (<see cref="Domain.Petitions.PetitionIds"/>). Every sender of a command — the API,
/// the durable queue of the engine's own commands, the calendar reload, duplicate detection — sends
/// through <see cref="InvokeCommandAsync(IMessageBus, ProvinceDatabases, CommandServices, CommandEnvelope, CancellationToken, TimeSpan?)"/>, so each command runs with its province's database and that
/// database's inbox and outbox (Wolverine's tenant id = the province code).
/// </summary>
public static class CommandRouting
{
    /// <summary>The province of <paramref name="command"/>; a refusal when it names none this deployment serves.</summary>
    /// <param name="claim">false when the caller claims submissions' command ids itself (the batch path, all in one statement)</param>
    public static async ValueTask<string> ProvinceOfAsync(CommandEnvelope command, ProvinceDatabases provinces, CommandServices services, bool claim = true)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(provinces);
        if (command.Command is SubmitPetition submit)
        {
            if (Provinces.Of(submit.EntryRegionCode) is { } province && await provinces.ServesAsync(province))
            {
                // Routed by its content, a submission's id is claimed for its province first: the same id sent to
                // another province (a retry whose region was changed) is refused, not a second petition.
                if (claim)
                {
                    // Bad input is refused before anything is written (the handler asks again): it claims nothing,
                    // so the corrected request may go anywhere with the same id.
                    PetitionCommands.Validate(submit, command.Meta, services);
                    await services.Claims.ClaimAsync(command.Meta.CommandId, province, CancellationToken.None);
                }
                return province;
            }
            // The submission's own checks first, so a bad submission is refused as it always was.
            PetitionCommands.Validate(submit, command.Meta, services);
            throw RuleViolation.Validation("entryRegionCode is in a province this deployment does not serve");
        }
        return command.PetitionId is { } id && await provinces.OfPetitionAsync(id) is { } held
            ? held
            : throw RuleViolation.NotFound("no petition with that id");
    }

    /// <summary>Runs <paramref name="command"/> in its province's database through the one handler (<see cref="CommandHandler"/>).</summary>
    public static async Task<CommandResult> InvokeCommandAsync(this IMessageBus bus, ProvinceDatabases provinces, CommandServices services,
        CommandEnvelope command, CancellationToken ct, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(services);
        string province;
        try
        {
            province = await ProvinceOfAsync(command, provinces, services);
        }
        catch (RuleViolation refused)
        {
            // Refused before the handler (no province serves it): counted as the handler counts its refusals.
            services.Metrics?.Command(command.Name, CaseEngineMetrics.OutcomeOf(refused));
            throw;
        }
        try
        {
            return await bus.InvokeForTenantAsync<CommandResult>(province, command, ct, timeout);
        }
        catch (RuleViolation moved) when (moved.DecidingPetitionId is { } copy && command.Command is IPetitionCommand acted)
        {
            // The petition was handed over to another database (issue 20): a petitioner's act is decided by the
            // linked copy, in its database, under the same command id (its record is kept there).
            var carried = command with { Command = LinkingDecisions.Retarget(acted, copy) };
            return await bus.InvokeCommandAsync(provinces, services, carried, ct, timeout);
        }
    }

    /// <summary>The same, with the routing's services taken from <paramref name="services"/>.</summary>
    public static Task<CommandResult> InvokeCommandAsync(this IMessageBus bus, IServiceProvider services, CommandEnvelope command,
        CancellationToken ct = default, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        return bus.InvokeCommandAsync(services.GetRequiredService<ProvinceDatabases>(), services.GetRequiredService<CommandServices>(), command, ct, timeout);
    }
}
