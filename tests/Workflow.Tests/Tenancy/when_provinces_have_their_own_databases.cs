using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Testing;
using CaseEngine.Workflow.Tenancy;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseEngine.Workflow.Tests.Tenancy;

/// <summary>
/// Issue 19: one database per province behind one engine. Every command and its read side land in
/// the database of the province the command names (the entry region, the petition's id), and nowhere
/// else; the deadline sweep fires each province's timers in its own database.
/// </summary>
public class when_provinces_have_their_own_databases(ThreeProvinces db) : IClassFixture<ThreeProvinces>
{
    private static readonly (string Province, string EntryRegion)[] Entries =
        [(Province.Anhui, "340102"), (Province.Jiangsu, "320102"), (Province.Zhejiang, "330102")];

    [Fact]
    public async Task each_petition_its_read_side_and_its_deadlines_live_in_its_provinces_database_only()
    {
        await using var engine = await Engine.StartAsync(db, configure: o => o.RuleBook = NationalDirectory.Rules());
        var submitted = new Dictionary<string, Guid>();
        foreach (var (province, region) in Entries)
        {
            var result = await engine.SubmitAsync(Samples.Complaint(entryRegion: region));
            PetitionIds.ProvinceOf(result.PetitionId).ShouldBe(province);
            result.CaseNumber.ShouldStartWith(region + "-");
            submitted[province] = result.PetitionId;
        }
        await engine.Store.SettleAsync(TimeSpan.FromSeconds(60));

        foreach (var (province, _) in Entries)
        {
            foreach (var (other, id) in submitted)
            {
                var expected = other == province ? 1 : 0;
                (await CountAsync(province, "mt_streams", "id", id)).ShouldBe(expected, $"stream of {other} in {province}");
                (await CountAsync(province, "mt_doc_petition", "id", id)).ShouldBe(expected, $"petition document of {other} in {province}");
                (await CountAsync(province, ReadSideSchema.InboxTable, "petition_id", id)).ShouldBe(expected, $"inbox row of {other} in {province}");
            }
        }

        // A command on a petition reaches its database from the id alone: a second engine command, then the stream.
        foreach (var (province, id) in submitted)
            (await engine.PetitionAsync(id)).Id.ShouldBe(id, $"petition of {province}");

        // Twenty days on, every acceptance limit has passed: each province's timer fires in its own database, once.
        engine.Clock.Advance(TimeSpan.FromDays(20));
        (await engine.SweepAsync()).ShouldBe(3);
        (await engine.SweepAsync()).ShouldBe(0);
        foreach (var (province, id) in submitted)
            (await engine.StreamAsync(id)).Select(e => e.Data).OfType<DeadlineMissed>().ShouldHaveSingleItem($"missed limit of {province}");
    }

    [Fact]
    public async Task a_submission_to_a_province_without_a_database_and_a_command_on_an_id_naming_none_are_refused_without_a_scan()
    {
        await using var engine = await Engine.StartAsync(db, configure: o => o.RuleBook = NationalDirectory.Rules());
        var beijing = await Should.ThrowAsync<RuleViolation>(() => engine.SubmitAsync(Samples.Complaint(entryRegion: "110101")));
        beijing.Code.ShouldBe(RuleCode.Validation);

        var anhui = await engine.SubmitAsync(Samples.Complaint(entryRegion: "340102"));
        // The same petition under an id that names Jiangsu, and under a random id: no database holds either.
        var bytes = anhui.PetitionId.ToByteArray(bigEndian: true);
        bytes[7] = 32;
        bytes[9] = (byte)(32 ^ 0xA5);
        foreach (var id in new[] { new Guid(bytes, bigEndian: true), Guid.NewGuid() })
        {
            var refused = await Should.ThrowAsync<RuleViolation>(() => engine.SendAsync(new Commands.CommandEnvelope(
                Engine.As(new Actor("officer-1", Role.Officer, "340102-PO")), new Domain.Petitions.Handling.AcceptPetition(id))));
            refused.Code.ShouldBe(RuleCode.NotFound);
        }
    }

    [Fact]
    public async Task a_province_database_registered_while_running_gets_its_schema_read_side_and_timers()
    {
        await using var engine = await Engine.StartAsync(db, configure: o => o.RuleBook = NationalDirectory.Rules());
        const string Shanghai = "310000";
        (await Should.ThrowAsync<RuleViolation>(() => engine.SubmitAsync(Samples.Complaint(entryRegion: "310101")))).Code.ShouldBe(RuleCode.Validation);

        var connectionString = await db.CreateProvinceDatabaseAsync(Shanghai);
        await engine.Host.Services.GetRequiredService<ProvinceDatabases>().RegisterAsync(Shanghai, connectionString);
        (await engine.Host.Services.GetRequiredService<ProvinceDatabases>().AllAsync()).ShouldContain(Shanghai);

        var submitted = await engine.SubmitAsync(Samples.Complaint(entryRegion: "310101"));
        PetitionIds.ProvinceOf(submitted.PetitionId).ShouldBe(Shanghai);
        (await CountAsync(Shanghai, "mt_streams", "id", submitted.PetitionId)).ShouldBe(1);
        // The daemon took the new database on: its inbox has the row.
        await Poll.UntilAsync(async () => await CountAsync(Shanghai, ReadSideSchema.InboxTable, "petition_id", submitted.PetitionId) == 1 ? "row" : null,
            TimeSpan.FromSeconds(60));

        engine.Clock.Advance(TimeSpan.FromDays(20));
        (await engine.SweepAsync()).ShouldBeGreaterThanOrEqualTo(1);
        (await engine.StreamAsync(submitted.PetitionId)).Select(e => e.Data).OfType<DeadlineMissed>().ShouldHaveSingleItem();
    }

    private async Task<long> CountAsync(string province, string table, string column, Guid id)
    {
        await using var connection = new NpgsqlConnection(db.ProvinceConnectionStringOf(province));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from caseengine.{table} where {column} = @id", connection);
        command.Parameters.AddWithValue("id", id);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>
/// A deployment upgraded from one database: its petitions have ids made before ids named a province. With
/// that one province database they are still found by id, and their deadline timers still fire (the
/// benchmark's kept data showed the sweep refusing them as NOT_FOUND before this was handled).
/// </summary>
public class when_a_petition_was_stored_before_ids_named_a_province(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task it_is_found_by_its_id_and_its_deadline_fires_while_one_province_database_is_served()
    {
        await using var engine = await Engine.StartAsync(db);
        var submitted = await engine.SubmitAsync();
        var legacy = Guid.CreateVersion7(engine.Clock.GetUtcNow());
        PetitionIds.ProvinceOf(legacy).ShouldBeNull();
        // The same petition as an old version stored it: its stream, its snapshot and its open timer under an id of no province.
        await using (var connection = new NpgsqlConnection(db.ProvinceConnectionString))
        {
            await connection.OpenAsync();
            await using var copy = new NpgsqlCommand("""
                insert into caseengine.mt_streams
                  select (jsonb_populate_record(null::caseengine.mt_streams, to_jsonb(s) || jsonb_build_object('id', @legacy))).*
                  from caseengine.mt_streams s where id = @id;
                update caseengine.mt_events set stream_id = @legacy where stream_id = @id;
                delete from caseengine.mt_streams where id = @id;
                insert into caseengine.mt_doc_petition
                  select (jsonb_populate_record(null::caseengine.mt_doc_petition,
                    to_jsonb(d) || jsonb_build_object('id', @legacy, 'data', jsonb_set(d.data, '{id}', to_jsonb(@legacy::text))))).*
                  from caseengine.mt_doc_petition d where id = @id;
                delete from caseengine.mt_doc_petition where id = @id;
                update caseengine.mt_doc_deadlinetimer set data = jsonb_set(data, '{petitionId}', to_jsonb(@legacy::text)) where data ->> 'petitionId' = @id::text;
                """, connection);
            copy.Parameters.AddWithValue("legacy", legacy);
            copy.Parameters.AddWithValue("id", submitted.PetitionId);
            await copy.ExecuteNonQueryAsync();
        }

        (await engine.Host.Services.GetRequiredService<ProvinceDatabases>().OfPetitionAsync(legacy)).ShouldBe(Province.Demo);
        engine.Clock.Advance(TimeSpan.FromDays(20));
        (await engine.SweepAsync()).ShouldBe(1);
        (await engine.StreamAsync(legacy)).Select(e => e.Data).OfType<DeadlineMissed>().ShouldHaveSingleItem();
    }
}

