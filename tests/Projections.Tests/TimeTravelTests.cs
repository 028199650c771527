using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Domain.Petitions.Supervising;
using CaseEngine.Projections.History;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;

namespace CaseEngine.Projections.Tests;

public class a_petition_with_thirty_events_travels_in_time(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly Actor Citizen = new("citizen-30", Role.Petitioner, null);

    private static CommandMeta Staff(string department) => Engine.As(new Actor($"officer-{department}", Role.Officer, department));

    private static CommandMeta Supervisor(string office) => Engine.As(new Actor($"sup-{office}", Role.Supervisor, office));

    private static string Json(Petition? p) => JsonSerializer.Serialize(p, EventJson.Options);

    [Fact]
    public async Task the_state_as_of_each_version_and_moment_is_the_folded_prefix()
    {
        await using var engine = await Engine.StartAsync(db);
        var other = (await engine.SubmitAsync(Samples.Complaint(subject: "另一件"))).PetitionId;
        var id = (await engine.SubmitAsync(meta: Engine.As(Citizen))).PetitionId;
        var due = () => engine.Clock.GetUtcNow() + TimeSpan.FromDays(10);
        Func<CommandEnvelope>[] script =
        [
            () => new CommandEnvelope(Staff("340101-PO"), new ReclassifyPetition(id, PetitionCategory.Suggestion, "更正")),
            () => new CommandEnvelope(CommandMeta.System(Guid.NewGuid()), new FlagSuspectedDuplicates(id, [new(other, 0.8)])),
            () => new CommandEnvelope(Supervisor("340101-PO"), new SupervisePetition(id, "请及时办理", due())),
            () => new CommandEnvelope(Staff("340101-PO"), new RespondToSupervision(id, $"{id:N}-S1", "已办理")),
            () => new CommandEnvelope(Staff("340101-PO"), new ForwardPetition(id, "340101-EDU", ForwardMode.Assign)),
            () => new CommandEnvelope(Staff("340101-EDU"), new ReturnPetition(id, "非本机关职权")),
            () => new CommandEnvelope(Staff("340101-PO"), new ForwardPetition(id, "340101-HEALTH", ForwardMode.Assign)),
            () => new CommandEnvelope(Staff("340101-HEALTH"), new AssignOfficer(id, "h-1")),
            () => new CommandEnvelope(Staff("340101-HEALTH"), new AcceptPetition(id)),
            () => new CommandEnvelope(Staff("340101-HEALTH"), new AssignOfficer(id, "h-2")),
            () => new CommandEnvelope(Staff("340101-HEALTH"), new ExtendDeadline(id, 10, "情况复杂")),
            () => new CommandEnvelope(Staff("340101-HEALTH"), new StartHearing(id, "听证")),
            () => new CommandEnvelope(Staff("340101-HEALTH"), new ConcludeHearing(id, "结束")),
            () => new CommandEnvelope(Staff("340101-HEALTH"), new StartHearing(id, "再次听证")),
            () => new CommandEnvelope(Staff("340101-HEALTH"), new ConcludeHearing(id, "结束")),
            () => new CommandEnvelope(Supervisor("340100-PO"), new SupervisePetition(id, "督办", due())),
            () => new CommandEnvelope(Staff("340101-HEALTH"), new RespondToSupervision(id, $"{id:N}-S2", "已落实")),
            () => new CommandEnvelope(Staff("340101-HEALTH"), new IssueReply(id, ReplyDecision.PartiallySupported, "答复")),
            () => new CommandEnvelope(Engine.As(Citizen), new EvaluatePetition(id, Satisfaction.Dissatisfied)),
            () => new CommandEnvelope(Engine.As(Citizen), new RequestReview(id, "不服")),
            () => new CommandEnvelope(Staff("340100-HEALTH"), new AssignOfficer(id, "r-1")),
            () => new CommandEnvelope(Staff("340100-HEALTH"), new DecideReview(id, ReviewOutcome.Upheld, "维持")),
            () => new CommandEnvelope(Engine.As(Citizen), new RequestReReview(id, "仍不服")),
            () => new CommandEnvelope(Staff("340000-HEALTH"), new StartHearing(id, "复核听证")),
            () => new CommandEnvelope(Staff("340000-HEALTH"), new ConcludeHearing(id, "结束")),
            () => new CommandEnvelope(Supervisor("340000-PO"), new SupervisePetition(id, "督办复核", due())),
            () => new CommandEnvelope(Staff("340000-HEALTH"), new RespondToSupervision(id, $"{id:N}-S3", "已落实")),
            () => new CommandEnvelope(Staff("340000-HEALTH"), new DecideReReview(id, ReviewOutcome.Upheld, "维持")),
        ];
        foreach (var step in script)
        {
            engine.Clock.Advance(TimeSpan.FromHours(7));
            await engine.SendAsync(step());
        }

        var stream = await engine.StreamAsync(id);
        stream.Count.ShouldBeGreaterThanOrEqualTo(30);
        stream[^1].Data.ShouldBeOfType<PetitionTerminated>();
        var data = stream.Select(e => (IPetitionEvent)e.Data).ToList();
        await using var session = engine.Store.QuerySession(Province.Demo);

        // As of each version: the fold of the first v events; before the first, nothing; past the end, the whole.
        (await HistoryQueries.AsOfAsync(session, id, version: 0)).ShouldBeNull();
        for (var v = 1; v <= stream.Count; v++)
            Json(await HistoryQueries.AsOfAsync(session, id, version: v)).ShouldBe(Json(Petition.Fold(data.Take(v))), $"version {v}");
        Json(await HistoryQueries.AsOfAsync(session, id, version: stream.Count + 5)).ShouldBe(Json(Petition.Fold(data)));

        // As of a moment: every event stored at or before it, so between two events the earlier state.
        (await HistoryQueries.AsOfAsync(session, id, at: stream[0].Timestamp.AddTicks(-10))).ShouldBeNull();
        for (var i = 0; i < stream.Count; i++)
        {
            var at = stream[i].Timestamp;
            var upTo = stream.Count(e => e.Timestamp <= at);
            Json(await HistoryQueries.AsOfAsync(session, id, at: at)).ShouldBe(Json(Petition.Fold(data.Take(upTo))), $"at event {i + 1}");
            if (i + 1 < stream.Count && stream[i + 1].Timestamp > at)
            {
                var between = at + (stream[i + 1].Timestamp - at) / 2;
                Json(await HistoryQueries.AsOfAsync(session, id, at: between)).ShouldBe(Json(Petition.Fold(data.Take(i + 1))), $"between {i + 1} and {i + 2}");
            }
        }

        (await Should.ThrowAsync<RuleViolation>(() => HistoryQueries.AsOfAsync(session, id))).Code.ShouldBe(RuleCode.Validation);
        (await Should.ThrowAsync<RuleViolation>(() => HistoryQueries.AsOfAsync(session, id, 3, stream[2].Timestamp))).Code.ShouldBe(RuleCode.Validation);
        (await HistoryQueries.AsOfAsync(session, Guid.NewGuid(), version: 3)).ShouldBeNull();
    }

    [Fact]
    public async Task history_is_an_inclusive_slice_with_metadata_and_the_stored_department()
    {
        await using var engine = await Engine.StartAsync(db);
        var id = (await engine.SubmitAsync()).PetitionId;
        for (var i = 0; i < 4; i++)
        {
            engine.Clock.Advance(TimeSpan.FromHours(1));
            await engine.SendAsync(new CommandEnvelope(Staff("340101-PO") with { CorrelationId = $"req-{i}" },
                new ReclassifyPetition(id, i % 2 == 0 ? PetitionCategory.Suggestion : PetitionCategory.ComplaintRequest, "更正")));
        }
        engine.Clock.Advance(TimeSpan.FromHours(1));
        await engine.SendAsync(new CommandEnvelope(Staff("340101-PO") with { CorrelationId = "req-f" },
            new ForwardPetition(id, "340101-EDU", ForwardMode.Transfer)));
        for (var i = 0; i < 3; i++)
        {
            engine.Clock.Advance(TimeSpan.FromHours(1));
            await engine.SendAsync(new CommandEnvelope(Staff("340101-EDU"), new AssignOfficer(id, $"e-{i}")));
        }

        await using var session = engine.Store.QuerySession(Province.Demo);
        var all = await HistoryQueries.HistoryAsync(session, id);
        all.Select(e => e.Version).ShouldBe(Enumerable.Range(1, all.Count));
        var slice = await HistoryQueries.HistoryAsync(session, id, 2, 3);
        slice.Select(e => e.Version).ShouldBe([2, 3]);
        var forward = all.Single(e => e.Type == nameof(PetitionForwarded));
        forward.DepartmentId.ShouldBe("340101-EDU");
        forward.RegionPath.ShouldBe("000000.340000.340100.340101");
        forward.CorrelationId.ShouldBe("req-f");
        forward.CausationId.ShouldNotBeNull();
        forward.Actor.DepartmentId.ShouldBe("340101-PO");
        forward.Sequence.ShouldBeGreaterThan(all[0].Sequence);
        forward.OccurredAt.ShouldBe(forward.Data.At);
        (await HistoryQueries.HistoryAsync(session, id, fromVersion: all.Count - 1)).Count.ShouldBe(2);
        (await HistoryQueries.HistoryAsync(session, id, toVersion: 1)).Single().Type.ShouldBe(nameof(PetitionSubmitted));
        (await HistoryQueries.HistoryAsync(session, id, 5, 4)).ShouldBeEmpty();
        (await Should.ThrowAsync<RuleViolation>(() => HistoryQueries.HistoryAsync(session, id, 0))).Code.ShouldBe(RuleCode.Validation);
    }

    /// <summary>
    /// HistoryQueries reads the stream with a statement of its own, not Marten's <c>FetchStreamAsync</c> (bench/tuning.md,
    /// T7): what it reads must be what Marten reads, field for field, and a moment must cut the stream at its first
    /// event stored later, also when a node's clock put an event's moment after the next one's.
    /// </summary>
    [Fact]
    public async Task the_stream_read_is_martens_field_for_field_and_a_moment_cuts_it_at_the_first_event_stored_later()
    {
        await using var engine = await Engine.StartAsync(db);
        var id = (await engine.SubmitAsync(meta: Engine.As(Citizen))).PetitionId;
        for (var i = 0; i < 4; i++)
        {
            engine.Clock.Advance(TimeSpan.FromHours(1));
            await engine.SendAsync(new CommandEnvelope(Staff("340101-PO") with { CorrelationId = $"req-{i}" },
                new ReclassifyPetition(id, i % 2 == 0 ? PetitionCategory.Suggestion : PetitionCategory.ComplaintRequest, "更正")));
        }
        await using var session = engine.Store.QuerySession(Province.Demo);
        var marten = (await engine.StreamAsync(id)).Select(StoredEvent.From).ToList();
        marten.Count.ShouldBe(5);
        var read = await HistoryQueries.HistoryAsync(session, id);
        read.Select(e => JsonSerializer.Serialize(e, EventJson.Options)).ShouldBe(marten.Select(e => JsonSerializer.Serialize(e, EventJson.Options)));
        read.Select(e => e.Data.GetType()).ShouldBe(marten.Select(e => e.Data.GetType()));
        read.Select(e => e.Actor).ShouldBe(marten.Select(e => e.Actor));

        // A node whose clock ran ahead stored event 3 an hour after event 4's moment: as of event 4's moment the
        // petition is its first two events, not events 1, 2 and 4 (a fold with a hole in it).
        await using (var connection = new Npgsql.NpgsqlConnection(db.ProvinceConnectionStringOf(Province.Demo)))
        {
            await connection.OpenAsync();
            await using var ahead = new Npgsql.NpgsqlCommand(
                "update caseengine.mt_events set timestamp = timestamp + interval '2 hours' where stream_id = @id and version = 3", connection);
            ahead.Parameters.AddWithValue("id", id);
            (await ahead.ExecuteNonQueryAsync()).ShouldBe(1);
        }
        var data = marten.Select(e => e.Data).ToList();
        Json(await HistoryQueries.AsOfAsync(session, id, at: marten[3].OccurredAt)).ShouldBe(Json(Petition.Fold(data.Take(2))));
        Json(await HistoryQueries.AsOfAsync(session, id, at: marten[4].OccurredAt.AddHours(1))).ShouldBe(Json(Petition.Fold(data)));
        // The same moment written in Beijing time.
        Json(await HistoryQueries.AsOfAsync(session, id, at: marten[3].OccurredAt.ToOffset(TimeSpan.FromHours(8)))).ShouldBe(Json(Petition.Fold(data.Take(2))));
    }
}
