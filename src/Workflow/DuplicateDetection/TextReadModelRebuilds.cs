using CaseEngine.Domain;
using CaseEngine.Projections.SituationAnalysis;
using JasperFx.Events.Daemon;
using Marten;
using IProjectionCoordinator = Marten.Events.Daemon.Coordination.IProjectionCoordinator;

namespace CaseEngine.Workflow.DuplicateDetection;

/// <summary>
/// Rebuilds of the Chinese-text read models from the events: the duplicate index
/// (<see cref="DuplicateIndexProjection.Name"/>, inline) and the situation-analysis rows
/// (<see cref="SituationAnalysisProjection.Name"/>, async). Each empties its own table and replays
/// every event. Needed after changing the petitioner hash key, the dictionary or the stop words.
/// Inside a running host pass its coordinator, so the host's own agent pauses for the rebuild.
/// </summary>
public static class TextReadModelRebuilds
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    public static IReadOnlyList<string> Names { get; } = [DuplicateIndexProjection.Name, SituationAnalysisProjection.Name];

    /// <summary>From a process without a running daemon (the command line).</summary>
    public static async Task RebuildAsync(IDocumentStore store, string name, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        Check(name);
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync(name, timeout ?? DefaultTimeout, ct);
    }

    /// <summary>Inside a running host.</summary>
    public static async Task RebuildAsync(IProjectionCoordinator coordinator, string name, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        Check(name);
        await coordinator.DaemonForMainDatabase().RebuildProjectionAsync(name, timeout ?? DefaultTimeout, ct);
    }

    private static void Check(string name)
    {
        if (!Names.Contains(name))
            throw RuleViolation.Validation($"unknown projection '{name}'; one of: {string.Join(", ", Names)}");
    }
}
