using CaseEngine.Testing;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Integrity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static CaseEngine.Workflow.Tests.Scenarios.Steps;

namespace CaseEngine.Workflow.Tests.Integrity;

public class when_events_were_stored_before_the_chain(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task they_are_linked_once_at_start_in_the_side_table_only()
    {
        var ids = new List<Guid>();
        await using (var engine = await Engine.StartAsync(db))
        {
            for (var i = 0; i < 3; i++)
                ids.Add((await engine.SubmitAsync()).PetitionId);
            await engine.Forward(ids[0]);
        }
        // The log as it was before this feature: no links at all. mt_events must not change.
        await ExecuteAsync("delete from caseengine.ce_event_chain");
        var events = await ScalarAsync("select count(*) from caseengine.mt_events");
        var digest = await DigestAsync();

        await using (var engine = await Engine.StartAsync(db))
        {
            await engine.Host.Services.GetRequiredService<EventChainBackfill>().Completion;
            (await ScalarAsync("select count(*) from caseengine.ce_event_chain")).ShouldBe(events);
            // Appends after the backfill continue the backfilled chains.
            await engine.Accept(ids[0]);
            var chain = engine.Host.Services.GetRequiredService<EventChain>();
            var broken = new List<ChainVerification>();
            var (streams, checkedEvents, bad) = await chain.VerifyAllAsync(Province.Demo, broken.Add, CancellationToken.None);
            bad.ShouldBe(0, string.Join("; ", broken));
            streams.ShouldBe(3);
            checkedEvents.ShouldBe((int)events + 1);
        }
        (await DigestAsync()).ShouldNotBe(digest);   // one event more...
        await using (var engine = await Engine.StartAsync(db))
        {
            // ...and a later start finds nothing left to link.
            (await EventChainBackfill.ChainUnlinkedAsync(engine.Store, await engine.Store.Storage.FindOrCreateDatabase(Province.Demo), CaseEngineTestHost.TestEventChainKey, CancellationToken.None)).ShouldBe(0);
        }
    }

    private Task<string> DigestAsync() => TextAsync("select md5(string_agg(seq_id::text || data::text || coalesce(headers::text, ''), ',' order by seq_id)) from caseengine.mt_events");

    private async Task<long> ScalarAsync(string sql) => long.Parse(await TextAsync($"select ({sql})::text"), System.Globalization.CultureInfo.InvariantCulture);

    private async Task<string> TextAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(db.ProvinceConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(db.ProvinceConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}

public class when_commands_run_at_once(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task every_committed_event_has_exactly_one_link_and_every_chain_holds()
    {
        await using var engine = await Engine.StartAsync(db);
        var ids = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ => (await engine.SubmitAsync()).PetitionId));
        // Two commands at once on each stream (one of each pair may be refused as a conflict), twelve streams at once.
        await Task.WhenAll(ids.SelectMany(id => new[] { Quietly(engine.Forward(id)), Quietly(engine.Forward(id)) }));
        await Task.WhenAll(ids.Select(id => Quietly(engine.Accept(id))));

        var chain = engine.Host.Services.GetRequiredService<EventChain>();
        var broken = new List<ChainVerification>();
        var (streams, events, bad) = await chain.VerifyAllAsync(Province.Demo, broken.Add, CancellationToken.None);
        bad.ShouldBe(0, string.Join("; ", broken));
        streams.ShouldBe(12);
        events.ShouldBeGreaterThanOrEqualTo(12 * 3);
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
#pragma warning disable CA1031 // a refused or conflicting command is part of the test
        catch (Exception)
        {
        }
#pragma warning restore CA1031
    }
}

public class when_the_chain_key_is_configured
{
    private static ServerKeys Keys(string environment, Dictionary<string, string?> settings) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), new Environment(environment));

    [Fact]
    public void outside_development_a_missing_or_short_key_is_one_line_naming_the_setting()
    {
        var refused = Should.Throw<StartupException>(() => Keys("Production", []).Ring(KeySettings.EventChain));
        refused.Message.ShouldContain("CaseEngine:EventChainKey");
        refused.Message.ShouldNotContain("\n");

        Should.Throw<StartupException>(() => Keys("Production", new() { ["CaseEngine:EventChainKey"] = "short" }).Ring(KeySettings.EventChain))
            .Message.ShouldContain("shorter than 32 bytes");
        KeySettings.Required.ShouldContain(KeySettings.EventChain);
    }

    [Fact]
    public void the_first_key_of_the_rotation_list_signs_and_every_listed_key_verifies()
    {
        var current = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var retired = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var key = EventChainKey.From(Keys("Production", new()
        {
            ["CaseEngine:EventChainKeys:0:Id"] = "2026-q4",
            ["CaseEngine:EventChainKeys:0:Secret"] = current,
            ["CaseEngine:EventChainKeys:1:Id"] = "2026-q3",
            ["CaseEngine:EventChainKeys:1:Secret"] = retired,
        }).Ring(KeySettings.EventChain));
        key.KeyId.ShouldBe("2026-q4");
        EventChainKey.Generate().KeyId.ShouldBe("generated");
    }

    private sealed class Environment(string name) : Microsoft.Extensions.Hosting.IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "tests";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}

public class when_a_day_tree_is_built
{
    [Fact]
    public void every_leaf_of_every_size_climbs_to_the_root_and_no_other_leaf_does()
    {
        for (var count = 1; count <= 11; count++)
        {
            var leaves = Enumerable.Range(1, count).Select(i => ChainCodec.Leaf(i, new byte[ChainCodec.LinkLength])).ToList();
            var (root, _) = ChainCodec.Root(leaves);
            for (var index = 0; index < count; index++)
            {
                var (again, path) = ChainCodec.Root(leaves, index);
                again.ShouldBe(root);
                ChainCodec.Climb(leaves[index], path).ShouldBe(root);
                if (count > 1)
                    ChainCodec.Climb(leaves[(index + 1) % count], path).ShouldNotBe(root);
            }
        }
    }

    [Fact]
    public void a_link_covers_every_stored_field_and_the_previous_link()
    {
        var key = new byte[32];
        var e = new EventRow(7, Guid.NewGuid(), Guid.NewGuid(), 2, "petition_submitted", 1_700_000_000_000_000, "*DEFAULT*",
            "CaseEngine.X", "corr", "cause", """{"actor": "a"}""", """{"subject": "s"}""", null);
        var link = ChainCodec.Link(key, e, ChainCodec.NoPrevious.Span);
        var variants = new[]
        {
            e with { Sequence = 8 }, e with { Id = Guid.NewGuid() }, e with { StreamId = Guid.NewGuid() }, e with { Version = 3 },
            e with { Type = "other" }, e with { TimestampMicros = e.TimestampMicros + 1 }, e with { TenantId = null },
            e with { DotnetType = "Y" }, e with { CorrelationId = "c2" }, e with { CausationId = null },
            e with { Headers = """{"actor": "b"}""" }, e with { Data = """{"subject": "t"}""" }, e with { BinaryData = [1] },
        };
        foreach (var changed in variants)
            ChainCodec.Link(key, changed, ChainCodec.NoPrevious.Span).ShouldNotBe(link, changed.ToString());
        ChainCodec.Link(key, e, link).ShouldNotBe(link);
        ChainCodec.Link(new byte[32] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, e, ChainCodec.NoPrevious.Span).ShouldNotBe(link);
    }
}

/// <summary>
/// A tombstone in the log: Marten's placeholder for sequence numbers an append took and never used, on a
/// stream of its own, with no time (<c>-infinity</c>). It belongs to no petition and is never linked. The
/// backfill picked its stream as unlinked at every start, and reading it failed ("cannot convert infinity to
/// bigint", seen in the federation bench), which ended the pass: no event stored without a link was linked
/// in that database again. The auditor's verification of every stream (verify-chain) failed on it the same way.
/// </summary>
public class when_the_log_holds_a_tombstone(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string TombstoneStream = "1e2fe2c1-ddd5-408a-b006-2fd6fc0326e6";
    private const string EmptyJson = "{}";

    [Fact]
    public async Task the_backfill_passes_over_it_and_links_the_events_after_it()
    {
        var ids = new List<Guid>();
        await using (var engine = await Engine.StartAsync(db))
            ids.Add((await engine.SubmitAsync()).PetitionId);
        await ExecuteAsync($"""
            insert into caseengine.mt_streams (id, type, version, timestamp, created, tenant_id)
              values ('{TombstoneStream}', null, 1, now(), now(), '{Province.Demo}') on conflict do nothing;
            insert into caseengine.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type)
              values (nextval('caseengine.mt_events_sequence'), gen_random_uuid(), '{TombstoneStream}', 1, '{EmptyJson}', 'tombstone', '-infinity',
                      '{Province.Demo}', 'Marten.Events.Operations.Tombstone, Marten');
            """);
        await using (var engine = await Engine.StartAsync(db))
            ids.Add((await engine.SubmitAsync()).PetitionId);
        // Events stored before the chain, on both sides of the tombstone.
        await ExecuteAsync("delete from caseengine.ce_event_chain");

        await using (var engine = await Engine.StartAsync(db))
        {
            await engine.Host.Services.GetRequiredService<EventChainBackfill>().Completion;
            var events = await ScalarAsync("select count(*) from caseengine.mt_events where type <> 'tombstone'");
            (await ScalarAsync("select count(*) from caseengine.ce_event_chain")).ShouldBe(events);
            var broken = new List<ChainVerification>();
            var (streams, _, bad) = await engine.Host.Services.GetRequiredService<EventChain>().VerifyAllAsync(Province.Demo, broken.Add, CancellationToken.None);
            bad.ShouldBe(0, string.Join("; ", broken));
            streams.ShouldBe(ids.Count);
            // An auditor asking for the tombstones' stream by its id (one province: ids without a province are
            // looked for there) is told nothing is there, as for any id that names no petition.
            (await engine.Host.Services.GetRequiredService<EventChain>().VerifyStreamAsync(Guid.Parse(TombstoneStream), CancellationToken.None)).ShouldBeNull();
        }
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(db.ProvinceConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(db.ProvinceConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
