using System.Text.Json;
using System.Text.Json.Nodes;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using JasperFx.Events;

namespace CaseEngine.Projections.History;

/// <summary>
/// One stored petition event with its metadata: what history, time travel, the event feed, the
/// subscriptions and a command's result all show. Sequence and version are read back from the
/// store after commit.
/// </summary>
public sealed record StoredEvent(
    long Sequence, Guid PetitionId, int Version, string Type, DateTimeOffset OccurredAt, IPetitionEvent Data,
    string? CorrelationId, string? CausationId, IReadOnlyDictionary<string, object>? Headers) : ConfidentialRecord
{
    /// <summary>The header the workflow stamps on every event with the acting caller.</summary>
    public const string ActorHeader = "actor";

    public static StoredEvent From(IEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(e.Sequence, e.StreamId, checked((int)e.Version), e.EventType.Name, e.Timestamp, (IPetitionEvent)e.Data,
            e.CorrelationId, e.CausationId, e.Headers);
    }

    /// <summary>The department responsible once the event is applied, as stored in the event.</summary>
    public string DepartmentId => Data.DepartmentId;

    public string RegionPath => Data.RegionPath;

    /// <summary>The <see cref="ActorHeader"/> the workflow stamps on every event; the event's own By when it is missing.</summary>
    public Actor Actor
    {
        get
        {
            if (Headers is not null && Headers.TryGetValue(ActorHeader, out var raw) && raw is not null)
            {
                var node = raw is JsonElement element
                    ? JsonNode.Parse(element.GetRawText())
                    : JsonSerializer.SerializeToNode(raw);
                if (node is JsonObject o && o["id"]?.GetValue<string>() is { } id
                    && Roles.TryParse(o["role"]?.GetValue<string>() ?? "", out var role))
                    return new Actor(id, role, o["departmentId"]?.GetValue<string>());
            }
            return Data.By;
        }
    }
}
