using CaseEngine.GraphApi.Reading;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseEngine.GraphApi.Tests.Tenancy;

/// <summary>
/// Issue 19: a province database restored behind the national log's relay, with no copy left of the events it
/// lost. The relay stays halted until an operator accepts the loss (<c>accept-relay-loss</c>); then it resumes
/// after its mark, the lost entries stay in the national log and the feed skips them.
/// </summary>
public class when_a_province_loses_relayed_events_for_good(ThreeProvinces db) : IClassFixture<ThreeProvinces>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task the_operator_accepts_the_loss_and_the_relay_resumes_after_its_mark()
    {
        await using var api = await ApiHost.StartAsync(db, services: s => s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules())));
        var relay = api.Services.GetRequiredService<NationalRelay>();
        var (kept, _, _) = await api.SubmitAsync(region: "320102");
        var (lost, _, _) = await api.SubmitAsync(region: "320102");
        var last = await NationalFeed.RelayedAsync(api, db, Province.Jiangsu, Bound);

        // What a restore to a point before the second petition leaves: its events gone for good.
        int deleted;
        await using (var province = new NpgsqlConnection(db.ProvinceConnectionStringOf(Province.Jiangsu)))
        {
            await province.OpenAsync();
            await using var delete = new NpgsqlCommand("delete from caseengine.mt_events where stream_id = $1", province);
            delete.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = lost });
            deleted = await delete.ExecuteNonQueryAsync();
            deleted.ShouldBeGreaterThan(0);
        }
        await Poll.UntilAsync(() => Task.FromResult(relay.Behind().Contains(Province.Jiangsu) ? relay.Behind() : null), Bound);

        // Not accepted by a wrong province, nor without one.
        var usage = new StringWriter();
        (await AcceptAsync(["--province=999999"], usage)).ShouldBe(2);
        usage.ToString().ShouldContain("no such province database");
        (await AcceptAsync([], new StringWriter())).ShouldBe(2);

        var output = new StringWriter();
        (await AcceptAsync([$"--province={Province.Jiangsu}"], output)).ShouldBe(0);
        output.ToString().ShouldContain($"province {Province.Jiangsu}: {deleted} relayed event(s) are gone from its log (sequences {last - deleted + 1} to {last}); 0 of their numbers now hold other events");

        // The relay resumes by itself and relays the next petition; the feed skips the lost entry and serves the rest.
        await Poll.UntilAsync(() => Task.FromResult(relay.Behind().Count == 0 ? new[] { true } : null), Bound);
        var (next, _, _) = await api.SubmitAsync(region: "320102");
        var feed = await Poll.UntilAsync(async () =>
        {
            var page = await NationalFeed.FeedAsync(api, api.Auditor(), after: 0);
            return page.Any(e => e.PetitionId == next) ? page : null;
        }, Bound);
        feed.ShouldContain(e => e.PetitionId == kept);
        feed.ShouldNotContain(e => e.PetitionId == lost);

        // Run again, there is nothing left to accept.
        var again = new StringWriter();
        (await AcceptAsync([$"--province={Province.Jiangsu}"], again)).ShouldBe(0);
        again.ToString().ShouldContain("nothing to accept");
    }

    [Fact]
    public async Task a_province_database_that_does_not_answer_is_one_line_and_exit_1()
    {
        // Guangxi listed on a database that does not exist: the command reaches the master, then fails on the province.
        var missing = db.ProvinceConnectionStringOf("450000");
        await Workflow.Tenancy.ProvinceDatabases.RecordAsync(db.ConnectionString, "450000", missing);
        var error = new StringWriter();
        try
        {
            (await AcceptAsync(["--province=450000"], error)).ShouldBe(1);
        }
        finally
        {
            // Unlisted again: a host of this class's other test would meet it at its start.
            await using var master = new NpgsqlConnection(db.ConnectionString);
            await master.OpenAsync();
            await using var unlist = new NpgsqlCommand(
                $"delete from {Workflow.Tenancy.ProvinceDatabases.MasterSchema}.mt_tenant_databases where tenant_id = '450000'", master);
            (await unlist.ExecuteNonQueryAsync()).ShouldBe(1);
        }

        var text = error.ToString().TrimEnd();
        text.Split('\n').ShouldHaveSingleItem();
        text.ShouldNotContain(" at ");
        text.ShouldNotContain(new NpgsqlConnectionStringBuilder(missing).Password!);
    }

    private Task<int> AcceptAsync(string[] args, StringWriter output) =>
        AcceptRelayLossCommand.RunAsync([.. args, $"--ConnectionStrings:Marten={db.ConnectionString}",
            $"--CaseEngine:Directory:Divisions={NationalDirectory.DivisionsFolder()}", .. TestKeys.Settings.Select(s => $"--{s.Key}={s.Value}")],
            output, output);
}
