using CaseEngine.GraphApi.Reading;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Shouldly;
using Xunit;

namespace CaseEngine.GraphApi.Tests.Tenancy;

/// <summary>
/// The national log while one province's database does not answer (listed in the master table, its
/// database not there): the other provinces' events keep flowing to a national reader, and the missing
/// province's events follow, numbered after them, once its database answers.
/// </summary>
public class when_a_province_database_does_not_answer(ThreeProvinces db) : IClassFixture<ThreeProvinces>
{
    private const string Shanghai = "310000";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task the_others_flow_and_its_events_follow_when_it_answers()
    {
        await using var api = await ApiHost.StartAsync(db, services: s => s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules())));
        // Listed while the node runs, but its database does not exist yet: every connection to it fails.
        // (Listed before the start, it stops the start: Marten applies the schema to every listed database then.)
        await ProvinceDatabases.RecordAsync(db.ConnectionString, Shanghai, db.ProvinceConnectionStringOf(Shanghai));
        var (anhui, _, _) = await api.SubmitAsync(region: "340102");
        var (jiangsu, _, _) = await api.SubmitAsync(region: "320102");

        var auditor = api.Auditor();
        async Task<List<(long Sequence, string PetitionId)>> NationalFeedAsync() =>
            [.. (await api.Data("{ events(after: 0) { sequence petitionId } }", token: auditor)).GetProperty("events").EnumerateArray()
                .Select(e => (e.GetProperty("sequence").GetInt64(), e.GetProperty("petitionId").GetString()!))];
        var before = await Poll.UntilAsync(async () =>
        {
            var feed = await NationalFeedAsync();
            return feed.Select(e => e.PetitionId).Distinct().Count() == 2 ? feed : null;
        }, Bound);
        before.Select(e => e.PetitionId).Distinct().ShouldBe([anhui.ToString(), jiangsu.ToString()], ignoreOrder: true);
        // The relay keeps trying it (once the node's list of provinces, read every 5 s, has it): the gauge lists it.
        await Poll.UntilAsync(async () =>
        {
            await api.Data("{ events(after: 0) { sequence } }", token: auditor);
            return api.Services.GetRequiredService<NationalRelay>().Ages().Any(a => a.Province == Shanghai) ? "" : null;
        }, Bound);

        // Its database comes (as after a restore or a network repair): a submission there is stored, and relayed.
        await db.CreateProvinceDatabaseAsync(Shanghai);
        var shanghai = (await Poll.UntilAsync(async () =>
        {
            try
            {
                return new[] { (await api.SubmitAsync(region: "310101")).Id };
            }
            catch (ShouldAssertException)
            {
                // Refused (UNAVAILABLE) until this node's retry readies the database's schema.
                return null;
            }
        }, Bound))[0];
        var after = await Poll.UntilAsync(async () =>
        {
            var feed = await NationalFeedAsync();
            return feed.Any(e => e.PetitionId == shanghai.ToString()) ? feed : null;
        }, Bound);
        after.Take(before.Count).ShouldBe(before);
        var lastBefore = before[^1].Sequence;
        after.Where(e => e.PetitionId == shanghai.ToString()).ShouldAllBe(e => e.Sequence > lastBefore);
        after.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, after.Count).Select(i => (long)i));
    }
}
