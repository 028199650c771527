using System.Text.Json.Nodes;
using CaseEngine.Domain.Petitions;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.PersonalData;
using CaseEngine.Projections.History;

namespace CaseEngine.GraphApi.Reading;

/// <summary>
/// An event as the schema resolves it, with the lens of its petition for the caller; read from a log,
/// also the province database that holds it and its sequence there (<see cref="EventFeed.At"/>).
/// </summary>
public sealed record EventNode(StoredEvent Event, PetitionLens Lens)
{
    public string? Province { get; init; }

    public long? ProvinceSequence { get; init; }

    /// <summary>The stored event's id (Marten's), read from a log: what tells it from another event that took its sequence in a database restored behind it.</summary>
    public Guid? EventId { get; init; }

    /// <summary>The event as camelCase JSON (EventJson) with data.petitioner masked for this caller.</summary>
    public JsonNode Data(RequestAccessLog? accessLog)
    {
        if (Event.Data is PetitionSubmitted && Lens.PersonalData == PersonalDataView.Clear)
            accessLog?.Record(Event.PetitionId, "PetitionEvent.data");
        return Masking.EventData(Event.Data, Lens.PersonalData, Lens.OwnView);
    }
}
