using Marten;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CaseEngine.Projections.ReadSide;

/// <summary>
/// Exactly once under any overlap: the highest event sequence a read model has applied, kept in a
/// one-row table of its own beside it and moved in the same transaction as its rows.
/// </summary>
/// <remarks>
/// <para>
/// Why: two daemons can run the same shard over the same range (a handover of a
/// database's agents to another node, or a PostgreSQL crash, does for seconds). Marten guards its progress row with
/// <c>update … where last_seq_id = floor</c>, but in 9.58 a batch whose update affects no row is
/// only logged ("affected no rows … will become a thrown exception in a future major release",
/// Marten <c>OperationPage.assertRecordsAffectedAsync</c>, #5502) and then committed; the one check
/// that throws (<c>UpdateProjectionProgress.PostprocessAsync</c>) reads the batch's cumulative row
/// count, so it fires only when nothing else in the batch wrote a row. A read model that adds to
/// counters would count the losing batch's events a second time, for good.
/// </para>
/// <para>
/// How: each page first claims the row — <c>insert … on conflict do update</c>, which takes the
/// row lock (waiting for a concurrent batch of the same read model to commit or roll back) and
/// records the previous high mark in <c>previous_seq</c> and the new one in <c>applied_seq</c>.
/// The page's later statements, in the same transaction, read <c>previous_seq</c> (see
/// <see cref="Previous"/>) and apply only what lies above it: additive writes skip every event at
/// or below it; writes that replace rows from the whole stream skip the page when its last
/// sequence is not above it (a later state is already written). Pages of one shard cover
/// contiguous ranges, so everything up to the mark has been applied exactly once.
/// </para>
/// <para>
/// Every page claims, even one that writes nothing else. In 9.58 the one progress check that throws
/// runs when the progress update is the batch's first statement and reads the cumulative count, so
/// it throws exactly when nothing else in the batch wrote a row, and the daemon then stops that
/// shard for good (JasperFx <c>SubscriptionAgent.ReportCriticalFailureAsync</c>: Stopped, not
/// Paused, never restarted), on whichever node lost the race, possibly the one that keeps the
/// agent. With a row written by every batch, an overlapped page commits its filtered writes
/// and the shard goes on. Should a later Marten throw on every progress update that affects no row,
/// the losing batch rolls back whole, which is just as correct; the stopped shard is then reported
/// by the projections health check.
/// </para>
/// <para>
/// Kept in our own table rather than Marten's progress row: the losing batch's progress update
/// does not move that row, while its writes (filtered here) still commit, and the next page may
/// start at either node's position. A rebuild empties this table with the read model's own
/// (<see cref="ReadSideRegistration"/>), so the replay starts again from nothing.
/// </para>
/// <para>
/// The claim also moves Marten's progress row forward to the page's last sequence when Marten's own
/// update missed it (issue 19's three-province stall). The node that keeps a shard after such an
/// overlap may have lost a page to the other: the row is then no longer at the floor of its next page,
/// and since the agent follows its own position in memory, Marten's <c>where last_seq_id = floor</c>
/// never matches again. The read model stays current, but the row stops — and with it the lag, the
/// health check, and where the next node to take the shard starts — until the agent is restarted.
/// One more statement in the same transaction, <c>update … set last_seq_id = last where last_seq_id &lt; last</c>,
/// keeps the row at or above every committed page; it runs after Marten's update (which the daemon
/// queues before the page's operations), so on the usual path it matches no row and writes nothing. The mark already says that everything up to it is applied, so a row moved up
/// to it is a safe place to start from.
/// </para>
/// </remarks>
public static class AppliedSequence
{
    /// <summary>The mark table of a read model's table: <c>{table}_applied</c>.</summary>
    public static string TableFor(string readModelTable) => readModelTable + "_applied";

    public static Table Definition(string schema, string readModelTable)
    {
        var t = new Table(new PostgresqlObjectName(schema, TableFor(readModelTable), SchemaUtils.IdentifierUsage.General));
        t.AddColumn<string>("read_model").AsPrimaryKey();
        t.AddColumn<long>("applied_seq").NotNull();
        t.AddColumn<long>("previous_seq").NotNull();
        return t;
    }

    /// <summary>The identity of a projection's one shard: the name of its progress row and its agent.</summary>
    public static string Shard(string projectionName) => $"{projectionName}:All";

    /// <summary>
    /// Queues the claim of a page whose events end at <paramref name="lastSequence"/>: must be the
    /// first statement the page queues for that read model. <paramref name="shard"/> is the identity of
    /// the shard running the page, whose progress row is kept from falling behind it (see the remarks).
    /// </summary>
    public static void Claim(IDocumentOperations operations, string readModelTable, long lastSequence, string shard)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var table = Qualified(operations, readModelTable);
        operations.QueueSqlCommand(
            $"""
            insert into {table} as a (read_model, applied_seq, previous_seq) values (?, ?, 0)
            on conflict (read_model) do update set previous_seq = a.applied_seq, applied_seq = greatest(a.applied_seq, excluded.applied_seq)
            """,
            readModelTable, lastSequence);
        operations.QueueSqlCommand(
            $"""
            update {operations.DocumentStore.Options.Events.DatabaseSchemaName}.mt_event_progression
            set last_seq_id = ?, last_updated = transaction_timestamp() where name = ? and last_seq_id < ?
            """,
            lastSequence, shard, lastSequence);
    }

    /// <summary>
    /// A scalar subquery for the page's later statements: the highest sequence applied before this
    /// page (0 for a read model never written or just torn down for a rebuild).
    /// </summary>
    public static string Previous(IDocumentOperations operations, string readModelTable)
    {
        ArgumentNullException.ThrowIfNull(operations);
        return $"(select previous_seq from {Qualified(operations, readModelTable)} where read_model = '{readModelTable}')";
    }

    private static string Qualified(IDocumentOperations operations, string readModelTable) =>
        ReadSideSchema.Qualified(operations.DocumentStore.Options.DatabaseSchemaName, TableFor(readModelTable));
}
