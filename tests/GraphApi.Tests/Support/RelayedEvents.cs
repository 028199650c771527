using CaseEngine.GraphApi.Reading;

namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>Events handed straight to the national log's append, as a relay round would: the sequences given, each with an id of its own.</summary>
public static class RelayedEvents
{
    public static RelayedEvent[] Relayed(params long[] sequences) => [.. sequences.Select(s => new RelayedEvent(s, Guid.NewGuid()))];
}
