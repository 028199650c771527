using System.Security.Cryptography;
using System.Text;
using CaseEngine.Domain.Calendar;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Deadlines;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Rules;
using CaseEngine.Workflow.Tenancy;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace CaseEngine.Workflow.Deadlines;

/// <summary>
/// Loads a newer business calendar (a year's holidays published) and recounts every open
/// provisional deadline with a DeadlineRecalculated event: history is never rewritten, and the
/// timers follow the new due moments in the same transaction.
/// </summary>
public sealed class CalendarReload(RuleBook rules, IDocumentStore store, ProvinceDatabases provinces, CommandServices services, IServiceScopeFactory scopes)
{
    /// <summary>Returns the number of petitions whose deadlines were recounted.</summary>
    public async Task<int> LoadAsync(BusinessCalendar calendar, CancellationToken ct = default)
    {
        rules.Replace(calendar);
        var affected = new List<Guid>();
        foreach (var province in await provinces.AllAsync())
        {
            await using var session = store.QuerySession(province);
            affected.AddRange(await session.Query<Petition>()
                .Where(p => p.Clock!.Due.Provisional || p.ReturnWindow!.Provisional || p.EvaluationWindow!.Provisional
                    || p.Supervisions.Any(s => s.Due.Provisional))
                .Select(p => p.Id)
                .ToListAsync(ct));
        }
        await using var scope = scopes.CreateAsyncScope();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        var recounted = 0;
        foreach (var id in affected)
        {
            // One command id per petition and calendar version: reloading the same data twice appends once.
            var commandId = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes($"recount:{calendar.Version}:{id}")).AsSpan(0, 16));
            var result = await bus.InvokeCommandAsync(provinces, services,
                new CommandEnvelope(CommandMeta.System(commandId), new RecalculateDeadlines(id)), ct);
            if (result.Events.Count > 0)
                recounted++;
        }
        return recounted;
    }
}
