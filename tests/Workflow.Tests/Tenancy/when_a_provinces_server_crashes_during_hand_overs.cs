using System.Diagnostics;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Hosting;
using CaseEngine.Workflow.Tenancy;
using Npgsql;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace CaseEngine.Workflow.Tests.Tenancy;

/// <summary>
/// Issue 20: Zhejiang's database on a PostgreSQL server of its own, stopped with an immediate shutdown for 60 s
/// while the national office hands petitions down to Zhejiang and to Anhui and Anhui transfers petitions to
/// Zhejiang. Hand-overs to Anhui keep arriving meanwhile; those to Zhejiang wait in the sending databases and
/// arrive when its server is back; every petition handed over has exactly one copy, mirrored to its end.
/// </summary>
[RunsLong]
public class when_a_provinces_server_crashes_during_hand_overs(NationAnhuiJiangsu db, ITestOutputHelper output) : IClassFixture<NationAnhuiJiangsu>
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(60);
    private static readonly Actor NationalOfficer = new("officer@000000-PO", Role.Officer, "000000-PO");
    private static readonly Actor AnhuiSupervisor = new("supervisor@340102-PO", Role.Supervisor, "340102-PO");

    [Fact]
    public async Task every_hand_over_sent_while_it_is_down_arrives_once_when_it_is_back_and_the_other_provinces_flow_meanwhile()
    {
        await using var zhejiangServer = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Name = "handover-zhejiang" });
        await zhejiangServer.CreateDatabaseAsync("zhejiang");
        var zhejiang = zhejiangServer.ConnectionStringFor("zhejiang");
        await ProvinceDatabases.RecordAsync(db.ConnectionString, Province.Zhejiang, zhejiang);
        await using var engine = await Engine.StartAsync(db, configure: o => o.RuleBook = NationalDirectory.Rules());

        var toZhejiang = new List<Guid>();
        var toAnhui = new List<Guid>();
        async Task HandDownAsync(string agency, List<Guid> into)
        {
            var submitted = await engine.SubmitAsync(Samples.Complaint(entryRegion: "000000"), Engine.Anonymously());
            await engine.SendAsync(new CommandEnvelope(Engine.As(NationalOfficer), new ForwardPetition(submitted.PetitionId, agency, ForwardMode.Assign)));
            into.Add(submitted.PetitionId);
        }
        async Task TransferAsync()
        {
            var submitted = await engine.SubmitAsync(Samples.Complaint(entryRegion: "340102"));
            await engine.SendAsync(new CommandEnvelope(Engine.As(AnhuiSupervisor), new TransferLevel(submitted.PetitionId, "330102-PO", "事发地在浙江省")));
            toZhejiang.Add(submitted.PetitionId);
        }

        // Before the crash: hand-overs to Zhejiang arrive.
        for (var i = 0; i < 3; i++)
            await HandDownAsync("330102-EDU", toZhejiang);
        await Poll.UntilAsync(async () => await CopiesAsync(zhejiang) == 3 ? "arrived" : null, TimeSpan.FromSeconds(60));

        zhejiangServer.StopServer(immediate: true);
        var outage = Stopwatch.StartNew();
        var beforeOutage = (toZhejiang.Count, toAnhui.Count);
        // Load for the whole outage, at a steady pace (about 12 commands a second): hand-downs to both provinces
        // and transfers from Anhui to Zhejiang.
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        while (outage.Elapsed < Outage && await pace.WaitForNextTickAsync())
        {
            await HandDownAsync("330102-EDU", toZhejiang);
            await HandDownAsync("340102-EDU", toAnhui);
            await TransferAsync();
        }
        // Anhui's copies arrived while Zhejiang was down; Zhejiang's wait, visibly, in the sending databases.
        output.WriteLine($"outage over after {outage.Elapsed.TotalSeconds:0} s: {toAnhui.Count} sent to Anhui, {await CopiesAsync(db.ProvinceConnectionStringOf(Province.Anhui))} arrived; " +
            $"waiting in the nation {await WaitingAsync(db.ProvinceConnectionStringOf(Province.Nation))}, in Anhui {await WaitingAsync(db.ProvinceConnectionStringOf(Province.Anhui))}");
        await Poll.UntilAsync(async () => await CopiesAsync(db.ProvinceConnectionStringOf(Province.Anhui)) == toAnhui.Count ? "arrived" : null,
            TimeSpan.FromSeconds(60));
        var waiting = await WaitingAsync(db.ProvinceConnectionStringOf(Province.Nation)) + await WaitingAsync(db.ProvinceConnectionStringOf(Province.Anhui));
        output.WriteLine($"outage {outage.Elapsed.TotalSeconds:0} s: {toZhejiang.Count - beforeOutage.Item1} hand-overs to Zhejiang, " +
            $"{toAnhui.Count} to Anhui sent during it; {waiting} waiting");
        waiting.ShouldBeGreaterThanOrEqualTo(1);

        zhejiangServer.StartServer();
        var back = Stopwatch.StartNew();
        // This test's own pooled connections to Zhejiang died with its server.
        NpgsqlConnection.ClearAllPools();
        await Poll.UntilAsync(async () =>
            await WaitingAsync(db.ProvinceConnectionStringOf(Province.Nation)) + await WaitingAsync(db.ProvinceConnectionStringOf(Province.Anhui)) == 0
            && await CopiesAsync(zhejiang) == toZhejiang.Count ? "delivered" : null, TimeSpan.FromSeconds(120));
        output.WriteLine($"every hand-over to Zhejiang arrived {back.Elapsed.TotalSeconds:0.0} s after its server was back");

        // Exactly once: one copy per origin, each origin mirrors its copy's version (reports after the arrival too).
        var copies = new Dictionary<Guid, (Guid Copy, int Version)>();
        foreach (var connection in new[] { zhejiang, db.ProvinceConnectionStringOf(Province.Anhui) })
            foreach (var (origin, copy, version) in await CopiesByOriginAsync(connection))
                copies.TryAdd(origin, (copy, version)).ShouldBeTrue($"origin {origin} has one copy");
        foreach (var origin in toZhejiang.Concat(toAnhui))
        {
            copies.ShouldContainKey(origin);
            var mirrored = await Poll.UntilAsync(async () =>
                await engine.PetitionAsync(origin) is { Link: { } link } p && link.ReportedVersion == copies[origin].Version ? p : null, TimeSpan.FromSeconds(60));
            mirrored.Link!.PetitionId.ShouldBe(copies[origin].Copy);
        }
        copies.Count.ShouldBe(toZhejiang.Count + toAnhui.Count);
    }

    private static async Task<long> CopiesAsync(string connectionString) => (await CopiesByOriginAsync(connectionString)).Count;

    private static async Task<List<(Guid Origin, Guid Copy, int Version)>> CopiesByOriginAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select (data -> 'link' ->> 'petitionId')::uuid, id, (data ->> 'version')::int from caseengine.mt_doc_petition " +
            "where jsonb_typeof(data -> 'link') = 'object' and data -> 'link' ->> 'role' in ('Copy', '1')", connection);
        var rows = new List<(Guid, Guid, int)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetInt32(2)));
        return rows;
    }

    private static async Task<long> WaitingAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(Linking.LinkCommand.WaitingSql("caseengine"), connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
