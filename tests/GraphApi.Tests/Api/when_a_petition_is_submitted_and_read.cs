using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;

namespace CaseEngine.GraphApi.Tests.Api;

public class when_a_petition_is_submitted_and_read(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task the_petitioner_sees_it_in_clear_and_an_auditor_masked()
    {
        await using var api = await ApiHost.StartAsync(db);
        var (id, caseNumber, accessCode) = await api.SubmitAsync();
        caseNumber.ShouldStartWith("340101-2025-");
        accessCode.Length.ShouldBe(12);

        var own = await api.Petition(id, api.Citizen());
        own.GetProperty("petitioner").GetProperty("name").GetString().ShouldBe("张三丰");

        var audited = await api.Petition(id, api.Auditor());
        audited.GetProperty("petitioner").GetProperty("name").GetString().ShouldBe("张*");
        audited.GetProperty("petitioner").GetProperty("phone").GetString().ShouldBe("138****5678");
        audited.GetProperty("submittedAt").GetString().ShouldBe("2025-03-03T09:00:00.000+08:00");
    }
}

public class when_a_response_is_written(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task chinese_text_offsets_and_event_data_are_written_as_themselves()
    {
        await using var api = await ApiHost.StartAsync(db);
        var (id, _, _) = await api.SubmitAsync();
        var result = await api.GraphQL("query($id: ID!) { petition(id: $id) { subject submittedAt history { data } } }", new { id }, api.Citizen());
        result.Body.ShouldContain("村道损坏无人维修");
        result.Body.ShouldContain("+08:00");
        result.Body.ShouldNotContain("\\u");
        result.Data.GetProperty("petition").GetProperty("history")[0].GetProperty("data").GetProperty("petitioner").GetProperty("name").GetString().ShouldBe("张三丰");
    }
}
