using System.Text.Json.Nodes;
using CaseEngine.Domain.Petitions;
using JasperFx.Events;

namespace CaseEngine.Workflow.Integration;

/// <summary>
/// One committed case event as an integrator receives it on the broker: the event data as the feed shows
/// an INTEGRATOR (<see cref="Jurisdiction.IntegrationEventView"/>, petitioner masked), with the log's
/// <see cref="Sequence"/> (global order, resumable) and the petition's <see cref="Version"/> (per-petition
/// order). A consumer keeps, per petition, the highest version it applied: a message at or below it is a
/// duplicate (delivery is at least once), one above it by more than one waits for the ones between.
/// </summary>
public sealed record CaseEventMessage(
    long Sequence, Guid PetitionId, int Version, string Type, DateTimeOffset OccurredAt,
    string DepartmentId, string RegionPath, string? CorrelationId, string RoutingKey, JsonNode Data)
{
    public static CaseEventMessage From(IEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var data = (IPetitionEvent)e.Data;
        return new CaseEventMessage(e.Sequence, e.StreamId, checked((int)e.Version), e.EventType.Name, e.Timestamp,
            data.DepartmentId, data.RegionPath, e.CorrelationId, CaseEventRouting.Key(data.RegionPath, e.EventType.Name),
            Masking.EventData(data, Jurisdiction.IntegrationEventView, ownView: false));
    }
}

/// <summary>
/// The routing key of a case event on the topic exchange: <c>province.city.county.EventType</c>, region
/// codes of the responsible department's region ("_" where it sits above that level; a township's
/// events carry its county), e.g. <c>340000.340100.340104.PetitionForwarded</c>. An integrator binds
/// <c>340000.340100.#</c> for a city, <c>*.*.*.ReplyIssued</c> for one event type everywhere.
/// </summary>
public static class CaseEventRouting
{
    public const string Above = "_";

    public static string Key(string regionPath, string eventType)
    {
        ArgumentNullException.ThrowIfNull(regionPath);
        // "000000.340000.340100.340104[.township]": the nation first.
        var codes = regionPath.Split('.', StringSplitOptions.RemoveEmptyEntries);
        string Level(int i) => i < codes.Length ? codes[i] : Above;
        return $"{Level(1)}.{Level(2)}.{Level(3)}.{eventType}";
    }
}
