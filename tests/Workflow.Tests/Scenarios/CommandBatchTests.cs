using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Submitting;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static CaseEngine.Workflow.Tests.Scenarios.Steps;

namespace CaseEngine.Workflow.Tests.Scenarios;

public class a_command_batch(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static Task<IReadOnlyList<BatchOutcome>> RunAsync(Engine engine, params CommandEnvelope[] commands) =>
        engine.Host.Services.GetRequiredService<CommandBatch>().RunAsync(commands);

    private static CommandEnvelope Submission(string region = "340101") =>
        new(Engine.As(Citizen), Samples.Complaint(entryRegion: region));

    [Fact]
    public async Task decides_each_command_alone_with_its_own_metadata_and_keeps_the_others_when_one_is_refused()
    {
        await using var engine = await Engine.StartAsync(db);
        var submitted = await RunAsync(engine, Submission(), Submission(), Submission("340102"));
        submitted.ShouldAllBe(o => o.Succeeded && !o.Repeated && o.Version == 1);
        var numbers = submitted.Take(2).Select(o => int.Parse(o.CaseNumber![^6..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        numbers[1].ShouldBe(numbers[0] + 1);                     // one counter update for the region's two
        var codes = engine.Host.Services.GetRequiredService<AccessCodes>();
        submitted.ShouldAllBe(o => codes.Verify(o.PetitionId, o.AccessCode!));

        var (a, b, c) = (submitted[0].PetitionId, submitted[1].PetitionId, submitted[2].PetitionId);
        var forward = new CommandEnvelope(Engine.As(Officer("340101-PO")), new ForwardPetition(a, "340101-EDU", ForwardMode.Transfer, "请依法处理"));
        var assign = new CommandEnvelope(Engine.As(Officer("340101-PO")), new ReclassifyPetition(b, PetitionCategory.Suggestion, "更正分类"));
        var acceptTooEarly = new CommandEnvelope(Engine.As(Officer("340101-EDU")), new AcceptPetition(c));
        var outcomes = await RunAsync(engine, forward, acceptTooEarly, assign);

        outcomes[0].Succeeded.ShouldBeTrue();
        outcomes[0].Events.ShouldHaveSingleItem().ShouldBeOfType<PetitionForwarded>();
        outcomes[1].Refusal.ShouldNotBeNull().Code.ShouldBe(RuleCode.NotFound);   // outside the officer's reach, as access.md says
        outcomes[2].Version.ShouldBe(2);
        (await engine.PetitionAsync(a)).Status.ShouldBe(PetitionStatus.Forwarded);
        (await engine.StreamAsync(c)).Count.ShouldBe(1);
        var forwarded = (await engine.StreamAsync(a))[1];
        forwarded.CausationId.ShouldBe(forward.Meta.CommandId.ToString());
        forwarded.Headers![PetitionCommands.CommandIdHeader].ToString().ShouldBe(forward.Meta.CommandId.ToString());
        (await engine.StreamAsync(b))[1].CausationId.ShouldBe(assign.Meta.CommandId.ToString());
    }

    [Fact]
    public async Task gives_a_submission_an_id_that_names_its_province_as_a_single_command_does()
    {
        await using var engine = await Engine.StartAsync(db);
        var batched = await RunAsync(engine, Submission("340101"), Submission("340102"));
        var single = await engine.SubmitAsync();
        foreach (var id in batched.Select(o => o.PetitionId).Append(single.PetitionId))
        {
            PetitionIds.ProvinceOf(id).ShouldBe("340000");
            (await engine.PetitionAsync(id)).Id.ShouldBe(id);
        }
    }

    [Fact]
    public async Task answers_a_repeated_batch_with_the_first_results_and_appends_nothing()
    {
        await using var engine = await Engine.StartAsync(db);
        var submit = Submission();
        var first = (await RunAsync(engine, submit)).Single();
        var again = (await RunAsync(engine, submit)).Single();
        again.Repeated.ShouldBeTrue();
        (again.PetitionId, again.CaseNumber, again.AccessCode, again.Version).ShouldBe((first.PetitionId, first.CaseNumber, first.AccessCode, 1));

        var forwardPetition = new ForwardPetition(first.PetitionId, "340101-EDU", ForwardMode.Transfer);
        var forward = new CommandEnvelope(Engine.As(Officer("340101-PO")), forwardPetition);
        await RunAsync(engine, forward);
        var repeated = (await RunAsync(engine, forward)).Single();
        repeated.Repeated.ShouldBeTrue();
        (await engine.StreamAsync(first.PetitionId)).Count.ShouldBe(2);
        var reused = forward with { Command = forwardPetition with { Note = "另一内容" } };
        (await RunAsync(engine, reused)).Single().Refusal.ShouldNotBeNull().Code.ShouldBe(RuleCode.Validation);
    }

    [Fact]
    public async Task refuses_two_commands_on_one_petition()
    {
        await using var engine = await Engine.StartAsync(db);
        var id = (await engine.SubmitAsync()).PetitionId;
        var one = new CommandEnvelope(Engine.As(Officer("340101-PO")), new AssignOfficer(id, "a"));
        var two = new CommandEnvelope(Engine.As(Officer("340101-PO")), new AssignOfficer(id, "b"));
        (await Should.ThrowAsync<RuleViolation>(() => RunAsync(engine, one, two))).Code.ShouldBe(RuleCode.Validation);
        (await engine.StreamAsync(id)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task of_two_batches_racing_on_the_same_petitions_every_command_lands_once()
    {
        // Whichever batch commits second finds the versions moved, falls back to one command at a
        // time, and each of its commands is decided again on the new state.
        await using var engine = await Engine.StartAsync(db);
        var ids = (await RunAsync(engine, [.. Enumerable.Range(0, 10).Select(_ => Submission())])).Select(o => o.PetitionId).ToArray();
        await RunAsync(engine, [.. ids.Select(id => new CommandEnvelope(Engine.As(Officer("340101-PO")), new ForwardPetition(id, "340101-EDU", ForwardMode.Transfer)))]);
        CommandEnvelope[] Batch(string officer) => [.. ids.Select(id => new CommandEnvelope(Engine.As(Officer("340101-EDU")), new AssignOfficer(id, officer)))];
        var (left, right) = (Batch("left"), Batch("right"));

        var results = await Task.WhenAll(Task.Run(() => RunAsync(engine, left)), Task.Run(() => RunAsync(engine, right)));

        results.SelectMany(r => r).ShouldAllBe(o => o.Succeeded);
        foreach (var id in ids)
        {
            var stream = await engine.StreamAsync(id);
            stream.Select(e => e.Version).ShouldBe([1L, 2L, 3L, 4L]);
            stream.Skip(2).Select(e => e.CausationId).Order().ShouldBe(
                new[] { left, right }.Select(batch => batch.Single(m => m.PetitionId == id).Meta.CommandId.ToString()).Order());
        }
        await using var session = engine.Store.QuerySession(Province.Demo);
        (await session.Query<CommandRecord>().Where(r => r.PetitionId.IsOneOf(ids)).CountAsync()).ShouldBe(40);
    }
}
