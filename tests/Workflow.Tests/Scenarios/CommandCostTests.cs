using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Submitting;
using static CaseEngine.Workflow.Tests.Scenarios.Steps;

namespace CaseEngine.Workflow.Tests.Scenarios;

/// <summary>
/// Issue 17: a command is one transaction and as few round trips as its decision allows — a
/// submission writes at once (its command record's key answers a repeat, its case number comes from a
/// reserved block) and nothing is read back; what it answers is what the log holds. Round trips over
/// HTTP are counted by tools/ApiProfile (bench/tuning.md).
/// </summary>
public class when_a_command_runs(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task a_submission_answers_what_the_log_holds_without_reading_it_back()
    {
        await using var engine = await Engine.StartAsync(db);
        await engine.SubmitAsync(); // the first submission of a region and year reserves this host's block
        engine.Clock.Advance(TimeSpan.FromTicks(1_234_567)); // a time finer than PostgreSQL keeps

        var submitted = await engine.SubmitAsync();

        await ShouldBeTheLogAsync(engine, submitted);
    }

    [Fact]
    public async Task a_command_on_a_petition_answers_what_the_log_holds_without_reading_it_back()
    {
        await using var engine = await Engine.StartAsync(db);
        var id = (await engine.SubmitAsync()).PetitionId;

        engine.Clock.Advance(TimeSpan.FromTicks(7_654_321)); // a time finer than PostgreSQL keeps
        var forwarded = await engine.Forward(id);

        await ShouldBeTheLogAsync(engine, forwarded);
    }

    // Marten's inline snapshot projection loaded the petition a second time in every command's
    // transaction (select … mt_doc_petition where id = ANY): the pipeline now stores the decision's own fold.
    [Fact]
    public async Task a_command_on_a_petition_reads_the_petition_once()
    {
        await using var engine = await Engine.StartAsync(db);
        var id = (await engine.SubmitAsync()).PetitionId;
        using var statements = StatementCapture.InTraces(db.ProvinceConnectionString);
        using (statements.Begin("forward"))
            (await engine.Forward(id)).Events.ShouldNotBeEmpty();

        statements.Statements.ShouldNotBeEmpty();
        // Reads of the petition document ("from <schema>.mt_doc_petition"), whatever batch they ride in.
        statements.Statements.Sum(s => System.Text.RegularExpressions.Regex.Count(s, @"from \w+\.mt_doc_petition\b"))
            .ShouldBe(1, string.Join("\n", statements.Statements));
        var json = engine.Store.Options.Serializer();
        json.ToJson(await engine.PetitionAsync(id)).ShouldBe(json.ToJson(Petition.Fold((await engine.StreamAsync(id)).Select(e => (IPetitionEvent)e.Data))));
    }

    [Fact]
    public async Task a_repeated_submission_is_answered_by_the_command_records_key_and_leaves_a_gap()
    {
        await using var engine = await Engine.StartAsync(db);
        var meta = Engine.As(Citizen);
        var first = await engine.SubmitAsync(Samples.Complaint(entryRegion: "340104"), meta);
        var again = await engine.SubmitAsync(Samples.Complaint(entryRegion: "340104"), meta);
        var next = await engine.SubmitAsync(Samples.Complaint(entryRegion: "340104"));

        again.Repeated.ShouldBeTrue();
        (again.PetitionId, again.CaseNumber, again.AccessCode).ShouldBe((first.PetitionId, first.CaseNumber, first.AccessCode));
        // The repeat took a number before its commit found the first execution: the next one skips it.
        first.CaseNumber.ShouldBe("340104-2025-000001");
        next.CaseNumber.ShouldBe("340104-2025-000003");
        (await engine.StreamAsync(first.PetitionId)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task case_numbers_from_two_hosts_on_one_database_are_unique_and_each_host_numbers_from_its_own_block()
    {
        await using var one = await Engine.StartAsync(db);
        await using var two = await Engine.StartAsync(db);
        var numbers = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            numbers.Add((await one.SubmitAsync(Samples.Complaint(entryRegion: "340105"))).CaseNumber!);
            numbers.Add((await two.SubmitAsync(Samples.Complaint(entryRegion: "340105"))).CaseNumber!);
        }
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
            (await (i % 2 == 0 ? one : two).SubmitAsync(Samples.Complaint(entryRegion: "340105"))).CaseNumber!)));
        numbers.AddRange(concurrent);

        numbers.Distinct().Count().ShouldBe(numbers.Count);
        // Not in submission order across hosts: each host hands out its own block.
        numbers.Take(6).ShouldBe([
            "340105-2025-000001", $"340105-2025-{CaseNumbers.BlockSize + 1:000000}",
            "340105-2025-000002", $"340105-2025-{CaseNumbers.BlockSize + 2:000000}",
            "340105-2025-000003", $"340105-2025-{CaseNumbers.BlockSize + 3:000000}"]);
    }

    /// <summary>The result's events are the stored ones: sequence, version, type, time, correlation, causation and actor.</summary>
    private static async Task ShouldBeTheLogAsync(Engine engine, CommandResult result)
    {
        var stream = await engine.StreamAsync(result.PetitionId);
        var stored = stream.Where(e => e.Version >= result.Events[0].Version && e.Version <= result.Version)
            .Select(CaseEngine.Projections.History.StoredEvent.From).ToList();
        result.Events.Select(Shape).ShouldBe(stored.Select(Shape));
        result.Version.ShouldBe((int)stream[^1].Version);
        result.State.ShouldNotBeNull().Version.ShouldBe(result.Version);
    }

    private static string Shape(CaseEngine.Projections.History.StoredEvent e) =>
        $"{e.Sequence} {e.PetitionId} v{e.Version} {e.Type} {e.OccurredAt.UtcTicks} {e.CorrelationId} {e.CausationId} {e.Actor}";
}
