using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Testing;
using System.Diagnostics.Metrics;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseEngine.Workflow.Tests.Tenancy;

/// <summary>
/// Issue 20: the national office's database beside three provinces'. A petition the national office forwards to an
/// Anhui agency is handed down: a linked copy in Anhui's database decides, its acts are reported back onto the
/// national petition, and the citizen's act on the national petition is carried to the copy. A petition an Anhui
/// office transfers to Jiangsu's office is handed over the same way. Each copy is made once.
/// </summary>
[RunsLong]
public class when_a_petition_is_handed_over_between_databases(NationAndThreeProvinces db) : IClassFixture<NationAndThreeProvinces>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task the_national_offices_hand_down_makes_one_anhui_copy_whose_acts_are_reported_back_and_the_citizen_acts_with_the_national_case_number()
    {
        await using var engine = await Engine.StartAsync(db, configure: o => o.RuleBook = NationalDirectory.Rules());
        var submitted = await engine.SubmitAsync(Samples.Complaint(entryRegion: "000000"), Engine.Anonymously());
        PetitionIds.ProvinceOf(submitted.PetitionId).ShouldBe(Province.Nation);
        var nationalId = submitted.PetitionId;

        // 交办 from the national office to an agency of an Anhui county.
        var nationalOfficer = new Actor("officer@000000-PO", Role.Officer, "000000-PO");
        await engine.SendAsync(new CommandEnvelope(Engine.As(nationalOfficer), new ForwardPetition(nationalId, "340102-EDU", ForwardMode.Assign)));
        var national = await engine.PetitionAsync(nationalId);
        national.HandedOver.ShouldBeTrue();
        var copyId = national.Link!.PetitionId;
        PetitionIds.ProvinceOf(copyId).ShouldBe(Province.Anhui);

        var copy = await Poll.UntilAsync(() => TryLoadAsync(engine, copyId), Within);
        (copy.Status, copy.Stage, copy.CurrentDepartmentId).ShouldBe((PetitionStatus.Forwarded, Stage.Acceptance, "340102-EDU"));
        copy.Link.ShouldBe(new PetitionLink(nationalId, Province.Nation, LinkRole.Copy, submitted.CaseNumber));
        copy.CaseNumber.ShouldStartWith("340102-");
        (await engine.StreamAsync(copyId)).Select(e => e.Data).ShouldNotContain(e => e is PetitionSubmitted);

        // The Anhui agency accepts and replies on the copy; the national petition mirrors it.
        var agencyOfficer = new Actor("officer@340102-EDU", Role.Officer, "340102-EDU");
        await engine.SendAsync(new CommandEnvelope(Engine.As(agencyOfficer), new AcceptPetition(copyId)));
        var replied = await engine.SendAsync(new CommandEnvelope(Engine.As(agencyOfficer), new IssueReply(copyId, ReplyDecision.Supported, "已安排维修。")));
        var mirrored = await Poll.UntilAsync(async () => await engine.PetitionAsync(nationalId) is { Link.ReportedVersion: var v } p && v == replied.Version ? p : null, Within);
        (mirrored.Status, mirrored.Stage, mirrored.CurrentDepartmentId).ShouldBe((PetitionStatus.Replied, Stage.ReviewWindow, "340102-EDU"));
        mirrored.Reply!.Decision.ShouldBe(ReplyDecision.Supported);
        mirrored.Link!.CaseNumber.ShouldBe(copy.CaseNumber);

        // A staff act on the national petition is refused; the citizen's evaluation of it, with the national
        // petition's access code and no token, is decided on the copy and reported back.
        (await Should.ThrowAsync<RuleViolation>(() => engine.SendAsync(new CommandEnvelope(Engine.As(agencyOfficer), new AcceptPetition(nationalId)))))
            .Code.ShouldBe(RuleCode.InvalidTransition);
        var evaluated = await engine.SendAsync(new CommandEnvelope(Engine.Anonymously(submitted.AccessCode), new EvaluatePetition(nationalId, Satisfaction.Satisfied)));
        evaluated.PetitionId.ShouldBe(copyId);
        (await engine.PetitionAsync(copyId)).Evaluation!.Satisfaction.ShouldBe(Satisfaction.Satisfied);
        var final = await Poll.UntilAsync(async () => await engine.PetitionAsync(nationalId) is { Evaluation: not null } p ? p : null, Within);
        final.Evaluation!.Satisfaction.ShouldBe(Satisfaction.Satisfied);
        // A wrong code is not carried anywhere.
        (await Should.ThrowAsync<RuleViolation>(() => engine.SendAsync(new CommandEnvelope(Engine.Anonymously("AAAAAAAAAAAA"), new WithdrawPetition(nationalId)))))
            .Code.ShouldBe(RuleCode.NotFound);

        // Exactly once: one copy in Anhui, none anywhere else; the national stream holds one report per copy command.
        foreach (var province in new[] { Province.Anhui, Province.Jiangsu, Province.Zhejiang })
            (await CountCopiesAsync(province, nationalId)).ShouldBe(province == Province.Anhui ? 1 : 0, province);
        var reports = (await engine.StreamAsync(nationalId)).Select(e => e.Data).OfType<LinkedProgressReported>().ToList();
        reports.Select(r => (r.FromVersion, r.ToVersion)).ShouldBe([(1, 1), (2, 2), (3, 4), (5, 5)]);
        // Nothing is left waiting in any database's inbox: each delivery was marked done where it was stored.
        foreach (var province in new[] { Province.Nation, Province.Anhui })
            await Poll.UntilAsync(async () => await WaitingAsync(province) == 0 ? "none waiting" : null, Within);
    }

    [Fact]
    public async Task an_anhui_offices_transfer_to_jiangsus_office_makes_a_jiangsu_copy_that_routes_it_there()
    {
        await using var engine = await Engine.StartAsync(db, configure: o => o.RuleBook = NationalDirectory.Rules());
        var submitted = await engine.SubmitAsync(Samples.Complaint(entryRegion: "340102"));
        var anhuiSupervisor = new Actor("supervisor@340102-PO", Role.Supervisor, "340102-PO");
        await engine.SendAsync(new CommandEnvelope(Engine.As(anhuiSupervisor), new TransferLevel(submitted.PetitionId, "320102-PO", "事发地在江苏省南京市")));
        var origin = await engine.PetitionAsync(submitted.PetitionId);
        var copyId = origin.Link!.PetitionId;
        PetitionIds.ProvinceOf(copyId).ShouldBe(Province.Jiangsu);

        var copy = await Poll.UntilAsync(() => TryLoadAsync(engine, copyId), Within);
        (copy.Status, copy.Stage, copy.CurrentDepartmentId).ShouldBe((PetitionStatus.Registered, Stage.Routing, "320102-PO"));
        // Jiangsu's office forwards it to one of its own agencies: no further hand-over, reported back to Anhui.
        var jiangsuOfficer = new Actor("officer@320102-PO", Role.Officer, "320102-PO");
        await engine.SendAsync(new CommandEnvelope(Engine.As(jiangsuOfficer), new ForwardPetition(copyId, "320102-EDU", ForwardMode.Transfer)));
        (await engine.PetitionAsync(copyId)).Link!.Role.ShouldBe(LinkRole.Copy);
        var mirrored = await Poll.UntilAsync(async () => await engine.PetitionAsync(submitted.PetitionId) is { Status: PetitionStatus.Forwarded } p ? p : null, Within);
        mirrored.CurrentDepartmentId.ShouldBe("320102-EDU");
        (await CountCopiesAsync(Province.Jiangsu, submitted.PetitionId)).ShouldBe(1);
    }

    [Fact]
    public async Task an_anhui_agency_returns_a_handed_down_petition_and_the_national_office_has_it_again_to_hand_down_anew()
    {
        await using var engine = await Engine.StartAsync(db, configure: o => o.RuleBook = NationalDirectory.Rules());
        var submitted = await engine.SubmitAsync(Samples.Complaint(entryRegion: "000000"), Engine.Anonymously());
        var nationalOfficer = new Actor("officer@000000-PO", Role.Officer, "000000-PO");
        await engine.SendAsync(new CommandEnvelope(Engine.As(nationalOfficer), new ForwardPetition(submitted.PetitionId, "340102-EDU", ForwardMode.Transfer)));
        var copyId = (await engine.PetitionAsync(submitted.PetitionId)).Link!.PetitionId;
        await Poll.UntilAsync(() => TryLoadAsync(engine, copyId), Within);

        // 退回 within the agency's 5 working days: the copy's part ends, the national office has the petition again.
        var agencyOfficer = new Actor("officer@340102-EDU", Role.Officer, "340102-EDU");
        await engine.SendAsync(new CommandEnvelope(Engine.As(agencyOfficer), new ReturnPetition(copyId, "不属于本机关职权")));
        (await engine.PetitionAsync(copyId)).Status.ShouldBe(PetitionStatus.Closed);
        var back = await Poll.UntilAsync(async () => await engine.PetitionAsync(submitted.PetitionId) is { HandedOver: false } p ? p : null, Within);
        (back.Status, back.Stage, back.CurrentDepartmentId).ShouldBe((PetitionStatus.Registered, Stage.Routing, "000000-PO"));
        back.Clock!.Stage.ShouldBe(Stage.Routing);
        (await engine.StreamAsync(submitted.PetitionId)).Select(e => e.Data).OfType<HandOverReturned>().ShouldHaveSingleItem().Reason.ShouldBe("不属于本机关职权");

        // The national office decides again: a new hand-down, to Jiangsu this time, makes a new copy there.
        await engine.SendAsync(new CommandEnvelope(Engine.As(nationalOfficer), new ForwardPetition(submitted.PetitionId, "320102-EDU", ForwardMode.Transfer)));
        var second = (await engine.PetitionAsync(submitted.PetitionId)).Link!.PetitionId;
        second.ShouldNotBe(copyId);
        (await Poll.UntilAsync(() => TryLoadAsync(engine, second), Within)).CurrentDepartmentId.ShouldBe("320102-EDU");
        (await CountCopiesAsync(Province.Anhui, submitted.PetitionId)).ShouldBe(1);
        (await CountCopiesAsync(Province.Jiangsu, submitted.PetitionId)).ShouldBe(1);
    }

    [Fact]
    public async Task a_hand_down_while_the_provinces_database_refuses_connections_waits_visibly_and_arrives_once_when_it_answers()
    {
        await using var engine = await Engine.StartAsync(db, configure: o => o.RuleBook = NationalDirectory.Rules());
        var submitted = await engine.SubmitAsync(Samples.Complaint(entryRegion: "000000"), Engine.Anonymously());
        var nationalOfficer = new Actor("officer@000000-PO", Role.Officer, "000000-PO");
        await SetAllowConnectionsAsync(Province.Zhejiang, false);
        try
        {
            // The national office's act commits in its own database; the copy waits in its outbox.
            await engine.SendAsync(new CommandEnvelope(Engine.As(nationalOfficer), new ForwardPetition(submitted.PetitionId, "330102-EDU", ForwardMode.Transfer)));
            var copyId = (await engine.PetitionAsync(submitted.PetitionId)).Link!.PetitionId;
            PetitionIds.ProvinceOf(copyId).ShouldBe(Province.Zhejiang);
            await Poll.UntilAsync(async () => await WaitingAsync(Province.Nation) >= 1 ? "waiting" : null, Within);
            // The gauge shows it, by the sending database; Zhejiang being down leaves only its own figures out.
            await engine.Host.Services.GetRequiredService<OperationsSampler>().SampleAsync();
            var gauge = LinksWaitingGauge(engine);
            gauge.GetValueOrDefault(Province.Nation).ShouldBeGreaterThanOrEqualTo(1);
            gauge.ContainsKey(Province.Anhui).ShouldBeTrue("a province after the one that is down is still sampled");
            gauge.ContainsKey(Province.Zhejiang).ShouldBeFalse();
        }
        finally
        {
            await SetAllowConnectionsAsync(Province.Zhejiang, true);
        }
        var copy = await Poll.UntilAsync(async () =>
        {
            try
            {
                return await TryLoadAsync(engine, (await engine.PetitionAsync(submitted.PetitionId)).Link!.PetitionId);
            }
            catch (NpgsqlException)
            {
                return null;
            }
        }, Within);
        copy.CurrentDepartmentId.ShouldBe("330102-EDU");
        await Poll.UntilAsync(async () => await engine.PetitionAsync(submitted.PetitionId) is { Link.ReportedVersion: 1 } ? "mirrored" : null, Within);
        await Poll.UntilAsync(async () => await WaitingAsync(Province.Nation) == 0 ? "none waiting" : null, Within);
        (await CountCopiesAsync(Province.Zhejiang, submitted.PetitionId)).ShouldBe(1);
    }

    /// <summary>The last sampled values of <see cref="CaseEngineMetrics.LinksWaiting"/>, by province.</summary>
    private static Dictionary<string, long> LinksWaitingGauge(Engine engine)
    {
        var meter = engine.Host.Services.GetRequiredService<CaseEngineMetrics>().Meter;
        var values = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter && instrument.Name == CaseEngineMetrics.LinksWaiting)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "province")
                    values[(string)tag.Value!] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    /// <summary>A province's database refuses every new connection (and drops the open ones), as a server that is down does.</summary>
    private async Task SetAllowConnectionsAsync(string province, bool allow)
    {
        var name = new NpgsqlConnectionStringBuilder(db.ProvinceConnectionStringOf(province)).Database!;
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var alter = new NpgsqlCommand($"alter database \"{name}\" allow_connections {(allow ? "true" : "false")}", connection);
        await alter.ExecuteNonQueryAsync();
        if (!allow)
        {
            await using var terminate = new NpgsqlCommand("select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = @name", connection);
            terminate.Parameters.AddWithValue("name", name);
            await terminate.ExecuteScalarAsync();
        }
        NpgsqlConnection.ClearAllPools();
    }

    private static async Task<Petition?> TryLoadAsync(Engine engine, Guid id)
    {
        await using var session = engine.Store.QuerySession(Engine.ProvinceOf(id));
        return await session.LoadAsync<Petition>(id);
    }

    /// <summary>Link commands in a database's Wolverine inbox (stored, not yet handled, or scheduled for a retry).</summary>
    private async Task<long> WaitingAsync(string province)
    {
        await using var connection = new NpgsqlConnection(db.ProvinceConnectionStringOf(province));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(Linking.LinkCommand.WaitingSql("caseengine"), connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<long> CountCopiesAsync(string province, Guid originId)
    {
        await using var connection = new NpgsqlConnection(db.ProvinceConnectionStringOf(province));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select count(*) from caseengine.mt_doc_petition where data -> 'link' ->> 'petitionId' = @id", connection);
        command.Parameters.AddWithValue("id", originId.ToString());
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
