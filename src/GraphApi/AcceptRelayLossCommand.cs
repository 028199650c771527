using CaseEngine.GraphApi.Reading;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Hosting;
using CaseEngine.Workflow.Tenancy;
using Marten;
using Npgsql;

namespace CaseEngine.GraphApi;

/// <summary>
/// <c>dotnet run --project src/GraphApi -- accept-relay-loss --province=330000</c>, with <c>ConnectionStrings__Marten</c>
/// in the environment: a province database restored or failed over behind the national log's relay lost
/// events the relay had relayed, and no copy of them is left (docs/operations.md, "A province database behind
/// the national log"). It finds the entries whose events are gone from the province's log, moves the
/// province's event sequence past the relay's mark, and records that the loss is accepted, so the relay's
/// check reads only what is relayed from now on and the halted relay resumes on its next round, on whichever
/// node holds it. The lost entries stay in the national log, which is append-only; the feed skips them.
/// Exit 0 when accepted or nothing was lost, 1 when the database cannot be reached, 2 on a usage error.
/// </summary>
public static class AcceptRelayLossCommand
{
    private const int Page = 1000;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var province = args.FirstOrDefault(a => a.StartsWith("--province=", StringComparison.Ordinal))?["--province=".Length..];
        if (string.IsNullOrEmpty(province))
        {
            error.WriteLine("accept-relay-loss needs --province=<code>: the province whose relayed events are lost");
            return 2;
        }
        var builder = WebApplication.CreateBuilder(args.Where(a => a.StartsWith('-') && !a.StartsWith("--province=", StringComparison.Ordinal)).ToArray());
        builder.AddCaseEngine();
        await using var app = builder.Build();
        IReadOnlyList<string> all;
        try
        {
            await app.Services.GetRequiredService<ConfiguredDatabase>().CheckReachableAsync();
            all = await app.Services.GetRequiredService<ProvinceDatabases>().AllAsync();
        }
        catch (Exception e) when (e is not HostAbortedException)
        {
            ServerStart.Report(e, error);
            return 1;
        }
        if (!all.Contains(province))
        {
            error.WriteLine($"--province: no such province database; one of {string.Join(", ", all)}");
            return 2;
        }
        try
        {
            return await AcceptAsync(app.Services, province, output, CancellationToken.None);
        }
        catch (Exception e) when (e is not HostAbortedException)
        {
            // The province's database down, the master gone meanwhile: one line, as at a start.
            ServerStart.Report(e, error);
            return 1;
        }
    }

    private static async Task<int> AcceptAsync(IServiceProvider services, string province, TextWriter output, CancellationToken ct)
    {
        var log = new NationalLog(services.GetRequiredService<MasterDataSource>());
        var schema = services.GetRequiredService<IDocumentStore>().Options.Events.DatabaseSchemaName;
        await using var connection = await ProvinceLog.OpenAsync(services.GetRequiredService<ProvinceDatabases>(), province, ct);

        // The loss is at the log's end: walk back from the newest entries a page at a time, to the first page the
        // province's log holds whole.
        var (gone, taken, newest, oldest) = (0, 0, 0L, 0L);
        for (var before = long.MaxValue; ;)
        {
            var page = await log.ProvinceEntriesAsync(province, before, Page, ct);
            var held = await ProvinceLog.HeldAsync(connection, schema, [.. page.Select(e => e.ProvinceSequence)], ct);
            var missing = page.Where(e => !ProvinceLog.Holds(held, e.ProvinceSequence, e.Event)).ToList();
            if (missing.Count == 0)
                break;
            gone += missing.Count;
            taken += missing.Count(e => held.ContainsKey(e.ProvinceSequence));
            newest = newest == 0 ? missing[0].ProvinceSequence : newest;
            oldest = missing[^1].ProvinceSequence;
            before = page[^1].ProvinceSequence;
        }
        // First, so that nothing appended from now on takes a number the national log has passed.
        await ProvinceLog.AdvanceSequencePastAsync(connection, schema, await log.RelayedToAsync(province, ct), ct);
        if (gone == 0)
        {
            output.WriteLine($"province {province}: its log holds every event relayed to the national log; nothing to accept");
            return 0;
        }
        var accepted = await log.AcceptThroughMarkAsync(province, ct);
        output.WriteLine($"province {province}: {gone} relayed event(s) are gone from its log (sequences {oldest} to {newest}); " +
            $"{taken} of their numbers now hold other events, which the national log will not carry; the relay resumes after sequence {accepted}");
        return 0;
    }
}
