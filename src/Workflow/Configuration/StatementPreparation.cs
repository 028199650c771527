using Npgsql;

namespace CaseEngine.Workflow.Configuration;

/// <summary>
/// Npgsql's automatic statement preparation on every connection Marten and Wolverine open to the master and the
/// province databases: a statement run a second time on a connection is prepared there once, and PostgreSQL
/// neither parses nor plans it again.
/// <para>
/// Why: the engine runs a few dozen statement texts over and over (the append, the documents' upserts, the read
/// models' page statements, the daemon's and the pollers' reads), each parsed and planned on every call without it.
/// Over 31 province databases a submission ran 48 statements and PostgreSQL spent about 8 ms of CPU per submission
/// outside their execution (bench/tuning.md, change 29).
/// </para>
/// <para>
/// Safe with the pool's reset: Npgsql resets a returned connection when it hands it out again, and one that holds
/// prepared statements with DISCARD ALL's parts except DEALLOCATE ALL, so advisory locks are still released and
/// settings still reset (tests/Workflow.Tests, when_statements_repeat_on_a_connection).
/// An operator's connection string that names <c>Max Auto Prepare</c> (e.g. 0: off) keeps its own value.
/// </para>
/// </summary>
public static class StatementPreparation
{
    /// <summary>Statements kept prepared per connection (least recently used ones replaced).</summary>
    public const int MaxAutoPrepare = 100;

    /// <summary>A statement is prepared on its second use on a connection, not its first (one-off statements stay unprepared).</summary>
    public const int AutoPrepareMinUsages = 2;

    /// <summary>Preparation on for a data source Marten builds (the master's and every province's), unless its connection string says otherwise.</summary>
    public static void Configure(NpgsqlDataSourceBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (new System.Data.Common.DbConnectionStringBuilder { ConnectionString = builder.ConnectionString }.ContainsKey("Max Auto Prepare"))
            return;
        builder.ConnectionStringBuilder.MaxAutoPrepare = MaxAutoPrepare;
        builder.ConnectionStringBuilder.AutoPrepareMinUsages = AutoPrepareMinUsages;
    }
}
