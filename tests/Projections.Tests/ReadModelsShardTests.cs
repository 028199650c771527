using CaseEngine.Domain;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Projections.SituationAnalysis;
using CaseEngine.Testing;
using JasperFx.Events.Daemon;
using Marten;
using Marten.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace CaseEngine.Projections.Tests;

/// <summary>
/// Issues 17 and 19: the inbox, the overdue list, the statistics and the situation analysis are one shard
/// (<see cref="ReadModelsProjection"/>): each page of events is loaded once and applied to the four in one
/// transaction, with one progress row, where four shards each took a page, a transaction and a row of their own.
/// </summary>
public class the_read_models_share_one_shard(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task each_page_commits_the_four_read_models_in_one_transaction_with_one_progress_row()
    {
        await using var engine = await Engine.StartAsync(db);
        for (var i = 0; i < 3; i++)
            await engine.SubmitAsync();
        await engine.Store.SettleAsync(CatchUp);
        var head = await two_daemons_running_the_same_shards_at_once.HeadAsync(engine.Store);

        var progress = await ReadModelsShard.ProgressAsync(engine.Store);
        output.WriteLine(string.Join(", ", progress.Select(p => $"{p.Key} {p.Value}")));
        progress[AppliedSequence.Shard(ReadSideNames.ReadModels)].ShouldBeGreaterThanOrEqualTo(head);
        foreach (var former in ReadSideNames.FormerShards)
            progress.ShouldNotContainKey(former);

        // The four applied marks were last written by one transaction: the page that reached the head.
        var marks = await ReadModelsShard.MarksAsync(engine.Store);
        output.WriteLine(string.Join(", ", marks.Select(m => $"{m.Table} applied {m.Applied} xmin {m.Transaction}")));
        marks.Count.ShouldBe(4);
        marks.ShouldAllBe(m => m.Applied == marks[0].Applied);
        marks.Select(m => m.Transaction).Distinct().Count().ShouldBe(1, "one transaction applies the page to the four read models");
    }
}

/// <summary>
/// A database whose read models ran as four shards (the versions before one shard) keeps its position: the
/// shard starts at the lowest of the four former rows, not at the start of the log, and the read models that
/// were ahead skip what they hold by their applied marks.
/// </summary>
public class a_database_upgraded_from_four_read_side_shards(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task starts_the_shard_at_the_lowest_former_position_and_applies_nothing_twice()
    {
        await using var engine = await Engine.StartAsync(db);
        for (var i = 0; i < 4; i++)
            await engine.SubmitAsync();
        await engine.Store.SettleAsync(CatchUp);
        var head = await two_daemons_running_the_same_shards_at_once.HeadAsync(engine.Store);
        head.ShouldBeGreaterThanOrEqualTo(4);
        var before = await TableDump.AllAsync(engine.Store);
        var coordinator = engine.Host.Services.GetRequiredService<IProjectionCoordinator>();
        var database = (IMartenDatabase)await engine.Store.Storage.FindOrCreateDatabase(Province.Demo);
        var shard = AppliedSequence.Shard(ReadSideNames.ReadModels);

        await coordinator.PauseAsync();
        // As an earlier version left it: four rows, no shard row; situation analysis furthest behind.
        long[] former = [head, head - 1, head, head - 3];
        await ReadModelsShard.ExecuteAsync(engine.Store, $"delete from {{0}}.mt_event_progression where name = '{shard}'");
        for (var i = 0; i < former.Length; i++)
            await ReadModelsShard.ExecuteAsync(engine.Store,
                $"insert into {{0}}.mt_event_progression (name, last_seq_id) values ('{ReadSideNames.FormerShards[i]}', {former[i]})");

        (await ReadModelsProgress.SeedAsync(engine.Store, database)).ShouldBeTrue();
        var seeded = await ReadModelsShard.ProgressAsync(engine.Store);
        output.WriteLine(string.Join(", ", seeded.Select(p => $"{p.Key} {p.Value}")));
        seeded[shard].ShouldBe(head - 3);
        foreach (var name in ReadSideNames.FormerShards)
            seeded.ShouldNotContainKey(name);
        // Every node runs it as it readies the database: once seeded, again changes nothing.
        (await ReadModelsProgress.SeedAsync(engine.Store, database)).ShouldBeFalse();
        (await ReadModelsShard.ProgressAsync(engine.Store))[shard].ShouldBe(head - 3);

        // The shard goes on from there: the pages the others held are skipped by their marks.
        await coordinator.ResumeAsync();
        await engine.SubmitAsync();
        await engine.Store.SettleAsync(CatchUp);
        var after = await TableDump.AllAsync(engine.Store);
        after.Statistics.Count.ShouldBeGreaterThan(0);
        await CaseEngine.Projections.Monitoring.ProjectionRebuilds.RebuildAsync(coordinator, ReadSideNames.ReadModels, CatchUp);
        await engine.Store.SettleAsync(CatchUp);
        after.ShouldEqual(await TableDump.AllAsync(engine.Store), "the read models after the upgrade equal a rebuild");
        after.Situation.Count.ShouldBe(before.Situation.Count + 1, "the petition submitted after the upgrade, once");
    }

    [Fact]
    public async Task a_read_model_without_a_former_row_is_replayed_from_the_start()
    {
        await using var engine = await Engine.StartAsync(db);
        await engine.SubmitAsync();
        await engine.Store.SettleAsync(CatchUp);
        var coordinator = engine.Host.Services.GetRequiredService<IProjectionCoordinator>();
        var database = (IMartenDatabase)await engine.Store.Storage.FindOrCreateDatabase(Province.Demo);
        var shard = AppliedSequence.Shard(ReadSideNames.ReadModels);
        await coordinator.PauseAsync();
        try
        {
            // Nothing to carry over: no former row, no seeding.
            await ReadModelsShard.ExecuteAsync(engine.Store, $"delete from {{0}}.mt_event_progression where name = '{shard}'");
            (await ReadModelsProgress.SeedAsync(engine.Store, database)).ShouldBeFalse();
            (await ReadModelsShard.ProgressAsync(engine.Store)).ShouldNotContainKey(shard);

            // The inbox's row alone (the others never ran): the shard starts at 0.
            await ReadModelsShard.ExecuteAsync(engine.Store,
                $"insert into {{0}}.mt_event_progression (name, last_seq_id) values ('{AppliedSequence.Shard(ReadSideNames.Inbox)}', 5)");
            (await ReadModelsProgress.SeedAsync(engine.Store, database)).ShouldBeTrue();
            (await ReadModelsShard.ProgressAsync(engine.Store))[shard].ShouldBe(0);
        }
        finally
        {
            await coordinator.ResumeAsync();
        }
    }
}

internal static class ReadModelsShard
{
    public static async Task<Dictionary<string, long>> ProgressAsync(IDocumentStore store)
    {
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        await QueryAsync(store, "select name, last_seq_id from {0}.mt_event_progression", r => rows[r.GetString(0)] = r.GetInt64(1));
        return rows;
    }

    /// <summary>Each read model's applied mark: its sequence and the transaction that last wrote it (xmin).</summary>
    public static async Task<List<(string Table, long Applied, string Transaction)>> MarksAsync(IDocumentStore store)
    {
        var marks = new List<(string, long, string)>();
        foreach (var table in new[] { ReadSideSchema.InboxTable, ReadSideSchema.OverdueTable, ReadSideSchema.StatisticsTable, SituationAnalysisSchema.Table })
            await QueryAsync(store, $"select applied_seq, xmin::text from {{1}}.{AppliedSequence.TableFor(table)}",
                r => marks.Add((table, r.GetInt64(0), r.GetString(1))));
        return marks;
    }

    public static async Task ExecuteAsync(IDocumentStore store, string sql)
    {
        await using var connection = await OpenAsync(store);
        await using var command = new NpgsqlCommand(Format(store, sql), connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task QueryAsync(IDocumentStore store, string sql, Action<NpgsqlDataReader> row)
    {
        await using var connection = await OpenAsync(store);
        await using var command = new NpgsqlCommand(Format(store, sql), connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            row(reader);
    }

    private static async Task<NpgsqlConnection> OpenAsync(IDocumentStore store)
    {
        var connection = (NpgsqlConnection)(await store.Storage.FindOrCreateDatabase(Province.Demo)).CreateConnection();
        await connection.OpenAsync();
        return connection;
    }

    private static string Format(IDocumentStore store, string sql) =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, store.Options.Events.DatabaseSchemaName, store.Options.DatabaseSchemaName);
}
