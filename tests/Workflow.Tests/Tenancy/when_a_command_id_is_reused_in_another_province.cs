using CaseEngine.Domain;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseEngine.Workflow.Tests.Tenancy;

/// <summary>
/// Issue 19: a <c>commandId</c> is unique across provinces. A submission is routed by its entry region, so a
/// client that retries with the same command id after changing the region reaches another province's database;
/// without the claim in the master database that made a second petition there. The same id to the same
/// province is still a repeat, answered with the first petition.
/// </summary>
public class when_a_command_id_is_reused_in_another_province(ThreeProvinces db) : IClassFixture<ThreeProvinces>
{
    private static readonly Actor Citizen = new("citizen-1", Role.Petitioner, null);

    [Fact]
    public async Task a_submission_retried_to_another_province_is_refused_and_makes_no_second_petition()
    {
        await using var engine = await Engine.StartAsync(db, configure: o => o.RuleBook = NationalDirectory.Rules());
        var commandId = Guid.NewGuid();
        var first = await engine.SubmitAsync(Samples.Complaint(entryRegion: "340102"), Engine.As(Citizen, commandId: commandId));

        // The same request again: a repeat, answered with the first petition.
        var again = await engine.SubmitAsync(Samples.Complaint(entryRegion: "340102"), Engine.As(Citizen, commandId: commandId));
        again.PetitionId.ShouldBe(first.PetitionId);
        again.Repeated.ShouldBeTrue();

        // The same id with the region changed to Jiangsu: refused, and Jiangsu's database holds nothing of it.
        var streams = await CountAsync(Province.Jiangsu, "mt_streams", null);
        var refused = await Should.ThrowAsync<RuleViolation>(() =>
            engine.SubmitAsync(Samples.Complaint(entryRegion: "320102"), Engine.As(Citizen, commandId: commandId)));
        refused.Code.ShouldBe(RuleCode.Validation);
        refused.Message.ShouldContain("commandId");
        (await CountAsync(Province.Jiangsu, "mt_doc_commandrecord", commandId)).ShouldBe(0);
        (await CountAsync(Province.Jiangsu, "mt_streams", null)).ShouldBe(streams);
    }

    [Fact]
    public async Task a_refused_submission_claims_nothing_so_the_corrected_one_may_go_to_another_province()
    {
        await using var engine = await Engine.StartAsync(db, configure: o => o.RuleBook = NationalDirectory.Rules());
        var commandId = Guid.NewGuid();
        var refused = await Should.ThrowAsync<RuleViolation>(() =>
            engine.SubmitAsync(Samples.Complaint(entryRegion: "340102") with { Subject = "" }, Engine.As(Citizen, commandId: commandId)));
        refused.Code.ShouldBe(RuleCode.Validation);
        var corrected = await engine.SubmitAsync(Samples.Complaint(entryRegion: "320102"), Engine.As(Citizen, commandId: commandId));
        Engine.ProvinceOf(corrected.PetitionId).ShouldBe(Province.Jiangsu);
    }

    [Fact]
    public async Task two_first_tries_racing_to_two_provinces_make_one_petition()
    {
        await using var engine = await Engine.StartAsync(db, configure: o => o.RuleBook = NationalDirectory.Rules());
        for (var round = 0; round < 10; round++)
        {
            var commandId = Guid.NewGuid();
            var tries = await Task.WhenAll(new[] { "330102", "330102", "340102" }.Select(async region =>
            {
                try
                {
                    return (Region: region, Result: (CommandResult?)await engine.SubmitAsync(Samples.Complaint(entryRegion: region),
                        Engine.As(Citizen, commandId: commandId)), Refusal: (RuleViolation?)null);
                }
                catch (RuleViolation e)
                {
                    return (Region: region, Result: null, Refusal: e);
                }
            }));
            // The two Zhejiang tries are one command (one runs, the other is its repeat), or both are refused if Anhui's claim came first.
            var petitions = tries.Where(t => t.Result is not null).Select(t => t.Result!.PetitionId).Distinct().ToList();
            petitions.Count.ShouldBe(1, $"round {round}: {string.Join("; ", tries.Select(t => $"{t.Region} {t.Refusal?.WireCode ?? "ok"}"))}");
            tries.Where(t => t.Refusal is not null).ShouldAllBe(t => t.Refusal!.Code == RuleCode.Validation);
            var provinces = tries.Where(t => t.Result is not null).Select(t => t.Region[..2]).Distinct().ToList();
            provinces.Count.ShouldBe(1, $"round {round}: petitions made in one province only");
            var records = 0L;
            foreach (var province in new[] { Province.Anhui, Province.Jiangsu, Province.Zhejiang })
                records += await CountAsync(province, "mt_doc_commandrecord", commandId);
            records.ShouldBe(1, $"round {round}: one command record in all the databases");
        }
    }

    [Fact]
    public async Task the_batch_path_refuses_an_id_another_province_claimed()
    {
        await using var engine = await Engine.StartAsync(db, configure: o => o.RuleBook = NationalDirectory.Rules());
        var claimed = Guid.NewGuid();
        await engine.SubmitAsync(Samples.Complaint(entryRegion: "340102"), Engine.As(Citizen, commandId: claimed));
        var fresh = Guid.NewGuid();

        var outcomes = await engine.Host.Services.GetRequiredService<CommandBatch>().RunAsync(
        [
            new CommandEnvelope(Engine.As(Citizen, commandId: claimed), Samples.Complaint(entryRegion: "320102")),
            new CommandEnvelope(Engine.As(Citizen, commandId: fresh), Samples.Complaint(entryRegion: "320102")),
        ]);
        outcomes[0].Refusal.ShouldNotBeNull().Code.ShouldBe(RuleCode.Validation);
        outcomes[1].Succeeded.ShouldBeTrue();
        (await CountAsync(Province.Jiangsu, "mt_doc_commandrecord", claimed)).ShouldBe(0);
        (await CountAsync(Province.Jiangsu, "mt_doc_commandrecord", fresh)).ShouldBe(1);
    }

    private async Task<long> CountAsync(string province, string table, Guid? id)
    {
        await using var connection = new NpgsqlConnection(db.ProvinceConnectionStringOf(province));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from caseengine.{table}{(id is null ? "" : " where id = @id")}", connection);
        if (id is { } value)
            command.Parameters.AddWithValue("id", value);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
