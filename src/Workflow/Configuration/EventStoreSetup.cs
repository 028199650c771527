using Marten;

namespace CaseEngine.Workflow.Configuration;

/// <summary>
/// The one place where the petition event types and the projections are registered with Marten.
/// <see cref="CaseEngineSetup.AddCaseEngine"/> calls it for every host (API, tests, bench).
/// </summary>
public static class EventStoreSetup
{
    public static void ConfigureEventStore(StoreOptions opts)
    {
        ArgumentNullException.ThrowIfNull(opts);
        // Event types: opts.Events.AddEventTypes([...]) once src/Domain has them, so that
        // reading a stream never depends on which types a process happened to load first.
        // Projections: opts.Projections.Add<...>(ProjectionLifecycle.Inline | Async).
    }
}
