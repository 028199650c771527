using static CaseEngine.GraphApi.Tests.Support.RelayedEvents;
using CaseEngine.GraphApi.Reading;
using CaseEngine.Testing;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Tenancy;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseEngine.GraphApi.Tests.Tenancy;

/// <summary>
/// The national log's appends from many provinces relayed on one node (issue 19's federation bench:
/// 31 relays each appending in a transaction of its own queued on the log's one lock, past its 2 s limit,
/// hundreds of times a run). A node's appends share one writer: one transaction at a time carries what
/// queued meanwhile, so one backend of the node waits on the lock however many provinces append.
/// </summary>
public class when_provinces_append_to_the_national_log_at_once(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly string[] Provinces = ["110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000", "320000", "330000", "340000"];

    [Fact]
    public async Task one_backend_of_the_node_waits_on_the_lock_and_every_province_is_appended_once_in_order()
    {
        await using var master = NewMaster();
        var log = new NationalLog(master);
        var end = await log.EndAsync(default);

        // Another node holds the lock (mid-transaction) while twelve provinces' rounds append on this node.
        await using var other = new NpgsqlConnection(db.ConnectionString);
        var tx = await HoldTheLockAsync(other);
        var appends = Provinces.Select(p => log.AppendAsync(p, 0, 2, Relayed(1, 2), default)).ToList();

        // While they wait: the node's backends waiting on the lock, sampled until they have all given up
        // (the lock's 2 s limit). Each round in a transaction of its own had twelve waiting.
        var mostWaiting = 0;
        while (appends.Any(a => !a.IsCompleted))
            mostWaiting = Math.Max(mostWaiting, await WaitingOnTheLockAsync());
        mostWaiting.ShouldBe(1);
        foreach (var append in appends)
            (await Should.ThrowAsync<PostgresException>(append)).SqlState.ShouldBe(PostgresErrorCodes.LockNotAvailable);
        (await log.EndAsync(default)).ShouldBe(end, "a failed transaction writes nothing for any province it carried");
        await tx.RollbackAsync();
        await tx.DisposeAsync();

        // The lock free: every province appended once, numbered on from the end, each in its own order.
        (await Task.WhenAll(Provinces.Select(p => log.AppendAsync(p, 0, 2, Relayed(1, 2), default)))).ShouldAllBe(appended => appended);
        var entries = await log.ReadAsync(end, long.MaxValue, 1000, default);
        entries.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, Provinces.Length * 2).Select(i => end + i));
        foreach (var province in Provinces)
        {
            entries.Where(e => e.Province == province).Select(e => e.ProvinceSequence).ShouldBe([1L, 2L]);
            (await log.RelayedToAsync(province, default)).ShouldBe(2);
        }
    }

    [Fact]
    public async Task of_two_rounds_of_one_province_that_read_the_same_progress_the_second_writes_nothing()
    {
        await using var master = NewMaster();
        var log = new NationalLog(master);
        const string province = "440000";
        var end = await log.EndAsync(default);

        // The writer is held on the lock with a first append, so the two rounds below go in one transaction.
        await using var other = new NpgsqlConnection(db.ConnectionString);
        var tx = await HoldTheLockAsync(other);
        var first = log.AppendAsync("450000", 0, 1, Relayed(1), default);
        await Poll.UntilAsync(async () => await WaitingOnTheLockAsync() == 1 ? "" : null, TimeSpan.FromSeconds(10));
        var agent = log.AppendAsync(province, 0, 3, Relayed(1, 2, 3), default);
        var pull = log.AppendAsync(province, 0, 3, Relayed(1, 2, 3), default);
        await tx.RollbackAsync();
        await tx.DisposeAsync();

        (await first).ShouldBeTrue();
        (await agent).ShouldBeTrue();
        (await pull).ShouldBeFalse();
        var entries = await log.ReadAsync(end, long.MaxValue, 100, default);
        entries.Where(e => e.Province == province).Select(e => e.ProvinceSequence).ShouldBe([1L, 2L, 3L]);
        (await log.RelayedToAsync(province, default)).ShouldBe(3);
    }

    private MasterDataSource NewMaster() => new(new CaseEngineDatabase(db.ConnectionString, Embedded: false, new Dictionary<string, string>()));

    /// <summary>The log's lock taken in a transaction left open on <paramref name="other"/> (another node, stalled mid-append).</summary>
    private static async Task<NpgsqlTransaction> HoldTheLockAsync(NpgsqlConnection other)
    {
        await other.OpenAsync();
        var tx = await other.BeginTransactionAsync();
        await using var take = new NpgsqlCommand($"select pg_advisory_xact_lock({NationalLog.AppendLock})", other, tx);
        await take.ExecuteNonQueryAsync();
        return tx;
    }

    private async Task<int> WaitingOnTheLockAsync()
    {
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select count(*) from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())",
            connection);
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }
}
