using System.Text;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Projections.Duplicates;
using CaseEngine.Testing;
using CaseEngine.Testing.Text;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.DuplicateDetection;
using CaseEngine.Workflow.Submitting;
using Marten;
using Marten.Events;
using Marten.Events.Daemon.Coordination;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static CaseEngine.Workflow.Tests.Scenarios.Steps;

namespace CaseEngine.Workflow.Tests.DuplicateDetection;

/// <summary>Detection end to end: the flag on the new petition, linking, the index's privacy, rebuilds and repeats.</summary>
[RunsLong]
public class when_a_petitioner_submits_the_same_matter_again(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);
    private static readonly Matter Matter = new(PetitionTexts.LandRequisition, "李家湾", "华泰开发区管委会", "39.5万元", "2023年5月", 14);
    // Tests of this class share a database: each uses its own petitioners.
    private static readonly PetitionerDetails Zhang = new("张三丰", "13812345678", "340101199001011234", "示范市1县1镇1");

    private static SubmitPetition Petition(int wording, string entry = "340101", PetitionerDetails? who = null) =>
        new(Channel.Website, entry, PetitionCategory.ComplaintRequest, Matter.Subject(wording), Matter.Content(wording), who ?? Zhang);

    private static Task<CommandResult> Submit(Engine engine, SubmitPetition command, string submitter = "citizen-1")
    {
        engine.Clock.Advance(TimeSpan.FromMinutes(5));
        return engine.SendAsync(new CommandEnvelope(Engine.As(new Actor(submitter, Role.Petitioner, null)), command));
    }

    [Fact]
    public async Task the_new_petition_is_flagged_by_the_system_with_candidate_and_score_and_the_office_links_it()
    {
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2025, 3, 3)), o => o.DuplicateDetection = true);
        var original = await Submit(engine, Petition(0));
        // Reworded, typed differently, and addressed to the province: the same petitioner by ID number.
        var repeat = await Submit(engine, Petition(1, "340000", Zhang with { Phone = "+86 138-1234-5678" }));
        await engine.Store.SettleAsync(Settle);

        var flagged = await engine.PetitionAsync(repeat.PetitionId);
        var suspected = flagged.SuspectedDuplicates.ShouldHaveSingleItem();
        suspected.CandidatePetitionId.ShouldBe(original.PetitionId);
        suspected.Score.ShouldBeInRange(DuplicateDetector.Threshold, 1);
        flagged.Status.ShouldBe(PetitionStatus.Registered);
        (await engine.PetitionAsync(original.PetitionId)).SuspectedDuplicates.ShouldBeEmpty();

        var stored = (await engine.StreamAsync(repeat.PetitionId)).Single(e => e.Data is DuplicateSuspected);
        ((DuplicateSuspected)stored.Data).By.ShouldBe(Actor.System());
        stored.Headers.ShouldNotBeNull()[PetitionCommands.CommandIdHeader].ToString()
            .ShouldBe(DuplicateDetectionSubscription.FlagId(repeat.PetitionId).ToString());

        // The office of the province confirms: counted once from now on, and no longer a candidate.
        var linked = await engine.SendAsync(new CommandEnvelope(Engine.As(Officer("340000-PO")),
            new LinkDuplicate(repeat.PetitionId, original.PetitionId, "同一事项")));
        linked.Types().ShouldBe([nameof(DuplicateLinked)]);
        await engine.Store.SettleAsync(Settle);
        (await StatusAsync(repeat.PetitionId)).ShouldBe(IndexStatus.Merged);

        var third = await Submit(engine, Petition(2, "340100"));
        await engine.Store.SettleAsync(Settle);
        (await engine.PetitionAsync(third.PetitionId)).SuspectedDuplicates.Select(d => d.CandidatePetitionId)
            .ShouldBe([original.PetitionId]);
    }

    [Fact]
    public async Task other_people_and_other_matters_are_not_flagged_and_a_phone_alone_recognises_a_petitioner()
    {
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2025, 3, 3)), o => o.DuplicateDetection = true);
        var li = new PetitionerDetails("李四", "13900001111", null, null);
        var original = await Submit(engine, Petition(0, who: li), "citizen-li");
        var neighbour = await Submit(engine, Petition(1, who: new PetitionerDetails("王五", "13900002222", "340101198501012345", null)), "citizen-wang");
        var spouse = await Submit(engine, Petition(2, who: new PetitionerDetails("李四妻", "13900001111", "340101198601012345", null)), "citizen-li");
        var other = await Submit(engine, new SubmitPetition(Channel.Website, "340101", PetitionCategory.ComplaintRequest,
            "小区楼下烧烤店油烟扰民", "李家湾楼下的烧烤店每天营业到凌晨，油烟直接排进楼道。", li), "citizen-li");
        var repeat = await Submit(engine, Petition(3, "340100", li with { Phone = "139 0000 1111" }), "citizen-li");
        await engine.Store.SettleAsync(Settle);

        (await engine.PetitionAsync(neighbour.PetitionId)).SuspectedDuplicates.ShouldBeEmpty();
        // Same phone but the spouse has her own ID number, and the original has none: the phone decides, so she is flagged.
        (await engine.PetitionAsync(spouse.PetitionId)).SuspectedDuplicates.Select(d => d.CandidatePetitionId).ShouldBe([original.PetitionId]);
        (await engine.PetitionAsync(other.PetitionId)).SuspectedDuplicates.ShouldBeEmpty();
        (await engine.PetitionAsync(repeat.PetitionId)).SuspectedDuplicates.Select(d => d.CandidatePetitionId)
            .ShouldBe([original.PetitionId, spouse.PetitionId], ignoreOrder: true);
    }

    [Fact]
    public async Task the_index_keeps_keyed_hashes_and_words_never_the_id_number_or_phone_and_rebuilds_to_the_same_rows()
    {
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2025, 3, 3)), o => o.DuplicateDetection = true);
        var zhao = new PetitionerDetails("赵六", "13812340000", "340102199202021234", "示范市1县2镇1");
        var first = await Submit(engine, Petition(0, who: zhao));
        await Submit(engine, Petition(1, who: zhao));
        var withdrawn = await Submit(engine, Petition(2, who: zhao with { IdNumber = null, Phone = "13700000000" }));
        await engine.Withdraw(withdrawn.PetitionId);
        await engine.Store.SettleAsync(Settle);

        var keys = new PetitionerKeys(TestKeys.PetitionerHashKey);
        var all = await RowsAsync();
        var before = all;
        before = [.. before.Where(r => r.Contains(Convert.ToHexString(keys.IdNumberHash(zhao.IdNumber)!), StringComparison.Ordinal)
            || r.Contains(Convert.ToHexString(keys.PhoneHash("13700000000")!), StringComparison.Ordinal))];
        before.Count.ShouldBe(3);
        var row = before.Single(r => r.StartsWith(first.PetitionId.ToString(), StringComparison.Ordinal));
        row.ShouldContain(Convert.ToHexString(keys.IdNumberHash(zhao.IdNumber)!));
        row.ShouldContain("征地");
        foreach (var r in before)
        {
            r.ShouldNotContain("340102199202021234");
            r.ShouldNotContain("13812340000");
            r.ShouldNotContain("13700000000");
            r.ShouldNotContain("赵六");
        }
        before.Single(r => r.StartsWith(withdrawn.PetitionId.ToString(), StringComparison.Ordinal)).ShouldContain($"|{IndexStatus.Withdrawn}|");

        await CaseEngine.Projections.Monitoring.ProjectionRebuilds.RebuildAsync(engine.Host.Services.GetRequiredService<IProjectionCoordinator>(), DuplicateIndex.Name,
            duplicateIndex: engine.Host.Services.GetRequiredService<DuplicateIndex>(), store: engine.Store);
        var after = await RowsAsync();
        after.ShouldBe(all);
    }

    [Fact]
    public async Task detection_run_again_appends_nothing_and_concurrent_submissions_flag_only_the_later_one()
    {
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2025, 3, 3)), o => o.DuplicateDetection = true);
        var who = new PetitionerDetails("钱七", null, "34010119900101567X", null);
        var both = await Task.WhenAll(
            engine.SendAsync(new CommandEnvelope(Engine.As(Citizen), Petition(0, who: who))),
            engine.SendAsync(new CommandEnvelope(Engine.As(Citizen), Petition(1, who: who))));
        await engine.Store.SettleAsync(Settle);
        var flags = await FlagCountAsync(engine, both[0].PetitionId) + await FlagCountAsync(engine, both[1].PetitionId);
        flags.ShouldBe(1);

        var daemon = await engine.Host.Services.GetRequiredService<IProjectionCoordinator>().DaemonForDatabase(Province.Demo);
        await daemon.RewindSubscriptionAsync(DuplicateDetectionSubscription.SubscriptionName, CancellationToken.None);
        await engine.Store.SettleAsync(Settle);
        (await FlagCountAsync(engine, both[0].PetitionId) + await FlagCountAsync(engine, both[1].PetitionId)).ShouldBe(1);
    }

    private const string DetectionShard = $"{DuplicateDetectionSubscription.SubscriptionName}:All";

    // Issue 17: segmenting a petition's text was in the submission's own transaction (an inline index),
    // and each candidate was a whole command of its own through every projection.
    [Fact]
    public async Task the_submission_writes_no_index_row_and_every_candidate_is_flagged_by_one_command()
    {
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2025, 3, 3)), o =>
        {
            o.DuplicateDetection = true;
            CaseEngineTestHost.KeepStoppedShardsStopped(o); // detection is stopped below and must stay stopped
        });
        var daemon = await engine.Host.Services.GetRequiredService<IProjectionCoordinator>().DaemonForDatabase(Province.Demo);
        var sun = new PetitionerDetails("孙八", "13600001111", "340101198801018888", null);
        var first = await Submit(engine, Petition(0, who: sun), "citizen-sun");
        var second = await Submit(engine, Petition(1, who: sun), "citizen-sun");
        await engine.Store.SettleAsync(Settle);

        await daemon.StopAgentAsync(DetectionShard);
        var third = await Submit(engine, Petition(2, who: sun), "citizen-sun");
        // Committed, and not in the index: detection writes the row after the commit, off the request path.
        (await engine.PetitionAsync(third.PetitionId)).Status.ShouldBe(PetitionStatus.Registered);
        (await StatusAsync(third.PetitionId)).ShouldBeNull();

        await daemon.StartAgentAsync(DetectionShard, CancellationToken.None);
        await engine.Store.SettleAsync(Settle);
        (await StatusAsync(third.PetitionId)).ShouldBe(IndexStatus.Open);
        var flags = (await engine.StreamAsync(third.PetitionId)).Where(e => e.Data is DuplicateSuspected).ToList();
        flags.Select(f => ((DuplicateSuspected)f.Data).CandidatePetitionId).ShouldBe([first.PetitionId, second.PetitionId], ignoreOrder: true);
        flags.Select(f => f.Headers.ShouldNotBeNull()[PetitionCommands.CommandIdHeader].ToString()).Distinct()
            .ShouldHaveSingleItem().ShouldBe(DuplicateDetectionSubscription.FlagId(third.PetitionId).ToString());
    }

    // The page's own petitions and statuses are compared as the log had them at each submission: the
    // same flags whether detection runs at once or far behind (one page holds all of these).
    [Fact]
    public async Task a_page_compares_each_petition_with_what_the_log_held_when_it_was_submitted()
    {
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2025, 3, 3)), o =>
        {
            o.DuplicateDetection = true;
            CaseEngineTestHost.KeepStoppedShardsStopped(o); // detection is stopped below and must stay stopped
        });
        var daemon = await engine.Host.Services.GetRequiredService<IProjectionCoordinator>().DaemonForDatabase(Province.Demo);
        var zhou = new PetitionerDetails("周九", "13600002222", "340101198901019999", null);
        var indexed = await Submit(engine, Petition(0, who: zhou));
        await engine.Store.SettleAsync(Settle);

        await daemon.StopAgentAsync(DetectionShard);
        await engine.Withdraw(indexed.PetitionId);
        var afterIndexedWithdrawn = await Submit(engine, Petition(1, who: zhou));
        await engine.Withdraw(afterIndexedWithdrawn.PetitionId);
        var afterBothWithdrawn = await Submit(engine, Petition(2, who: zhou));
        var repeat = await Submit(engine, Petition(3, who: zhou));
        await engine.Withdraw(afterBothWithdrawn.PetitionId);
        await daemon.StartAgentAsync(DetectionShard, CancellationToken.None);
        await engine.Store.SettleAsync(Settle);

        // Withdrawn before they were submitted: an indexed row, then a row of the same page.
        (await engine.PetitionAsync(afterIndexedWithdrawn.PetitionId)).SuspectedDuplicates.ShouldBeEmpty();
        (await engine.PetitionAsync(afterBothWithdrawn.PetitionId)).SuspectedDuplicates.ShouldBeEmpty();
        // Open when the repeat was submitted (withdrawn only after it): flagged, as detection at once would have.
        (await engine.PetitionAsync(repeat.PetitionId)).SuspectedDuplicates.Select(d => d.CandidatePetitionId)
            .ShouldBe([afterBothWithdrawn.PetitionId]);
        (await StatusAsync(afterBothWithdrawn.PetitionId)).ShouldBe(IndexStatus.Withdrawn);
    }

    private static async Task<int> FlagCountAsync(Engine engine, Guid id) =>
        (await engine.StreamAsync(id)).Count(e => e.Data is DuplicateSuspected);

    private async Task<string?> StatusAsync(Guid id)
    {
        await using var connection = new NpgsqlConnection(db.ProvinceConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select status from caseengine.{DuplicateIndexSchema.Table} where petition_id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        return (string?)await command.ExecuteScalarAsync();
    }

    // A petitioner who files hundreds of petitions must not make each new one cost all the earlier ones
    // (the fault run's repeat petitioners left detection 97,000 events behind): a submission is compared
    // with the petitioner's DuplicateDetector.MaxCompared most recent earlier petitions only.
    [Fact]
    public async Task a_submission_is_compared_with_the_petitioner_s_most_recent_earlier_petitions_only()
    {
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2025, 3, 3)), o => o.DuplicateDetection = true);
        var prolific = new PetitionerDetails("赵多件", "13700007777", "340101197001017777", null);
        var first = await Submit(engine, Petition(0, who: prolific), "citizen-zhao");
        // Then MaxCompared other matters, each its own text (random characters: no two alike).
        var rng = new Random(7);
        string Text(int length) => new([.. Enumerable.Range(0, length).Select(_ => (char)rng.Next(0x4E00, 0x9FA5))]);
        for (var i = 0; i < DuplicateDetector.MaxCompared; i++)
            await Submit(engine, new SubmitPetition(Channel.Website, "340101", PetitionCategory.Suggestion, Text(12), Text(60), prolific), "citizen-zhao");
        var again = await Submit(engine, Petition(1, who: prolific), "citizen-zhao");
        await engine.Store.SettleAsync(Settle);

        (await engine.PetitionAsync(again.PetitionId)).SuspectedDuplicates.Select(d => d.CandidatePetitionId)
            .ShouldNotContain(first.PetitionId);

        // Detection itself still runs: a petitioner with one earlier filing of the matter is flagged.
        var sameMatter = await Submit(engine, Petition(2, who: prolific with { IdNumber = null, Phone = "13700008888" }), "citizen-zhao-2");
        var third = await Submit(engine, Petition(3, who: prolific with { IdNumber = null, Phone = "13700008888" }), "citizen-zhao-2");
        await engine.Store.SettleAsync(Settle);
        (await engine.PetitionAsync(third.PetitionId)).SuspectedDuplicates.Select(d => d.CandidatePetitionId)
            .ShouldBe([sameMatter.PetitionId]);
    }

    /// <summary>Every row, every column, as text (bytea as hex), ordered by petition id.</summary>
    private async Task<List<string>> RowsAsync()
    {
        await using var connection = new NpgsqlConnection(db.ProvinceConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select * from caseengine.{DuplicateIndexSchema.Table} order by petition_id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            var row = new StringBuilder();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var value = reader.GetValue(i);
                row.Append(value switch
                {
                    byte[] bytes => Convert.ToHexString(bytes),
                    string[] words => string.Join(' ', words),
                    DBNull => "null",
                    DateTime t => t.ToString("O"),
                    _ => value.ToString(),
                }).Append('|');
            }
            rows.Add(row.ToString());
        }
        return rows;
    }
}
