using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Npgsql;

namespace CaseEngine.GraphApi.Tests.Integrity;

/// <summary>
/// Issue 15, finding 6: anyone who can write to the database could rewrite an event and the auditors'
/// history served the altered text with nothing to show it. The chain beside the events shows it.
/// </summary>
public class when_an_event_is_rewritten_in_the_database(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string Verify = "query($id: ID!) { verifyPetitionChain(id: $id) { intact firstBrokenVersion checkedEvents } }";

    [Fact]
    public async Task the_auditors_verification_names_the_first_altered_version()
    {
        await using var api = await ApiHost.StartAsync(db);
        var (id, _, _) = await api.SubmitAsync();
        await api.Forward(id);
        await api.Accept(id);

        var before = (await api.Data(Verify, new { id }, api.Auditor())).GetProperty("verifyPetitionChain");
        before.GetProperty("intact").GetBoolean().ShouldBeTrue();
        var events = before.GetProperty("checkedEvents").GetInt32();
        events.ShouldBeGreaterThanOrEqualTo(3);

        // The attack: an UPDATE by anyone with write access, on an event that is not the stream's first.
        await using (var conn = new NpgsqlConnection(db.ProvinceConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(
                "update caseengine.mt_events set data = data || '{\"note\": \"已篡改\"}'::jsonb where stream_id = @id and version = 2", conn);
            cmd.Parameters.AddWithValue("id", id);
            (await cmd.ExecuteNonQueryAsync()).ShouldBe(1);
        }

        var after = (await api.Data(Verify, new { id }, api.Auditor())).GetProperty("verifyPetitionChain");
        after.GetProperty("intact").GetBoolean().ShouldBeFalse();
        after.GetProperty("firstBrokenVersion").GetInt32().ShouldBe(2);
        after.GetProperty("checkedEvents").GetInt32().ShouldBe(events);
    }
}
