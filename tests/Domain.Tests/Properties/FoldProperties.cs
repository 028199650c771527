using System.Text.Json;
using CaseEngine.Domain.Petitions;
using CsCheck;

namespace CaseEngine.Domain.Tests.Properties;

/// <summary>The events a decision returns are the whole truth: folding them again, even from JSON, gives the same state.</summary>
public class when_a_petition_is_folded_from_its_events
{
    public const int Iterations = 500;

    // The state holds immutable lists and records with custom equality: its JSON form compares everything.
    private static string Json(Petition p) => JsonSerializer.Serialize(p, EventJson.Options);

    private static IPetitionEvent RoundTrip(IPetitionEvent e)
    {
        var json = JsonSerializer.Serialize(e, e.GetType(), EventJson.Options);
        var back = (IPetitionEvent)JsonSerializer.Deserialize(json, e.GetType(), EventJson.Options)!;
        JsonSerializer.Serialize(back, e.GetType(), EventJson.Options).ShouldBe(json, $"{e.GetType().Name} changes in a JSON round trip");
        return back;
    }

    [Fact]
    public void folding_the_decided_events_reproduces_the_evolved_state() =>
        Walks.WalkGen.Sample(walk =>
        {
            var (state, events, states) = Walks.Run(walk);
            Json(Petition.Fold(events)).ShouldBe(Json(state));
            // Every intermediate state too: a prefix of the stream is the petition as it was then.
            for (var version = 1; version <= events.Count; version++)
                Json(Petition.Fold(events.Take(version))).ShouldBe(Json(states[version - 1]), $"at version {version}");
        }, iter: Iterations);

    [Fact]
    public void folding_the_events_after_a_json_round_trip_reproduces_the_state() =>
        Walks.WalkGen.Sample(walk =>
        {
            var (state, events, _) = Walks.Run(walk);
            Json(Petition.Fold(events.Select(RoundTrip))).ShouldBe(Json(state));
        }, iter: Iterations);
}
