using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace CaseEngine.Projections.ReadSide;

/// <summary>
/// One async shard for the inbox, the overdue list, the statistics and the situation analysis
/// (<see cref="ReadSideNames.ReadModels"/>): the daemon loads each page of events once and the four read
/// models apply it one after another in one transaction, with one progress row.
/// </summary>
/// <remarks>
/// <para>
/// Why one shard: each shard takes its own page, transaction and progress row. Where a database sees a few
/// events a second (most province databases of a federation), every page holds one event and four shards pay
/// that fixed cost four times (docs/scaling.md, "Where PostgreSQL's extra CPU goes"); a rebuild read the log
/// four times.
/// </para>
/// <para>
/// Why not Marten's composite projection (9.58): it registers a raw <see cref="IProjection"/> under its type's
/// name, so the running databases' progress rows would be orphaned; it runs the members of a stage in parallel
/// on the shared batch; and a wrapped member cannot be rebuilt. This one keeps the members' contracts as they
/// were: each still claims its own applied mark (<see cref="AppliedSequence"/>), which keeps it exactly once
/// when two daemons overlap, and a rebuild empties all four tables and marks before one replay.
/// </para>
/// <para>
/// In order, not side by side: the members queue their statements on the same session, and the inbox and the
/// overdue list read streams through it.
/// </para>
/// </remarks>
public sealed class ReadModelsProjection(IReadOnlyList<IProjection> members) : IProjection
{
    public IReadOnlyList<IProjection> Members { get; } = members ?? throw new ArgumentNullException(nameof(members));

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        foreach (var member in Members)
            await member.ApplyAsync(operations, events, cancellation);
    }
}
