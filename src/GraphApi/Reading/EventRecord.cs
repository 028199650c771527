using System.Text.Json;
using System.Text.Json.Nodes;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.PersonalData;
using CaseEngine.Workflow.Commands;
using JasperFx.Events;

namespace CaseEngine.GraphApi.Reading;

/// <summary>One stored event, from the store (<see cref="IEvent"/>) or a command's result (<see cref="StoredEvent"/>).</summary>
public sealed record EventRecord(
    long Sequence, Guid PetitionId, int Version, string Type, DateTimeOffset OccurredAt, IPetitionEvent Data,
    string? CorrelationId, string? CausationId, IReadOnlyDictionary<string, object>? Headers)
{
    public static EventRecord From(IEvent e) =>
        new(e.Sequence, e.StreamId, (int)e.Version, e.EventType.Name, e.Timestamp, (IPetitionEvent)e.Data,
            e.CorrelationId, e.CausationId, e.Headers);

    public static EventRecord From(StoredEvent e) =>
        new(e.Sequence, e.PetitionId, e.Version, e.Type, e.OccurredAt, (IPetitionEvent)e.Data,
            e.CorrelationId, e.CausationId, e.Headers);

    /// <summary>The "actor" header the workflow stamps on every event; the event's own By when it is missing.</summary>
    public Actor Actor
    {
        get
        {
            if (Headers is not null && Headers.TryGetValue(PetitionCommands.ActorHeader, out var raw) && raw is not null)
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

/// <summary>An event as the schema resolves it, with the lens of its petition for the caller.</summary>
public sealed record EventNode(EventRecord Event, PetitionLens Lens)
{
    /// <summary>Events a petitioner's own view leaves out: internal work of the offices.</summary>
    public static bool IsInternal(IPetitionEvent e) =>
        e is OfficerAssigned or SupervisionIssued or SupervisionAnswered or DuplicateSuspected or SuspectedDuplicateDismissed or ResultReported;

    /// <summary>The event as camelCase JSON (EventJson) with data.petitioner masked for this caller.</summary>
    public JsonNode Data(RequestAccessLog? accessLog)
    {
        var node = JsonSerializer.SerializeToNode(Event.Data, Event.Data.GetType(), EventJson.Options)!;
        // The petitioner's own view carries no metadata of staff, in the data either.
        if (Lens.OwnView && node is JsonObject data && Event.Data.By.Role is not (Role.Petitioner or Role.System))
            data["by"] = null;
        if (Event.Data is PetitionSubmitted submitted && node is JsonObject o)
        {
            if (Lens.PersonalData == PersonalDataView.Clear)
                accessLog?.Record(Event.PetitionId, "PetitionEvent.data");
            else
                o["petitioner"] = JsonSerializer.SerializeToNode(
                    Masking.Apply(submitted.Petitioner, Lens.PersonalData), EventJson.Options);
        }
        return node;
    }
}
