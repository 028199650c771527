using System.Text.Json;
using System.Text.Json.Nodes;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.PersonalData;
using CaseEngine.Projections.History;

namespace CaseEngine.GraphApi.Reading;

/// <summary>An event as the schema resolves it, with the lens of its petition for the caller.</summary>
public sealed record EventNode(StoredEvent Event, PetitionLens Lens)
{
    /// <summary>The event as camelCase JSON (EventJson) with data.petitioner masked for this caller.</summary>
    public JsonNode Data(RequestAccessLog? accessLog)
    {
        var node = JsonSerializer.SerializeToNode(Event.Data, Event.Data.GetType(), EventJson.Options)!;
        // The petitioner's own view carries no metadata of staff, in the data either.
        if (node is JsonObject data && Jurisdiction.ActorAsSeen(Event.Data.By, Lens.OwnView) is null)
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
