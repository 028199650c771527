using CaseEngine.Domain;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Projections.Inbox;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Projections.Statistics;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using Marten;
using Marten.Events;

namespace CaseEngine.Projections.Tests;

public class when_a_petition_is_forwarded(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task the_inbox_moves_from_the_office_to_the_agency()
    {
        await using var engine = await Engine.StartAsync(db);
        var submitted = await engine.SubmitAsync();
        await engine.Store.SettleAsync(TimeSpan.FromSeconds(30));
        await using (var session = engine.Store.QuerySession(Province.Demo))
        {
            var page = await InboxQueries.PageAsync(session, "340101-PO", null, InboxOrder.DueAtAsc, 10, null, engine.Clock.GetUtcNow());
            page.TotalCount.ShouldBe(1);
            page.Edges.Single().Node.PetitionId.ShouldBe(submitted.PetitionId);
        }
        await engine.SendAsync(new CommandEnvelope(Engine.As(new Actor("o", Role.Officer, "340101-PO")),
            new ForwardPetition(submitted.PetitionId, "340101-EDU", ForwardMode.Transfer)));
        await engine.Store.SettleAsync(TimeSpan.FromSeconds(30));
        await using (var session = engine.Store.QuerySession(Province.Demo))
        {
            (await InboxQueries.PageAsync(session, "340101-PO", null, InboxOrder.DueAtAsc, 10, null, engine.Clock.GetUtcNow())).TotalCount.ShouldBe(0);
            var page = await InboxQueries.PageAsync(session, "340101-EDU", null, InboxOrder.DueAtAsc, 10, null, engine.Clock.GetUtcNow());
            page.Edges.Single().Node.Stage.ShouldBe(Stage.Acceptance);
            var stats = await StatisticsQueries.GetAsync(session, new DepartmentScope("340101-PO", DepartmentKind.PetitionOffice, "000000.340000.340100.340101"),
                new DateOnly(2025, 3, 1), new DateOnly(2025, 3, 31), true);
            stats.Totals.Received.ShouldBe(1);
            stats.Totals.Accepted.ShouldBe(1);
        }
    }
}
