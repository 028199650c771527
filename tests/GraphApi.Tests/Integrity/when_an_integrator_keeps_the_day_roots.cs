using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Integrity;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CaseEngine.GraphApi.Tests.Integrity;

/// <summary>
/// An integrator that kept the day roots, then three attacks on the database (issue 15, "A tamper-evident
/// log"): (a) an old event updated, (b) a stream deleted with its links, (c) the log rewritten and every
/// chain recomputed with the key. The documented verifier (kept roots, inclusion proofs, the
/// verify-chain command) detects each; (c) only through the roots kept outside the database.
/// </summary>
public abstract class IntegratorScenario(DatabaseFixture db) : IAsyncLifetime
{
    protected const string Root = "query($date: Date!) { eventDayRoot(date: $date) { date root eventCount complete } }";
    protected const string Proof = "query($s: Long!) { eventInclusionProof(sequence: $s) { sequence petitionId date leaf index leafCount path { sibling siblingOnLeft } root } }";
    protected const string Verify = "query($id: ID!) { verifyPetitionChain(id: $id) { intact firstBrokenVersion problem checkedEvents } }";

    /// <summary>Generated for this test: never a key of the repository.</summary>
    protected readonly string Key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    protected ApiHost Api { get; private set; } = null!;
    protected DatabaseFixture Db => db;
    protected Guid Mine { get; private set; }
    protected Guid Other { get; private set; }

    /// <summary>What the integrator kept: a root per day, and for each of its events the sequence.</summary>
    protected Dictionary<string, string> KeptRoots { get; } = [];

    public async Task InitializeAsync()
    {
        Api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?>
        {
            // The rotation list with an id, in place of the run's single test key.
            ["CaseEngine:EventChainKey"] = "",
            ["CaseEngine:EventChainKeys:0:Id"] = "test-1",
            ["CaseEngine:EventChainKeys:0:Secret"] = Key,
        });
        (Mine, _, _) = await Api.SubmitAsync();
        await Api.Forward(Mine);
        await Api.Accept(Mine);
        (Other, _, _) = await Api.SubmitAsync(region: "340102");
        await Api.Forward(Other, to: "340102-EDU", by: "340102-PO");

        // The integrator of one county follows its feed, proves each of its events and keeps the day roots.
        var integrator = ScopedIntegrator;
        var events = (await Api.Data("query { events(after: 0, first: 100) { sequence petitionId } }", null, integrator))
            .GetProperty("events").EnumerateArray().ToList();
        events.ShouldNotBeEmpty();
        events.ShouldAllBe(e => e.GetProperty("petitionId").GetString() == Mine.ToString());
        foreach (var e in events)
        {
            var proof = await ProveAsync(e.GetProperty("sequence").GetInt64(), integrator);
            proof.ShouldNotBeNull();
            var date = proof.Value.GetProperty("date").GetString()!;
            var root = (await Api.Data(Root, new { date }, integrator)).GetProperty("eventDayRoot");
            root.GetProperty("root").GetString().ShouldBe(proof.Value.GetProperty("root").GetString());
            KeptRoots[date] = root.GetProperty("root").GetString()!;
        }
        (await VerifyCommandAsync(KeptRoots)).Exit.ShouldBe(0);
    }

    public async Task DisposeAsync() => await Api.DisposeAsync();

    protected string ScopedIntegrator => Api.Token(Role.Integrator, "340101-PO", "integrator-340101");

    /// <summary>
    /// The integrator's check of a proof (docs/operations.md): climb from the leaf through the path and
    /// compare with the root served; null when the server gives no proof.
    /// </summary>
    protected async Task<JsonElement?> ProveAsync(long sequence, string token)
    {
        var proof = (await Api.Data(Proof, new { s = sequence }, token)).GetProperty("eventInclusionProof");
        if (proof.ValueKind == JsonValueKind.Null)
            return null;
        var path = proof.GetProperty("path").EnumerateArray()
            .Select(p => new ProofStep(Convert.FromHexString(p.GetProperty("sibling").GetString()!), p.GetProperty("siblingOnLeft").GetBoolean()));
        var climbed = ChainCodec.Climb(Convert.FromHexString(proof.GetProperty("leaf").GetString()!), path);
        Convert.ToHexStringLower(climbed).ShouldBe(proof.GetProperty("root").GetString());
        return proof;
    }

    /// <summary>The day roots served now that differ from the ones kept.</summary>
    protected async Task<List<string>> DaysThatChangedAsync()
    {
        var changed = new List<string>();
        foreach (var (date, kept) in KeptRoots)
        {
            var now = (await Api.Data(Root, new { date }, ScopedIntegrator)).GetProperty("eventDayRoot").GetProperty("root").GetString();
            if (now != kept)
                changed.Add(date);
        }
        return changed;
    }

    protected async Task<(int Exit, string Output, string Error)> VerifyCommandAsync(Dictionary<string, string>? roots = null)
    {
        var args = new List<string> { $"--ConnectionStrings:Marten={Db.ConnectionString}", "--CaseEngine:EventChainKeys:0:Id=test-1", $"--CaseEngine:EventChainKeys:0:Secret={Key}" };
        // The command starts the engine, which needs every server key outside Development: the run's own.
        args.AddRange(TestKeys.Settings.Where(s => s.Key != "CaseEngine:EventChainKey").Select(s => $"--{s.Key}={s.Value}"));
        if (roots is not null)
        {
            var file = Path.GetTempFileName();
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(roots));
            args.Add($"--roots={file}");
        }
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await VerifyChainCommand.RunAsync([.. args], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    protected async Task SqlAsync(string sql, Guid stream)
    {
        await using var conn = new NpgsqlConnection(Db.ProvinceConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("id", stream);
        await cmd.ExecuteNonQueryAsync();
    }
}

public class when_an_old_event_is_updated(DatabaseFixture db) : IntegratorScenario(db), IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task the_chain_the_day_root_and_the_command_each_show_it()
    {
        await SqlAsync("update caseengine.mt_events set data = jsonb_set(data, '{subject}', '\"无事\"') where stream_id = @id and version = 1", Mine);

        var verified = (await Api.Data(Verify, new { id = Mine }, Api.Auditor())).GetProperty("verifyPetitionChain");
        verified.GetProperty("intact").GetBoolean().ShouldBeFalse();
        verified.GetProperty("firstBrokenVersion").GetInt32().ShouldBe(1);
        verified.GetProperty("problem").GetString().ShouldBe("ALTERED");
        (await DaysThatChangedAsync()).ShouldNotBeEmpty();
        var (exit, _, error) = await VerifyCommandAsync();
        exit.ShouldBe(1);
        error.ShouldContain($"petition {Mine}: broken at version 1 (Altered)");
        // The other county's petition is untouched.
        (await Api.Data(Verify, new { id = Other }, Api.Auditor())).GetProperty("verifyPetitionChain").GetProperty("intact").GetBoolean().ShouldBeTrue();
    }
}

public class when_a_stream_is_deleted(DatabaseFixture db) : IntegratorScenario(db), IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task the_kept_day_root_shows_it_even_with_its_links_gone()
    {
        // A thorough attacker removes the events, the stream and their links: nothing left to verify inside.
        await SqlAsync("""
            delete from caseengine.mt_events where stream_id = @id;
            delete from caseengine.mt_streams where id = @id;
            delete from caseengine.ce_event_chain where stream_id = @id;
            """, Other);

        (await VerifyCommandAsync()).Exit.ShouldBe(0);
        (await DaysThatChangedAsync()).ShouldNotBeEmpty();
        var (exit, output, error) = await VerifyCommandAsync(KeptRoots);
        exit.ShouldBe(1);
        output.ShouldContain("differ");
        error.ShouldContain("the root kept differs");

        // Deleting only the events (the links stay) shows in the chain itself.
        await SqlAsync("delete from caseengine.mt_events where stream_id = @id and version = 3", Mine);
        var verified = (await Api.Data(Verify, new { id = Mine }, Api.Auditor())).GetProperty("verifyPetitionChain");
        verified.GetProperty("firstBrokenVersion").GetInt32().ShouldBe(3);
        verified.GetProperty("problem").GetString().ShouldBe("MISSING_EVENT");
    }
}

public class when_the_log_is_rewritten_with_the_key(DatabaseFixture db) : IntegratorScenario(db), IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task only_the_roots_kept_outside_the_database_show_it()
    {
        // An insider with the key: rewrites an event, drops every link and recomputes them all.
        await SqlAsync("""
            update caseengine.mt_events set data = jsonb_set(data, '{subject}', '"无事"') where stream_id = @id and version = 1;
            delete from caseengine.ce_event_chain;
            """, Mine);
        var linked = await EventChainBackfill.ChainUnlinkedAsync(Api.Services.GetRequiredService<IDocumentStore>(), await Api.Services.GetRequiredService<IDocumentStore>().Storage.FindOrCreateDatabase(Province.Demo),
            Api.Services.GetRequiredService<EventChainKey>(), CancellationToken.None);
        linked.ShouldBeGreaterThan(0);

        (await Api.Data(Verify, new { id = Mine }, Api.Auditor())).GetProperty("verifyPetitionChain").GetProperty("intact").GetBoolean().ShouldBeTrue();
        (await VerifyCommandAsync()).Exit.ShouldBe(0);

        (await DaysThatChangedAsync()).ShouldNotBeEmpty();
        (await VerifyCommandAsync(KeptRoots)).Exit.ShouldBe(1);
    }
}

public class when_roots_and_proofs_are_asked(DatabaseFixture db) : IntegratorScenario(db), IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task an_integrator_proves_only_its_own_events_and_staff_get_no_roots()
    {
        var all = (await Api.Data("query { events(after: 0, first: 100) { sequence petitionId } }", null, Api.Auditor()))
            .GetProperty("events").EnumerateArray().ToList();
        var foreign = all.First(e => e.GetProperty("petitionId").GetString() == Other.ToString()).GetProperty("sequence").GetInt64();
        (await ProveAsync(foreign, ScopedIntegrator)).ShouldBeNull();
        (await ProveAsync(foreign, Api.Auditor())).ShouldNotBeNull();
        (await ProveAsync(foreign, Api.Token(Role.Integrator, sub: "integrator-all"))).ShouldNotBeNull();

        var date = KeptRoots.Keys.First();
        (await Api.GraphQL(Root, new { date }, Api.Officer("340101-PO"))).Code.ShouldBe("FORBIDDEN");
        (await Api.GraphQL(Root, new { date })).Code.ShouldBe("UNAUTHENTICATED");
        (await Api.GraphQL(Verify, new { id = Mine }, ScopedIntegrator)).Code.ShouldBe("FORBIDDEN");
        (await Api.GraphQL(Verify, new { id = Mine }, Api.Officer("340101-PO"))).Code.ShouldBe("FORBIDDEN");
        (await Api.GraphQL(Verify, new { id = Mine })).Code.ShouldBe("UNAUTHENTICATED");
        (await Api.Data(Verify, new { id = Guid.NewGuid() }, Api.Admin())).GetProperty("verifyPetitionChain").ValueKind.ShouldBe(JsonValueKind.Null);
        // Every event in the day's root: as many leaves as events stored that day.
        var root = (await Api.Data(Root, new { date }, Api.Auditor())).GetProperty("eventDayRoot");
        root.GetProperty("eventCount").GetInt32().ShouldBe(all.Count);
    }
}
